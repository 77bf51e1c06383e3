"""Character spans <-> IOB2 labels on sub-word tokens, through the fast tokenizer's offsets.

Pure functions: no tokenizer, no model. The first sub-token of each word carries the word's label;
the other sub-tokens and special tokens get -100 (ignored by the loss and the metrics).
"""

from __future__ import annotations

from collections.abc import Sequence

from indonews.schema import LABEL2ID

IGNORE = -100
Span = tuple[int, int, str]  # (start, end, label)


def word_starts(offsets: Sequence[tuple[int, int]], word_ids: Sequence[int | None]) -> list[bool]:
    """Mark the tokens that begin a word (special tokens and continuation pieces are False)."""
    out, prev = [], None
    for (s, e), w in zip(offsets, word_ids):
        first = w is not None and w != prev and e > s
        out.append(first)
        if w is not None:
            prev = w
    return out


def align_labels(
    spans: Sequence[Span],
    offsets: Sequence[tuple[int, int]],
    word_ids: Sequence[int | None],
    label2id: dict[str, int] = LABEL2ID,
) -> list[int]:
    """Label ids for one tokenised window.

    ``offsets`` are the tokenizer's (start, end) character offsets into the original text and
    ``word_ids`` its word index per token (None for special tokens). A word gets ``B-X`` when it is
    the first word of span X, ``I-X`` when it lies further inside, ``O`` otherwise. A word that a
    window begins in the middle of a span gets ``I-X``, as the span started before the window.

    >>> offs = [(0, 0), (0, 3), (3, 6), (7, 13), (14, 16), (17, 21), (0, 0)]
    >>> align_labels([(7, 21, "LEADER")], offs, [None, 0, 0, 1, 2, 3, None])
    [-100, 0, -100, 1, 2, 2, -100]
    """
    ordered = sorted(spans)
    labels: list[int] = []
    starts = word_starts(offsets, word_ids)
    # word end offsets let a word that straddles a span start still be the span's first word
    word_end: dict[int, int] = {}
    for (_, e), w in zip(offsets, word_ids):
        if w is not None:
            word_end[w] = max(word_end.get(w, 0), e)
    j = 0
    for (s, _e), w, first in zip(offsets, word_ids, starts):
        if not first:
            labels.append(IGNORE)
            continue
        we = word_end[w]
        while j < len(ordered) and ordered[j][1] <= s:
            j += 1
        if j < len(ordered) and ordered[j][0] < we:
            span_start, _, lab = ordered[j]
            tag = "B" if s <= span_start else "I"
            labels.append(label2id[f"{tag}-{lab}"])
        else:
            labels.append(label2id["O"])
    return labels


def tags_to_spans(tags: Sequence[str], word_offsets: Sequence[tuple[int, int]]) -> list[Span]:
    """Turn word-level IOB2 tags into character spans. A stray ``I-X`` opens a new span (lenient).

    >>> tags_to_spans(["B-LEADER", "I-LEADER", "O", "I-DATE"], [(0, 4), (5, 9), (10, 12), (13, 18)])
    [(0, 9, 'LEADER'), (13, 18, 'DATE')]
    """
    spans: list[Span] = []
    cur: list | None = None
    for tag, (s, e) in zip(tags, word_offsets):
        kind, _, lab = tag.partition("-")
        if kind == "B" or (kind == "I" and (cur is None or cur[2] != lab)):
            if cur:
                spans.append(tuple(cur))
            cur = [s, e, lab]
        elif kind == "I":
            cur[1] = e
        else:
            if cur:
                spans.append(tuple(cur))
            cur = None
    if cur:
        spans.append(tuple(cur))
    return spans


def spans_to_tags(spans: Sequence[Span], word_offsets: Sequence[tuple[int, int]]) -> list[str]:
    """IOB2 tags over given words for character spans (a word overlapping a span belongs to it).

    >>> spans_to_tags([(0, 9, "LEADER")], [(0, 4), (5, 9), (10, 12)])
    ['B-LEADER', 'I-LEADER', 'O']
    """
    tags = []
    ordered = sorted(spans)
    j = 0
    prev_span = None
    for s, e in word_offsets:
        while j < len(ordered) and ordered[j][1] <= s:
            j += 1
        if j < len(ordered) and ordered[j][0] < e:
            tag = "I" if prev_span == j else "B"
            tags.append(f"{tag}-{ordered[j][2]}")
            prev_span = j
        else:
            tags.append("O")
            prev_span = None
    return tags
