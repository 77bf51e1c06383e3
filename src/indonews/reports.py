"""Evaluation runs: score an extractor on gold documents and write JSON, Markdown and error files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from indonews.ner.metrics import markdown_table, score_documents
from indonews.schema import Document, write_jsonl


def evaluate_extractor(extractor, docs: Sequence[Document], batch_size: int = 32) -> dict:
    """Word-level seqeval report of ``extractor`` on gold ``docs`` (see :func:`score_documents`)."""
    pred = list(extractor.annotate([Document(d.id, d.text) for d in docs], batch_size=batch_size))
    return score_documents(docs, pred)


def write_report(report: dict, out_dir: str | Path, name: str) -> dict[str, str]:
    """``<name>.json`` (scores), ``<name>.md`` (table) and ``<name>_errors.jsonl`` (each FP and FN)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / f"{name}.json", "markdown": out / f"{name}.md", "errors": out / f"{name}_errors.jsonl"}
    paths["json"].write_text(json.dumps({"entities": report["entities"]}, indent=2) + "\n", encoding="utf-8")
    paths["markdown"].write_text(markdown_table(report["entities"], f"Entities ({name})") + "\n", encoding="utf-8")
    write_jsonl(report["errors"], paths["errors"])
    return {k: str(v) for k, v in paths.items()}
