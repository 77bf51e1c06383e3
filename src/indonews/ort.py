"""The entity model on ONNX Runtime: exported once per checkpoint, then run with fused CPU kernels.

>>> from indonews import Extractor                                               # doctest: +SKIP
>>> ex = Extractor.from_pretrained("models/tiny", runtime="onnx", quantize="int8")  # doctest: +SKIP

The export is three library calls: ``torch.onnx.export`` of the checkpoint loaded with eager attention
(the form onnxruntime's BERT optimizer recognises), ``onnxruntime.transformers.optimizer`` (fused
Attention, SkipLayerNormalization, BiasGelu, EmbedLayerNormalization), and with ``quantize="int8"``
``onnxruntime.quantization.quantize_dynamic`` (int8 weights per output channel, the classifier head
kept float32 as in :func:`indonews.predict.quantize_int8`). The result is cached under a key made of
the checkpoint's bytes and the library versions, so a retrained or upgraded model is re-exported and a
stale file is never read. ``onnxruntime`` and ``onnx`` come with ``pip install indonews[onnx]``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import torch

QUANTIZE = ("int8",)
EXPORT_DIR = "onnx"  # an export written into a model directory (export_onnx(..., out_dir=model_dir/"onnx"))
MANIFEST = "export.json"
OPSET = 17
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def _require_onnxruntime():
    try:
        import onnx  # noqa: F401
        import onnxruntime
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"runtime='onnx' needs onnxruntime and onnx ({exc.name} is missing): pip install 'indonews[onnx]'"
        ) from exc
    return onnxruntime


def default_cache_dir() -> Path:
    return Path(os.environ.get("INDONEWS_CACHE", Path.home() / ".cache" / "indonews")) / "onnx"


def fingerprint(model_dir: str | Path, quantize: str | None = None) -> str:
    """What an export depends on: the checkpoint's weights and config, the scheme, and the libraries."""
    ort = _require_onnxruntime()
    model_dir = Path(model_dir)
    h = hashlib.sha256()
    for name in ("config.json", *WEIGHT_FILES):
        path = model_dir / name
        if path.exists():
            h.update(name.encode())
            with path.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
    h.update(f"{quantize}|{torch.__version__}|{ort.__version__}|{OPSET}".encode())
    return h.hexdigest()[:16]


def onnx_file(quantize: str | None) -> str:
    return "model-int8.onnx" if quantize == "int8" else "model.onnx"


def export_onnx(
    model_dir: str | Path,
    out_dir: str | Path | None = None,
    quantize: str | None = None,
    force: bool = False,
    key: str | None = None,
) -> Path:
    """The entity model of ``model_dir`` as an optimized ONNX file; returns its path.

    ``out_dir`` defaults to the cache (``$INDONEWS_CACHE/onnx/<fingerprint>``); pass
    ``model_dir / "onnx"`` to ship the export with the checkpoint. An export whose manifest matches the
    checkpoint is reused unless ``force``. The file is written aside and renamed into place, so an
    interrupted export leaves nothing that a later run would read.
    """
    if quantize not in (None, *QUANTIZE):
        raise ValueError(f"quantize {quantize!r}: expected one of {', '.join(QUANTIZE)} or None")
    _require_onnxruntime()
    model_dir = Path(model_dir)
    if not (model_dir / "config.json").exists():
        raise FileNotFoundError(f"{model_dir}: no config.json; is this a model directory written by train.py?")
    key = key or fingerprint(model_dir, quantize)
    out_dir = Path(out_dir) if out_dir is not None else default_cache_dir() / key
    target = out_dir / onnx_file(quantize)
    manifest = out_dir / MANIFEST
    if not force and target.exists() and _manifest_entry(manifest, target.name) == key:
        return target
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".export-") as tmp:
        path = _export(model_dir, Path(tmp), quantize)
        os.replace(path, target)
    _write_manifest(manifest, target.name, key)
    return target


def find_export(model_dir: str | Path, quantize: str | None = None, key: str | None = None) -> Path | None:
    """An up-to-date export shipped in ``model_dir/onnx`` or cached; None when there is none."""
    key = key or fingerprint(model_dir, quantize)
    for out_dir in (Path(model_dir) / EXPORT_DIR, default_cache_dir() / key):
        target = out_dir / onnx_file(quantize)
        if target.exists() and _manifest_entry(out_dir / MANIFEST, target.name) == key:
            return target
    return None


def _manifest_entry(manifest: Path, name: str) -> str | None:
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get(name, {}).get("fingerprint")
    except (OSError, ValueError, AttributeError):
        return None


def _write_manifest(manifest: Path, name: str, key: str) -> None:
    import onnxruntime

    entries = {}
    if manifest.exists():
        try:
            entries = json.loads(manifest.read_text(encoding="utf-8"))
        except ValueError:
            entries = {}
    entries[name] = {"fingerprint": key, "torch": torch.__version__, "onnxruntime": onnxruntime.__version__}
    fd, tmp = tempfile.mkstemp(dir=manifest.parent, prefix=f".{manifest.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(entries, f, indent=2)
        f.write("\n")
    os.replace(tmp, manifest)


def _export(model_dir: Path, work: Path, quantize: str | None) -> Path:
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
    with warnings.catch_warnings(), torch.inference_mode():
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
    fused = work / "model.onnx"
    optimized.save_model_to_file(str(fused))
    if quantize is None:
        return fused
    graph = onnx.load(str(fused)).graph
    head = [n.name for n in graph.node if n.name.startswith("/classifier/")]
    out = work / "model-int8.onnx"
    quantize_dynamic(
        str(fused),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Attention"],  # the encoder's linear maps; embeddings stay float32
        nodes_to_exclude=head,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    return out


class OnnxTokenClassifier:
    """An exported entity model behind the part of a transformers model that :class:`Extractor` calls."""

    def __init__(self, path: str | Path, config, threads: int | None = None):
        ort = _require_onnxruntime()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or torch.get_num_threads()  # honours OMP_NUM_THREADS as torch does
        self.path = Path(path)
        self.config = config
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    @classmethod
    def from_pretrained(cls, model_dir: str | Path, quantize: str | None = None, **kwargs) -> OnnxTokenClassifier:
        """The checkpoint's export (shipped, cached, or made now) loaded into an inference session."""
        from transformers import AutoConfig

        key = fingerprint(model_dir, quantize)  # hashed once: a base-sized checkpoint is 440 MB
        path = find_export(model_dir, quantize, key) or export_onnx(model_dir, quantize=quantize, key=key)
        return cls(path, AutoConfig.from_pretrained(model_dir), **kwargs)

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
