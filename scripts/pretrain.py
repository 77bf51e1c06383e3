"""Build the offline `tiny` backbone: WordPiece tokenizer + masked-LM pretraining on local text.

    python scripts/pretrain.py                                   # models/tiny-base
    python scripts/pretrain.py model.build.pretrain_steps=500    # a quicker, weaker one

Interrupted builds resume from their last checkpoint (resume=true).
"""

from __future__ import annotations

import logging

import _common
import hydra
from omegaconf import DictConfig

from indonews.backbone import TinySpec, build_tiny_backbone, tiny_pretraining_texts

log = logging.getLogger("pretrain")


@hydra.main(config_path=_common.CONFIGS, config_name="pretrain", version_base="1.3")
def main(cfg: DictConfig) -> None:
    build = _common.plain(cfg.model.build)
    use_nlp_id = build.pop("use_nlp_id", True)
    texts = tiny_pretraining_texts(cfg.train_file, use_nlp_id, cfg.paths.cache_dir)
    out = build_tiny_backbone(cfg.model.name_or_path, texts, TinySpec(**build), resume=cfg.resume)
    log.info("tiny backbone written to %s", out)


if __name__ == "__main__":
    main()
