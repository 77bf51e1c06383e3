"""Fine-tune the extractor: python scripts/train.py [model=tiny] [experiment=NAME] [key=value ...]

Trains the entity model and the relation model (``tasks=[ner,relations]``, the default) on the same
backbone; ``tasks=[ner]`` trains entities alone, ``tasks=[relations]`` trains relations alone and adds
them to the entity model already in ``model_dir``. Writes the final model (weights, tokenizer, labels,
``relations/``, metrics.json with dev and test scores, both Trainer logs; :mod:`indonews.checkpoint` names
them) to ``model_dir`` in one rename, after checking before training that it can; checkpoints, logs,
the dev and test reports and, with ``plots=true`` (the default), ``confusion_<split>.png`` and
``training_curve.png`` (as scripts/evaluate.py draws them) go to the Hydra run directory. Returns dev entity F1 (relation F1 with ``tasks=[relations]``) for
sweeps (-m).

The run itself is :func:`indonews.training.train`; this script maps the config onto its arguments.
"""

from __future__ import annotations

import functools

import _common
import hydra
from hydra.utils import instantiate
from omegaconf import DictConfig

from indonews.training import (
    PRECISIONS,
    Augmentation,
    Backbone,
    EntityTraining,
    PageNoise,
    RelationTraining,
    TrainingError,
    precision_args,
    train,
)


def _training_args(node, precision: str = "float32"):
    """TrainingArguments from a config node, in ``precision`` (:func:`indonews.training.precision_args`). A
    distributed launch on a machine with no accelerator trains on CPU processes (DDP over gloo): accelerate
    only takes such a launch as distributed when told it is a CPU run."""
    import torch

    on_cpu = node.get("use_cpu") or not torch.accelerator.is_available()
    extra = precision_args(precision, "cpu" if on_cpu else "cuda")
    if _common.world_size() > 1 and on_cpu and not node.get("use_cpu"):
        extra["use_cpu"] = True
    return instantiate(node, **extra)


@hydra.main(config_path=_common.CONFIGS, config_name="train", version_base="1.3")
@_common.clean_errors
def main(cfg: DictConfig) -> float:
    _common.setup_logging()
    model, data = cfg.model, cfg.data
    for key, precision in (("trainer", cfg.trainer.precision), ("relations", cfg.relations.precision)):
        if precision not in PRECISIONS:  # before any data or backbone is read
            raise SystemExit(f"error: {key}.precision={precision}: expected one of {', '.join(PRECISIONS)}")
    # TrainingArguments are made when their model's training starts (making one starts the distributed
    # process group), after the checks before training
    entities = EntityTraining(
        functools.partial(_training_args, cfg.trainer.args, cfg.trainer.precision),
        max_length=model.max_length,
        stride=model.stride,
        words=cfg.decoding.words,
        constrained=cfg.decoding.constrained,
        early_stopping_patience=cfg.trainer.early_stopping_patience,
    )
    relations = RelationTraining(
        functools.partial(_training_args, cfg.relations.args, cfg.relations.precision),
        max_length=cfg.relations.max_length,
        dropout=cfg.relations.dropout,
        early_stopping_patience=cfg.relations.early_stopping_patience,
    )
    backbone = Backbone(
        model.name_or_path,
        name=model.name,
        build=_common.plain(model.build) if model.get("build") else None,
        rebuild_hint=f"python scripts/pretrain.py model={model.name} plus the model.build overrides you gave",
    )
    try:
        result = train(
            data.train_file,
            data.dev_file,
            backbone,
            cfg.model_dir,
            test_docs=data.get("test_file") or None,
            tasks=list(cfg.tasks),
            entities=entities,
            relations=relations,
            augment=Augmentation(**_common.plain(data.augment)) if data.get("augment") else None,
            noise=PageNoise(**_common.plain(data.noise)) if data.get("noise") else None,
            resume=cfg.resume,
            report_dir=cfg.paths.output_dir,
            plots=cfg.plots,
            eval_batch_size=cfg.eval_batch_size,
            seed=cfg.seed,
            cache_dir=cfg.paths.cache_dir,
            quantize_check=cfg.quantize_check,
        )
    except TrainingError as exc:
        raise SystemExit(f"error: {exc}") from None
    return result.dev_f1


if __name__ == "__main__":
    main()
