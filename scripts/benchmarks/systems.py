"""The systems the benchmark compares, and one of them timed in this process (what a child runs)."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Sequence

from indonews import checkpoint

# "extractor": Extractor.from_pretrained's defaults (runtime="auto": ONNX Runtime on a CPU where installed);
# "-torch": on PyTorch (runtime="torch"), as every "-bf16" and PyTorch "-int8" system;
# "-argmax": IOB2 argmax per word, as the pipeline decodes, instead of constrained Viterbi;
# "-bf16": the entity model computes in bfloat16 (Extractor.from_pretrained(dtype="bfloat16"));
# "-int8": its linear layers compute in int8 (Extractor.from_pretrained(quantize="int8"));
# "-onnx": it runs on ONNX Runtime (Extractor.from_pretrained(runtime="onnx")); exports are made before timing
SYSTEMS = (
    "extractor",
    "extractor-torch",
    "extractor-argmax",
    "extractor-bf16",
    "extractor-argmax-bf16",
    "extractor-int8",
    "extractor-argmax-int8",
    "extractor-onnx",
    "extractor-onnx-int8",
    "extractor-argmax-onnx-int8",
    "pipeline",
)


def system_options(system: str) -> dict:
    """The :meth:`Extractor.from_pretrained` arguments that a system name stands for.

    >>> system_options("extractor-argmax-onnx-int8")
    {'dtype': None, 'quantize': 'int8', 'runtime': 'onnx', 'constrained': False}
    >>> system_options("extractor")["runtime"], system_options("extractor-int8")["runtime"]
    ('auto', 'torch')
    """
    if "-onnx" in system:
        runtime = "onnx"
    elif system in ("extractor", "extractor-argmax"):
        runtime = "auto"
    else:  # the pipeline needs the PyTorch model; -bf16 and -int8 name PyTorch's own kernels
        runtime = "torch"
    return {
        "dtype": "bfloat16" if system.endswith("-bf16") else None,
        "quantize": "int8" if system.endswith("-int8") else None,
        "runtime": runtime,
        "constrained": "-argmax" not in system,
    }


def onnx_exports(systems: Sequence[str]) -> list[str | None]:
    """The ONNX exports (None: float32, "int8") that ``systems`` run on, on this machine's CPU."""
    import torch

    from indonews.predict import resolve_runtime

    needed = set()
    for system in systems:
        opts = system_options(system)
        if resolve_runtime(opts["runtime"], torch.device("cpu"), opts["dtype"]) == "onnx":
            needed.add(opts["quantize"])
    return sorted(needed, key=str)


def peak_rss_mb(rusage) -> float:
    """``ru_maxrss`` of a ``resource.getrusage`` or ``os.wait4`` result in MB (KB on Linux, bytes on macOS)."""
    peak = rusage.ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    import resource

    return peak_rss_mb(resource.getrusage(resource.RUSAGE_SELF))


def run_system(
    system: str, model_dir: str, texts: Sequence[str], batch_size: int, warmup: int = 2, repeat: int = 1
) -> dict:
    """Time one system over ``texts`` in this process; spans are ``[start, end, label]`` per document.

    With ``repeat`` > 1 the texts are predicted that many times and the median pass is reported (every
    pass's seconds are kept): one pass on a shared 2-core machine can be off by a third.
    """
    import statistics

    import torch

    from indonews.predict import Extractor

    t0 = time.perf_counter()
    # entities only (relations=None): the pipeline has no relation model to load or run
    ex = Extractor.from_pretrained(model_dir, device="cpu", relations=None, **system_options(system))
    if system == "pipeline":
        from transformers import pipeline

        # same window length and overlap as the Extractor, so both read every token of a long text
        ex.tokenizer.model_max_length = ex.max_length
        pipe = pipeline(
            "token-classification", model=ex.model, tokenizer=ex.tokenizer, aggregation_strategy="first", device=-1
        )

        def predict(batch):
            out = pipe(list(batch), batch_size=batch_size, stride=ex.stride)
            return [[[int(e["start"]), int(e["end"]), e["entity_group"]] for e in ents] for ents in out]
    else:

        def predict(batch):
            return [[[e.start, e.end, e.label] for e in ents] for ents in ex.predict(batch, batch_size=batch_size)]

    load_s = time.perf_counter() - t0
    rss_loaded = _rss_mb()
    predict(texts[:warmup])  # first calls allocate and pick kernels; not what a long run sees
    passes = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        spans = predict(texts)
        passes.append(time.perf_counter() - t0)
    seconds = statistics.median(passes)
    tokens = sum(len(ids) for ids in ex.tokenizer(list(texts), add_special_tokens=False)["input_ids"])
    return {
        "system": system,
        "documents": len(texts),
        "tokens": tokens,
        "batch_size": batch_size,
        "seconds": seconds,
        "seconds_per_pass": passes,
        "docs_per_s": len(texts) / seconds,
        "tokens_per_s": tokens / seconds,
        "load_seconds": load_s,
        "rss_after_load_mb": rss_loaded,
        "peak_rss_mb": _rss_mb(),
        "torch_threads": torch.get_num_threads(),
        "max_length": ex.max_length,
        "stride": ex.stride,
        "parameters": checkpoint.count_parameters(model_dir),
        "spans": spans,
    }


def run_training(model_dir: str, train_file: str, max_steps: int, batch_size: int) -> dict:
    """Samples/s of a few HF Trainer steps of :func:`indonews.ner.training.train_ner` from ``model_dir``."""
    import torch
    from transformers import TrainingArguments

    from indonews.ner.training import train_ner
    from indonews.schema import read_jsonl

    settings = checkpoint.read_settings(model_dir)
    max_length, stride = settings.get("max_length", 512), settings.get("stride", 128)
    docs = read_jsonl(train_file)
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(
            output_dir=tmp,
            max_steps=max_steps,
            per_device_train_batch_size=batch_size,
            save_strategy="no",
            eval_strategy="no",
            logging_strategy="no",
            report_to="none",
            disable_tqdm=True,
            use_cpu=not torch.cuda.is_available(),
            dataloader_num_workers=0,
            seed=42,
        )
        t0 = time.perf_counter()
        trainer, _ = train_ner(docs, [], model_dir, args, max_length=max_length, stride=stride)
        wall = time.perf_counter() - t0
        metrics = trainer.state.log_history[-1] if trainer.state.log_history else {}
    return {
        "system": "train",
        "max_steps": max_steps,
        "batch_size": batch_size,
        "max_length": max_length,
        "samples_per_s": metrics.get("train_samples_per_second"),
        "steps_per_s": metrics.get("train_steps_per_second"),
        "train_seconds": metrics.get("train_runtime"),
        "wall_seconds_with_setup": wall,
        "peak_rss_mb": _rss_mb(),
        "torch_threads": torch.get_num_threads(),
    }
