"""Training the extractor: the entity model, then the relation model on the same backbone, into one model directory.

:func:`train` is what ``scripts/train.py`` runs, callable from a notebook with plain values::

    from transformers import TrainingArguments
    from indonews.training import EntityTraining, RelationTraining, train

    result = train(
        "data/train.jsonl", "data/dev.jsonl", "models/e5small-base", "models/mine",
        test_docs="data/test.jsonl",
        entities=EntityTraining(TrainingArguments("runs/mine/checkpoints", num_train_epochs=3), max_length=256, stride=64),
        relations=RelationTraining(TrainingArguments("runs/mine/relation_checkpoints", num_train_epochs=3)),
        report_dir="runs/mine",
    )
    result.metrics["dev"]["entities"]["micro"]["f1"], result.model_dir

The per-model trainers are :func:`indonews.ner.training.train_ner` and
:func:`indonews.relations.training.train_relations`; :mod:`indonews.checkpoint` names what the model
directory holds. Under a distributed launcher (torchrun, ``accelerate launch``) every rank trains and
only rank 0 evaluates and writes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from indonews import checkpoint
from indonews.backbone import BUILD_FILE, ensure_backbone, resolve_backbone
from indonews.data.lexicons import SOURCES
from indonews.data.noise import OPERATIONS
from indonews.ner.features import check_stride
from indonews.outputs import check_output
from indonews.schema import Document, read_jsonl

if TYPE_CHECKING:
    from transformers import TrainingArguments

    # A TrainingArguments, or what makes one when that model's training starts: making one sets up the
    # distributed process group under a launcher, which the checks before training should not wait for.
    Args = TrainingArguments | Callable[[], TrainingArguments]
    Docs = str | os.PathLike | Sequence[Document]  # a JSONL file in the annotation format, or the documents

log = logging.getLogger(__name__)
TASKS = ("ner", "relations")


class TrainingError(ValueError):
    """A training run that cannot start as asked; the message says why and what to do instead."""


PRECISIONS = ("float32", "bfloat16", "auto")


def precision_args(precision: str, device: str) -> dict:
    """The TrainingArguments keywords that train in ``precision`` on ``device`` ("cpu" or "cuda").

    "bfloat16" is mixed precision (bfloat16 autocast over float32 weights, ``bf16=True``; on a CPU with
    ``use_cpu=True``, which transformers asks for); "auto" takes it where bfloat16 runs in hardware
    (:func:`indonews.predict.fast_bfloat16`: a GPU with bf16, a CPU with AVX-512 BF16 or AMX, where it about
    halves the time of a step) and float32 elsewhere, where bfloat16 is emulated and slower.

    >>> precision_args("float32", "cpu"), precision_args("bfloat16", "cpu")
    ({}, {'bf16': True, 'use_cpu': True})
    """
    if precision not in PRECISIONS:
        raise TrainingError(f"precision {precision!r}: expected one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        from indonews.predict import fast_bfloat16

        precision = "bfloat16" if fast_bfloat16(device) else "float32"
    if precision == "float32":
        return {}
    return {"bf16": True, **({"use_cpu": True} if device == "cpu" else {})}


@dataclass(frozen=True)
class Backbone:
    """The encoder both models start from (``configs/model/``).

    ``build`` is a model config's ``build`` section: an offline backbone built at ``name_or_path`` on first
    use (:func:`indonews.backbone.ensure_backbone`), from the training file's text among others.
    """

    name_or_path: str
    name: str | None = None  # the model config's name: recorded, and named in the rebuild hint
    build: dict | None = None  # read with the training file (a list of documents: nlp-id's text alone)
    rebuild_hint: str = ""  # the command an error about a stale build names


@dataclass
class EntityTraining:
    """The entity model's run (``configs/trainer/`` and ``model.max_length``, ``model.stride``, ``decoding``)."""

    args: Args
    max_length: int = 512
    stride: int = 128
    words: str = "text"  # a tag's unit: "text" (the scorer's words) or "tokenizer"
    constrained: bool = True  # IOB2-constrained decoding in the evaluation and the saved model
    # evaluations without a dev-F1 gain before stopping; needs args with an eval_strategy and
    # metric_for_best_model="f1" (configs/trainer/default.yaml: 4)
    early_stopping_patience: int | None = None


@dataclass
class RelationTraining:
    """The relation model's run (``configs/relations/``)."""

    args: Args
    max_length: int = 128
    dropout: float = 0.1
    early_stopping_patience: int | None = None  # as for entities, on dev pair F1 (configs/relations/default.yaml: 3)


@dataclass(frozen=True)
class Augmentation:
    """Mention replacement on the training split (:mod:`indonews.data.augment`); ``data.augment``."""

    enabled: bool = True  # False records the settings without applying them
    copies: int = 2
    p: float = 0.5
    seed: int = 13
    sources: Sequence[str] = SOURCES


@dataclass(frozen=True)
class PageNoise:
    """Page noise on the original training documents (:mod:`indonews.data.noise`); ``data.noise``."""

    enabled: bool = True
    copies: int = 1
    seed: int = 17
    ops: Sequence[str] = OPERATIONS


@dataclass
class TrainingResult:
    """What a run wrote: ``metrics`` is ``metrics.json`` (per split, ``entities`` and ``relations``), empty on
    ranks other than 0, which write nothing."""

    model_dir: Path
    tasks: tuple[str, ...]
    metrics: dict = field(default_factory=dict)
    written: bool = False

    @property
    def dev_f1(self) -> float:
        """Dev entity micro F1; relation micro F1 on gold entities when only relations were trained (0.0 unscored)."""
        dev = self.metrics.get("dev", {})
        scores = dev.get("entities", {}) if "ner" in self.tasks else dev.get("relations", {}).get("gold_entities", {})
        return float(scores.get("micro", {}).get("f1", 0.0))


def rank() -> int:
    """This process's global rank under torchrun / accelerate launch (0 when run alone)."""
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def training_documents(
    docs: Sequence[Document],
    augment: Augmentation | None = None,
    noise: PageNoise | None = None,
    cache_dir: str | Path | None = None,
) -> list[Document]:
    """``docs`` plus their replaced copies and the noised copies of the originals, as enabled (dev and
    test are never augmented)."""
    from indonews.data.augment import augment_documents, corpus_surfaces
    from indonews.data.lexicons import build_lexicon
    from indonews.data.noise import noise_documents

    docs = list(docs)
    if augment and augment.enabled:
        lexicon = build_lexicon(augment.sources, corpus_surfaces(docs), cache_dir)
        extra = list(augment_documents(docs, lexicon, augment.copies, augment.p, augment.seed))
        log.info("augmentation: %d replaced copies added to %d training documents", len(extra), len(docs))
        docs = docs + extra
    if noise and noise.enabled:
        originals = [d for d in docs if "augmented_from" not in d.meta]
        noisy = list(noise_documents(originals, noise.copies, noise.seed, ops=list(noise.ops)))
        log.info("page noise: %d noised copies added to %d training documents", len(noisy), len(originals))
        docs = docs + noisy
    return docs


def train(
    train_docs: Docs,
    dev_docs: Docs,
    backbone: str | Backbone,
    model_dir: str | os.PathLike,
    *,
    test_docs: Docs | None = None,
    tasks: Sequence[str] = TASKS,
    entities: EntityTraining | None = None,
    relations: RelationTraining | None = None,
    augment: Augmentation | None = None,
    noise: PageNoise | None = None,
    resume: bool = False,
    report_dir: str | os.PathLike | None = None,
    plots: bool = True,
    eval_batch_size: int = 32,
    seed: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    quantize_check: bool = False,
) -> TrainingResult:
    """Train ``tasks`` on ``backbone``, evaluate on dev and test, and write ``model_dir`` in one rename.

    The documents are JSONL files in the annotation format (read and validated) or lists of
    :class:`~indonews.schema.Document`. ``tasks`` ``("ner",)`` trains entities alone (``entities`` needed),
    ``("relations",)`` adds a relation model (``relations`` needed) to the entity model already in
    ``model_dir``. Everything that can be checked is checked before training: the window rule, that
    ``model_dir`` can be written, the data, the backbone. ``resume`` continues each model from the last
    checkpoint in its ``args.output_dir``. The dev and test reports (``<split>.json``, ``.md``,
    ``_errors.jsonl``) and, with ``plots``, ``confusion_<split>.png`` and ``training_curve.png`` go to
    ``report_dir`` (none when None). ``seed`` is recorded in ``indonews.json`` (by default the seed
    of the TrainingArguments trained). ``cache_dir`` holds what the backbone build and the augmentation
    download (nlp-id's sentences, person names); None is :func:`indonews.files.default_cache_dir`.
    ``quantize_check`` then scores the dev documents on ONNX Runtime in float32 and in int8 and records in
    ``indonews.json`` whether int8 costs this model any F1 (:mod:`indonews.quantization`), which decides
    what ``quantize="auto"`` runs; skipped with a warning where onnxruntime is not installed.

    Raises :class:`TrainingError` for a run that cannot start as asked; bad data, a bad window or an
    unwritable ``model_dir`` raise the errors of :mod:`indonews.schema`, :mod:`indonews.ner.features` and
    :mod:`indonews.outputs`.
    """
    tasks = list(tasks)
    if not tasks or set(tasks) - set(TASKS):
        raise TrainingError(f"tasks must be a non-empty subset of {list(TASKS)}, got {tasks}")
    for task, options, name in (("ner", entities, "entities"), ("relations", relations, "relations")):
        if task in tasks and options is None:
            raise TrainingError(f"tasks include {task}: give {name}= its TrainingArguments")
    if "ner" in tasks:  # the window rule before any data, backbone or training
        check_stride(entities.max_length, entities.stride)
    model_dir = Path(model_dir)
    check_output(model_dir, directory=True)  # before hours of training, not at the end
    train_list, train_file = _documents(train_docs)
    dev_list, dev_file = _documents(dev_docs)
    test_list, test_file = _documents(test_docs) if test_docs is not None else ([], None)
    train_list = training_documents(train_list, augment, noise, cache_dir)

    spec = backbone if isinstance(backbone, Backbone) else Backbone(backbone)
    if spec.build and world_size() > 1 and not Path(spec.name_or_path).is_dir():
        raise TrainingError(
            f"the backbone {spec.name_or_path} is not built yet, and building it in every rank of a distributed "
            f"launch would clash; build it once first: python scripts/pretrain.py model={spec.name}"
        )
    resolved = ensure_backbone(spec.name_or_path, spec.build, train_file, cache_dir, rebuild_hint=spec.rebuild_hint)
    _, local_only = resolve_backbone(resolved)

    if "ner" in tasks:
        ex, history, training, is_main = _train_entities(entities, train_list, dev_list, resolved, local_only, resume)
    else:  # relations alone, added to the entity model already in model_dir
        ex, history, training = _kept_entities(model_dir)
        is_main = rank() == 0

    relations_history = None
    if "relations" in tasks:
        predictor, training["relations"], relations_history = _train_relations(
            relations, train_list, dev_list, resolved, local_only, resume
        )
        ex.relations = predictor
        ex.relations.model.to(ex.device)
        ex.relations.device = ex.device
    elif checkpoint.has_relations(model_dir) and "ner" in tasks:
        log.warning("%s has a relation model; tasks=[ner] writes the new entity model without it", model_dir)

    result = TrainingResult(model_dir, tuple(tasks))
    if not is_main:
        return result
    result.metrics = _evaluate(
        ex, {"dev": dev_list, "test": test_list}, history, model_dir, report_dir, plots, eval_batch_size
    )
    trained = training.get("ner" if "ner" in tasks else "relations", {})
    settings = {  # after max_length, stride, constrained and words, which save_pretrained records
        "backbone": spec.name_or_path,
        "backbone_name": spec.name,
        "backbone_build": checkpoint.read_json(Path(resolved) / BUILD_FILE) if Path(resolved).is_dir() else None,
        "tasks": tasks,
        "data": {
            "train_file": train_file,
            "dev_file": dev_file,
            "test_file": test_file,
            "augment": _record(augment),
            "noise": _record(noise),
        },
        "seed": seed if seed is not None else trained.get("seed"),
        "world_size": world_size(),
        "training": training,  # per model: the TrainingArguments that matter (the model card lists them)
    }
    out = ex.save_pretrained(
        model_dir, settings, metrics=result.metrics, trainer_log=history, relations_trainer_log=relations_history
    )
    log.info("model written to %s", out)
    result.written = True
    if quantize_check and "ner" in tasks:
        _check_int8(model_dir, dev_list, eval_batch_size)
    return result


def _check_int8(model_dir: Path, dev_docs: list[Document], batch_size: int) -> None:
    """Record whether int8 costs the written model dev F1; a failure is logged, the model stays as written."""
    from indonews.predict import onnx_available
    from indonews.quantization import check_int8, record_int8

    if not onnx_available():
        log.warning(
            "int8 not checked: onnxruntime is not installed (pip install indonews[onnx]); quantize=auto keeps float32"
        )
        return
    try:
        verdict = check_int8(model_dir, dev_docs, batch_size=batch_size)
    except Exception as exc:  # an export the exporter cannot trace: the model is written all the same
        log.warning("int8 not checked: %s: %s; quantize=auto keeps float32", type(exc).__name__, exc)
        return
    record_int8(model_dir, verdict)
    log.info(
        "int8 on ONNX Runtime: dev F1 %.4f against float32's %.4f: quantize=auto %s",
        verdict.int8_f1,
        verdict.float32_f1,
        "takes int8" if verdict.verified else "keeps float32",
    )


def _documents(docs: Docs) -> tuple[list[Document], str | None]:
    """The documents, and the file they came from (None for a list)."""
    if isinstance(docs, (str, os.PathLike)):
        return read_jsonl(docs), str(docs)
    return list(docs), None


def _record(options: Augmentation | PageNoise | None) -> dict | None:
    return asdict(options) if options else None


def _made(args: Args) -> TrainingArguments:
    return args() if callable(args) else args


def _last_checkpoint(folder: str) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(folder) if Path(folder).is_dir() else None


def _train_entities(options: EntityTraining, train_docs, dev_docs, backbone: str, local_only: bool, resume: bool):
    """The trained Extractor, its Trainer log, its hyperparameters, and whether this rank writes."""
    from indonews.ner.training import hyperparameters, train_ner
    from indonews.predict import Extractor

    args = _made(options.args)
    last = _last_checkpoint(args.output_dir) if resume else None
    if resume:
        log.info("resuming from %s", last or "scratch (no checkpoint found)")
    trainer, tokenizer = train_ner(
        train_docs,
        dev_docs,
        backbone,
        args,
        max_length=options.max_length,
        stride=options.stride,
        words=options.words,
        early_stopping_patience=options.early_stopping_patience,
        local_files_only=local_only,
        resume_from_checkpoint=last,
    )
    ex = Extractor(
        trainer.model, tokenizer, options.max_length, options.stride, options.constrained, words=options.words
    )
    used = hyperparameters(
        args,
        world_size(),
        max_length=ex.max_length,
        stride=ex.stride,
        early_stopping_patience=options.early_stopping_patience,
        precision="bfloat16" if args.bf16 else "float16" if args.fp16 else "float32",
    )
    return ex, trainer.state.log_history, {"ner": used}, trainer.is_world_process_zero()


def _kept_entities(model_dir: Path):
    """The entity model already in ``model_dir`` (the weights as trained), its Trainer log and hyperparameters."""
    from indonews.predict import Extractor

    try:
        checkpoint.check_model_dir(model_dir)
    except FileNotFoundError:
        raise TrainingError(
            f"tasks=[relations] adds relations to an entity model, but {model_dir} has none; "
            "train both (tasks=[ner,relations]) or point model_dir at a trained model"
        ) from None
    ex = Extractor.from_pretrained(model_dir, runtime="torch", relations=None)
    kept = checkpoint.read_settings(model_dir).get("training") or {}
    return ex, checkpoint.read_trainer_log(model_dir), ({"ner": kept["ner"]} if "ner" in kept else {})


def _train_relations(options: RelationTraining, train_docs, dev_docs, backbone: str, local_only: bool, resume: bool):
    """The relation predictor, its hyperparameters and its Trainer log."""
    from indonews.ner.training import hyperparameters
    from indonews.relations.model import default_settings
    from indonews.relations.predictor import RelationPredictor
    from indonews.relations.training import train_relations

    args = _made(options.args)
    model, tokenizer, thresholds, trainer = train_relations(
        train_docs,
        dev_docs,
        backbone,
        args,
        max_length=options.max_length,
        early_stopping_patience=options.early_stopping_patience,
        dropout=options.dropout,
        local_files_only=local_only,
        resume_from_checkpoint=_last_checkpoint(args.output_dir) if resume else None,
    )
    settings = default_settings(options.max_length, thresholds)
    used = hyperparameters(
        args,
        world_size(),
        max_length=options.max_length,
        dropout=options.dropout,
        early_stopping_patience=options.early_stopping_patience,
        precision="bfloat16" if args.bf16 else "float16" if args.fp16 else "float32",
    )
    return RelationPredictor(model.eval(), tokenizer, settings), used, trainer.state.log_history


def _evaluate(ex, splits: dict, history, model_dir: Path, report_dir, plots: bool, batch_size: int) -> dict:
    """Per split with documents, the entity and relation scores; reports and plots into ``report_dir``."""
    from indonews.reports import evaluate_extractor, write_plots, write_report

    metrics: dict = {}
    curve = history  # the entity model's log: one training curve, drawn with the first split
    for split, docs in splits.items():
        if not docs:
            continue
        report = evaluate_extractor(ex, docs, batch_size)
        metrics[split] = {k: report[k] for k in ("entities", "relations") if k in report}
        if report_dir is not None:
            write_report(report, report_dir, split)
            if plots:
                for kind, png in write_plots(report, report_dir, split, curve, model_dir.name).items():
                    log.info("%s plot: %s", kind.replace("_", " "), png)
                curve = None
        log.info("%s entity F1 %.4f", split, report["entities"]["micro"]["f1"])
        for view, rep in report.get("relations", {}).items():
            log.info("%s relation F1 (%s) %.4f", split, view, rep["micro"]["f1"])
    return metrics
