"""Property tests: odd text never crashes the Extractor, the validator or the tokenisers, and every span
they return is a valid annotation (inside the text, equal to its slice, no overlap, no bad edge).

The budget is small (a few dozen examples per property) so the file runs in seconds.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indonews.schema import ENTITY_LABELS, CorpusError, bad_edge, document_from_dict, read_jsonl
from indonews.text import sentence_spans, word_spans

ROOT = Path(__file__).resolve().parents[1]
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- strategies -------------------------------------------------------------------------------------

WORDS = ["Presiden", "Prabowo", "Subianto", "tiba", "di", "Istana", "Bogor", "Senin", "(12/5)", "pukul", "09.00"]
ODD = [
    "",
    " ",
    "\n",
    "\t",
    "\u00a0",  # no-break space
    "\u2003",  # em space
    "\u200b",  # zero-width space (not white space to Python)
    "\ufeff",
    "\x00",
    "\x07",
    "\x1b",
    "\u0301",  # combining acute
    "e\u0301",
    "\u0308\u0308\u0308",
    "🇮🇩",
    "🎉",
    "👩\u200d👩\u200d👧",
    "(",
    ")",
    "“",
    "—",
    ".",
    "Ṣ̂",
    "한국",
    "中国",
    "\u202e",  # right-to-left override
    "\ud83c",  # a lone surrogate: a Python str (and JSON "\\ud83c") can hold one
]
piece = st.one_of(st.sampled_from(WORDS), st.sampled_from(ODD), st.text(max_size=8))
mixed_text = st.lists(piece, max_size=60).map(lambda xs: " ".join(xs))
long_word = st.builds(
    lambda letters, n, before, after: before + (letters * n)[:n] + after,
    st.text(alphabet=string.ascii_letters + "éñ", min_size=1, max_size=5),
    st.integers(1000, 6000),
    st.sampled_from(["", "Presiden ", "di "]),
    st.sampled_from(["", " tiba.", "."]),
)
any_text = st.one_of(st.text(max_size=300), mixed_text, st.text(alphabet=" \t\n\r\x0b\x0c\u00a0\u2003", max_size=40))


def check_entities(text, ents):
    for e in ents:
        assert 0 <= e.start < e.end <= len(text)
        assert e.text == text[e.start : e.end]
        assert e.label in ENTITY_LABELS
        assert not bad_edge(e.text), e
        assert not e.text[0].isspace() and not e.text[-1].isspace(), e  # any Unicode white space
    spans = sorted((e.start, e.end) for e in ents)
    assert all(b[0] >= a[1] for a, b in zip(spans, spans[1:])), spans


def check_spans(text, spans, edge_space_ok=False):
    assert spans == sorted(spans)
    for s, e in spans:
        assert 0 <= s < e <= len(text)
        if not edge_space_ok:
            assert not text[s].isspace() and not text[e - 1].isspace(), (text[s:e],)
    assert all(b[0] >= a[1] for a, b in zip(spans, spans[1:]))


# -- the Extractor ----------------------------------------------------------------------------------


@FAST
@given(text=any_text)
@example(text="")
@example(text=" \n\t\u00a0 ")
@example(text="\x00\x01\x02\x7f\x1b[0m")
@example(text="Presiden\u0301 🇮🇩 Prabowo\u200b tiba di Istana\u00a0Bogor, Senin (12/5).")
@example(text="Presiden Prabowo\udc00 tiba \ud800di Bali")
def test_extractor_never_crashes_and_gives_valid_spans(ex, text):
    check_entities(text, ex(text))


@settings(max_examples=15, deadline=None)
@given(text=long_word)
def test_extractor_reads_very_long_words(ex, text):
    check_entities(text, ex(text))


@settings(max_examples=10, deadline=None)
@given(texts=st.lists(any_text, min_size=1, max_size=12), batch_size=st.integers(1, 5))
def test_extractor_batches_like_single_texts(ex, texts, batch_size):
    streamed = list(ex.predict(iter(texts), batch_size=batch_size))
    assert len(streamed) == len(texts)
    for t, ents in zip(texts, streamed):
        check_entities(t, ents)
        assert [(e.start, e.end, e.label) for e in ents] == [(e.start, e.end, e.label) for e in ex(t)]


def article_of(n_chars: int) -> str:
    texts = [d.text for d in read_jsonl(ROOT / "data" / "test.jsonl")]
    out, i = [], 0
    while sum(map(len, out)) < n_chars:
        out.append(texts[i % len(texts)])
        i += 1
    return "\n\n".join(out)[:n_chars]


def test_extractor_reads_a_50000_character_article(ex):
    text = article_of(50_000)
    ents = ex(text)
    check_entities(text, ents)
    assert ents and ents[-1].end > 40_000  # read to the end, not truncated at the model's length


# -- the validator ----------------------------------------------------------------------------------

json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=10))
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6,
)
label = st.one_of(st.sampled_from(ENTITY_LABELS), json_value)
offset = st.one_of(st.integers(-3, 80), json_value)


@st.composite
def raw_document(draw):
    text = draw(st.one_of(mixed_text, st.text(max_size=80), json_value))
    n = len(text) if isinstance(text, str) else 10
    ents = []
    for i in range(draw(st.integers(0, 5))):
        start = draw(st.one_of(st.integers(0, max(n, 1)), offset))
        end = draw(st.one_of(st.integers(0, max(n, 1)), offset))
        ent = {"id": draw(st.sampled_from([f"T{i + 1}", "T1", "", None])), "start": start, "end": end}
        ent["label"] = draw(label)
        if draw(st.booleans()) and isinstance(text, str) and isinstance(start, int) and isinstance(end, int):
            ent["text"] = text[start:end]
        if draw(st.booleans()):
            ent["score"] = draw(json_value)
        ents.append(draw(st.one_of(st.just(ent), json_value)) if draw(st.integers(0, 9)) == 0 else ent)
    ids = [e.get("id") for e in ents if isinstance(e, dict)] or ["T1"]
    rels = [
        {
            "head": draw(st.one_of(st.sampled_from(ids), json_value)),
            "tail": draw(st.one_of(st.sampled_from(ids), json_value)),
            "label": draw(st.one_of(st.sampled_from(["MEET", "AT", "ON"]), json_value)),
            **({"score": draw(json_value)} if draw(st.booleans()) else {}),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    obj = {"id": draw(st.one_of(st.just("d1"), json_value)), "text": text, "entities": ents, "relations": rels}
    if draw(st.booleans()):
        obj["meta"] = draw(json_value)
    for key in draw(st.sets(st.sampled_from(list(obj)), max_size=1)):
        obj[key] = draw(json_value)  # sometimes one field is replaced by anything at all
    return obj


@settings(max_examples=50, deadline=None)
@given(obj=st.one_of(raw_document(), json_value))
@example(
    obj={"id": "d", "text": "x", "entities": [{"id": "T1", "start": 0, "end": 1, "label": "DATE", "score": 10**400}]}
)
@example(obj={"id": "d", "text": "x", "entities": [], "relations": [{"head": [], "tail": {}, "label": "AT"}]})
@example(obj={"id": "d", "text": "x", "entities": [], "relations": [{"head": "T1", "tail": "T1", "label": []}]})
def test_validator_accepts_or_raises_corpus_error(obj):
    try:
        doc = document_from_dict(obj)
    except CorpusError:
        return
    check_entities(doc.text, doc.entities)
    ids = {e.id for e in doc.entities}
    assert len(ids) == len(doc.entities)
    assert all(r.head in ids and r.tail in ids for r in doc.relations)


@settings(max_examples=50, deadline=None)
@given(text=mixed_text, data=st.data())
def test_validator_accepts_exactly_the_valid_random_spans(text, data):
    """Random offsets into real text: accepted iff inside, non-overlapping and with clean edges."""
    spans = data.draw(st.lists(st.tuples(st.integers(-2, len(text) + 2), st.integers(-2, len(text) + 2)), max_size=4))
    ents = [{"id": f"T{i}", "start": s, "end": e, "label": "VENUE"} for i, (s, e) in enumerate(spans)]
    valid = all(0 <= s < e <= len(text) and not bad_edge(text[s:e]) for s, e in spans)
    ordered = sorted(spans)
    valid = valid and all(b[0] >= a[1] for a, b in zip(ordered, ordered[1:]))
    try:
        doc = document_from_dict({"id": "d", "text": text, "entities": ents})
    except CorpusError:
        assert not valid
        return
    assert valid
    check_entities(text, doc.entities)


def test_validator_survives_huge_json_numbers():
    obj = json.loads(
        '{"id": "d", "text": "Bali", "entities": [{"id": "T1", "start": 0, "end": 4, '
        '"label": "VENUE", "score": 1' + "0" * 400 + "}]}"
    )
    with pytest.raises(CorpusError):
        document_from_dict(obj)


# -- word and sentence spans ------------------------------------------------------------------------

text_with_edges = st.one_of(st.text(max_size=400), mixed_text, long_word)


@settings(max_examples=50, deadline=None)
@given(text=text_with_edges)
@example(text="Dr. H. Anwar tiba.  \u00a0\nIa pulang.\u2003 ")
def test_word_and_sentence_spans_are_sorted_disjoint_and_trimmed(text):
    check_spans(text, word_spans(text))
    check_spans(text, sentence_spans(text))
    # every non-space character lies in some sentence
    covered = set()
    for s, e in sentence_spans(text):
        covered.update(range(s, e))
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())


@settings(max_examples=50, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("aZ9_.é\u0301٣ ,\n"), max_size=40) | st.text(max_size=40), data=st.data())
def test_word_before_matches_the_regex_it_replaced(text, data):
    import re

    from indonews.text import _word_before

    end = data.draw(st.integers(0, len(text)))
    m = re.search(r"([\w.]+)\Z", text[:end])  # \Z, not $: $ also matches before a final newline
    assert _word_before(text, end) == (m.group(1) if m else "")
