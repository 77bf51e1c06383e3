"""seqeval scoring, strict IOB2, and the entity-type confusion counts.

Two views:
- :func:`build_compute_metrics` for the Trainer: tags on the backbone's first sub-tokens (what
  early stopping watches);
- :func:`score_documents` for reports: gold and predicted character spans turned into tags over one
  shared word tokenisation (:func:`indonews.text.word_spans`), so scores do not depend on the
  backbone's sub-word tokenizer and two backbones are compared on the same words.

:func:`confusion_counts` compares mentions, not tags. Each gold and each predicted span is first put on
the same word grid as :func:`score_documents`, then:

- a gold span and a predicted span with exactly the same extent count once in cell (gold type,
  predicted type); the diagonal is the strict true positives of the seqeval report, off-diagonal
  cells are type errors on a correct extent;
- a gold span that no predicted span matches exactly counts in (gold type, ``missed``);
- a predicted span that no gold span matches exactly counts in (``spurious``, predicted type).

A boundary error (``Presiden Prabowo`` for ``Prabowo``) is therefore one missed and one spurious
span. The cell (``spurious``, ``missed``) is empty by construction. :mod:`indonews.plots` draws it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from indonews.ner.alignment import IGNORE
from indonews.schema import ENTITY_LABELS, RELATION_LABELS, Document, spans_to_tags, tags_to_spans
from indonews.text import word_spans

MISSED = "missed"  # the confusion counts' column for a gold span no prediction matches exactly
SPURIOUS = "spurious"  # and their row for a predicted span no gold span matches exactly


def _report(gold: list[list[str]], pred: list[list[str]]) -> dict:
    rep = classification_report(gold, pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    out = {}
    for key, row in rep.items():
        name = key.replace(" avg", "")
        out[name] = {
            "precision": float(row["precision"]),
            "recall": float(row["recall"]),
            "f1": float(row["f1-score"]),
            "support": int(row["support"]),
        }
    for lab in ENTITY_LABELS:  # a label with no gold and no predicted span still gets a row
        out.setdefault(lab, {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0})
    return out


def build_compute_metrics(id2label: dict[int, str]):
    """A ``compute_metrics`` for the HF Trainer: micro P/R/F1 and per-label F1 on first sub-tokens."""

    def compute_metrics(eval_pred) -> dict[str, float]:
        logits, labels = eval_pred.predictions, eval_pred.label_ids
        preds = np.argmax(logits, axis=-1)
        gold_seqs, pred_seqs = [], []
        for p_row, l_row in zip(preds, labels):
            keep = l_row != IGNORE
            gold_seqs.append([id2label[int(x)] for x in l_row[keep]])
            pred_seqs.append([id2label[int(x)] for x in p_row[keep]])
        rep = _report(gold_seqs, pred_seqs)
        metrics = {k: rep["micro"][k] for k in ("precision", "recall", "f1")}
        metrics.update({f"f1_{lab}": rep[lab]["f1"] for lab in ENTITY_LABELS})
        return metrics

    return compute_metrics


def doc_word_tags(doc: Document, words: Sequence[tuple[int, int]] | None = None) -> list[str]:
    words = word_spans(doc.text) if words is None else words
    return spans_to_tags([(e.start, e.end, e.label) for e in doc.entities], words)


def score_documents(gold: Sequence[Document], pred: Sequence[Document], context: int = 40) -> dict:
    """Word-level seqeval report plus every false positive and false negative in context.

    Returns ``{"entities": {label|micro|macro|weighted: {precision, recall, f1, support}}, "errors": [...]}``.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold documents but {len(pred)} predicted")
    gold_tags, pred_tags, errors = [], [], []
    for g, p in zip(gold, pred):
        if g.text != p.text:
            raise ValueError(f"document {g.id}: predicted text differs from gold text")
        words = word_spans(g.text)
        gt, pt = doc_word_tags(g, words), doc_word_tags(p, words)
        gold_tags.append(gt)
        pred_tags.append(pt)
        gs, ps = set(tags_to_spans(gt, words)), set(tags_to_spans(pt, words))
        for kind, spans in (("false_negative", gs - ps), ("false_positive", ps - gs)):
            for s, e, lab in sorted(spans):
                left = g.text[max(0, s - context) : s].replace("\n", " ")
                right = g.text[e : e + context].replace("\n", " ")
                errors.append(
                    {
                        "doc": g.id,
                        "type": kind,
                        "label": lab,
                        "start": s,
                        "end": e,
                        "text": g.text[s:e],
                        "context": f"{left}[{g.text[s:e]}]{right}",
                    }
                )
    return {"entities": _report(gold_tags, pred_tags), "errors": errors}


def _word_level(doc: Document, words) -> set[tuple[int, int, str]]:
    return set(tags_to_spans(doc_word_tags(doc, words), words))


def confusion_counts(gold: Sequence[Document], pred: Sequence[Document], labels: Sequence[str] = ENTITY_LABELS) -> dict:
    """Gold type (rows, plus ``spurious``) against predicted type (columns, plus ``missed``), per the module doc.

    Returns ``{"rows": [...], "cols": [...], "counts": [[int, ...], ...]}`` (JSON-ready).

    >>> from indonews.schema import Entity
    >>> t = "Jokowi ke Bali"
    >>> g = Document("d", t, [Entity("T1", 0, 6, "LEADER"), Entity("T2", 10, 14, "VENUE")])
    >>> p = Document("d", t, [Entity("T1", 0, 6, "VENUE")])
    >>> confusion_counts([g], [p])["counts"]
    [[0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]]
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold documents but {len(pred)} predicted")
    rows, cols = [*labels, SPURIOUS], [*labels, MISSED]
    counts = [[0] * len(cols) for _ in rows]
    for g, p in zip(gold, pred):
        if g.text != p.text:
            raise ValueError(f"document {g.id}: predicted text differs from gold text")
        words = word_spans(g.text)
        gold_by_extent = {(s, e): lab for s, e, lab in _word_level(g, words)}
        pred_by_extent = {(s, e): lab for s, e, lab in _word_level(p, words)}
        for extent, lab in gold_by_extent.items():
            if lab not in labels:
                continue
            other = pred_by_extent.get(extent)
            col = cols.index(other) if other in labels else cols.index(MISSED)
            counts[rows.index(lab)][col] += 1
        for extent, lab in pred_by_extent.items():
            if lab in labels and gold_by_extent.get(extent) not in labels:
                counts[rows.index(SPURIOUS)][cols.index(lab)] += 1
    return {"rows": rows, "cols": cols, "counts": counts}


def markdown_table(report: dict, title: str = "Entities") -> str:
    """Per-label (entity or relation) and averaged P/R/F1 with support, as a Markdown table."""
    rows = [f"| {title} | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    order = [k for k in (*ENTITY_LABELS, *RELATION_LABELS, "micro", "macro", "weighted") if k in report]
    order += [k for k in report if k not in order]
    for k in order:
        r = report[k]
        rows.append(f"| {k} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |")
    return "\n".join(rows)
