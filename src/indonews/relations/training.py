"""Fine-tuning the pair classifier with the HF Trainer on gold entities, thresholds chosen on dev."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from indonews.ner.training import early_stopping
from indonews.relations.candidates import candidate_pairs
from indonews.relations.markers import encode_candidates
from indonews.relations.model import RelationModel, collate, pos_weights
from indonews.schema import RELATION_LABELS, Document

log = logging.getLogger(__name__)


def relation_features(docs: Sequence[Document], tokenizer, max_length: int) -> dict[str, list]:
    """Columns for a ``datasets.Dataset``: one row per candidate pair of the gold entities, labelled 1/0."""
    cands = [c for i, d in enumerate(docs) for c in candidate_pairs(d, i, with_gold=True)]
    cols = encode_candidates(cands, [d.text for d in docs], tokenizer, max_length)
    cols.setdefault("labels", [])
    return cols


def best_thresholds(probs: np.ndarray, labels: np.ndarray, rel_types: np.ndarray) -> dict[str, float]:
    """Per relation, the threshold on dev that maximises F1 over its candidates (0.5 where dev has none).

    Of thresholds that tie, the one nearest 0.5 wins.

    >>> best_thresholds(np.array([0.9, 0.4, 0.2, 0.7]), np.array([1, 1, 0, 1]), np.array([0, 0, 0, 1]))
    {'MEET': 0.4, 'AT': 0.5, 'ON': 0.5}
    """
    out = {}
    grid = np.round(np.arange(0.05, 0.96, 0.05), 2)
    for k, lab in enumerate(RELATION_LABELS):
        sel = rel_types == k
        if not sel.any() or labels[sel].sum() == 0:
            out[lab] = 0.5
            continue
        p, y = probs[sel], labels[sel] > 0.5
        best, best_t = -1.0, 0.5
        for t in grid:
            pred = p >= t
            tp = float((pred & y).sum())
            f1 = 2 * tp / (pred.sum() + y.sum()) if (pred.sum() + y.sum()) else 0.0
            if f1 > best + 1e-9 or (abs(f1 - best) <= 1e-9 and abs(t - 0.5) < abs(best_t - 0.5)):
                best, best_t = f1, float(t)
        out[lab] = best_t
    return out


def compute_metrics(eval_pred) -> dict[str, float]:
    """Pair-level P/R/F1 at threshold 0.5 over all candidates (what early stopping watches)."""
    logits, labels = eval_pred.predictions, eval_pred.label_ids
    pred = np.asarray(logits).reshape(-1) > 0
    gold = np.asarray(labels).reshape(-1) > 0.5
    tp = float((pred & gold).sum())
    precision = tp / pred.sum() if pred.sum() else 0.0
    recall = tp / gold.sum() if gold.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def train_relations(
    train_docs: Sequence[Document],
    dev_docs: Sequence[Document],
    backbone: str,
    args,
    max_length: int = 128,
    early_stopping_patience: int | None = 3,
    dropout: float = 0.1,
    local_files_only: bool = True,
    resume_from_checkpoint: str | bool | None = None,
):
    """Fine-tune a relation model from ``backbone``; returns ``(model, tokenizer, thresholds, trainer)``.

    ``args`` is a ``transformers.TrainingArguments``; the best checkpoint by dev pair F1 is kept, then
    each relation's decision threshold is set where dev F1 peaks.
    """
    from datasets import Dataset
    from transformers import AutoModel, AutoTokenizer, Trainer, set_seed

    set_seed(args.seed)
    tokenizer = AutoTokenizer.from_pretrained(backbone, local_files_only=local_files_only)
    encoder = AutoModel.from_pretrained(backbone, local_files_only=local_files_only)
    train_cols = relation_features(train_docs, tokenizer, max_length)
    if not train_cols["labels"]:
        raise ValueError("no candidate pairs in the training documents: relations need sentences with two entities")
    weights = pos_weights(train_cols["labels"], train_cols["rel_type"])
    log.info(
        "%d training pairs (%d hold a relation); pos_weight %s",
        len(train_cols["labels"]),
        int(sum(train_cols["labels"])),
        dict(zip(RELATION_LABELS, weights)),
    )
    model = RelationModel(encoder, dropout=dropout, pos_weight=weights)
    dev_cols = relation_features(dev_docs, tokenizer, max_length) if dev_docs else None
    dev_ds = Dataset.from_dict(dev_cols) if dev_cols and dev_cols["labels"] else None
    args.label_names = ["labels"]
    callbacks = []
    if early_stopping_patience and dev_ds is not None:
        callbacks.append(early_stopping(early_stopping_patience))
    if dev_ds is None:  # nothing to select on
        args.load_best_model_at_end = False
        args.eval_strategy = "no"
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_dict(train_cols),
        eval_dataset=dev_ds,
        data_collator=lambda feats: collate(feats, tokenizer.pad_token_id or 0),
        compute_metrics=compute_metrics,
        callbacks=callbacks,
    )
    trainer.train(resume_from_checkpoint=resume_from_checkpoint)
    thresholds = dict.fromkeys(RELATION_LABELS, 0.5)
    if dev_ds is not None:
        out = trainer.predict(dev_ds)
        probs = 1 / (1 + np.exp(-np.asarray(out.predictions).reshape(-1)))
        thresholds = best_thresholds(probs, np.asarray(dev_cols["labels"]), np.asarray(dev_cols["rel_type"]))
        log.info("relation thresholds chosen on dev: %s", thresholds)
    return trainer.model, tokenizer, thresholds, trainer
