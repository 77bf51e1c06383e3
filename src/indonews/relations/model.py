"""The pair classifier: an encoder reads the marked sentence, a small head reads the two opening markers.

One encoder pass per candidate (Zhou & Chen 2021; the "approximation" of PURE is not needed at this
corpus size). The head scores the relation that the pair's types allow (LEADER–LEADER: MEET, ...),
so the model answers one yes/no question per candidate with a per-relation output unit. The loss
weighs the rarer side of each relation by its share in the training pairs (``pos_weight``), and the
decision threshold of each relation is chosen on dev, so neither "mostly yes" (gold entities) nor
"mostly no" (predicted entities) skews the model.

A saved relation model is a folder inside the model directory (:mod:`indonews.checkpoint` names it)::

    relations/config.json, model.safetensors   the encoder (plain transformers)
    relations/head.safetensors                 the head and its weights
    relations/relation.json                    labels, thresholds, max_length, marker words
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from indonews.checkpoint import RELATION_HEAD_FILE, RELATION_SETTINGS_FILE, read_relation_settings
from indonews.relations.markers import TYPE_WORDS
from indonews.schema import RELATION_LABELS


class RelationModel(nn.Module):
    """Encoder + head over the concatenated states of the head and tail opening markers."""

    def __init__(self, encoder, num_labels: int = len(RELATION_LABELS), dropout: float = 0.1, pos_weight=None):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.head = nn.Sequential(
            nn.Linear(2 * hidden, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, num_labels)
        )
        weight = torch.ones(num_labels) if pos_weight is None else torch.as_tensor(pos_weight, dtype=torch.float)
        self.register_buffer("pos_weight", weight)

    @property
    def config(self):  # the Trainer and Accelerate look for it
        return self.encoder.config

    def forward(self, input_ids, attention_mask, head_pos, tail_pos, rel_type, labels=None):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        rows = torch.arange(hidden.size(0), device=hidden.device)
        pair = torch.cat([hidden[rows, head_pos], hidden[rows, tail_pos]], dim=-1)
        logits = self.head(pair).gather(1, rel_type[:, None]).squeeze(1)
        out = {"logits": logits}
        if labels is not None:
            out["loss"] = nn.functional.binary_cross_entropy_with_logits(
                logits.float(), labels.float(), pos_weight=self.pos_weight[rel_type]
            )
        return out


def pos_weights(labels: Sequence[float], rel_types: Sequence[int], num_labels: int = len(RELATION_LABELS)) -> list:
    """Per relation, negatives / positives among the training pairs (1 where a side is missing), kept in 0.1..10.

    >>> pos_weights([1, 1, 1, 0, 0, 1], [0, 0, 0, 0, 1, 1])
    [0.3333333333333333, 1.0, 1.0]
    """
    out = []
    for k in range(num_labels):
        pos = sum(1 for y, t in zip(labels, rel_types) if t == k and y > 0.5)
        neg = sum(1 for y, t in zip(labels, rel_types) if t == k and y <= 0.5)
        out.append(min(10.0, max(0.1, neg / pos)) if pos and neg else 1.0)
    return out


def collate(features: list[dict], pad_id: int = 0) -> dict[str, torch.Tensor]:
    """Pad ``input_ids`` to the longest in the batch; the pair columns become tensors."""
    width = max(len(f["input_ids"]) for f in features)
    ids = torch.full((len(features), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(features), width), dtype=torch.long)
    for i, f in enumerate(features):
        n = len(f["input_ids"])
        ids[i, :n] = torch.as_tensor(f["input_ids"])
        mask[i, :n] = 1
    batch = {"input_ids": ids, "attention_mask": mask}
    for key, dtype in (("head_pos", torch.long), ("tail_pos", torch.long), ("rel_type", torch.long)):
        batch[key] = torch.as_tensor([f[key] for f in features], dtype=dtype)
    if "labels" in features[0]:
        batch["labels"] = torch.as_tensor([f["labels"] for f in features], dtype=torch.float)
    return batch


def save_relation_model(model: RelationModel, tokenizer, out_dir: str | Path, settings: dict) -> Path:
    """Write the encoder (plain transformers), the head and the settings into ``out_dir``."""
    from safetensors.torch import save_file

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    state = {f"head.{k}": v.detach().cpu().contiguous() for k, v in model.head.state_dict().items()}
    state["pos_weight"] = model.pos_weight.detach().cpu()
    save_file(state, out / RELATION_HEAD_FILE)
    (out / RELATION_SETTINGS_FILE).write_text(
        json.dumps(settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return out


def load_relation_model(model_dir: str | Path) -> tuple[RelationModel, object, dict]:
    """``(model, tokenizer, settings)`` from a folder written by :func:`save_relation_model`."""
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    model_dir = Path(model_dir)
    settings = read_relation_settings(model_dir)
    if settings is None:
        raise FileNotFoundError(
            f"{model_dir}: no {RELATION_SETTINGS_FILE}; is this a relation model written by train.py?"
        )
    encoder = AutoModel.from_pretrained(model_dir)
    model = RelationModel(encoder, num_labels=len(settings["labels"]))
    state = load_file(model_dir / RELATION_HEAD_FILE)
    model.head.load_state_dict({k[len("head.") :]: v for k, v in state.items() if k.startswith("head.")})
    model.pos_weight.copy_(state["pos_weight"])
    return model.eval(), AutoTokenizer.from_pretrained(model_dir), settings


def default_settings(max_length: int, thresholds: dict[str, float] | None = None) -> dict:
    return {
        "labels": list(RELATION_LABELS),
        "thresholds": thresholds or dict.fromkeys(RELATION_LABELS, 0.5),
        "max_length": max_length,
        "type_words": dict(TYPE_WORDS),
    }
