"""Strict relation scoring: a predicted relation counts when its label and both entities (span and type) match.

MEET is unordered: its two mentions are compared as a set. Scored twice in evaluation: on gold
entities (the relation model alone) and end to end on predicted entities (any entity error costs the
relations it takes part in).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from indonews.schema import RELATION_LABELS, Document

Key = tuple  # (label, (start, end, type), (start, end, type))


def relation_tuples(doc: Document) -> set[Key]:
    """The document's relations as span tuples; MEET's two mentions in text order.

    >>> from indonews.schema import Entity, Relation
    >>> d = Document("d", "A dan B", [Entity("T1", 0, 1, "LEADER"), Entity("T2", 6, 7, "LEADER")],
    ...              [Relation("T2", "T1", "MEET")])
    >>> relation_tuples(d)
    {('MEET', (0, 1, 'LEADER'), (6, 7, 'LEADER'))}
    """
    ents = {e.id: (e.start, e.end, e.label) for e in doc.entities}
    out = set()
    for r in doc.relations:
        head, tail = ents[r.head], ents[r.tail]
        if r.label == "MEET" and tail < head:
            head, tail = tail, head
        out.add((r.label, head, tail))
    return out


def score_relations(gold: Sequence[Document], pred: Sequence[Document]) -> dict:
    """Per relation and micro/macro precision, recall, F1 and support (gold count)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold documents but {len(pred)} predicted")
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    for g, p in zip(gold, pred):
        gs, ps = relation_tuples(g), relation_tuples(p)
        for key in gs:
            n_gold[key[0]] += 1
        for key in ps:
            n_pred[key[0]] += 1
            tp[key[0]] += key in gs

    def prf(t: int, np_: int, ng: int) -> dict:
        precision = t / np_ if np_ else 0.0
        recall = t / ng if ng else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": precision, "recall": recall, "f1": f1, "support": ng}

    report = {lab: prf(tp[lab], n_pred[lab], n_gold[lab]) for lab in RELATION_LABELS}
    report["micro"] = prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    report["macro"] = {
        k: sum(report[lab][k] for lab in RELATION_LABELS) / len(RELATION_LABELS) for k in ("precision", "recall", "f1")
    }
    report["macro"]["support"] = report["micro"]["support"]
    return report
