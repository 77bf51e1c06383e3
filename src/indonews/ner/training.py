"""Fine-tuning a token-classification model with the HF Trainer (:mod:`indonews.checkpoint` writes the result)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from indonews.ner.features import training_features, window_lengths
from indonews.ner.metrics import build_compute_metrics
from indonews.schema import ID2LABEL, LABEL2ID, Document

log = logging.getLogger(__name__)


def build_model(backbone: str, local_files_only: bool = True):
    """Tokenizer and token-classification model with the seven IOB2 labels of :mod:`indonews.schema`."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(backbone, local_files_only=local_files_only)
    if not tokenizer.is_fast:
        raise TypeError(f"{backbone}: a fast tokenizer is needed for character offsets")
    model = AutoModelForTokenClassification.from_pretrained(
        backbone,
        num_labels=len(ID2LABEL),
        id2label=dict(ID2LABEL),
        label2id=dict(LABEL2ID),
        local_files_only=local_files_only,
    )
    return tokenizer, model


def early_stopping(patience: int):
    """Early stopping on dev F1 whose patience starts at the first evaluation above zero.

    A pretrained encoder fine-tuned at a rate that suits it can tag every word ``O`` (F1 exactly 0)
    through the first epochs of warm-up (``model=e5small``: dev F1 0 after the first epoch, 0.84 after
    the third; README, "Results"). Counted as evaluations without a gain, those epochs would stop a run
    before it has started. Used for the entity and the relation model alike.
    """
    from transformers import EarlyStoppingCallback

    class EarlyStoppingAfterStart(EarlyStoppingCallback):
        def check_metric_value(self, args, state, control, metric_value):
            if args.greater_is_better and not state.best_metric and not metric_value:
                self.early_stopping_patience_counter = 0  # not started yet: nothing to lose patience over
                return
            super().check_metric_value(args, state, control, metric_value)

    return EarlyStoppingAfterStart(early_stopping_patience=patience)


HYPERPARAMETERS = (
    "learning_rate",
    "num_train_epochs",
    "max_steps",
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
    "warmup_steps",
    "weight_decay",
    "lr_scheduler_type",
    "seed",
)


def hyperparameters(args, world_size: int = 1, **extra) -> dict:
    """The ``TrainingArguments`` fields that decide a run, as plain values, plus the effective batch size
    (per device x accumulation x processes) and ``extra`` (window length, dropout, patience ...).

    >>> from types import SimpleNamespace as NS
    >>> args = NS(learning_rate=3e-4, num_train_epochs=30, max_steps=-1, per_device_train_batch_size=8,
    ...           gradient_accumulation_steps=2, warmup_steps=0.1, weight_decay=0.01, lr_scheduler_type="linear", seed=42)
    >>> hp = hyperparameters(args, world_size=2, max_length=512)
    >>> hp["train_batch_size"], hp["max_length"], hp["learning_rate"]
    (32, 512, 0.0003)
    """
    out = {k: getattr(getattr(args, k), "value", getattr(args, k)) for k in HYPERPARAMETERS}  # enums: their value
    out["train_batch_size"] = args.per_device_train_batch_size * args.gradient_accumulation_steps * world_size
    out.update(extra)
    return out


def train_ner(
    train_docs: Sequence[Document],
    dev_docs: Sequence[Document],
    backbone: str,
    args,
    max_length: int = 512,
    stride: int = 128,
    words: str = "tokenizer",
    early_stopping_patience: int | None = 3,
    local_files_only: bool = True,
    callbacks: Sequence = (),
    resume_from_checkpoint: str | bool | None = None,
):
    """Fine-tune ``backbone`` on ``train_docs``; early stopping (:func:`early_stopping`) and model selection
    on dev entity F1.

    ``args`` is a ``transformers.TrainingArguments``. Returns ``(trainer, tokenizer)``; the best
    model (by dev F1) is loaded into ``trainer.model`` at the end.
    """
    from datasets import Dataset
    from transformers import DataCollatorForTokenClassification, Trainer, set_seed

    set_seed(args.seed)
    tokenizer, model = build_model(backbone, local_files_only)
    max_length, stride = window_lengths(max_length, stride, model, tokenizer)  # as the Extractor will read
    train_ds = Dataset.from_dict(training_features(train_docs, tokenizer, max_length, stride, words))
    dev_ds = Dataset.from_dict(training_features(dev_docs, tokenizer, max_length, stride, words)) if dev_docs else None
    log.info("%d training windows from %d documents", len(train_ds), len(train_docs))
    cbs = list(callbacks)
    if early_stopping_patience and dev_ds is not None:
        cbs.append(early_stopping(early_stopping_patience))
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=dev_ds,
        data_collator=DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=8),
        compute_metrics=build_compute_metrics(dict(ID2LABEL)),
        processing_class=tokenizer,
        callbacks=cbs,
    )
    trainer.train(resume_from_checkpoint=resume_from_checkpoint)
    return trainer, tokenizer
