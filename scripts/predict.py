"""Batch prediction: python scripts/predict.py model_dir=models/tiny input=articles.jsonl output=out.jsonl

`input` is a JSONL file with "text" (and optional "id") or a folder of .txt files. The output is JSONL
in the annotation format, one line per input document in input order, so predictions can be
corrected and fed back as training data. It is written to a temporary file and renamed at the end
(indonews.outputs): a failed run, Ctrl-C, SIGTERM or SIGHUP leaves no partial output (and an older output
file as it was), so the run can simply be repeated; what a run killed outright left is removed by the
next. An output that cannot be written (the input itself, a directory, a read-only folder) is refused
before the model loads. A malformed input line stops the run. The progress bar counts documents, and
says where a block of documents that takes long is (a single long document is many windows and pairs).

    python scripts/predict.py ... shard.index=1 shard.count=4 output=out.1.jsonl

predicts only shard 1 of 4, a contiguous block of the input in input order, so that
``cat out.0.jsonl out.1.jsonl out.2.jsonl out.3.jsonl`` is byte for byte the unsharded output.

    python scripts/predict.py ... engine=ray engine.actors=4

runs a pool of 4 Extractors on a Ray cluster ($RAY_ADDRESS or engine.address; a local Ray instance when
neither is set) and writes the same file, byte for byte, as the single process (indonews.cluster).
"""

from __future__ import annotations

import functools
import logging
import math
import os
import signal
import time

import _common
import hydra
from omegaconf import DictConfig
from tqdm.auto import tqdm

from indonews.data.io import check_shard, count_input, iter_input, shard_bounds
from indonews.ort import OnnxExportError
from indonews.outputs import Terminated, check_output, stop_on_signals
from indonews.predict import Extractor
from indonews.schema import write_jsonl

log = logging.getLogger("predict")
SLOW_BLOCK_SECONDS = 2.0  # a block of documents taking longer shows, in the progress bar, where it is


def exit_cleanly_when_stopped(fn):
    """Ctrl-C, SIGTERM and SIGHUP unwind the stack (the temporary output is removed) and end in one log line.

    The exit status is the shell's for a signal: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP.
    """

    @functools.wraps(fn)
    def wrapper(cfg):
        try:
            with stop_on_signals():
                return fn(cfg)
        except (KeyboardInterrupt, Terminated) as exc:
            signum = signal.Signals(exc.signum) if isinstance(exc, Terminated) else signal.SIGINT
            log.error("stopped by %s: no output written (an older output file is left as it was)", signum.name)
            raise SystemExit(128 + signum) from None

    return wrapper


def block_progress(bar, after: float = SLOW_BLOCK_SECONDS):
    """An :meth:`Extractor.annotate` ``progress`` for ``bar``, which counts documents: once a block of documents
    has taken ``after`` seconds, the postfix says where it is ("windows 320/1602", "pairs 96/8900", "meetings
    0/1"; of the block), at most once a second and at each new stage. A single long document is one block."""
    state = {"n": None, "start": 0.0, "shown": 0.0, "stage": None}

    def show(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if state["n"] != bar.n:  # documents were written since: a new block
            state.update(n=bar.n, start=now, shown=0.0, stage=None)
        if now - state["start"] >= after and (stage != state["stage"] or now - state["shown"] >= 1.0):
            bar.set_postfix_str(f"{stage} {done}/{total}")
            state.update(shown=now, stage=stage)

    return show


def positive(value, name: str, integer: bool = True):
    """``value`` if it is a number > 0 (an integer when ``integer``); else exit with one line naming it."""
    kinds = (int,) if integer else (int, float)
    if not isinstance(value, kinds) or isinstance(value, bool) or value <= 0:
        raise SystemExit(f"error: {name}={value!r}: must be {'an integer' if integer else 'a number'} > 0")
    return value


def engine_of(cfg: DictConfig) -> str:
    name = cfg.engine.get("name")
    if name not in ("local", "ray"):
        raise SystemExit(f"error: engine={name!r}: expected local or ray (configs/engine/)")
    return name


def predict_local(cfg: DictConfig, docs, total: int) -> int:
    try:
        ex = Extractor.from_pretrained(
            cfg.model_dir, device=cfg.device, dtype=cfg.dtype, quantize=cfg.quantize, runtime=cfg.runtime
        )
    except (ValueError, ImportError, OnnxExportError) as exc:  # bad dtype=, quantize=, runtime=: one line
        raise SystemExit(f"error: {exc}") from None
    with tqdm(desc="predict", unit="doc", total=total) as bar:
        annotated = ex.annotate(docs, batch_size=cfg.batch_size, progress=block_progress(bar))
        return write_jsonl(_counted(annotated, bar), cfg.output)


def _counted(items, bar):
    for item in items:
        yield item
        if bar.postfix:  # the block is done: where it was is no longer news
            bar.set_postfix_str("", refresh=False)
        bar.update()


def predict_ray(cfg: DictConfig, docs, total: int) -> int:
    """The same output through an actor pool on Ray; input and options are checked before Ray starts."""
    from indonews import cluster  # imports Ray only when it calls it

    e = cfg.engine
    actors = positive(e.actors, "engine.actors")
    cpus, gpus = positive(e.cpus_per_actor, "engine.cpus_per_actor", integer=False), e.gpus_per_actor
    if not isinstance(gpus, (int, float)) or isinstance(gpus, bool) or gpus < 0:
        raise SystemExit(f"error: engine.gpus_per_actor={gpus!r}: must be a number >= 0")
    requested = None if e.batch_size is None else positive(e.batch_size, "engine.batch_size")
    size = cluster.block_size(positive(cfg.batch_size, "batch_size"), requested)
    if requested is not None and size != requested:
        log.info("engine.batch_size=%d rounded up to %d, a multiple of batch_size*8 (README, Ray)", requested, size)
    try:
        options = cluster.actor_options(cfg.model_dir, cfg.device, cfg.dtype, cfg.quantize, cfg.runtime, gpus)
    except (ValueError, ImportError, OnnxExportError) as exc:
        raise SystemExit(f"error: {exc}") from None
    blocks = cluster.make_blocks(docs, size)  # every input line read and checked before Ray starts
    try:
        import ray  # after the checks: importing Ray takes seconds
    except ImportError as exc:
        raise SystemExit(f"error: engine=ray needs Ray ({exc}): pip install -e '.[ray]'") from None
    with cluster.ray_session(e.address, num_cpus=max(os.cpu_count() or 1, math.ceil(actors * cpus))) as where:
        log.info("%s: %d actors, %d blocks of up to %d documents", where, actors, len(blocks), size)
        if 0 < len(blocks) < actors:
            log.warning(
                "only %d blocks for %d actors: a smaller engine.batch_size keeps them all busy", len(blocks), actors
            )
        results = cluster.annotate_blocks(blocks, cfg.model_dir, actors, cfg.batch_size, cpus, gpus, **options)
        del blocks  # Ray's object store holds them now
        try:
            return write_jsonl(tqdm(results, desc="predict", unit="doc", total=total), cfg.output)
        except ray.exceptions.RayError as exc:
            raise SystemExit(f"error: on Ray: {exc}") from None


def shard_of(cfg: DictConfig) -> tuple[int, int]:
    """``(shard.index, shard.count)``, checked (:func:`check_shard`); a bad value exits with one line naming it."""
    try:
        return check_shard(cfg.shard.index, cfg.shard.count)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None


@hydra.main(config_path=_common.CONFIGS, config_name="predict", version_base="1.3")
@_common.clean_errors
@exit_cleanly_when_stopped
def main(cfg: DictConfig) -> None:
    _common.setup_logging()
    index, count = shard_of(cfg)
    check_output(cfg.output, inputs=[cfg.input])  # before the model loads: a bad output costs no work
    n_docs = count_input(cfg.input)
    start, stop = shard_bounds(n_docs, index, count)
    if count > 1:
        log.info("shard %d of %d: documents [%d, %d) of %d (counting from 0)", index, count, start, stop, n_docs)
    run = predict_ray if engine_of(cfg) == "ray" else predict_local
    t0 = time.perf_counter()
    n = run(cfg, iter_input(cfg.input, start, stop), stop - start)
    seconds = time.perf_counter() - t0
    log.info(
        "%d documents written to %s in %.1f s (%.1f docs/s, loading included)", n, cfg.output, seconds, n / seconds
    )


if __name__ == "__main__":
    main()
