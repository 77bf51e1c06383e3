"""Relations for documents whose entities are known (gold or predicted): candidates -> markers -> scores.

>>> from indonews.relations.predictor import RelationPredictor      # doctest: +SKIP
>>> rp = RelationPredictor.from_pretrained("models/tiny/relations")   # doctest: +SKIP
>>> rp.predict([doc])                                                # doctest: +SKIP
[[Relation(head='T1', tail='T2', label='MEET', score=0.97), ...]]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from indonews.relations.candidates import Candidate, candidate_pairs
from indonews.relations.markers import encode_candidates
from indonews.relations.model import RelationModel, collate, load_relation_model, save_relation_model
from indonews.schema import Document, Relation


def score_candidates(
    model: RelationModel,
    tokenizer,
    candidates: Sequence[Candidate],
    texts: Sequence[str],
    max_length: int,
    type_words: dict[str, str] | None = None,
    batch_size: int = 64,
    device: torch.device | str = "cpu",
    progress=None,
) -> np.ndarray:
    """The probability that each candidate holds its relation, in candidate order; ``progress("pairs", done,
    total)`` after each batch (see :meth:`indonews.Extractor.predict`)."""
    if not candidates:
        return np.zeros(0, dtype=np.float32)
    kwargs = {"type_words": type_words} if type_words else {}
    cols = encode_candidates(candidates, texts, tokenizer, max_length, **kwargs)
    cols.pop("labels", None)
    rows = [dict(zip(cols, vals)) for vals in zip(*cols.values())]
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]["input_ids"]))  # little padding per batch
    probs = np.zeros(len(rows), dtype=np.float32)
    pad = tokenizer.pad_token_id or 0
    model.eval()
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            batch = {k: v.to(device) for k, v in collate([rows[i] for i in idx], pad).items()}
            probs[idx] = torch.sigmoid(model(**batch)["logits"].float()).cpu().numpy()
            if progress is not None:
                progress("pairs", b + len(idx), len(order))
    return probs


class RelationPredictor:
    """Scores every candidate pair of each sentence and keeps those over the relation's threshold."""

    def __init__(self, model: RelationModel, tokenizer, settings: dict, device: str | torch.device | None = None):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.settings = settings
        self.thresholds: dict[str, float] = dict(settings["thresholds"])
        self.max_length = int(settings["max_length"])

    @classmethod
    def from_pretrained(cls, model_dir: str | Path, device: str | None = None) -> RelationPredictor:
        model, tokenizer, settings = load_relation_model(model_dir)
        return cls(model, tokenizer, settings, device)

    def save_pretrained(self, model_dir: str | Path) -> Path:
        """Write the model where :meth:`from_pretrained` reads it (``relations/`` of a model directory)."""
        return save_relation_model(self.model, self.tokenizer, model_dir, self.settings)

    def predict(
        self,
        docs: Sequence[Document],
        sentences: Sequence[list[tuple[int, int]]] | None = None,
        batch_size: int = 64,
        progress=None,
    ) -> list[list[Relation]]:
        """The relations of each document among its ``entities`` (MEET's head is the mention that comes first)."""
        cands: list[Candidate] = []
        for i, d in enumerate(docs):
            cands.extend(candidate_pairs(d, i, sentences[i] if sentences is not None else None))
        probs = score_candidates(
            self.model,
            self.tokenizer,
            cands,
            [d.text for d in docs],
            self.max_length,
            self.settings.get("type_words"),
            batch_size,
            self.device,
            progress,
        )
        out: list[list[Relation]] = [[] for _ in docs]
        for c, p in zip(cands, probs):
            if p >= self.thresholds.get(c.label, 0.5):
                out[c.doc_index].append(Relation(c.head.id, c.tail.id, c.label, round(float(p), 4)))
        return out
