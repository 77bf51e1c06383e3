"""Fine-tune the entity model: python scripts/train.py [model=tiny] [experiment=NAME] [key=value ...]

Writes the final model (weights, tokenizer, labels, metrics.json with dev and test scores) to
`model_dir`; checkpoints and logs go to the Hydra run directory. Returns dev F1 for sweeps (-m).
"""

from __future__ import annotations

import logging

import _common
import hydra
from hydra.utils import instantiate
from omegaconf import DictConfig

from indonews.backbone import ensure_backbone, resolve_backbone
from indonews.data.augment import augment_documents, corpus_surfaces
from indonews.data.lexicons import build_lexicon
from indonews.ner.training import save_model_dir, train_ner
from indonews.predict import Extractor
from indonews.reports import evaluate_extractor, write_report
from indonews.schema import read_jsonl

log = logging.getLogger("train")


def _last_checkpoint(folder: str) -> str | None:
    from pathlib import Path

    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(folder) if Path(folder).is_dir() else None


@hydra.main(config_path=_common.CONFIGS, config_name="train", version_base="1.3")
@_common.clean_errors
def main(cfg: DictConfig) -> float:
    _common.setup_logging()
    train_docs = read_jsonl(cfg.data.train_file)
    dev_docs = read_jsonl(cfg.data.dev_file)
    test_docs = read_jsonl(cfg.data.test_file) if cfg.data.get("test_file") else []
    aug = cfg.data.get("augment")
    if aug and aug.enabled:
        lexicon = build_lexicon(aug.sources, corpus_surfaces(train_docs), cfg.paths.cache_dir)
        extra = list(augment_documents(train_docs, lexicon, aug.copies, aug.p, aug.seed))
        log.info("augmentation: %d replaced copies added to %d training documents", len(extra), len(train_docs))
        train_docs = train_docs + extra

    build = _common.plain(cfg.model.build) if cfg.model.get("build") else None
    backbone = ensure_backbone(cfg.model.name_or_path, build, cfg.data.train_file, cfg.paths.cache_dir)
    _, local_only = resolve_backbone(backbone)

    args = instantiate(cfg.trainer.args)
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
        early_stopping_patience=cfg.trainer.early_stopping_patience,
        local_files_only=local_only,
        resume_from_checkpoint=resume,
    )

    metrics: dict = {}
    if trainer.is_world_process_zero():
        ex = Extractor(trainer.model, tokenizer, cfg.model.max_length, cfg.model.stride, cfg.decoding.constrained)
        for split, docs in (("dev", dev_docs), ("test", test_docs)):
            if docs:
                report = evaluate_extractor(ex, docs, cfg.eval_batch_size)
                metrics[split] = report["entities"]
                write_report(report, cfg.paths.output_dir, split)
                log.info("%s entity F1 %.4f", split, report["entities"]["micro"]["f1"])
        settings = {
            "max_length": ex.max_length,
            "stride": ex.stride,
            "constrained": cfg.decoding.constrained,
            "backbone": cfg.model.name_or_path,
            "backbone_name": cfg.model.name,
            "data": _common.plain(cfg.data),
            "seed": cfg.seed,
        }
        extra = {"metrics.json": metrics, "trainer_log.json": trainer.state.log_history}
        out = save_model_dir(trainer.model, tokenizer, cfg.model_dir, settings, extra)
        log.info("model written to %s", out)
    return float(metrics.get("dev", {}).get("micro", {}).get("f1", 0.0))


if __name__ == "__main__":
    main()
