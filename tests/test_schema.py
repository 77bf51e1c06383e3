import json

import pytest

from indonews.schema import (
    CorpusError,
    document_from_dict,
    iter_jsonl,
    read_jsonl,
    spans_to_tags,
    tags_to_spans,
    write_jsonl,
)

TEXT = "Presiden Prabowo tiba di Tokyo, Senin (12/5)."


def good():
    return {
        "id": "d1",
        "text": TEXT,
        "entities": [
            {"id": "T1", "start": 9, "end": 16, "label": "LEADER"},
            {"id": "T2", "start": 25, "end": 30, "label": "VENUE"},
            {"id": "T3", "start": 32, "end": 44, "label": "DATE"},
        ],
        "relations": [{"head": "T1", "tail": "T2", "label": "AT"}, {"head": "T1", "tail": "T3", "label": "ON"}],
    }


def write_lines(tmp_path, *objs):
    p = tmp_path / "c.jsonl"
    p.write_text("\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs) + "\n", encoding="utf-8")
    return p


def test_good_document_round_trips(tmp_path):
    doc = document_from_dict(good())
    assert [e.text for e in doc.entities] == ["Prabowo", "Tokyo", "Senin (12/5)"]
    p = tmp_path / "out.jsonl"
    write_jsonl([doc], p)
    assert read_jsonl(p)[0].to_dict() == doc.to_dict()


def mutate(fn):
    d = good()
    fn(d)
    return d


@pytest.mark.parametrize(
    "doc, field, problem",
    [
        (mutate(lambda d: d.pop("text")), "text", "missing"),
        (mutate(lambda d: d.update(id="")), "id", "missing"),
        (mutate(lambda d: d["entities"][0].update(end=999)), "entities[0].start/end", "outside text"),
        (mutate(lambda d: d["entities"][0].update(start=8)), "entities[0]", "white space or punctuation"),
        (mutate(lambda d: d["entities"][1].update(end=31)), "entities[1]", "white space or punctuation"),
        (mutate(lambda d: d["entities"][1].update(label="PLACE")), "entities[1].label", "unknown label 'PLACE'"),
        (mutate(lambda d: d["entities"][1].update(id="T1")), "entities[1].id", "duplicate entity id"),
        (mutate(lambda d: d["entities"][1].update(start=12, end=30)), "entities", "overlap"),
        (mutate(lambda d: d["relations"][0].update(tail="T9")), "relations[0].tail", "missing entity id 'T9'"),
        (mutate(lambda d: d["relations"][0].update(label="ON")), "relations[0]", "ON joins LEADER to DATE"),
        (mutate(lambda d: d["relations"][0].update(label="WITH")), "relations[0].label", "unknown relation"),
        (mutate(lambda d: d["entities"][0].update(text="Jokowi")), "entities[0].text", "differs"),
        (mutate(lambda d: d["entities"][0].update(start="9")), "entities[0].start", "integer"),
    ],
)
def test_validation_names_file_line_field_and_problem(tmp_path, doc, field, problem):
    p = write_lines(tmp_path, good() | {"id": "d0"}, doc)
    with pytest.raises(CorpusError) as err:
        read_jsonl(p)
    msg = str(err.value)
    assert msg.startswith(f"{p}:2:"), msg
    assert f"'{field}'" in msg and problem in msg, msg


def test_broken_json_and_duplicate_document_ids(tmp_path):
    p = write_lines(tmp_path, good(), '{"id": "x", "text": ')
    with pytest.raises(CorpusError, match=r"c\.jsonl:2: .*invalid JSON"):
        read_jsonl(p)
    p = write_lines(tmp_path, good(), good())
    with pytest.raises(CorpusError, match=r"c\.jsonl:2: field 'id': duplicate document id 'd1' \(first on line 1\)"):
        read_jsonl(p)


def test_json_errors_read_as_a_sentence_and_too_deep_a_nesting_is_one(tmp_path):
    for line, problem in (
        ('{"id": "x", "text": "tab\there"}', "invalid JSON: Invalid control character at column 25"),
        ('{"id": "x" "text": ""}', "invalid JSON: Expecting ',' delimiter at column 12"),
        ("[" * 100_000, "invalid JSON: nested too deeply"),  # was a RecursionError traceback
    ):
        with pytest.raises(CorpusError) as err:
            read_jsonl(write_lines(tmp_path, good(), line))
        assert str(err.value).startswith(f"{tmp_path / 'c.jsonl'}:2: field '<line>': {problem}"), str(err.value)
        assert " at at " not in str(err.value)


def test_validate_and_convert_report_deeply_nested_json_as_a_bad_line(tmp_path):
    import subprocess
    import sys

    from conftest import SCRIPTS

    deep = tmp_path / "deep.jsonl"
    deep.write_text(json.dumps(good()) + "\n" + "[" * 100_000 + "\n", encoding="utf-8")
    ls = tmp_path / "deep.json"
    ls.write_text("[\n" + "[" * 100_000 + "\n", encoding="utf-8")
    for argv, where in (
        (["validate.py", deep], f"{deep}:2: field '<line>'"),
        (["convert.py", deep, tmp_path / "out.json"], f"{deep}:2: field '<line>'"),
        (["convert.py", ls, tmp_path / "out.jsonl"], f"{ls}:2: field '<file>'"),
    ):
        proc = subprocess.run(
            [sys.executable, str(SCRIPTS / argv[0]), *map(str, argv[1:])], capture_output=True, text=True
        )
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
        assert f"{where}: invalid JSON: nested too deeply" in proc.stdout + proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep.json", "deep.jsonl"]


def test_streaming_reader_yields_before_a_later_bad_line(tmp_path):
    p = write_lines(tmp_path, good(), "not json")
    it = iter_jsonl(p)
    assert next(it).id == "d1"
    with pytest.raises(CorpusError):
        next(it)


def test_validate_script_reports_every_bad_file_and_prints_statistics(tmp_path, corpus_dir):
    import subprocess
    import sys

    from conftest import SCRIPTS

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "ab", "entities": [{"id": "T1", "label": "LEADER", "start": 0, "end": 5}]}\n')
    run = [sys.executable, str(SCRIPTS / "validate.py")]
    ok = subprocess.run([*run, str(corpus_dir / "train.jsonl")], capture_output=True, text=True)
    assert ok.returncode == 0 and "| total |" in ok.stdout and "0 errors" in ok.stdout
    proc = subprocess.run([*run, str(bad), str(corpus_dir / "dev.jsonl")], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "bad.jsonl:1: field 'entities[0].start/end': offsets 0..5 outside text of length 2" in proc.stdout
    assert "dev.jsonl" in proc.stdout  # the good file is still counted


# Regressions found by the property tests (tests/test_properties.py): the validator raised TypeError,
# OverflowError or accepted a span edged by Unicode white space instead of reporting a CorpusError.


@pytest.mark.parametrize(
    "fn, field",
    [
        (lambda d: d["relations"][0].update(head=["T1"]), "relations[0].head"),
        (lambda d: d["relations"][0].update(tail={"id": "T2"}), "relations[0].tail"),
        (lambda d: d["relations"][0].update(label=["AT"]), "relations[0].label"),
        (lambda d: d["entities"][0].update(score=10**400), "entities[0].score"),
        (lambda d: d["relations"][0].update(score=-(10**400)), "relations[0].score"),
    ],
)
def test_unhashable_ids_and_huge_numbers_are_corpus_errors(fn, field):
    with pytest.raises(CorpusError) as err:
        document_from_dict(mutate(fn))
    assert err.value.field == field


@pytest.mark.parametrize("space", ["\u00a0", "\u2003", "\x0b", "\u3000"])
def test_spans_edged_by_any_unicode_white_space_are_rejected(space):
    d = {"id": "d", "text": f"di{space}Bali{space}", "entities": [{"id": "T1", "start": 2, "end": 7, "label": "VENUE"}]}
    with pytest.raises(CorpusError, match="white space"):
        document_from_dict(d)
    d["entities"][0].update(start=3, end=8)
    with pytest.raises(CorpusError, match="white space"):
        document_from_dict(d)
    d["entities"][0].update(start=3, end=7)
    assert document_from_dict(d).entities[0].text == "Bali"


def test_a_lone_surrogate_escape_is_a_corpus_error_with_its_line(tmp_path):
    # JSON may escape half of a surrogate pair; the result cannot be written as UTF-8 nor tokenised
    pair = '{"id": "d1", "text": "Presiden tiba \\ud83c\\udf89", "entities": []}'
    lone = '{"id": "d2", "text": "Presiden tiba \\ud83c", "entities": []}'
    p = write_lines(tmp_path, pair, lone)
    with pytest.raises(CorpusError, match=r"c\.jsonl:2: .*lone surrogate \\ud83c"):
        read_jsonl(p)
    assert read_jsonl(write_lines(tmp_path, pair))[0].text.endswith("🎉")


def test_tags_and_spans_round_trip():
    words = [(0, 4), (5, 9), (10, 12), (13, 18), (19, 22)]
    spans = [(0, 9, "LEADER"), (13, 22, "DATE")]
    assert tags_to_spans(spans_to_tags(spans, words), words) == spans
    # two adjacent spans of one label stay two spans
    assert spans_to_tags([(0, 4, "VENUE"), (5, 9, "VENUE")], words[:2]) == ["B-VENUE", "B-VENUE"]
