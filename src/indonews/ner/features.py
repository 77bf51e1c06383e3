"""Documents -> model features: overlapping windows of sub-word tokens with IOB2 label ids.

No text is ever truncated: a document longer than ``max_length`` tokens becomes several windows
that overlap by ``stride`` tokens (the fast tokenizer's ``return_overflowing_tokens``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from indonews.ner.alignment import align_labels
from indonews.schema import LABEL2ID, Document

# Lone UTF-16 surrogates (a Python str can hold them, e.g. from JSON "\\ud800") make the Rust tokenizer
# raise TypeError; U+FFFD in their place keeps every character offset where it was.
_SURROGATE = re.compile("[\ud800-\udfff]")


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
) -> list[Window]:
    """Tokenise ``texts`` into windows; with ``spans`` (per text) also align IOB2 label ids."""
    if not tokenizer.is_fast:
        raise TypeError("a fast tokenizer is needed for character offsets")
    if stride >= max_length - 2:
        raise ValueError(f"stride ({stride}) must be smaller than max_length - 2 ({max_length - 2})")
    enc = tokenizer(
        [_SURROGATE.sub("\ufffd", t) for t in texts],
        truncation=True,
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=False,
    )
    windows = []
    for i, ids in enumerate(enc["input_ids"]):
        doc = enc["overflow_to_sample_mapping"][i]
        offsets = [tuple(o) for o in enc["offset_mapping"][i]]
        word_ids = enc.word_ids(i)
        labels = align_labels(spans[doc], offsets, word_ids, label2id) if spans is not None else None
        windows.append(Window(doc, ids, offsets, word_ids, labels))
    return windows


def doc_spans(doc: Document) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label) for e in doc.entities]


def training_features(docs: Sequence[Document], tokenizer, max_length: int, stride: int) -> dict[str, list]:
    """Columns for a ``datasets.Dataset``: input_ids, attention_mask, labels."""
    windows = encode_windows([d.text for d in docs], tokenizer, max_length, stride, [doc_spans(d) for d in docs])
    return {
        "input_ids": [w.input_ids for w in windows],
        "attention_mask": [[1] * len(w.input_ids) for w in windows],
        "labels": [w.labels for w in windows],
    }
