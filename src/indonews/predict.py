"""The one inference entry point.

>>> from indonews import Extractor                      # doctest: +SKIP
>>> ex = Extractor.from_pretrained("models/tiny")        # doctest: +SKIP
>>> [(e.text, e.label) for e in ex("Presiden Prabowo tiba di Tokyo, Senin (12/5).")]  # doctest: +SKIP
[('Prabowo', 'LEADER'), ('Tokyo', 'VENUE'), ('Senin (12/5)', 'DATE')]

This module never imports Hydra.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import torch

from indonews import checkpoint
from indonews.ner.decoding import allowed_transitions, decode_words, merge_windows
from indonews.ner.features import WORD_UNITS, Window, encode_windows, window_lengths
from indonews.schema import Document, Entity, trim_span

# progress(stage, done, total) while a block of documents is read: "windows" (entity model batches), "pairs"
# (relation model batches), "meetings" (documents); a single long document is many windows and pairs
Progress = Callable[[str, int, int], None]

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
QUANTIZE = ("int8",)
RUNTIMES = ("auto", "torch", "onnx")  # onnx: indonews.ort, onnxruntime on a CPU; auto: onnx where it can run
BUFFER_BATCHES = 8  # batches read ahead and sorted by length together: a block of batch_size * 8 documents


def onnx_available() -> bool:
    """Whether onnxruntime and onnx are installed (``pip install indonews[onnx]``), without importing them."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))


def resolve_runtime(runtime: str, device: torch.device, dtype: str | None) -> str:
    """ "torch" or "onnx" for ``runtime``; "auto" takes ONNX Runtime on a CPU in float32 when it is installed.

    ONNX Runtime gives the same spans as PyTorch in float32 (its fused kernels round differently in the
    last bits) at about twice the speed on a CPU (README, "Speed"); on a GPU, or with a ``dtype`` other
    than float32, PyTorch runs. int8 is faster again but its F1 cost depends on the checkpoint, so
    ``quantize="auto"`` takes it only where the checkpoint records a check on dev (:func:`resolve_quantize`);
    ``quantize="int8"`` asks for it anyway (and then runs on ONNX Runtime under "auto").
    """
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime {runtime!r}: expected one of {', '.join(RUNTIMES)}")
    if runtime != "auto":
        return runtime
    if device.type == "cpu" and dtype in (None, "float32") and onnx_available():
        return "onnx"
    return "torch"


def resolve_options(
    device: str | None, dtype: str | None, quantize: str | None, runtime: str
) -> tuple[torch.device, str, str | None]:
    """``(device, runtime, dtype)`` as :meth:`Extractor.from_pretrained` will use them; ValueError for a bad value
    or a clash (ONNX Runtime or int8 off a CPU, int8 with a dtype), so a caller can check options before loading.

    >>> resolve_options("cpu", None, "int8", "torch")
    (device(type='cpu'), 'torch', None)
    """
    target = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    runtime = resolve_runtime(runtime, target, dtype)
    if dtype is not None and dtype != "auto" and dtype not in DTYPES:
        raise ValueError(f"dtype {dtype!r}: expected one of auto, {', '.join(DTYPES)}")
    if runtime == "onnx":
        if device is None:
            target = torch.device("cpu")
        if target.type != "cpu":
            raise ValueError(f"runtime='onnx' runs on a CPU only, not on device {target}")
        if dtype not in (None, "float32", "auto"):
            raise ValueError(f"runtime='onnx' computes in float32 (or int8 with quantize); drop dtype={dtype!r}")
        dtype = None
    if quantize == "auto":  # int8 where the checkpoint's verdict allows (resolve_quantize), else float32
        return target, runtime, dtype
    if quantize is not None:
        if quantize not in QUANTIZE:
            raise ValueError(f"quantize {quantize!r}: expected one of auto, {', '.join(QUANTIZE)} or None")
        if target.type != "cpu":
            raise ValueError(f"quantize={quantize!r} runs on a CPU only, not on device {target}")
        if dtype not in (None, "float32", "auto"):
            raise ValueError(f"quantize={quantize!r} computes in int8 from float32 weights; drop dtype={dtype!r}")
        dtype = None
    return target, runtime, dtype


def resolve_quantize(quantize: str | None, runtime: str, settings: dict) -> str | None:
    """``quantize`` as the model will run: "auto" is "int8" on ONNX Runtime for a checkpoint whose
    ``indonews.json`` records that int8 cost it no dev F1 (:mod:`indonews.quantization`), else None.

    >>> resolve_quantize("auto", "onnx", {"int8": {"verified": True}}), resolve_quantize("auto", "torch", {})
    ('int8', None)
    """
    if quantize != "auto":
        return quantize
    return "int8" if runtime == "onnx" and checkpoint.int8_verified(settings) else None


def fast_bfloat16(device: str | torch.device = "cpu") -> bool:
    """Whether bfloat16 matrix products run in hardware on ``device``, so that they pay.

    On CUDA, what the GPU reports. On a CPU, oneDNN's bf16 support and, where ``/proc/cpuinfo`` tells,
    the AVX-512 BF16 or AMX instructions: without them bfloat16 is emulated, and on a 2-core AVX2 EPYC
    the README's benchmark measured it 3x slower than float32.
    """
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    try:
        if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
            return False
    except (AttributeError, RuntimeError):
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True  # not Linux: oneDNN's answer is all there is
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_dtype(name: str | None, device: str | torch.device = "cpu") -> torch.dtype:
    """The torch dtype for ``name``: None is float32; "auto" is bfloat16 where it pays, else float32.

    An explicit "bfloat16" on a device where it does not pay is kept, with a warning saying so.
    """
    if name is None:
        return torch.float32
    if name == "auto":
        return torch.bfloat16 if fast_bfloat16(device) else torch.float32
    if name not in DTYPES:
        raise ValueError(f"dtype {name!r}: expected one of auto, {', '.join(DTYPES)}")
    if name == "bfloat16" and not fast_bfloat16(device):
        warnings.warn(
            f"dtype='bfloat16' on {torch.device(device)}, which has no bfloat16 instructions: it is emulated and "
            "slower than float32 here; dtype='auto' picks float32 on such a device (or try quantize='int8' on a CPU)",
            RuntimeWarning,
            stacklevel=3,
        )
    return DTYPES[name]


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """``model`` with the encoder's ``nn.Linear`` layers computing in int8, in place.

    PyTorch's dynamic quantization (fbgemm kernels on x86 CPUs, qnnpack on ARM): weights are quantized
    once, per output channel, activations per batch. The classification head (``model.classifier``),
    the embedding tables and the layer norms stay float32: the head is under a tenth of a percent of the
    multiply-adds (7 labels against the encoder's square layers) and is where the labels are decided. The README's benchmark gives the speed and the F1 cost.
    """
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    head = getattr(model, "classifier", None)
    spec = {
        name: per_channel_dynamic_qconfig
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and module is not head
    }
    with warnings.catch_warnings():
        # torch.ao's eager quantization points users to torchao; it is what ships with torch and runs
        # without torch.compile, so it stays until torchao's dynamic int8 does the same on CPU
        warnings.simplefilter("ignore")
        return quantize_dynamic(model.float().cpu(), spec, dtype=torch.qint8, inplace=True)


class Extractor:
    """Finds LEADER, VENUE and DATE mentions in text and, with a relation model, MEET/AT/ON and meetings.

    Long texts are read in overlapping windows, never truncated: ``max_length`` tokens (at most what the
    model takes) overlapping by ``stride``, by the rule training follows (a bad stride is refused, not
    changed: :func:`indonews.ner.features.window_lengths`). Batches are built from windows of similar
    length (sorted within a buffer of ``buffer_batches`` batches), so padding stays small, and results
    come back in input order while memory stays bounded.
    """

    def __init__(
        self,
        model,
        tokenizer,
        max_length: int = 512,
        stride: int = 128,
        constrained: bool = True,
        device: str | torch.device | None = None,
        buffer_batches: int = BUFFER_BATCHES,
        relations=None,
        words: str = "tokenizer",
    ):
        self.max_length, self.stride = window_lengths(max_length, stride, model, tokenizer)  # as training reads
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.constrained = constrained
        if words not in WORD_UNITS:
            raise ValueError(f"words must be one of {WORD_UNITS}, not {words!r}")
        self.words = words  # what carries one tag (indonews.ner.features.WORD_UNITS), as the model was trained
        self.buffer_batches = buffer_batches
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        self._masks = allowed_transitions(self.id2label)
        self._outside = next((i for i, lab in self.id2label.items() if lab == "O"), 0)
        self.relations = relations  # an indonews.relations.predictor.RelationPredictor, or None
        if relations is not None:
            relations.model.to(self.device)
            relations.device = self.device

    @classmethod
    def from_pretrained(
        cls,
        model_dir: str | Path,
        device: str | None = None,
        dtype: str | None = None,
        quantize: str | None = "auto",
        runtime: str = "auto",
        **overrides,
    ) -> Extractor:
        """Load a directory written by :meth:`save_pretrained` or ``scripts/train.py`` (or any
        token-classification checkpoint); :mod:`indonews.checkpoint` tells what it holds.

        ``dtype`` ("float32", "bfloat16", "float16", or "auto") is the entity model's compute precision;
        None keeps float32, "auto" takes bfloat16 only where the device computes it in hardware
        (:func:`fast_bfloat16`). bfloat16 is about twice as fast on CPUs with AVX-512 BF16 or AMX (and on
        recent GPUs) and slower elsewhere. ``quantize="int8"`` runs the entity model's linear layers in
        int8 on a CPU (:func:`quantize_int8`); the default ``quantize="auto"`` takes int8 on ONNX Runtime
        only for a checkpoint whose ``indonews.json`` records that it costs no dev F1
        (:mod:`indonews.quantization`, :func:`resolve_quantize`), and None keeps float32. ``runtime="onnx"`` runs the entity model on ONNX Runtime
        instead of PyTorch (CPU only; float32, or int8 with ``quantize``), exporting the checkpoint once into
        a cache (:mod:`indonews.ort`). The default ``runtime="auto"`` (:func:`resolve_runtime`) takes ONNX
        Runtime on a CPU when it is installed and no other ``dtype`` is asked for, and falls back to PyTorch
        with a warning when the export fails; ``runtime="torch"`` keeps PyTorch. The README's benchmark
        gives the speed and F1 cost of each. The relation model stays float32 on PyTorch.
        """
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        model_dir = checkpoint.check_model_dir(model_dir)
        chosen = runtime == "auto"
        target, runtime, dtype = resolve_options(device, dtype, quantize, runtime)
        settings = checkpoint.read_settings(model_dir)
        asked, quantize = quantize, resolve_quantize(quantize, runtime, settings)
        kwargs = {k: settings[k] for k in checkpoint.DECODING_SETTINGS if k in settings}
        kwargs.update(overrides)
        if "relations" not in kwargs and checkpoint.has_relations(model_dir):
            from indonews.relations.predictor import RelationPredictor

            kwargs["relations"] = RelationPredictor.from_pretrained(model_dir / checkpoint.RELATIONS_DIR, device="cpu")
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        model = None
        if runtime == "onnx":
            from indonews.ort import OnnxExportError, OnnxTokenClassifier

            try:
                model = OnnxTokenClassifier.from_pretrained(model_dir, quantize=quantize)
            except OnnxExportError as exc:
                if not chosen:
                    raise
                warnings.warn(f"{exc}; running on PyTorch instead (runtime='torch' skips the export)", stacklevel=2)
                quantize = resolve_quantize(asked, "torch", settings)
        if model is None:
            model = AutoModelForTokenClassification.from_pretrained(model_dir, dtype=resolve_dtype(dtype, target))
            if quantize == "int8":
                model = quantize_int8(model)
        return cls(model, tokenizer, device=target, **kwargs)

    def save_pretrained(
        self,
        model_dir: str | Path,
        settings: dict | None = None,
        *,
        metrics: dict | None = None,
        trainer_log: list | None = None,
        relations_trainer_log: list | None = None,
    ) -> Path:
        """Write this extractor where :meth:`from_pretrained` reads it back: the entity model, its tokenizer,
        the relation model and ``indonews.json`` (window length, stride, decoding, word unit, then ``settings``,
        e.g. how it was trained), in one rename (:func:`indonews.checkpoint.save_model_dir`). ``metrics`` and
        the Trainer logs are kept beside them when given, as ``scripts/train.py`` does.

        The entity model must be a PyTorch model in float weights: one on ONNX Runtime or quantized to int8
        has no transformers checkpoint to write (load it with ``runtime="torch"`` and no ``quantize``).
        """
        modules = self.model.modules() if isinstance(self.model, torch.nn.Module) else ()
        quantized = any(type(m).__module__.startswith("torch.ao.nn.quantized") for m in modules)
        if not hasattr(self.model, "save_pretrained") or quantized:
            raise ValueError(
                f"cannot save an entity model on {type(self.model).__name__}"
                + (" with int8 layers" if quantized else "")
                + ": load it with runtime='torch' and no quantize to save it"
            )
        record = {k: getattr(self, k) for k in checkpoint.DECODING_SETTINGS}  # what from_pretrained reads back
        return checkpoint.save_model_dir(
            self.model,
            self.tokenizer,
            model_dir,
            {**record, **(settings or {})},
            relations=self.relations,
            metrics=metrics,
            trainer_log=trainer_log,
            relations_trainer_log=relations_trainer_log,
        )

    # -- public API -------------------------------------------------------------------------------

    def __call__(self, text: str) -> list[Entity]:
        """The entities of one text."""
        return next(iter(self.predict([text], batch_size=8)))

    def predict(
        self, texts: str | Iterable[str], batch_size: int = 32, progress: Progress | None = None
    ) -> Iterator[list[Entity]]:
        """The entities of many texts, streamed in input order (any iterable; a string is one text).

        ``progress("windows", done, total)`` is called after each batch with the windows done of those in the
        block being read: a single long text is many windows, so it shows movement where a count of texts
        cannot.
        """
        if isinstance(texts, str):
            texts = [texts]
        it = iter(texts)
        chunk = max(1, batch_size * self.buffer_batches)
        while True:
            block = list(itertools.islice(it, chunk))
            if not block:
                return
            yield from self._predict_block(block, batch_size, progress)

    def extract(self, text: str) -> Document:
        """One text as a Document: entities, and with a relation model also relations and meetings."""
        return next(self.annotate([text], batch_size=8))

    def annotate(
        self, docs: Iterable[Document | str], batch_size: int = 32, progress: Progress | None = None
    ) -> Iterator[Document]:
        """Documents with predicted entities in the annotation format (ids T1, T2, ...).

        With a relation model, each document also gets ``relations`` (head/tail ids, label, score) and
        ``meetings`` (:func:`indonews.relations.meetings.assemble_meetings`). ``progress`` as in :meth:`predict`,
        then ``progress("pairs", ...)`` for the relation model's batches and ``progress("meetings", ...)``.
        """
        it = iter(docs)
        n = 0
        chunk = max(1, batch_size * self.buffer_batches)
        while True:
            block = list(itertools.islice(it, chunk))
            if not block:
                return
            block = [
                d if isinstance(d, Document) else Document(id=f"doc-{n + i + 1}", text=d) for i, d in enumerate(block)
            ]
            n += len(block)
            out = [
                Document(d.id, d.text, ents, [], dict(d.meta))
                for d, ents in zip(block, self._predict_block([d.text for d in block], batch_size, progress))
            ]
            if self.relations is not None:
                self.add_relations(out, batch_size, progress)
            yield from out

    def add_relations(
        self, docs: list[Document], batch_size: int = 32, progress: Progress | None = None
    ) -> list[Document]:
        """Fill in ``relations`` and ``meetings`` of documents whose entities are set (predicted or gold)."""
        from indonews.relations.meetings import assemble_meetings
        from indonews.text import sentence_spans

        sentences = [sentence_spans(d.text) for d in docs]
        relations = self.relations.predict(docs, sentences, batch_size, progress=progress)
        for i, (d, sents, rels) in enumerate(zip(docs, sentences, relations)):
            if progress is not None:
                progress("meetings", i, len(docs))
            d.relations = rels
            d.meetings = assemble_meetings(d, sents)
        if progress is not None:
            progress("meetings", len(docs), len(docs))
        return docs

    # -- internals --------------------------------------------------------------------------------

    def _forward(self, windows: list[Window], batch_size: int, progress: Progress | None = None) -> list[np.ndarray]:
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
        out: list[np.ndarray | None] = [None] * len(windows)
        pad = self.tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for b in range(0, len(order), batch_size):
                idx = order[b : b + batch_size]
                width = max(len(windows[i].input_ids) for i in idx)
                ids = torch.full((len(idx), width), pad, dtype=torch.long)
                mask = torch.zeros((len(idx), width), dtype=torch.long)
                for row, i in enumerate(idx):
                    n = len(windows[i].input_ids)
                    ids[row, :n] = torch.tensor(windows[i].input_ids)
                    mask[row, :n] = 1
                logits = self.model(input_ids=ids.to(self.device), attention_mask=mask.to(self.device)).logits
                logits = logits.float().cpu().numpy()
                for row, i in enumerate(idx):
                    out[i] = logits[row, : len(windows[i].input_ids)]
                if progress is not None:
                    progress("windows", b + len(idx), len(windows))
        return out  # type: ignore[return-value]

    def _predict_block(self, texts: list[str], batch_size: int, progress: Progress | None = None) -> list[list[Entity]]:
        results: list[list[Entity]] = [[] for _ in texts]
        nonempty = [i for i, t in enumerate(texts) if t.strip()]
        if not nonempty:
            return results
        windows = encode_windows(
            [texts[i] for i in nonempty], self.tokenizer, self.max_length, self.stride, words=self.words
        )
        logits = self._forward(windows, batch_size, progress)
        per_doc: dict[int, list[int]] = {}
        for k, w in enumerate(windows):
            per_doc.setdefault(w.doc_index, []).append(k)
        for local, ks in per_doc.items():
            text = texts[nonempty[local]]
            offsets, word_logits = merge_windows([windows[k] for k in ks], [logits[k] for k in ks], self._outside)
            spans = decode_words(word_logits, offsets, self.id2label, self.constrained, self._masks, text)
            ents = []
            for s, e, lab, score in spans:
                s, e = trim_span(text, s, e)
                if e > s:
                    ents.append(Entity(f"T{len(ents) + 1}", s, e, lab, text[s:e], round(score, 4)))
            results[nonempty[local]] = ents
        return results
