import pytest

from indonews.data.corpus import build_corpus, duplicate_sentences
from indonews.data.markup import lint_document, parse_markup
from indonews.schema import CorpusError


def test_offsets_handles_meta_and_meet_order():
    src = (
        "### a\n#meta topic: x\n"
        "[Jokowi]{LEADER:j} menerima [Xi]{LEADER} di [Istana Bogor]{VENUE} [kemarin]{DATE}. [ab/uh]\n"
        "@ MEET Xi | j ; AT j | Istana Bogor ; ON Xi | kemarin\n"
        "Baris kedua [Bali]{VENUE}.\n"
    )
    doc = parse_markup(src)[0]
    assert doc.meta == {"topic": "x"}
    assert doc.text == "Jokowi menerima Xi di Istana Bogor kemarin. [ab/uh]\nBaris kedua Bali."
    for e in doc.entities:
        assert doc.text[e.start : e.end] == e.text
    meet = doc.relations[0]
    assert (meet.label, doc.entity(meet.head).text, doc.entity(meet.tail).text) == ("MEET", "Jokowi", "Xi")
    assert [(r.label, doc.entity(r.tail).text) for r in doc.relations[1:]] == [
        ("AT", "Istana Bogor"),
        ("ON", "kemarin"),
    ]


@pytest.mark.parametrize(
    "src, line, problem",
    [
        ("### a\n[Jokowi]{LEADER} tiba.\n@ AT Jokowi | Bali\n", 3, "neither a handle nor a marked mention"),
        ("### a\n[Jokowi]{LEADER} dan [Jokowi]{LEADER}.\n@ MEET Jokowi | Jokowi\n", 3, "give it a handle"),
        ("### a\n[Jokowi]{LEADER} di [Bali]{VENUE}.\n@ ON Jokowi | Bali\n", 1, "ON joins LEADER to DATE"),
        ("### a\n[Jokowi]{LEADR} tiba.\n", 2, "malformed span marker"),
        ("### a\n[ Jokowi]{LEADER} tiba.\n", 1, "white space or punctuation"),
        ("teks\n### a\nx\n", 1, "before the first"),
        ("### a\n[A]{LEADER:h} [B]{LEADER:h}\n", 2, "already used"),
    ],
)
def test_markup_errors_name_the_line(src, line, problem):
    with pytest.raises(CorpusError) as err:
        parse_markup(src, "f.txt")
    assert str(err.value).startswith(f"f.txt:{line}") and problem in str(err.value), str(err.value)


def test_lint_flags_guideline_slips():
    src = (
        "### a\n[Presiden Prabowo]{LEADER} bertemu Presiden [Filipina]{VENUE}.\n"
        "[Gibran]{LEADER} tiba. Gibran lalu pulang ke [Solo]{VENUE}.\n@ AT Gibran | Solo\n"
    )
    warnings = " ".join(lint_document(parse_markup(src)[0]))
    assert "starts with a title" in warnings
    assert "follows an office title" in warnings
    assert "'Gibran' is tagged elsewhere but bare" in warnings
    assert "different sentences" in warnings


def test_lint_is_quiet_on_a_clean_document(mini_docs):
    assert [w for d in mini_docs for w in lint_document(d)] == []


def test_build_refuses_repeated_sentences_and_writes_nothing(tmp_path):
    for split in ("train", "dev", "test"):
        (tmp_path / "src" / split).mkdir(parents=True)
    sent = "Presiden itu meresmikan bendungan baru di sana kemarin sore."
    (tmp_path / "src/train/a.txt").write_text(f"### t1\n{sent}\n")
    (tmp_path / "src/test/b.txt").write_text(f"### s1\n{sent}\n")
    report = build_corpus(tmp_path / "src", tmp_path / "out")
    assert report.errors and "repeats train:t1" in report.errors[0]
    assert not (tmp_path / "out").exists()
    assert duplicate_sentences({"x": parse_markup(f"### a\n{sent}\n")}) == []


def test_page_furniture_may_repeat_but_story_sentences_may_not():
    story = "Gubernur itu meninjau tanggul yang jebol di hulu sungai."
    docs = parse_markup(f"### a\nSCROLL TO CONTINUE WITH CONTENT\n{story}\n### b\nSCROLL TO CONTINUE WITH CONTENT\n")
    assert duplicate_sentences({"x": docs}) == []
    docs = parse_markup(f"### a\n{story}\n### b\n{story}\n")
    assert len(duplicate_sentences({"x": docs})) == 1
