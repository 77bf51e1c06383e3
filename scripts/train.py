"""Fine-tune the extractor: python scripts/train.py [model=tiny] [experiment=NAME] [key=value ...]

Trains the entity model and the relation model (``tasks=[ner,relations]``, the default) on the same
backbone; ``tasks=[ner]`` trains entities alone, ``tasks=[relations]`` trains relations alone and adds
them to the entity model already in ``model_dir``. Writes the final model (weights, tokenizer, labels,
``relations/``, metrics.json with dev and test scores, both Trainer logs; :mod:`indonews.checkpoint` names
them) to ``model_dir`` in one rename, after checking before training that it can; checkpoints, logs,
the dev and test reports and, with ``plots=true`` (the default), ``confusion_<split>.png`` and
``training_curve.png`` (as scripts/evaluate.py draws them) go to the Hydra run directory. Returns dev entity F1 (relation F1 with ``tasks=[relations]``) for
sweeps (-m).
"""

from __future__ import annotations

import logging
from pathlib import Path

import _common
import hydra
from hydra.utils import instantiate
from omegaconf import DictConfig

from indonews import checkpoint
from indonews.backbone import ensure_backbone, resolve_backbone
from indonews.data.augment import augment_documents, corpus_surfaces
from indonews.data.lexicons import build_lexicon
from indonews.data.noise import noise_documents
from indonews.e5 import BUILD_FILE
from indonews.ner.features import check_stride
from indonews.ner.training import hyperparameters, train_ner
from indonews.outputs import check_output
from indonews.predict import Extractor
from indonews.reports import evaluate_extractor, write_plots, write_report
from indonews.schema import read_jsonl

log = logging.getLogger("train")
TASKS = ("ner", "relations")


def _last_checkpoint(folder: str) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(folder) if Path(folder).is_dir() else None


def _training_args(node):
    """TrainingArguments from a config node. A distributed launch on a machine with no accelerator
    trains on CPU processes (DDP over gloo): accelerate only takes such a launch as distributed
    when told it is a CPU run."""
    import torch

    extra = {}
    if _common.world_size() > 1 and not torch.accelerator.is_available() and not node.get("use_cpu"):
        extra["use_cpu"] = True
    return instantiate(node, **extra)


def _train_relations(cfg: DictConfig, train_docs, dev_docs, backbone: str, local_only: bool):
    from indonews.relations.model import default_settings
    from indonews.relations.predictor import RelationPredictor
    from indonews.relations.training import train_relations

    args = _training_args(cfg.relations.args)
    resume = _last_checkpoint(args.output_dir) if cfg.resume else None
    model, tokenizer, thresholds, trainer = train_relations(
        train_docs,
        dev_docs,
        backbone,
        args,
        max_length=cfg.relations.max_length,
        early_stopping_patience=cfg.relations.early_stopping_patience,
        dropout=cfg.relations.dropout,
        local_files_only=local_only,
        resume_from_checkpoint=resume,
    )
    settings = default_settings(cfg.relations.max_length, thresholds)
    used = hyperparameters(
        args,
        _common.world_size(),
        max_length=cfg.relations.max_length,
        dropout=cfg.relations.dropout,
        early_stopping_patience=cfg.relations.early_stopping_patience,
    )
    return RelationPredictor(model.eval(), tokenizer, settings), used, trainer.state.log_history


@hydra.main(config_path=_common.CONFIGS, config_name="train", version_base="1.3")
@_common.clean_errors
def main(cfg: DictConfig) -> float:
    _common.setup_logging()
    tasks = list(cfg.tasks)
    if not tasks or set(tasks) - set(TASKS):
        raise SystemExit(f"error: tasks must be a non-empty subset of {list(TASKS)}, got {tasks}")
    if "ner" in tasks:  # the window rule before any data, backbone or training (model=... model.stride=...)
        check_stride(cfg.model.max_length, cfg.model.stride)
    check_output(cfg.model_dir, directory=True)  # before hours of training, not at the end
    train_docs = read_jsonl(cfg.data.train_file)
    dev_docs = read_jsonl(cfg.data.dev_file)
    test_docs = read_jsonl(cfg.data.test_file) if cfg.data.get("test_file") else []
    aug = cfg.data.get("augment")
    if aug and aug.enabled:
        lexicon = build_lexicon(aug.sources, corpus_surfaces(train_docs), cfg.paths.cache_dir)
        extra = list(augment_documents(train_docs, lexicon, aug.copies, aug.p, aug.seed))
        log.info("augmentation: %d replaced copies added to %d training documents", len(extra), len(train_docs))
        train_docs = train_docs + extra
    noise = cfg.data.get("noise")
    if noise and noise.enabled:
        originals = [d for d in train_docs if "augmented_from" not in d.meta]
        noisy = list(noise_documents(originals, noise.copies, noise.seed, ops=list(noise.ops)))
        log.info("page noise: %d noised copies added to %d training documents", len(noisy), len(originals))
        train_docs = train_docs + noisy

    build = _common.plain(cfg.model.build) if cfg.model.get("build") else None
    if build and _common.world_size() > 1 and not Path(cfg.model.name_or_path).is_dir():
        raise SystemExit(
            f"error: the backbone {cfg.model.name_or_path} is not built yet, and building it in every rank "
            f"of a distributed launch would clash; build it once first: python scripts/pretrain.py model={cfg.model.name}"
        )
    backbone = ensure_backbone(
        cfg.model.name_or_path,
        build,
        cfg.data.train_file,
        cfg.paths.cache_dir,
        rebuild_hint=f"python scripts/pretrain.py model={cfg.model.name} plus the model.build overrides you gave",
    )
    _, local_only = resolve_backbone(backbone)

    if "ner" in tasks:
        args = _training_args(cfg.trainer.args)
        resume = _last_checkpoint(args.output_dir) if cfg.resume else None
        if cfg.resume:
            log.info("resuming from %s", resume or "scratch (no checkpoint found)")
        trainer, tokenizer = train_ner(
            train_docs,
            dev_docs,
            backbone,
            args,
            max_length=cfg.model.max_length,
            stride=cfg.model.stride,
            words=cfg.decoding.words,
            early_stopping_patience=cfg.trainer.early_stopping_patience,
            local_files_only=local_only,
            resume_from_checkpoint=resume,
        )
        ex = Extractor(
            trainer.model,
            tokenizer,
            cfg.model.max_length,
            cfg.model.stride,
            cfg.decoding.constrained,
            words=cfg.decoding.words,
        )
        is_main, history = trainer.is_world_process_zero(), trainer.state.log_history
        training = {
            "ner": hyperparameters(
                args,
                _common.world_size(),
                max_length=ex.max_length,
                stride=ex.stride,
                early_stopping_patience=cfg.trainer.early_stopping_patience,
            )
        }
    else:  # relations alone, added to the entity model already in model_dir
        try:
            checkpoint.check_model_dir(cfg.model_dir)
        except FileNotFoundError:
            raise SystemExit(
                f"error: tasks=[relations] adds relations to an entity model, but {cfg.model_dir} has none; "
                "train both (tasks=[ner,relations]) or point model_dir at a trained model"
            ) from None
        ex = Extractor.from_pretrained(cfg.model_dir, runtime="torch", relations=None)  # the weights as trained
        is_main, history = _common.rank() == 0, checkpoint.read_trainer_log(cfg.model_dir)
        kept = checkpoint.read_settings(cfg.model_dir).get("training") or {}
        training = {"ner": kept["ner"]} if "ner" in kept else {}  # the entity model's, as it was trained

    relations_history = None
    if "relations" in tasks:
        ex.relations, training["relations"], relations_history = _train_relations(
            cfg, train_docs, dev_docs, backbone, local_only
        )
        ex.relations.model.to(ex.device)
        ex.relations.device = ex.device
    elif checkpoint.has_relations(cfg.model_dir) and "ner" in tasks:
        log.warning("%s has a relation model; tasks=[ner] writes the new entity model without it", cfg.model_dir)

    metrics: dict = {}
    if is_main:
        curve = history  # the entity model's log: one training curve, drawn with the first split
        for split, docs in (("dev", dev_docs), ("test", test_docs)):
            if docs:
                report = evaluate_extractor(ex, docs, cfg.eval_batch_size)
                metrics[split] = {k: report[k] for k in ("entities", "relations") if k in report}
                write_report(report, cfg.paths.output_dir, split)
                if cfg.plots:
                    plots = write_plots(report, cfg.paths.output_dir, split, curve, Path(cfg.model_dir).name)
                    for kind, png in plots.items():
                        log.info("%s plot: %s", kind.replace("_", " "), png)
                    curve = None
                log.info("%s entity F1 %.4f", split, report["entities"]["micro"]["f1"])
                for view, rep in report.get("relations", {}).items():
                    log.info("%s relation F1 (%s) %.4f", split, view, rep["micro"]["f1"])
        settings = {  # after max_length, stride, constrained and words, which save_pretrained records
            "backbone": cfg.model.name_or_path,
            "backbone_name": cfg.model.name,
            "backbone_build": _common.read_json(Path(backbone) / BUILD_FILE) if Path(backbone).is_dir() else None,
            "tasks": tasks,
            "data": _common.plain(cfg.data),
            "seed": cfg.seed,
            "world_size": _common.world_size(),
            "training": training,  # per model: the TrainingArguments that matter (the model card lists them)
        }
        out = ex.save_pretrained(
            cfg.model_dir, settings, metrics=metrics, trainer_log=history, relations_trainer_log=relations_history
        )
        log.info("model written to %s", out)
    key = "entities" if "ner" in tasks else "relations"
    dev = metrics.get("dev", {}).get(key, {})
    dev = dev.get("gold_entities", {}) if key == "relations" else dev
    return float(dev.get("micro", {}).get("f1", 0.0))


if __name__ == "__main__":
    main()
