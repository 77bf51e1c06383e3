"""Character spans <-> IOB2 labels on sub-word tokens, through the fast tokenizer's offsets.

Pure functions: no tokenizer, no model. The first sub-token of each word carries the word's label;
the other sub-tokens and special tokens get -100 (ignored by the loss and the metrics).
"""

from __future__ import annotations

from collections.abc import Sequence

from indonews.schema import LABEL2ID, Span

IGNORE = -100


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
