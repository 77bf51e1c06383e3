"""Batch prediction: python scripts/predict.py model_dir=models/tiny input=articles.jsonl output=out.jsonl

`input` is a JSONL file with "text" (and optional "id") or a folder of .txt files. The output is JSONL
in the annotation format, one line per input document in input order, so predictions can be
corrected and fed back as training data. It is written to a temporary file and renamed at the end:
an interrupted or failed run leaves no partial output. A malformed input line stops the run.
"""

from __future__ import annotations

import logging

import _common
import hydra
from omegaconf import DictConfig
from tqdm.auto import tqdm

from indonews.data.io import iter_input
from indonews.predict import Extractor
from indonews.schema import write_jsonl

log = logging.getLogger("predict")


@hydra.main(config_path=_common.CONFIGS, config_name="predict", version_base="1.3")
@_common.clean_errors
def main(cfg: DictConfig) -> None:
    _common.setup_logging()
    ex = Extractor.from_pretrained(cfg.model_dir, device=cfg.device)
    docs = iter_input(cfg.input)
    annotated = tqdm(ex.annotate(docs, batch_size=cfg.batch_size), desc="predict", unit="doc")
    n = write_jsonl(annotated, cfg.output)
    log.info("%d documents written to %s", n, cfg.output)


if __name__ == "__main__":
    main()
