"""Batch inference on a Ray cluster (``pip install -e ".[ray]"``): blocks of documents, an actor pool, input order.

>>> from indonews.cluster import annotate_blocks, block_size, make_blocks, ray_session  # doctest: +SKIP
>>> blocks = make_blocks(iter_input("articles.jsonl"), block_size(batch_size=32))      # doctest: +SKIP
>>> with ray_session(address=None, num_cpus=2):                                        # doctest: +SKIP
...     write_jsonl(annotate_blocks(blocks, "models/tiny", actors=2, batch_size=32), "predictions.jsonl")

Each actor loads one :class:`~indonews.predict.Extractor` and annotates whole blocks. The output is the
single-process output byte for byte: ``Extractor.annotate`` reads ``batch_size * BUFFER_BATCHES`` documents at a
time and sorts them by length into batches, so which documents share a padded batch depends on where those
blocks start. A block here is a multiple of that many documents and starts where a single process would start
one, so every actor computes exactly the batches a single process computes (Ray's own batching, which may cut
a block anywhere, never decides them). Results come back as JSON text, not Arrow columns, so no field is added,
dropped or retyped on the way.

Memory: the whole input is read (and checked) before Ray starts and handed to Ray's object store, which
spills to disk when full. The output streams back in input order (``preserve_order``) and is written as it
comes, so the driver never holds the predictions; blocks that finish before an earlier, slower one wait for
it in the object store, whose use Ray Data throttles.

This module imports Ray only when a function is called.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from indonews.checkpoint import check_model_dir
from indonews.predict import BUFFER_BATCHES
from indonews.schema import Document

log = logging.getLogger(__name__)


def block_size(batch_size: int, requested: int | None = None) -> int:
    """Documents per Ray task: ``requested`` rounded up to a multiple of the Extractor's read-ahead block
    (``batch_size * BUFFER_BATCHES``), or that block itself when None.

    >>> block_size(32), block_size(32, 100), block_size(2, 16), block_size(2, 17)
    (256, 256, 16, 32)
    """
    unit = batch_size * BUFFER_BATCHES
    if requested is None:
        return unit
    return max(1, -(-requested // unit)) * unit


def make_blocks(docs: Iterable[Document], size: int) -> list[dict[str, Any]]:
    """``{"block": k, "docs": JSON list of {id, text, meta}}`` for consecutive runs of ``size`` documents.

    Reads ``docs`` to the end, so a malformed input line raises here, before any Ray work starts.

    >>> [b["block"] for b in make_blocks([Document("a", "x"), Document("b", "y"), Document("c", "z")], 2)]
    [0, 1]
    """
    blocks, current = [], []

    def close():
        blocks.append({"block": len(blocks), "docs": json.dumps(current, ensure_ascii=False)})
        current.clear()

    for d in docs:
        current.append({"id": d.id, "text": d.text, "meta": d.meta})
        if len(current) == size:
            close()
    if current:
        close()
    return blocks


def actor_options(
    model_dir: str | Path,
    device: str | None = None,
    dtype: str | None = None,
    quantize: str | None = "auto",
    runtime: str = "auto",
    gpus_per_actor: float = 0,
) -> dict[str, Any]:
    """The :meth:`Extractor.from_pretrained` options every actor gets, checked here, before Ray starts.

    A bad or clashing option raises ValueError, a missing model FileNotFoundError. ``runtime="auto"`` is
    decided here once, so every actor runs the same runtime: ONNX Runtime when actors have no GPU and
    onnxruntime is installed, as in a single process. The ONNX export is then made (or found) here, once, in
    this machine's cache, where actors on this machine find it instead of each exporting it; if it fails,
    "auto" falls back to PyTorch with a warning, as :meth:`Extractor.from_pretrained` does. ``quantize="auto"``
    is decided here too (:func:`indonews.predict.resolve_quantize`).
    """
    from indonews.checkpoint import read_settings
    from indonews.predict import resolve_options, resolve_quantize

    model_dir = check_model_dir(model_dir)
    device = device or ("cuda" if gpus_per_actor else "cpu")  # what an actor sees: Ray hides GPUs it did not ask for
    _, resolved, _ = resolve_options(device, dtype, quantize, runtime)
    asked, quantize = quantize, resolve_quantize(quantize, resolved, read_settings(model_dir))
    if resolved == "onnx":
        from indonews.ort import OnnxExportError, export_onnx, find_export

        try:
            find_export(model_dir, quantize) or export_onnx(model_dir, quantize=quantize)
        except (ImportError, ValueError):
            raise
        except Exception as exc:  # torch.onnx's and onnxruntime's own errors, an OSError from the cache
            problem = f"{model_dir}: ONNX export failed: {type(exc).__name__}: {exc}"
            if runtime != "auto":
                raise OnnxExportError(problem) from exc
            log.warning("%s; running on PyTorch instead (runtime=torch skips the export)", problem)
            resolved = "torch"
            quantize = resolve_quantize(asked, resolved, {})
    return {"device": device, "dtype": dtype, "quantize": quantize, "runtime": resolved}


def _documents(block_json: str) -> list[Document]:
    return [Document(id=o["id"], text=o["text"], meta=o["meta"]) for o in json.loads(block_json)]


class Annotator:
    """The actor of the pool: one Extractor, loaded once, annotating whole blocks.

    A callable class as ``map_batches`` takes it; a batch holds one or more blocks (Ray's ``batch_size=1``
    asks for one), each annotated on its own, so Ray's batching never changes a result.
    """

    def __init__(self, model_dir: str, batch_size: int, options: dict[str, Any]):
        from indonews.predict import Extractor

        self.extractor = Extractor.from_pretrained(model_dir, **options)
        self.batch_size = batch_size

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        out = [
            json.dumps(
                [d.to_dict() for d in self.extractor.annotate(_documents(b), self.batch_size)], ensure_ascii=False
            )
            for b in batch["docs"]
        ]
        return {"block": batch["block"], "docs": np.array(out, dtype=object)}


def annotate_blocks(
    blocks: list[dict[str, Any]],
    model_dir: str | Path,
    actors: int = 2,
    batch_size: int = 32,
    cpus_per_actor: float = 1,
    gpus_per_actor: float = 0,
    **options: Any,
) -> Iterator[dict[str, Any]]:
    """The annotated documents of ``blocks`` (:func:`make_blocks`), as ``Document.to_dict()`` dicts in input
    order, from a pool of ``actors`` Extractors on the Ray instance this process is connected to.

    ``options`` are :meth:`Extractor.from_pretrained`'s (device, dtype, quantize, runtime). ``model_dir``
    must be readable at the same path on every node that runs an actor.
    """
    import ray
    from ray.data import ActorPoolStrategy, DataContext

    if not ray.is_initialized():
        raise RuntimeError("annotate_blocks needs a Ray instance: call it inside ray_session()")
    if not blocks:
        return
    ctx = DataContext.get_current()
    ctx.execution_options.preserve_order = True  # results stream back in input order, nothing to sort
    ctx.enable_progress_bars = False  # the caller counts documents
    n_blocks = len(blocks)
    ds = ray.data.from_items(blocks, override_num_blocks=n_blocks)  # one of our blocks per Ray block
    del blocks  # in the object store now; the caller may drop its list too
    ds = ds.map_batches(
        Annotator,
        fn_constructor_kwargs={
            "model_dir": str(Path(model_dir).resolve()),
            "batch_size": batch_size,
            "options": options,
        },
        batch_size=1,
        batch_format="numpy",
        compute=ActorPoolStrategy(size=actors),  # a fixed pool: each actor loads the model once
        num_cpus=cpus_per_actor,
        num_gpus=gpus_per_actor,
    )
    expected = 0
    for row in ds.iter_rows():
        if row["block"] != expected:  # preserve_order is Ray's promise; a broken one must not reorder the output
            raise RuntimeError(f"Ray returned block {row['block']} where block {expected} was due")
        expected += 1
        yield from json.loads(row["docs"])
    if expected != n_blocks:
        raise RuntimeError(f"Ray returned {expected} of {n_blocks} blocks")


@contextlib.contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None) -> Iterator[str]:
    """Connect to the Ray cluster at ``address`` (or ``$RAY_ADDRESS``), or start a local instance for the block
    when neither is set; yields a description of where. Disconnects (or stops the local instance) at the end.

    ``num_cpus`` sizes a local instance only. ``ray.init`` replaces the SIGTERM handler with a plain exit; the
    caller's handlers (SIGTERM, SIGINT, SIGHUP) are put back, so a stopped run still cleans up as it would without Ray.
    """
    import ray

    address = address or os.environ.get("RAY_ADDRESS") or None
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    kwargs: dict[str, Any] = {"address": address or "local", "logging_level": logging.WARNING}
    if address is None:
        kwargs.update(num_cpus=num_cpus, include_dashboard=False)
    try:
        ray.init(**kwargs)
    finally:
        for s, h in handlers.items():
            if h is not None:
                signal.signal(s, h)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 0))
        yield f"the Ray cluster at {address} ({cpus} CPUs)" if address else f"a local Ray instance ({cpus} CPUs)"
    finally:
        ray.shutdown()
