"""Batch prediction: python scripts/predict.py model_dir=models/tiny input=articles.jsonl output=out.jsonl

`input` is a JSONL file with "text" (and optional "id") or a folder of .txt files. The output is JSONL
in the annotation format, one line per input document in input order, so predictions can be
corrected and fed back as training data. It is written to a temporary file and renamed at the end:
a failed run, Ctrl-C or SIGTERM leaves no partial output (and an older output file as it was), so
the run can simply be repeated. A malformed input line stops the run.

    python scripts/predict.py ... shard.index=1 shard.count=4 output=out.1.jsonl

predicts only shard 1 of 4, a contiguous block of the input in input order, so that
``cat out.0.jsonl out.1.jsonl out.2.jsonl out.3.jsonl`` is byte for byte the unsharded output.
"""

from __future__ import annotations

import functools
import logging
import signal

import _common
import hydra
from omegaconf import DictConfig
from tqdm.auto import tqdm

from indonews.data.io import count_input, iter_input, shard_bounds
from indonews.ort import OnnxExportError
from indonews.predict import Extractor
from indonews.schema import write_jsonl

log = logging.getLogger("predict")


class Terminated(BaseException):
    """SIGTERM as an exception. Python's default SIGTERM ends the process on the spot, finally blocks
    unrun, which would leave the temporary output file behind."""


def _raise_terminated(signum, frame):
    raise Terminated


def exit_cleanly_when_stopped(fn):
    """Ctrl-C and SIGTERM unwind the stack (the temporary output is removed) and end in one log line.

    The exit status is the shell's for a signal: 130 for Ctrl-C, 143 for SIGTERM.
    """

    @functools.wraps(fn)
    def wrapper(cfg):
        signal.signal(signal.SIGTERM, _raise_terminated)
        try:
            return fn(cfg)
        except (KeyboardInterrupt, Terminated) as exc:
            signum = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
            log.error("stopped by %s: no output written (an older output file is left as it was)", signum.name)
            raise SystemExit(128 + signum) from None

    return wrapper


def shard_of(cfg: DictConfig) -> tuple[int, int]:
    """``(shard.index, shard.count)``, checked; a bad value exits with one line naming it."""
    index, count = cfg.shard.index, cfg.shard.count
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise SystemExit(f"error: shard.count={count!r}: must be an integer >= 1")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < count:
        raise SystemExit(f"error: shard.index={index!r}: must be an integer in 0..{count - 1} (shard.count={count})")
    return index, count


@hydra.main(config_path=_common.CONFIGS, config_name="predict", version_base="1.3")
@_common.clean_errors
@exit_cleanly_when_stopped
def main(cfg: DictConfig) -> None:
    _common.setup_logging()
    index, count = shard_of(cfg)
    n_docs = count_input(cfg.input)
    start, stop = shard_bounds(n_docs, index, count)
    if count > 1:
        log.info("shard %d of %d: documents [%d, %d) of %d (counting from 0)", index, count, start, stop, n_docs)
    try:
        ex = Extractor.from_pretrained(
            cfg.model_dir, device=cfg.device, dtype=cfg.dtype, quantize=cfg.quantize, runtime=cfg.runtime
        )
    except (ValueError, ImportError, OnnxExportError) as exc:  # bad dtype=, quantize=, runtime=: one line
        raise SystemExit(f"error: {exc}") from None
    docs = iter_input(cfg.input, start, stop)
    annotated = tqdm(ex.annotate(docs, batch_size=cfg.batch_size), desc="predict", unit="doc", total=stop - start)
    n = write_jsonl(annotated, cfg.output)
    log.info("%d documents written to %s", n, cfg.output)


if __name__ == "__main__":
    main()
