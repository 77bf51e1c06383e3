"""The entity model on ONNX Runtime: exported once per checkpoint, then run with fused CPU kernels.

>>> from indonews import Extractor                                               # doctest: +SKIP
>>> ex = Extractor.from_pretrained("models/tiny", runtime="onnx", quantize="int8")  # doctest: +SKIP

The export is three library calls: ``torch.onnx.export`` of the checkpoint loaded with eager attention
(the form onnxruntime's BERT optimizer recognises), ``onnxruntime.transformers.optimizer`` (fused
Attention, SkipLayerNormalization, BiasGelu, EmbedLayerNormalization), and with ``quantize="int8"``
``onnxruntime.quantization.quantize_dynamic`` (int8 weights per output channel, the classifier head
kept float32 as in :func:`indonews.predict.quantize_int8`). Each file carries, in its ONNX metadata, a
fingerprint of the checkpoint's bytes, the scheme, the export recipe and the library versions; a file
whose fingerprint does not match is never read, so a retrained model or an upgraded library gets a new
export. ``onnxruntime`` and ``onnx`` come with ``pip install indonews[onnx]``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import warnings
from pathlib import Path

import torch

from indonews import checkpoint, files
from indonews.outputs import scratch_dir

QUANTIZE = ("int8",)
EXPORT_DIR = checkpoint.EXPORT_DIR  # an export shipped in a model directory: out_dir=model_dir / EXPORT_DIR
FINGERPRINT_KEY = "indonews.fingerprint"  # the ONNX metadata entry that ties a file to its checkpoint
OPSET = 17
RECIPE = 1  # bump when _export changes what it writes: every older export then counts as stale
log = logging.getLogger(__name__)


class OnnxExportError(RuntimeError):
    """The checkpoint could not be exported to, or loaded from, ONNX (the message says which and why)."""


def _require_onnxruntime():
    try:
        import onnx
        import onnxruntime
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"runtime='onnx' needs onnxruntime and onnx ({exc}): pip install 'indonews[onnx]'") from exc
    return onnxruntime, onnx


def default_cache_dir() -> Path:
    """Where exports are cached: ``onnx/`` in the package's cache (:func:`indonews.files.default_cache_dir`)."""
    return files.default_cache_dir("onnx")


def onnx_file(quantize: str | None) -> str:
    return "model-int8.onnx" if quantize == "int8" else "model.onnx"


def fingerprint(model_dir: str | Path, quantize: str | None = None) -> str:
    """What an export depends on: the checkpoint's config and weights, the scheme, the recipe, the libraries."""
    import transformers

    ort, onnx = _require_onnxruntime()
    model_dir = Path(model_dir)
    files = [
        model_dir / checkpoint.CONFIG_FILE,
        *sorted(model_dir.glob("*.safetensors")),
        *sorted(model_dir.glob("*.bin")),
    ]
    files += sorted(model_dir.glob("*.index.json"))  # a sharded checkpoint's map
    h = hashlib.sha256()
    for path in files:
        h.update(path.name.encode())
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    versions = (torch.__version__, transformers.__version__, ort.__version__, onnx.__version__)
    h.update(f"{quantize}|{OPSET}|{RECIPE}|{'|'.join(versions)}".encode())
    return h.hexdigest()[:16]


def file_fingerprint(path: str | Path) -> str | None:
    """The fingerprint an export was written with (None for a file without one, or not ONNX at all)."""
    _, onnx = _require_onnxruntime()
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # a truncated or foreign file is not an export of ours
        return None
    return next((p.value for p in model.metadata_props if p.key == FINGERPRINT_KEY), None)


def export_onnx(
    model_dir: str | Path,
    out_dir: str | Path | None = None,
    quantize: str | None = None,
    force: bool = False,
    key: str | None = None,
) -> Path:
    """The entity model of ``model_dir`` as an optimized ONNX file; returns its path.

    ``out_dir`` defaults to the cache (``onnx/<fingerprint>`` in :func:`indonews.files.default_cache_dir`);
    pass ``model_dir / "onnx"`` to ship the export with the checkpoint. An
    export whose fingerprint matches is reused unless ``force``. The file is written aside and renamed into
    place, so an interrupted export leaves nothing that a later run would read; its work directory
    (:func:`indonews.outputs.scratch_dir`) is removed, or, after a kill, by the next export to ``out_dir``.
    """
    if quantize not in (None, *QUANTIZE):
        raise ValueError(f"quantize {quantize!r}: expected one of {', '.join(QUANTIZE)} or None")
    _require_onnxruntime()
    model_dir = checkpoint.check_model_dir(model_dir)
    key = key or fingerprint(model_dir, quantize)
    out_dir = Path(out_dir) if out_dir is not None else default_cache_dir() / key
    target = out_dir / onnx_file(quantize)
    if not force and _current(target, key):
        return target
    log.info("exporting %s to ONNX (%s), once per checkpoint: %s", model_dir, quantize or "float32", target)
    t0 = time.perf_counter()
    with scratch_dir(target) as work:  # beside the target: the rename below stays on one file system
        path = _export(model_dir, work, quantize, key)
        os.replace(path, target)  # the fingerprint is inside the file: one rename publishes both
    log.info("ONNX export done in %.1f s", time.perf_counter() - t0)
    return target


def find_export(model_dir: str | Path, quantize: str | None = None, key: str | None = None) -> Path | None:
    """An up-to-date export shipped in ``model_dir/onnx`` or cached; None when there is none."""
    key = key or fingerprint(model_dir, quantize)
    for out_dir in (Path(model_dir) / EXPORT_DIR, default_cache_dir() / key):
        target = out_dir / onnx_file(quantize)
        if _current(target, key):
            return target
    return None


def _current(target: Path, key: str) -> bool:
    """Whether ``target`` is the export for ``key``: in the cache its directory is named by the key (and
    the file was renamed into it whole); anywhere else its metadata is read."""
    if not target.exists():
        return False
    return target.parent == default_cache_dir() / key or file_fingerprint(target) == key


def _export(model_dir: Path, work: Path, quantize: str | None, key: str) -> Path:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModelForTokenClassification

    # eager attention traces to the MatMul/Softmax pattern that the optimizer fuses into one Attention
    # node; SDPA traces to an op it does not fuse (measured: 0 of 4 layers fused)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, attn_implementation="eager").eval()
    cfg = model.config
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones_like(ids)
    raw = work / "raw.onnx"
    axes = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # TracerWarnings about shape-dependent Python branches
        # the TorchScript exporter: its graph is the one onnxruntime's BERT fusions are written for
        # (the dynamo exporter's graph got the Gelu and LayerNorm fusions but no Attention)
        torch.onnx.export(
            model,
            (ids, mask),
            str(raw),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": axes},
            opset_version=OPSET,
            dynamo=False,
        )
    optimized = optimize_model(
        str(raw), model_type="bert", num_heads=cfg.num_attention_heads, hidden_size=cfg.hidden_size
    )
    out = work / "fused.onnx"
    optimized.save_model_to_file(str(out))
    if quantize == "int8":
        head = [n.name for n in onnx.load(str(out)).graph.node if n.name.startswith("/classifier/")]
        if not head:
            raise OnnxExportError(f"{model_dir}: no /classifier/ nodes in the exported graph to keep in float32")
        quantized = work / "quantized.onnx"
        quantize_dynamic(
            str(out),
            str(quantized),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Attention"],  # the encoder's linear maps; embeddings stay float32
            nodes_to_exclude=head,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        out = quantized
    final = onnx.load(str(out))
    onnx.helper.set_model_props(final, {FINGERPRINT_KEY: key, "indonews.source": model_dir.name})  # no local paths
    path = work / onnx_file(quantize)
    onnx.save(final, str(path))
    return path


class OnnxTokenClassifier:
    """An exported entity model behind the part of a transformers model that :class:`Extractor` calls."""

    def __init__(self, path: str | Path, config, threads: int | None = None, spin: bool = False):
        ort, _ = _require_onnxruntime()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or torch.get_num_threads()  # honours OMP_NUM_THREADS as torch does
        # onnxruntime's idle worker threads busy-wait for work by default. Beside another job on the cores that
        # starves both (40 documents took 250 s instead of 15 s next to a training run on 2 cores); on an idle
        # machine spinning gained 4% (e5small, 48 test documents: 11.99 vs 11.54 docs/s), so it is opt-in
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        self.path = Path(path)
        self.config = config
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    @classmethod
    def from_pretrained(cls, model_dir: str | Path, quantize: str | None = None, **kwargs) -> OnnxTokenClassifier:
        """The checkpoint's export (shipped, cached, or made now) loaded into an inference session.

        Raises :class:`OnnxExportError` (a RuntimeError) naming the model directory when the export or
        the session cannot be made: an unwritable cache, an architecture the exporter cannot trace.
        """
        from transformers import AutoConfig

        if quantize not in (None, *QUANTIZE):
            raise ValueError(f"quantize {quantize!r}: expected one of {', '.join(QUANTIZE)} or None")
        try:
            key = fingerprint(model_dir, quantize)  # hashed once: a base-sized checkpoint is 440 MB
            path = find_export(model_dir, quantize, key) or export_onnx(model_dir, quantize=quantize, key=key)
            return cls(path, AutoConfig.from_pretrained(model_dir), **kwargs)
        except (OnnxExportError, ImportError, ValueError):
            raise
        except Exception as exc:  # torch.onnx's and onnxruntime's own errors, an OSError from the cache
            raise OnnxExportError(f"{model_dir}: ONNX export or load failed: {type(exc).__name__}: {exc}") from exc

    def to(self, device) -> OnnxTokenClassifier:
        if torch.device(device).type != "cpu":
            raise ValueError(f"runtime='onnx' runs on a CPU (onnxruntime's CPU provider), not on device {device}")
        return self

    def eval(self) -> OnnxTokenClassifier:
        return self

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **_):
        from transformers.modeling_outputs import TokenClassifierOutput

        feeds = {"input_ids": input_ids.cpu().numpy(), "attention_mask": attention_mask.cpu().numpy()}
        (logits,) = self.session.run(["logits"], {k: v for k, v in feeds.items() if k in self._inputs})
        return TokenClassifierOutput(logits=torch.from_numpy(logits))
