"""The benchmark's documents and what is scored on them: span F1 against gold, agreement with the pipeline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from indonews.outputs import atomic_file


def load_texts(path: str | Path, n: int | None = None) -> list[str]:
    """The ``text`` of every line of a JSONL file, repeated (or cut) to ``n`` documents."""
    from indonews.schema import iter_json_lines

    texts = [obj["text"] for _, _, obj in iter_json_lines(path)]
    if not texts:
        raise ValueError(f"{path}: no documents")
    if n is None:
        return texts
    return [texts[i % len(texts)] for i in range(n)]


def load_gold(path: str | Path, n: int | None = None) -> list[list[list]] | None:
    """The ``[start, end, label]`` entity spans of every line, aligned with :func:`load_texts`; None if unannotated."""
    from indonews.schema import iter_json_lines

    lines = [obj for _, _, obj in iter_json_lines(path)]
    if not any("entities" in obj for obj in lines):
        return None
    gold = [[[e["start"], e["end"], e["label"]] for e in obj.get("entities", [])] for obj in lines]
    return gold if n is None else [gold[i % len(gold)] for i in range(n)]


def write_texts(texts: Sequence[str], path: str | Path) -> Path:
    path = Path(path)
    with atomic_file(path) as fh:
        for i, t in enumerate(texts):
            fh.write(json.dumps({"id": f"bench-{i + 1}", "text": t}, ensure_ascii=False) + "\n")
    return path


def span_f1(gold: Sequence[Sequence], predicted: Sequence[Sequence]) -> dict:
    """Strict micro P/R/F1 of predicted spans against gold: start, end and label must all be equal.

    For non-overlapping spans this is seqeval's strict IOB2 entity score; it is computed on the benchmark's
    documents (repeated, when ``--docs`` exceeds the file), so it tells what a system's decoding or
    precision costs, not the model's test score (``scripts/evaluate.py`` gives that).
    """
    g = {(d, s, e, lab) for d, spans in enumerate(gold) for s, e, lab in spans}
    p = {(d, s, e, lab) for d, spans in enumerate(predicted) for s, e, lab in spans}
    tp = len(g & p)
    precision = tp / len(p) if p else 0.0
    recall = tp / len(g) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": len(g)}


def trim_spans(spans: Sequence[Sequence], text_list: Sequence[str]) -> list[list]:
    """Each document's spans with the annotation format's edge rule applied (:func:`indonews.schema.trim_span`):
    edge punctuation and white space off, spans left empty dropped.

    >>> trim_spans([[[0, 9, "LEADER"], [10, 11, "VENUE"]]], [" Prabowo, ("])
    [[[1, 8, 'LEADER']]]
    """
    from indonews.schema import trim_span

    out = []
    for d, doc in enumerate(spans):
        kept = []
        for s, e, lab in doc:
            s2, e2 = trim_span(text_list[d], s, e)
            if e2 > s2:
                kept.append([s2, e2, lab])
        out.append(kept)
    return out


def reproduction(reference: Sequence[Sequence], candidate: Sequence[Sequence], text_list: Sequence[str]) -> dict:
    """Share of the reference's (start, end, label) spans that the candidate has exactly.

    ``after_trim`` first applies the annotation format's edge rule (:func:`indonews.schema.trim_span`) to
    the reference, as the Extractor does to its own spans: the pipeline keeps a trailing "," or ")" that
    the format forbids.
    """
    ref = {(d, s, e, lab) for d, spans in enumerate(reference) for s, e, lab in spans}
    cand = {(d, s, e, lab) for d, spans in enumerate(candidate) for s, e, lab in spans}
    trimmed = {(d, s, e, lab) for d, spans in enumerate(trim_spans(reference, text_list)) for s, e, lab in spans}
    return {
        "reference_spans": len(ref),
        "candidate_spans": len(cand),
        "reproduced": len(ref & cand),
        "share": len(ref & cand) / len(ref) if ref else 1.0,
        "share_after_trim": len(trimmed & cand) / len(trimmed) if trimmed else 1.0,
    }
