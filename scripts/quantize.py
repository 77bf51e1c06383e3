"""Check whether int8 costs a model any F1 and record it: python scripts/quantize.py model_dir=models/e5small

Predicts the dev documents with the entity model on ONNX Runtime in float32 and in int8, scores both as
scripts/evaluate.py does, and writes the verdict into ``model_dir/indonews.json`` (``"int8"``). With the
verdict there, ``quantize=auto`` (the default of predict.py and ``Extractor.from_pretrained``) runs the model
in int8 on a CPU when int8 lost at most ``tolerance`` of dev F1, and in float32 otherwise. train.py makes the
same check after training (``quantize_check``); this script is for models trained before, or another
tolerance. Returns the F1 int8 loses (negative when it gains).
"""

from __future__ import annotations

import logging

import _common
import hydra
from omegaconf import DictConfig

from indonews.quantization import check_int8, record_int8
from indonews.schema import read_jsonl

log = logging.getLogger("quantize")


@hydra.main(config_path=_common.CONFIGS, config_name="quantize", version_base="1.3")
@_common.clean_errors
def main(cfg: DictConfig) -> float:
    _common.setup_logging()
    path = cfg.data.file or cfg.data[f"{cfg.data.split}_file"]
    verdict = check_int8(cfg.model_dir, read_jsonl(path), tolerance=cfg.tolerance, batch_size=cfg.batch_size)
    taken = "quantize=auto takes int8" if verdict.verified else "quantize=auto keeps float32"
    print(
        f"{cfg.model_dir}: dev F1 float32 {verdict.float32_f1:.4f}, int8 {verdict.int8_f1:.4f} "
        f"(cost {verdict.cost:+.4f}, tolerance {verdict.tolerance}; same spans in "
        f"{verdict.same_spans:.0%} of {verdict.documents} documents): {taken}"
    )
    if cfg.record:
        log.info("verdict written to %s", record_int8(cfg.model_dir, verdict))
    return verdict.cost


if __name__ == "__main__":
    main()
