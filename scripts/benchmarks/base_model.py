"""A BERT-base-sized token classifier with random weights: what IndoBERT costs to run, without the Hub."""

from __future__ import annotations

from pathlib import Path

from indonews import checkpoint, files
from indonews.outputs import atomic_dir

BASE_SIZE = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072)
BASE_VOCAB = 32000  # IndoBERT's vocabulary size
BASE_SETTINGS = {"max_length": 512, "stride": 128, "constrained": True}  # as configs/model/indobert.yaml


def build_random_base(out_dir: str | Path, tokenizer_dir: str | Path, seed: int = 0) -> Path:
    """A BERT-base-sized token classifier (random weights, the seven IOB2 labels) for realistic timing offline.

    The tokenizer is the one in ``tokenizer_dir``; the embedding table has IndoBERT's 32,000 rows (or more,
    if the tokenizer is larger), so the model costs what IndoBERT costs. Built once and reused.
    """
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForTokenClassification

    from indonews.schema import ID2LABEL, LABEL2ID

    out_dir = Path(out_dir)
    if (out_dir / "model.safetensors").exists():
        return out_dir
    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    tokenizer.model_max_length = BASE_SETTINGS["max_length"]
    config = BertConfig(
        vocab_size=max(BASE_VOCAB, len(tokenizer)),
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id or 0,
        num_labels=len(ID2LABEL),
        id2label=dict(ID2LABEL),
        label2id=dict(LABEL2ID),
        **BASE_SIZE,
    )
    model = BertForTokenClassification(config)
    with atomic_dir(out_dir) as staging:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        checkpoint.write_settings(staging, BASE_SETTINGS)
    return out_dir


def default_cache_dir() -> Path:
    """Where the random base models live: ``bench/`` in the package's cache directory."""
    return files.default_cache_dir("bench")


def random_base_dir(cache_dir: str | Path, tokenizer_dir: str | Path) -> Path:
    """Where the random base model for ``tokenizer_dir``'s tokenizer lives (keyed by the tokenizer's content)."""
    import hashlib

    tok = Path(tokenizer_dir) / "tokenizer.json"
    key = hashlib.sha1(tok.read_bytes()).hexdigest()[:12] if tok.exists() else Path(tokenizer_dir).name
    return Path(cache_dir) / f"base-random-{key}"
