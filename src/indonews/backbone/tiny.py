"""The ``tiny`` backbone: a small BERT built here, with a WordPiece tokenizer trained on local text, word2vec
vectors as its first embeddings and masked-LM pretraining, on nlp-id's news sentences plus the training split.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from indonews.outputs import atomic_dir

log = logging.getLogger(__name__)

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@dataclass
class TinySpec:
    """Size and pretraining budget of the locally built BERT; the defaults are ``configs/model/tiny.yaml``'s ``build``."""

    vocab_size: int = 16000
    hidden_size: int = 256
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    intermediate_size: int = 1024
    max_position_embeddings: int = 512
    lowercase: bool = False
    pretrain_steps: int = 2000
    pretrain_batch_size: int = 32
    pretrain_seq_len: int = 128
    pretrain_lr: float = 5e-4
    mlm_probability: float = 0.15
    seed: int = 42
    embedding_init: str = "word2vec"  # skip-gram vectors of the pieces (gensim); "random": plain BERT init


def train_wordpiece(texts: Iterable[str], vocab_size: int, lowercase: bool = False):
    """A BERT-style WordPiece tokenizer trained on ``texts``, as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=lowercase, lowercase=lowercase
    )
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, min_frequency=2)
    tok.train_from_iterator(texts, trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tok.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=512,
        do_lower_case=lowercase,
    )


def _mlm_blocks(texts: Sequence[str], tokenizer, seq_len: int) -> list[list[int]]:
    """Pack tokenised texts into blocks of ``seq_len`` ids ([CLS] ... [SEP])."""
    body = seq_len - 2
    ids: list[int] = []
    for t in texts:
        ids.extend(tokenizer(t, add_special_tokens=False)["input_ids"])
        ids.append(tokenizer.sep_token_id)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    return [[cls, *ids[i : i + body], sep] for i in range(0, len(ids) - body + 1, body)]


def _stable_hash(s: str) -> int:
    """gensim seeds each vector with a hash of its word; Python's own hash changes from run to run."""
    return zlib.crc32(s.encode("utf-8"))


def word2vec_embeddings(texts: Sequence[str], tokenizer, dim: int, seed: int = 42, std: float = 0.02):
    """Skip-gram vectors for every WordPiece piece, trained with gensim on the pretraining text.

    Distributional vectors give the embedding layer what a short masked-LM run cannot: pieces that occur in
    the same contexts ("Jakarta", "Surabaya"; "Senin", "Kamis") start close together. They are scaled to the
    standard deviation of BERT's own initialisation so position embeddings still count. gensim's training
    is not bit-for-bit repeatable, so two builds differ slightly; a built backbone is cached and reused.
    """
    import numpy as np
    import torch
    from gensim.models import Word2Vec

    pieces = [
        tokenizer.convert_ids_to_tokens(ids) for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    ]
    w2v = Word2Vec(
        pieces, vector_size=dim, window=5, min_count=1, sg=1, epochs=5, workers=1, seed=seed, hashfxn=_stable_hash
    )
    rng = np.random.default_rng(seed)
    emb = rng.normal(0.0, std, (len(tokenizer), dim)).astype("float32")
    vocab = tokenizer.get_vocab()
    known = [(i, w2v.wv[t]) for t, i in vocab.items() if t in w2v.wv]
    if known:
        vecs = np.stack([v for _, v in known])
        vecs = (vecs - vecs.mean(0)) / (vecs.std() + 1e-8) * std
        for (i, _), v in zip(known, vecs):
            emb[i] = v
    log.info("word2vec vectors for %d of %d pieces", len(known), len(tokenizer))
    return torch.from_numpy(emb)


def masked_lm_loss(model, input_ids, attention_mask, labels):
    """Masked-LM loss of a ``BertForMaskedLM`` with the vocabulary head run on masked positions only.

    In a small BERT the projection onto the vocabulary costs more than the encoder, and 85% of its
    outputs are thrown away by the loss. Gathering the masked positions first gives the same loss with
    the vocabulary projection on 15% of the positions (the trick of "Cramming" and MosaicBERT); the weights stay a plain
    ``BertForMaskedLM``.
    """
    import torch.nn.functional as F

    hidden = model.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    picked = labels != -100
    logits = model.cls(hidden[picked])
    return F.cross_entropy(logits.float(), labels[picked])


def _sparse_mlm_trainer():
    from transformers import Trainer

    class SparseMLMTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            core = self.accelerator.unwrap_model(model)
            loss = masked_lm_loss(core, inputs["input_ids"], inputs.get("attention_mask"), inputs["labels"])
            return (loss, None) if return_outputs else loss

    return SparseMLMTrainer


def build_tiny_backbone(
    out_dir: str | Path,
    texts: Sequence[str],
    spec: TinySpec | None = None,
    work_dir: str | Path | None = None,
    resume: bool = True,
    show_progress: bool = True,
) -> Path:
    """Train a WordPiece tokenizer on ``texts``, build a small BERT and pretrain it with masked-LM.

    The word embeddings start from word2vec vectors of the pieces unless ``spec.embedding_init="random"``;
    with that and ``spec.pretrain_steps == 0`` the weights stay random (what the fast tests use). Pretraining
    checkpoints go to ``work_dir`` so an interrupted build resumes; the finished backbone is written
    beside ``out_dir`` and renamed into place, so ``out_dir`` is never half-written.
    """
    import torch
    from transformers import (
        BertConfig,
        BertForMaskedLM,
        DataCollatorForLanguageModeling,
        TrainingArguments,
        set_seed,
    )

    spec = spec or TinySpec()
    out_dir = Path(out_dir)
    work_dir = Path(work_dir) if work_dir else out_dir.with_name(out_dir.name + ".work")
    work_dir.mkdir(parents=True, exist_ok=True)
    set_seed(spec.seed)

    tok_dir = work_dir / "tokenizer"
    if resume and (tok_dir / "tokenizer.json").exists():
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(tok_dir)
    else:
        log.info("training a %d-piece WordPiece tokenizer on %d texts", spec.vocab_size, len(texts))
        tokenizer = train_wordpiece(texts, spec.vocab_size, spec.lowercase)
        tokenizer.save_pretrained(tok_dir)

    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=spec.hidden_size,
        num_hidden_layers=spec.num_hidden_layers,
        num_attention_heads=spec.num_attention_heads,
        intermediate_size=spec.intermediate_size,
        max_position_embeddings=spec.max_position_embeddings,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = BertForMaskedLM(config)
    if spec.embedding_init == "word2vec" and not (resume and _last_checkpoint(work_dir / "checkpoints")):
        model.bert.embeddings.word_embeddings.weight.data.copy_(
            word2vec_embeddings(texts, tokenizer, spec.hidden_size, spec.seed)
        )
    elif spec.embedding_init not in ("random", "word2vec"):
        raise ValueError(f"embedding_init must be 'random' or 'word2vec', not {spec.embedding_init!r}")

    if spec.pretrain_steps > 0:
        from datasets import Dataset

        blocks = _mlm_blocks(texts, tokenizer, spec.pretrain_seq_len)
        log.info("masked-LM pretraining on %d blocks of %d tokens", len(blocks), spec.pretrain_seq_len)
        ds = Dataset.from_dict({"input_ids": blocks})
        args = TrainingArguments(
            output_dir=str(work_dir / "checkpoints"),
            max_steps=spec.pretrain_steps,
            per_device_train_batch_size=spec.pretrain_batch_size,
            learning_rate=spec.pretrain_lr,
            warmup_steps=max(1, spec.pretrain_steps // 20),
            weight_decay=0.01,
            lr_scheduler_type="linear",
            logging_steps=max(1, spec.pretrain_steps // 40),
            save_steps=max(50, spec.pretrain_steps // 10),
            save_total_limit=2,
            seed=spec.seed,
            report_to="none",
            disable_tqdm=not show_progress,
            dataloader_num_workers=0,
            use_cpu=not torch.cuda.is_available(),
        )
        collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=spec.mlm_probability)
        trainer = _sparse_mlm_trainer()(model=model, args=args, train_dataset=ds, data_collator=collator)
        last = _last_checkpoint(work_dir / "checkpoints") if resume else None
        trainer.train(resume_from_checkpoint=last)
        model = trainer.model

    with atomic_dir(out_dir) as staging:  # an existing backbone stays whole until the new one replaces it
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
    return out_dir


def _last_checkpoint(folder: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(folder)) if folder.is_dir() else None


def tiny_pretraining_texts(train_file: str | Path | None, use_nlp_id: bool = True, cache_dir: Path | None = None):
    """Text for the tiny backbone: nlp-id's news sentences plus the training split (never dev/test)."""
    from indonews.schema import iter_jsonl

    texts: list[str] = []
    if use_nlp_id:
        from indonews.data.sources import fetch_nlp_id_wheel, nlp_id_sentences

        texts.extend(nlp_id_sentences(fetch_nlp_id_wheel(cache_dir)))
    if train_file and Path(train_file).exists():
        texts.extend(d.text for d in iter_jsonl(train_file))
    if not texts:
        raise ValueError("no text to build the tiny backbone from: enable use_nlp_id or give a train file")
    return texts


def tiny_text_files(build: dict, train_file, vocab_files: Sequence) -> list[Path]:
    """The corpus file a tiny build reads: the training split (never dev/test)."""
    return [Path(train_file)] if train_file else []


def build_tiny(
    out_dir: Path, options: dict, text_files: Sequence[Path], use_nlp_id: bool, cache_dir: Path | None, resume: bool
) -> Path:
    """:func:`build_tiny_backbone` from a ``build`` section's options (:class:`TinySpec` fields)."""
    texts = tiny_pretraining_texts(text_files[0] if text_files else None, use_nlp_id, cache_dir)
    return build_tiny_backbone(out_dir, texts, TinySpec(**options), resume=resume)
