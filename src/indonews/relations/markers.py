"""Typed entity markers (Zhou & Chen 2021, "An Improved Baseline for Sentence-level Relation Extraction").

The pair's two mentions are wrapped in punctuation markers that carry their entity type as a word,
inside the sentence they share::

    Presiden @ * pemimpin * Prabowo @ bertemu # ^ pemimpin ^ Albanese # di Canberra.

Punctuation and ordinary words need no new vocabulary, so the markers work on any backbone without
resizing its embeddings ("typed entity marker (punct)", the best variant in that paper). The model
reads the encoder's states at the two opening markers (``@`` and ``#``).

A sentence too long for ``max_length`` is cut to a window of tokens around the two mentions; when
the mentions themselves lie too far apart, the text between them is elided (``…``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indonews.relations.candidates import Candidate
from indonews.schema import RELATION_LABELS

TYPE_WORDS: dict[str, str] = {"LEADER": "pemimpin", "VENUE": "tempat", "DATE": "tanggal"}
HEAD_MARKS = ("@", "*")
TAIL_MARKS = ("#", "^")
ELLIPSIS = " … "


@dataclass
class MarkedPair:
    text: str
    head_char: int  # offset of the head's opening marker in ``text``
    tail_char: int


def mark_pair(
    text: str,
    pieces: Sequence[tuple[int, int]],
    head: tuple[int, int, str],
    tail: tuple[int, int, str],
    type_words: dict[str, str] = TYPE_WORDS,
) -> MarkedPair:
    """Join the ``pieces`` (character ranges of ``text``, elided between) with the two mentions marked.

    >>> t = "Prabowo bertemu Albanese di Canberra."
    >>> m = mark_pair(t, [(0, len(t))], (0, 7, "LEADER"), (28, 36, "VENUE"))
    >>> m.text
    '@ * pemimpin * Prabowo @ bertemu Albanese di # ^ tempat ^ Canberra # .'
    >>> m.text[m.head_char], m.text[m.tail_char]
    ('@', '#')
    """
    inserts = []  # (offset, order, string, which)
    for (s, e, lab), (open_mark, type_mark), which in ((head, HEAD_MARKS, "head"), (tail, TAIL_MARKS, "tail")):
        word = type_words.get(lab, lab.lower())
        inserts.append((s, 1, f"{open_mark} {type_mark} {word} {type_mark} ", which))
        inserts.append((e, 0, f" {open_mark}" + ("" if text[e : e + 1].isspace() else " "), None))
    inserts.sort(key=lambda x: (x[0], x[1]))
    out: list[str] = []
    length = 0
    where: dict[str, int] = {}
    k = 0
    for n, (ps, pe) in enumerate(pieces):
        if n:
            out.append(ELLIPSIS)
            length += len(ELLIPSIS)
        pos = ps
        while k < len(inserts) and inserts[k][0] <= pe:
            off, _, string, which = inserts[k]
            if off >= ps:
                out.append(text[pos:off])
                length += off - pos
                pos = off
                if which:
                    where[which] = length
                out.append(string)
                length += len(string)
            k += 1
        out.append(text[pos:pe])
        length += pe - pos
    return MarkedPair("".join(out), where["head"], where["tail"])


def _token_window(offsets: list[tuple[int, int]], lo: int, hi: int, budget: int) -> list[tuple[int, int]]:
    """Character pieces covering tokens ``lo..hi`` (inclusive) plus context, within ``budget`` tokens."""
    n = len(offsets)
    if hi - lo + 1 > budget:  # the two mentions are too far apart: keep context around each
        return []
    left, right = lo, hi
    while right - left + 1 < budget and (left > 0 or right < n - 1):
        if left > 0:
            left -= 1
        if right < n - 1 and right - left + 1 < budget:
            right += 1
    return [(offsets[left][0], offsets[right][1])]


def pair_pieces(
    text: str, sentence: tuple[int, int], head: tuple[int, int], tail: tuple[int, int], tokenizer, budget: int
) -> list[tuple[int, int]]:
    """The character ranges of the sentence to show the classifier: all of it if it fits ``budget`` tokens."""
    s0, s1 = sentence
    s0, s1 = min(s0, head[0], tail[0]), max(s1, head[1], tail[1])
    enc = tokenizer(text[s0:s1], add_special_tokens=False, return_offsets_mapping=True)
    offsets = [(a + s0, b + s0) for a, b in enc["offset_mapping"] if b > a]
    if len(offsets) <= budget:
        return [(s0, s1)]

    def tok(ch: int, end: bool = False) -> int:
        for i, (_, b) in enumerate(offsets):
            if (b >= ch) if end else (b > ch):
                return i
        return len(offsets) - 1

    first, second = sorted([head, tail])
    lo, hi = tok(first[0]), tok(max(first[1], second[1]), end=True)
    window = _token_window(offsets, lo, hi, budget)
    if window:
        return window
    half = budget // 2
    a_lo, a_hi = tok(first[0]), tok(first[1], end=True)
    b_lo, b_hi = tok(second[0]), tok(second[1], end=True)
    part_a = _token_window(offsets, a_lo, a_hi, half) or [(offsets[a_lo][0], offsets[a_hi][1])]
    part_b = _token_window(offsets, b_lo, b_hi, half) or [(offsets[b_lo][0], offsets[b_hi][1])]
    (pa0, pa1), (pb0, pb1) = part_a[0], part_b[0]
    if pa1 >= pb0:
        return [(pa0, max(pa1, pb1))]
    return [(pa0, pa1), (pb0, pb1)]


def encode_candidates(
    candidates: Sequence[Candidate],
    texts: Sequence[str],
    tokenizer,
    max_length: int = 128,
    type_words: dict[str, str] = TYPE_WORDS,
) -> dict[str, list]:
    """Model inputs for each candidate: input_ids, head_pos/tail_pos (marker token indices), rel_type, labels.

    ``labels`` is 1.0/0.0 where the candidate's gold is known, else omitted.
    """
    if not tokenizer.is_fast:
        raise TypeError("a fast tokenizer is needed for character offsets")
    marker_tokens = max(
        len(tokenizer(f"@ * {w} * x @", add_special_tokens=False)["input_ids"]) for w in type_words.values()
    )
    budget = max(8, max_length - tokenizer.num_special_tokens_to_add() - 2 * marker_tokens)
    cols: dict[str, list] = {"input_ids": [], "head_pos": [], "tail_pos": [], "rel_type": []}
    labels: list[float] = []
    for c in candidates:
        text = texts[c.doc_index]
        pieces = pair_pieces(
            text, c.sentence, (c.head.start, c.head.end), (c.tail.start, c.tail.end), tokenizer, budget
        )
        m = mark_pair(
            text, pieces, (c.head.start, c.head.end, c.head.label), (c.tail.start, c.tail.end, c.tail.label), type_words
        )
        enc = tokenizer(m.text, truncation=True, max_length=max_length, return_offsets_mapping=True)
        head_pos = tail_pos = None
        for i, (a, b) in enumerate(enc["offset_mapping"]):
            if b > a and a <= m.head_char < b and head_pos is None:
                head_pos = i
            if b > a and a <= m.tail_char < b and tail_pos is None:
                tail_pos = i
        last = len(enc["input_ids"]) - 1
        cols["input_ids"].append(enc["input_ids"])
        cols["head_pos"].append(head_pos if head_pos is not None else min(1, last))
        cols["tail_pos"].append(tail_pos if tail_pos is not None else min(1, last))
        cols["rel_type"].append(RELATION_LABELS.index(c.label))
        if c.gold is not None:
            labels.append(1.0 if c.gold else 0.0)
    if labels and len(labels) == len(candidates):
        cols["labels"] = labels
    return cols
