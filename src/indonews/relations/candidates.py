"""Candidate pairs: every two entities of one sentence whose types fit a relation of the guideline.

A relation joins two mentions in the same sentence (docs/ANNOTATION.md, "Relations"), and the
entity types decide which relation a pair can hold: LEADER–LEADER can only be MEET, LEADER–VENUE
only AT, LEADER–DATE only ON. So the classifier answers one yes/no question per candidate.
MEET is unordered: its candidate's head is the mention that comes first in the text.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from indonews.schema import RELATION_TYPES, Document, Entity
from indonews.text import sentence_spans

PAIR_RELATION: dict[tuple[str, str], str] = {types: label for label, types in RELATION_TYPES.items()}


@dataclass(frozen=True)
class Candidate:
    """Two mentions of one sentence and the relation their types allow; ``gold`` when known."""

    doc_index: int
    sentence: tuple[int, int]
    head: Entity
    tail: Entity
    label: str
    gold: bool | None = None


def sentence_index(sentences: Sequence[tuple[int, int]], start: int) -> int:
    """The index of the sentence a mention starting at ``start`` belongs to (the last one starting at or before it)."""
    starts = [s for s, _ in sentences]
    return max(0, bisect.bisect_right(starts, start) - 1)


def relation_keys(doc: Document) -> set[tuple[str, str, str]]:
    """``(label, head id, tail id)`` of the document's relations, with MEET's two ids in text order."""
    keys = set()
    for r in doc.relations:
        head, tail = r.head, r.tail
        if r.label == "MEET":
            a, b = doc.entity(head), doc.entity(tail)
            if (b.start, b.end) < (a.start, a.end):
                head, tail = tail, head
        keys.add((r.label, head, tail))
    return keys


def candidate_pairs(
    doc: Document,
    doc_index: int = 0,
    sentences: Sequence[tuple[int, int]] | None = None,
    with_gold: bool = False,
) -> list[Candidate]:
    """The candidates of one document, sentence by sentence, in text order.

    >>> from indonews.schema import Document, Entity
    >>> t = "Prabowo bertemu Albanese di Canberra. Sugiono tiba Senin."
    >>> ents = [Entity("T1", 0, 7, "LEADER"), Entity("T2", 16, 24, "LEADER"), Entity("T3", 28, 36, "VENUE"),
    ...         Entity("T4", 38, 45, "LEADER"), Entity("T5", 51, 56, "DATE")]
    >>> [(c.head.id, c.tail.id, c.label) for c in candidate_pairs(Document("d", t, ents))]
    [('T1', 'T2', 'MEET'), ('T1', 'T3', 'AT'), ('T2', 'T3', 'AT'), ('T4', 'T5', 'ON')]
    """
    sentences = sentence_spans(doc.text) if sentences is None else sentences
    if not sentences or not doc.entities:
        return []
    by_sentence: dict[int, list[Entity]] = {}
    for e in sorted(doc.entities, key=lambda e: (e.start, e.end)):
        by_sentence.setdefault(sentence_index(sentences, e.start), []).append(e)
    gold = relation_keys(doc) if with_gold else None
    out = []
    for si, ents in sorted(by_sentence.items()):
        for i, a in enumerate(ents):
            for j, b in enumerate(ents):
                if i == j:
                    continue
                label = PAIR_RELATION.get((a.label, b.label))
                if label is None or (label == "MEET" and j < i):
                    continue
                is_gold = None if gold is None else (label, a.id, b.id) in gold
                out.append(Candidate(doc_index, tuple(sentences[si]), a, b, label, is_gold))
    return out
