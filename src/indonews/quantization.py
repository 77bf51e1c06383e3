"""Whether int8 costs a checkpoint any F1: score a dev set on ONNX Runtime in int8 and in float32, keep the verdict.

int8 on ONNX Runtime is about 1.6 times as fast as the float32 default on a CPU (README, "Speed"), but what it
costs depends on the checkpoint: nothing on one model, a point on another. So it is checked per checkpoint:
:func:`check_int8` predicts the dev documents both ways and :func:`record_int8` writes the verdict into the
model directory's ``indonews.json`` under ``"int8"``. ``scripts/train.py`` does both after training
(``quantize_check``), ``python scripts/quantize.py model_dir=...`` for a model trained before. With
``quantize="auto"``, the default of :meth:`indonews.predict.Extractor.from_pretrained` and ``scripts/predict.py``,
a CPU run takes int8 only for a checkpoint whose verdict says it costs no more than :data:`TOLERANCE` of dev
entity F1 (:func:`indonews.checkpoint.int8_verified`); any other checkpoint runs in float32 as before.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from indonews import checkpoint
from indonews.ner.metrics import score_documents
from indonews.schema import Document

TOLERANCE = 0.0  # dev entity F1 that int8 may lose and still be taken by quantize="auto": none


@dataclass(frozen=True)
class Int8Verdict:
    """Dev entity F1 in float32 and in int8 (both on ONNX Runtime) and whether int8 may be the default."""

    float32_f1: float
    int8_f1: float
    documents: int  # scored
    same_spans: float  # share of documents whose int8 spans equal the float32 ones
    tolerance: float
    verified: bool  # int8_f1 >= float32_f1 - tolerance

    @property
    def cost(self) -> float:
        """F1 points int8 loses (negative when it gains)."""
        return round(self.float32_f1 - self.int8_f1, 4)


def check_int8(
    model_dir: str | os.PathLike, docs: Sequence[Document], tolerance: float = TOLERANCE, batch_size: int = 32
) -> Int8Verdict:
    """Predict ``docs`` with the entity model on ONNX Runtime in float32 and in int8 and compare the word-level
    micro F1 (as ``scripts/evaluate.py`` scores it). Exports both (once; they are cached like any export)."""
    from indonews.predict import Extractor

    if not docs:
        raise ValueError("no documents to check int8 on")
    stripped = [Document(d.id, d.text) for d in docs]
    predictions, f1 = {}, {}
    for scheme in (None, "int8"):
        extractor = Extractor.from_pretrained(model_dir, runtime="onnx", quantize=scheme, relations=None)
        predictions[scheme] = list(extractor.annotate(stripped, batch_size=batch_size))
        f1[scheme] = round(score_documents(docs, predictions[scheme])["entities"]["micro"]["f1"], 4)
    same = sum(
        {(e.start, e.end, e.label) for e in a.entities} == {(e.start, e.end, e.label) for e in b.entities}
        for a, b in zip(predictions[None], predictions["int8"])
    )
    return Int8Verdict(
        float32_f1=f1[None],
        int8_f1=f1["int8"],
        documents=len(docs),
        same_spans=round(same / len(docs), 4),
        tolerance=tolerance,
        verified=f1["int8"] >= f1[None] - tolerance,
    )


def record_int8(model_dir: str | os.PathLike, verdict: Int8Verdict) -> Path:
    """Write ``verdict`` into ``model_dir/indonews.json`` (atomically, the other settings kept)."""
    return checkpoint.update_settings(model_dir, **{checkpoint.INT8_KEY: asdict(verdict)})
