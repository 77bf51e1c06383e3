"""Span -> sub-token label alignment with real fast tokenizers (cased and uncased)."""

import pytest

from indonews.ner.alignment import IGNORE, align_labels
from indonews.ner.features import encode_windows
from indonews.schema import ID2LABEL


def labels_by_start(text, spans, tok):
    """Label of each word-first token, keyed by its start offset in ``text``."""
    (w,) = encode_windows([text], tok, 512, 16, [spans])
    return {s: ID2LABEL[lab] for (s, _), lab in zip(w.offsets, w.labels) if lab != IGNORE}


@pytest.mark.parametrize("tok_name", ["cased_tokenizer", "uncased_tokenizer"])
def test_clitics_punctuation_and_dates(request, tok_name):
    tok = request.getfixturevalue(tok_name)
    text = "Kunjungan Prabowo-nya ke Tokyo, Kamis (14/11), lancar."
    spans = [(10, 17, "LEADER"), (25, 30, "VENUE"), (32, 45, "DATE")]
    got = labels_by_start(text, spans, tok)
    at = text.index
    assert got[10] == "B-LEADER"
    assert got[at("-nya")] == got[at("nya")] == "O"  # the clitic stays outside the name
    assert got[25] == "B-VENUE" and got[at(", Kamis")] == "O"
    assert got[32] == "B-DATE"
    assert [got[at(x)] for x in ("(14", "14/", "/11", "11)", "), ")] == ["I-DATE"] * 5
    assert got[at(", lancar")] == "O" and got[at(".")] == "O"
    # every other sub-token is ignored by the loss
    (w,) = encode_windows([text], tok, 512, 16, [spans])
    assert sum(lab != IGNORE for lab in w.labels) == len(got)


def test_uncased_tokenizer_gives_offsets_into_the_original_text(uncased_tokenizer):
    text = "PRESIDEN Prabowo ke CAFÉ Ñusa"
    enc = uncased_tokenizer(text, return_offsets_mapping=True)
    pieces = [text[s:e] for s, e in enc["offset_mapping"] if e > s]
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert any(p.isupper() for p in pieces)  # offsets point at the original capitals, not the lowercased copy
    got = labels_by_start(text, [(9, 16, "LEADER"), (20, 29, "VENUE")], uncased_tokenizer)
    assert got[0] == "O" and got[9] == "B-LEADER" and got[20] == "B-VENUE" and got[25] == "I-VENUE"


def test_window_border_inside_a_span(cased_tokenizer):
    # a long document whose leader name falls across the border of the first window
    filler = "rapat itu berlangsung lancar dan tertib " * 6
    text = filler + "Presiden Prabowo Subianto Djojohadikusumo hadir di Jakarta."
    start = text.index("Prabowo")
    end = start + len("Prabowo Subianto Djojohadikusumo")
    windows = encode_windows([text], cased_tokenizer, max_length=52, stride=12, spans=[[(start, end, "LEADER")]])
    assert len(windows) >= 2
    covered = set()
    for w in windows:
        for (s, e), wid in zip(w.offsets, w.word_ids):
            if wid is not None:
                covered.update(range(s, e))
        labs = [(s, ID2LABEL[lab]) for (s, _), lab in zip(w.offsets, w.labels) if lab != IGNORE]
        inside = [lab for s, lab in labs if start <= s < end]
        if inside:
            # a window that starts mid-span continues it with I-, never restarts it with B-
            first_is_span_start = any(s == start for s, _ in labs)
            assert inside[0] == ("B-LEADER" if first_is_span_start else "I-LEADER")
            assert set(inside[1:]) <= {"I-LEADER"}
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())  # nothing truncated


def test_align_labels_pure_function_word_straddling_span_start():
    # span starts inside the word "xJokowi": that word carries B-
    offsets = [(0, 0), (0, 1), (1, 7), (8, 12), (0, 0)]
    assert align_labels([(1, 7, "LEADER")], offsets, [None, 0, 0, 1, None]) == [IGNORE, 1, IGNORE, 0, IGNORE]


def test_text_words_split_glued_words_and_punctuation(cased_tokenizer):
    # a scraped page glued "kata" to the name and "di" to the place: the spans start inside those words
    text = "Menurut kataPrabowo, rapat diJakarta lancar."
    spans = [(12, 19, "LEADER"), (29, 36, "VENUE")]
    (by_tokenizer,) = encode_windows([text], cased_tokenizer, 512, 16, [spans])
    (by_text,) = encode_windows([text], cased_tokenizer, 512, 16, [spans], words="text")
    first = {s: ID2LABEL[lab] for (s, _), lab in zip(by_text.offsets, by_text.labels) if lab != IGNORE}
    assert first[text.index("kata")] == "O" and first[12] == "B-LEADER"
    assert first[text.index("di")] == "O" and first[29] == "B-VENUE"
    assert first[text.index(",")] == "O"
    # the tokenizer's words cannot tell the name from its glued prefix: the whole word gets the tag
    whole = {s: ID2LABEL[lab] for (s, _), lab in zip(by_tokenizer.offsets, by_tokenizer.labels) if lab != IGNORE}
    assert 12 not in whole and whole[text.index("kata")] == "B-LEADER"


def test_text_words_reject_unknown_unit(cased_tokenizer):
    with pytest.raises(ValueError, match="words must be one of"):
        encode_windows(["x"], cased_tokenizer, 512, 16, words="sentencepiece")
