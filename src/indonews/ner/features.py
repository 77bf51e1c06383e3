"""Documents -> model features: overlapping windows of sub-word tokens with IOB2 label ids.

No text is ever truncated: a document longer than ``max_length`` tokens becomes several windows
that overlap by ``stride`` tokens (the fast tokenizer's ``return_overflowing_tokens``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from indonews.ner.alignment import align_labels
from indonews.schema import LABEL2ID, Document
from indonews.text import word_spans

# What a "word" is, the unit that carries one IOB2 tag: "tokenizer" takes the tokenizer's own
# pre-tokenisation (whitespace words for XLM-R, so "Jakarta," or "kataPrabowo" is one word, as in the
# transformers examples); "text" takes :func:`indonews.text.word_spans`, the words the scorer counts,
# which split punctuation and glued words ("kata|Prabowo") off. Models trained by scripts/train.py
# record "text"; checkpoints without the setting keep "tokenizer", which they were trained with.
WORD_UNITS = ("tokenizer", "text")

# Lone UTF-16 surrogates (a Python str can hold them, e.g. from JSON "\\ud800") make the Rust tokenizer
# raise TypeError; U+FFFD in their place keeps every character offset where it was.
_SURROGATE = re.compile("[\ud800-\udfff]")


class WindowError(ValueError):
    """A window length and stride that cannot read a text; the message names both."""


def check_stride(max_length: int, stride: int, special_tokens: int = 2) -> None:
    """The one rule for the overlap of two windows, in training and in prediction alike: ``stride`` must leave
    each window tokens of its own, ``0 <= stride < max_length - special_tokens`` ([CLS] and [SEP] take two).

    >>> check_stride(256, 64)
    >>> check_stride(64, 62)
    Traceback (most recent call last):
    ...
    indonews.ner.features.WindowError: stride 62 must be at least 0 and below max_length 64 minus 2 special tokens (62)
    """
    if not 0 <= stride < max_length - special_tokens:
        raise WindowError(
            f"stride {stride} must be at least 0 and below max_length {max_length} minus {special_tokens} "
            f"special tokens ({max_length - special_tokens})"
        )


def window_lengths(max_length: int, stride: int, model=None, tokenizer=None) -> tuple[int, int]:
    """``(max_length, stride)`` as training and prediction read texts with ``model`` and ``tokenizer``.

    ``max_length`` is capped at what the model's position embeddings and the tokenizer's
    ``model_max_length`` take; ``stride`` is checked against the result (:func:`check_stride`) and kept as
    given, never changed behind the caller's back.

    >>> window_lengths(512, 128)
    (512, 128)
    """
    config = getattr(model, "config", None)
    limits = [getattr(config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None)]
    capped = min([max_length, *(n for n in limits if n)])
    special = tokenizer.num_special_tokens_to_add() if tokenizer is not None else 2
    try:
        check_stride(capped, stride, special)
    except WindowError as exc:
        if capped < max_length:
            raise WindowError(
                f"{exc}; max_length {max_length} was capped at the {capped} tokens the model takes"
            ) from None
        raise
    return capped, stride


@dataclass
class Window:
    """One window of one document: token ids and, per token, offsets and word index."""

    doc_index: int
    input_ids: list[int]
    offsets: list[tuple[int, int]]
    word_ids: list[int | None]
    labels: list[int] | None = None


def encode_windows(
    texts: Sequence[str],
    tokenizer,
    max_length: int,
    stride: int,
    spans: Sequence[Sequence[tuple[int, int, str]]] | None = None,
    label2id: dict[str, int] = LABEL2ID,
    words: str = "tokenizer",
) -> list[Window]:
    """Tokenise ``texts`` into windows; with ``spans`` (per text) also align IOB2 label ids.

    ``words`` says what a word is (:data:`WORD_UNITS`).
    """
    if words not in WORD_UNITS:
        raise ValueError(f"words must be one of {WORD_UNITS}, not {words!r}")
    if not tokenizer.is_fast:
        raise TypeError("a fast tokenizer is needed for character offsets")
    check_stride(max_length, stride, tokenizer.num_special_tokens_to_add())
    enc = tokenizer(
        [_SURROGATE.sub("\ufffd", t) for t in texts],
        truncation=True,
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=False,
    )
    text_words: dict[int, tuple[list[int], list[int]]] = {}
    windows = []
    for i, ids in enumerate(enc["input_ids"]):
        doc = enc["overflow_to_sample_mapping"][i]
        offsets = [tuple(o) for o in enc["offset_mapping"][i]]
        word_ids = enc.word_ids(i)
        if words == "text":
            if doc not in text_words:
                ws = word_spans(texts[doc])
                text_words[doc] = ([s for s, _ in ws], [e for _, e in ws])
            word_ids = text_word_ids(offsets, word_ids, *text_words[doc])
        labels = align_labels(spans[doc], offsets, word_ids, label2id) if spans is not None else None
        windows.append(Window(doc, ids, offsets, word_ids, labels))
    return windows


def text_word_ids(
    offsets: Sequence[tuple[int, int]], word_ids: Sequence[int | None], starts: list[int], ends: list[int]
) -> list[int | None]:
    """Per token, the index of the text word (``starts``/``ends``, sorted) it begins in.

    Special tokens (``word_ids`` None) stay None, and so does a token that touches no word (a lone
    "▁" piece over a space). A token that begins in the space before a word belongs to that word.

    >>> text_word_ids([(0, 0), (0, 4), (4, 7), (7, 11), (11, 12)], [None, 0, 0, 0, 0], [0, 4, 11], [4, 11, 12])
    [None, 0, 1, 1, 2]
    """
    out: list[int | None] = []
    for (s, e), w in zip(offsets, word_ids):
        if w is None or e <= s:
            out.append(None)
            continue
        k = bisect_right(starts, s) - 1
        if k < 0 or s >= ends[k]:  # in the gap before word k + 1
            k += 1
            if k >= len(starts) or starts[k] >= e:
                out.append(None)
                continue
        out.append(k)
    return out


def doc_spans(doc: Document) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label) for e in doc.entities]


def training_features(
    docs: Sequence[Document], tokenizer, max_length: int, stride: int, words: str = "tokenizer"
) -> dict[str, list]:
    """Columns for a ``datasets.Dataset``: input_ids, attention_mask, labels."""
    texts, spans = [d.text for d in docs], [doc_spans(d) for d in docs]
    windows = encode_windows(texts, tokenizer, max_length, stride, spans, words=words)
    return {
        "input_ids": [w.input_ids for w in windows],
        "attention_mask": [[1] * len(w.input_ids) for w in windows],
        "labels": [w.labels for w in windows],
    }
