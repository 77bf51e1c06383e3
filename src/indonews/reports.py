"""Evaluation runs: score an extractor on gold documents and write JSON, Markdown, error files and plots."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from indonews.ner.metrics import confusion_counts, markdown_table, score_documents
from indonews.outputs import write_text
from indonews.relations.candidates import candidate_pairs
from indonews.relations.metrics import score_relations
from indonews.schema import Document, Relation, write_jsonl

RELATION_VIEWS = {
    "gold_entities": "Relations on gold entities",
    "end_to_end": "Relations end to end (predicted entities)",
    "all_pairs_baseline": "Baseline: every candidate pair of the gold entities",
}


def all_pairs(docs: Sequence[Document]) -> list[Document]:
    """Each document with a relation on every candidate pair of its entities (the recall-1 baseline)."""
    out = []
    for d in docs:
        rels = [Relation(c.head.id, c.tail.id, c.label) for c in candidate_pairs(d)]
        out.append(Document(d.id, d.text, list(d.entities), rels))
    return out


def evaluate_extractor(extractor, docs: Sequence[Document], batch_size: int = 32) -> dict:
    """Word-level seqeval report of ``extractor`` on gold ``docs`` (see :func:`score_documents`).

    With a relation model, ``relations`` holds strict relation scores three ways: on gold entities,
    end to end on predicted entities, and the every-pair baseline on gold entities. ``confusion``
    holds the entity-type confusion counts (:func:`indonews.ner.metrics.confusion_counts`).
    """
    pred = list(extractor.annotate([Document(d.id, d.text) for d in docs], batch_size=batch_size))
    report = score_documents(docs, pred)
    report["confusion"] = confusion_counts(docs, pred)
    if getattr(extractor, "relations", None) is not None:
        on_gold = extractor.add_relations([Document(d.id, d.text, list(d.entities)) for d in docs], batch_size)
        report["relations"] = {
            "gold_entities": score_relations(docs, on_gold),
            "end_to_end": score_relations(docs, pred),
            "all_pairs_baseline": score_relations(docs, all_pairs(docs)),
        }
    return report


def markdown_report(report: dict, name: str) -> str:
    parts = [markdown_table(report["entities"], f"Entities ({name})")]
    for view, title in RELATION_VIEWS.items():
        if view in report.get("relations", {}):
            parts.append(markdown_table(report["relations"][view], f"{title} ({name})"))
    return "\n\n".join(parts)


def write_report(report: dict, out_dir: str | Path, name: str) -> dict[str, str]:
    """``<name>.json`` (scores, confusion counts), ``<name>.md`` (tables), ``<name>_errors.jsonl`` (each FP and FN)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / f"{name}.json", "markdown": out / f"{name}.md", "errors": out / f"{name}_errors.jsonl"}
    scores = {k: report[k] for k in ("entities", "relations", "confusion") if k in report}
    write_text(paths["json"], json.dumps(scores, indent=2) + "\n")
    write_text(paths["markdown"], markdown_report(report, name) + "\n")
    write_jsonl(report["errors"], paths["errors"])
    return {k: str(v) for k, v in paths.items()}


def write_plots(
    report: dict, out_dir: str | Path, name: str, log_history: Sequence[dict] | None = None, model_name: str = ""
) -> dict[str, str]:
    """``confusion_<name>.png`` from the report, and ``training_curve.png`` when a Trainer log history is given.

    ``log_history`` is the model directory's ``trainer_log.json`` (the entity model's Trainer log); one
    with no losses and no evaluations draws no curve.
    """
    from indonews.plots import plot_confusion, plot_training_curve, training_curve_points

    out = Path(out_dir)
    paths = {}
    if "confusion" in report:
        paths["confusion"] = str(plot_confusion(report["confusion"], out / f"confusion_{name}.png", split=name))
    if log_history and any(training_curve_points(log_history).values()):
        title = f"{model_name + ': ' if model_name else ''}train loss and dev F1 per evaluation (entity model)"
        paths["training_curve"] = str(plot_training_curve(log_history, out / "training_curve.png", title))
    return paths
