"""Score a trained model with seqeval: python scripts/evaluate.py model_dir=models/tiny data.split=test

Gold and predicted spans are compared as IOB2 tags over one shared word tokenisation (strict mode),
so the numbers do not depend on the backbone's sub-word tokenizer. Writes <split>.json (per-label and
micro/macro P/R/F1 with support, and the entity-type confusion counts), <split>.md (the same as a
table), <split>_errors.jsonl (every false positive and false negative in context) and, with plots=true
(the default), confusion_<split>.png and training_curve.png (from model_dir/trainer_log.json) to
out_dir. Returns micro F1.

    python scripts/evaluate.py model_dir=models/tiny unseen_names=true

scores the same documents with every leader renamed from names held out of training and augmentation;
``decoding.constrained=false`` (the key train.py sets) scores plain argmax decoding instead of the model's own.
"""

from __future__ import annotations

import logging
from pathlib import Path

import _common
import hydra
from omegaconf import DictConfig

from indonews import checkpoint
from indonews.data.augment import with_unseen_names
from indonews.data.noise import noised_copy
from indonews.predict import Extractor
from indonews.reports import evaluate_extractor, write_plots, write_report
from indonews.schema import read_jsonl

log = logging.getLogger("evaluate")
RENAMED = {"constrained": "decoding.constrained"}  # one name for the decoding switch, as in train.yaml


@hydra.main(config_path=_common.CONFIGS, config_name="evaluate", version_base="1.3")
@_common.clean_errors
def main(cfg: DictConfig) -> float:
    _common.setup_logging()
    path = cfg.data.file or cfg.data[f"{cfg.data.split}_file"]
    name = cfg.data.split if not cfg.data.file else "eval"
    constrained = cfg.decoding.constrained
    if constrained is not None:
        name += "_constrained" if constrained else "_argmax"
    docs = read_jsonl(path)
    if cfg.unseen_names:
        docs = with_unseen_names(docs, cfg.paths.cache_dir)
        name += "_unseen_names"
    if cfg.noise:
        docs = noised_copy(docs)
        name += "_noised"
    overrides = {} if constrained is None else {"constrained": bool(constrained)}
    ex = Extractor.from_pretrained(cfg.model_dir, runtime=cfg.runtime, **overrides)
    report = evaluate_extractor(ex, docs, cfg.batch_size)
    paths = write_report(report, cfg.out_dir, name)
    if cfg.plots:
        history = checkpoint.read_trainer_log(cfg.model_dir)
        for kind, png in write_plots(report, cfg.out_dir, name, history, Path(cfg.model_dir).name).items():
            log.info("%s plot: %s", kind.replace("_", " "), png)
    print(open(paths["markdown"], encoding="utf-8").read())
    log.info("%d errors listed in %s; scores in %s", len(report["errors"]), paths["errors"], paths["json"])
    return report["entities"]["micro"]["f1"]


if __name__ == "__main__":
    _common.refuse_renamed_overrides(RENAMED)
    main()
