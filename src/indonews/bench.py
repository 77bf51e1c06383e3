"""Benchmark: ``Extractor.predict`` against the transformers token-classification pipeline.

Each system runs in a fresh Python process on the same checkpoint, documents and batch size, so its peak
resident memory (``ru_maxrss`` of that child, read with ``os.wait4``) is its own: tracemalloc does not see
torch's allocations. A child writes its timings and spans as JSON; the parent compares the spans.

    python -m indonews.bench worker --system extractor --model models/tiny --docs docs.jsonl --out r.json

is what the parent runs; ``scripts/bench.py`` is the command line users call.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from indonews import checkpoint
from indonews.outputs import atomic_dir, atomic_file, write_text

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
BASE_SIZE = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072)
BASE_VOCAB = 32000  # IndoBERT's vocabulary size
BASE_SETTINGS = {"max_length": 512, "stride": 128, "constrained": True}  # as configs/model/indobert.yaml


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


# -- documents --------------------------------------------------------------------------------------


def load_texts(path: str | Path, n: int | None = None) -> list[str]:
    """The ``text`` of every line of a JSONL file, repeated (or cut) to ``n`` documents."""
    from indonews.schema import iter_json_lines

    texts = [obj["text"] for _, _, obj in iter_json_lines(path)]
    if not texts:
        raise ValueError(f"{path}: no documents")
    if n is None:
        return texts
    return [texts[i % len(texts)] for i in range(n)]


def load_gold(path: str | Path, n: int | None = None) -> list[list[list]] | None:
    """The ``[start, end, label]`` entity spans of every line, aligned with :func:`load_texts`; None if unannotated."""
    from indonews.schema import iter_json_lines

    lines = [obj for _, _, obj in iter_json_lines(path)]
    if not any("entities" in obj for obj in lines):
        return None
    gold = [[[e["start"], e["end"], e["label"]] for e in obj.get("entities", [])] for obj in lines]
    return gold if n is None else [gold[i % len(gold)] for i in range(n)]


def span_f1(gold: Sequence[Sequence], predicted: Sequence[Sequence]) -> dict:
    """Strict micro P/R/F1 of predicted spans against gold: start, end and label must all be equal.

    For non-overlapping spans this is seqeval's strict IOB2 entity score; it is computed on the benchmark's
    documents (repeated, when ``--docs`` exceeds the file), so it tells what a system's decoding or
    precision costs, not the model's test score (``scripts/evaluate.py`` gives that).
    """
    g = {(d, s, e, lab) for d, spans in enumerate(gold) for s, e, lab in spans}
    p = {(d, s, e, lab) for d, spans in enumerate(predicted) for s, e, lab in spans}
    tp = len(g & p)
    precision = tp / len(p) if p else 0.0
    recall = tp / len(g) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": len(g)}


def write_texts(texts: Sequence[str], path: str | Path) -> Path:
    path = Path(path)
    with atomic_file(path) as fh:
        for i, t in enumerate(texts):
            fh.write(json.dumps({"id": f"bench-{i + 1}", "text": t}, ensure_ascii=False) + "\n")
    return path


# -- a BERT-base-sized model with random weights ----------------------------------------------------


def build_random_base(out_dir: str | Path, tokenizer_dir: str | Path, seed: int = 0) -> Path:
    """A BERT-base-sized token classifier (random weights, the seven IOB2 labels) for realistic timing offline.

    The tokenizer is the one in ``tokenizer_dir``; the embedding table has IndoBERT's 32,000 rows (or more,
    if the tokenizer is larger), so the model costs what IndoBERT costs. Built once and reused.
    """
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForTokenClassification

    from indonews.schema import ID2LABEL, LABEL2ID

    out_dir = Path(out_dir)
    if (out_dir / "model.safetensors").exists():
        return out_dir
    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    tokenizer.model_max_length = BASE_SETTINGS["max_length"]
    config = BertConfig(
        vocab_size=max(BASE_VOCAB, len(tokenizer)),
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id or 0,
        num_labels=len(ID2LABEL),
        id2label=dict(ID2LABEL),
        label2id=dict(LABEL2ID),
        **BASE_SIZE,
    )
    model = BertForTokenClassification(config)
    with atomic_dir(out_dir) as staging:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        checkpoint.write_settings(staging, BASE_SETTINGS)
    return out_dir


def default_cache_dir() -> Path:
    return Path(os.environ.get("INDONEWS_CACHE", Path.home() / ".cache" / "indonews")) / "bench"


def random_base_dir(cache_dir: str | Path, tokenizer_dir: str | Path) -> Path:
    """Where the random base model for ``tokenizer_dir``'s tokenizer lives (keyed by the tokenizer's content)."""
    import hashlib

    tok = Path(tokenizer_dir) / "tokenizer.json"
    key = hashlib.sha1(tok.read_bytes()).hexdigest()[:12] if tok.exists() else Path(tokenizer_dir).name
    return Path(cache_dir) / f"base-random-{key}"


# -- one system in one process ----------------------------------------------------------------------


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


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


# -- the parent: children, comparison, report -------------------------------------------------------


def run_child(cmd: Sequence[str], threads: int | None = None) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, the child's own peak RSS in MB). Raises on a non-zero exit.

    ``threads`` sets OMP_NUM_THREADS (torch's intra-op threads) in the child: on a CPU shared with
    another job, fewer threads than cores avoids threads spinning while they wait for each other.
    """
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false")
    if threads:
        env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(threads)
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=err, env=env)
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # this child's rusage, not the max over all children
        except BaseException:
            proc.kill()
            raise
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read()[-4000:].decode("utf-8", "replace")
            raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{tail}")
    peak = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    return time.perf_counter() - t0, peak


def _worker_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "indonews.bench", "worker", *args]


def measure(
    system: str,
    model_dir: str | Path,
    docs_file: Path,
    batch_size: int,
    work: Path,
    threads: int | None = None,
    repeat: int = 1,
) -> dict:
    out = work / f"{system}.json"
    cmd = _worker_cmd(
        "--system", system, "--model", str(model_dir), "--docs", str(docs_file), "--batch-size", str(batch_size),
        "--repeat", str(repeat),
    )  # fmt: skip
    _, peak = run_child([*cmd, "--out", str(out)], threads)
    result = json.loads(out.read_text(encoding="utf-8"))
    result["peak_rss_mb"] = max(result["peak_rss_mb"], peak)
    return result


def combine_passes(results: Sequence[dict]) -> dict:
    """One system's result from its rounds: the median pass, every pass's seconds, the highest memory."""
    import statistics

    out = dict(results[-1])
    out["seconds_per_pass"] = [r["seconds"] for r in results]
    out["seconds"] = statistics.median(out["seconds_per_pass"])
    out["docs_per_s"] = out["documents"] / out["seconds"]
    out["tokens_per_s"] = out["tokens"] / out["seconds"]
    out["load_seconds"] = statistics.median(r["load_seconds"] for r in results)
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in results)
    out["rss_after_load_mb"] = max(r["rss_after_load_mb"] for r in results)
    out["same_spans_every_pass"] = all(r["spans"] == results[0]["spans"] for r in results)
    return out


def measure_training(
    model_dir: str | Path, train_file: str | Path, steps: int, batch_size: int, work: Path, threads: int | None = None
) -> dict:
    out = work / "train.json"
    cmd = _worker_cmd("--system", "train", "--model", str(model_dir), "--docs", str(train_file))
    _, peak = run_child([*cmd, "--steps", str(steps), "--batch-size", str(batch_size), "--out", str(out)], threads)
    result = json.loads(out.read_text(encoding="utf-8"))
    result["peak_rss_mb"] = max(result["peak_rss_mb"], peak)
    return result


def trim_spans(spans: Sequence[Sequence], text_list: Sequence[str]) -> list[list]:
    """Each document's spans with the annotation format's edge rule applied (:func:`indonews.schema.trim_span`):
    edge punctuation and white space off, spans left empty dropped.

    >>> trim_spans([[[0, 9, "LEADER"], [10, 11, "VENUE"]]], [" Prabowo, ("])
    [[[1, 8, 'LEADER']]]
    """
    from indonews.schema import trim_span

    out = []
    for d, doc in enumerate(spans):
        kept = []
        for s, e, lab in doc:
            s2, e2 = trim_span(text_list[d], s, e)
            if e2 > s2:
                kept.append([s2, e2, lab])
        out.append(kept)
    return out


def reproduction(reference: Sequence[Sequence], candidate: Sequence[Sequence], text_list: Sequence[str]) -> dict:
    """Share of the reference's (start, end, label) spans that the candidate has exactly.

    ``after_trim`` first applies the annotation format's edge rule (:func:`indonews.schema.trim_span`) to
    the reference, as the Extractor does to its own spans: the pipeline keeps a trailing "," or ")" that
    the format forbids.
    """
    ref = {(d, s, e, lab) for d, spans in enumerate(reference) for s, e, lab in spans}
    cand = {(d, s, e, lab) for d, spans in enumerate(candidate) for s, e, lab in spans}
    trimmed = {(d, s, e, lab) for d, spans in enumerate(trim_spans(reference, text_list)) for s, e, lab in spans}
    return {
        "reference_spans": len(ref),
        "candidate_spans": len(cand),
        "reproduced": len(ref & cand),
        "share": len(ref & cand) / len(ref) if ref else 1.0,
        "share_after_trim": len(trimmed & cand) / len(trimmed) if trimmed else 1.0,
    }


def scale_run(
    model_dir: str | Path,
    texts: Sequence[str],
    factors: Sequence[int],
    batch_size: int,
    work: Path,
    threads: int | None = None,
):
    """Peak RSS of ``scripts/predict.py`` over ``factor`` copies of the documents, one process each."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "predict.py"
    if not script.exists():
        raise FileNotFoundError(f"{script}: --scale needs the repository's scripts/predict.py")
    rows = []
    for f in factors:
        docs = write_texts(list(texts) * f, work / f"scale_{f}.jsonl")
        out = work / f"scale_{f}_pred.jsonl"
        cmd = [
            sys.executable,
            str(script),
            f"model_dir={model_dir}",
            f"input={docs}",
            f"output={out}",
            f"batch_size={batch_size}",
            "device=cpu",
            f"hydra.run.dir={work / f'scale_{f}_run'}",
        ]
        wall, peak = run_child(cmd, threads)
        rows.append({"factor": f, "documents": len(texts) * f, "seconds": wall, "peak_rss_mb": peak})
    return rows


def environment() -> dict:
    import torch
    import transformers

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "load_average": list(os.getloadavg()),
    }


def export_time(model_dir: str | Path, quantize: str | None, work: Path, threads: int | None = None) -> float:
    """Seconds to export ``model_dir`` for runtime="onnx" (0 when an up-to-date export is cached).

    In a child, as every system: a child's peak RSS starts at its parent's (Linux carries the high-water
    mark across fork and exec), and exporting a base-sized model peaks at several GB.
    """
    from indonews.ort import find_export

    if find_export(model_dir, quantize) is not None:
        return 0.0
    cmd = _worker_cmd("--system", "export", "--model", str(model_dir), "--docs", "-", "--out", str(work / "export"))
    seconds, _ = run_child([*cmd, "--quantize", quantize or "none"], threads)
    return seconds


def benchmark(
    models: Sequence[tuple[str, str | Path]],
    texts: Sequence[str],
    batch_size: int = 32,
    systems: Sequence[str] = SYSTEMS,
    train_file: str | Path | None = None,
    train_steps: int = 0,
    train_batch_size: int = 8,
    scale: Sequence[int] = (),
    scale_model: str | Path | None = None,
    threads: int | None = None,
    gold: Sequence[Sequence] | None = None,
    repeat: int = 1,
) -> dict:
    """Run every system on every ``(name, model_dir)``; the result is what ``--out`` writes.

    With ``gold`` spans (one list per text), each system also gets its span F1 against them.
    """
    report: dict = {
        "environment": environment(),
        "documents": {"count": len(texts), "characters": sum(map(len, texts))},
        "batch_size": batch_size,
        "threads": threads,
        "repeat": repeat,
        "models": [],
    }
    with tempfile.TemporaryDirectory(prefix="indonews-bench-") as tmp:
        work = Path(tmp)
        docs_file = write_texts(texts, work / "docs.jsonl")
        for name, model_dir in models:
            entry: dict = {"name": name, "model_dir": str(model_dir), "systems": {}, "agreement": {}}
            exports = onnx_exports(systems)
            if exports:  # once per checkpoint and scheme, cached: not part of any system's load time
                entry["onnx_export_seconds"] = {
                    (quantize or "float32"): export_time(model_dir, quantize, work, threads) for quantize in exports
                }
            # passes taken in rounds, every system once per round, each in a fresh process: a slow minute on
            # a shared machine then costs every system one pass, not one system all of its passes
            rounds: dict[str, list[dict]] = {system: [] for system in systems}
            for _ in range(repeat):
                for system in systems:
                    rounds[system].append(measure(system, model_dir, docs_file, batch_size, work, threads))
            for system in systems:
                entry["systems"][system] = combine_passes(rounds[system])
            if "pipeline" in entry["systems"]:
                ref = entry["systems"]["pipeline"]["spans"]
                for system, res in entry["systems"].items():
                    if system != "pipeline":
                        entry["agreement"][f"{system} vs pipeline"] = reproduction(ref, res["spans"], texts)
            for system, res in entry["systems"].items():
                spans = res.pop("spans")
                if gold is not None:
                    res["gold_f1"] = span_f1(gold, spans)
                    if system == "pipeline":  # its spans may carry edges the format forbids (XLM-R: a space)
                        res["gold_f1_after_trim"] = span_f1(gold, trim_spans(spans, texts))
            if train_steps and train_file:
                entry["training"] = measure_training(
                    model_dir, train_file, train_steps, train_batch_size, work, threads
                )
            report["models"].append(entry)
        if scale:
            model = scale_model or models[0][1]
            report["scale"] = {
                "model_dir": str(model),
                "runs": scale_run(model, texts, scale, batch_size, work, threads),
            }
    report["environment"]["load_average_after"] = list(os.getloadavg())
    return report


def markdown(report: dict) -> str:
    """The report as Markdown tables."""
    env = report["environment"]
    lines = [
        f"{report['documents']['count']} documents, {report['documents']['characters']:,} characters, "
        f"batch size {report['batch_size']}, median of {report.get('repeat', 1)} timed pass(es) in rounds, "
        f"{report.get('threads') or 'default'} torch threads; torch {env['torch']}, transformers {env['transformers']}, "
        f"{env['cpu_count']} CPUs, load average {env['load_average'][0]:.2f} before / "
        f"{env.get('load_average_after', [float('nan')])[0]:.2f} after",
        "",
        "| model | system | docs/s | tokens/s | vs pipeline | peak RSS (MB) | RSS after load (MB) "
        "| spans reproduced from pipeline | span F1 vs gold |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in report["models"]:
        for system, r in m["systems"].items():
            agree = m["agreement"].get(f"{system} vs pipeline")
            share = (
                f"{agree['share']:.1%} ({agree['share_after_trim']:.1%} after trim)"
                if agree
                else ("reference" if system == "pipeline" else "n/a")
            )
            ref = m["systems"].get("pipeline")
            speedup = f"{r['docs_per_s'] / ref['docs_per_s']:.2f}x" if ref else "n/a"
            f1 = f"{r['gold_f1']['f1']:.3f}" if "gold_f1" in r else "n/a"
            if "gold_f1_after_trim" in r:
                f1 += f" ({r['gold_f1_after_trim']['f1']:.3f} after trim)"
            lines.append(
                f"| {m['name']} ({r['parameters'] / 1e6:.1f}M, {r['max_length']} tokens) | {system} | "
                f"{r['docs_per_s']:.2f} | {r['tokens_per_s']:,.0f} | {speedup} | {r['peak_rss_mb']:,.0f} | "
                f"{r['rss_after_load_mb']:,.0f} | {share} | {f1} |"
            )
    exported = [m for m in report["models"] if m.get("onnx_export_seconds")]
    if exported:
        times = "; ".join(
            f"{m['name']} " + ", ".join(f"{k} {v:.1f} s" for k, v in m["onnx_export_seconds"].items()) for m in exported
        )
        lines += ["", f"ONNX export before timing, once per checkpoint (0.0 s: already cached): {times}"]
    trained = [m for m in report["models"] if "training" in m]
    if trained:
        lines += [
            "",
            "| model | training steps | batch | samples/s | peak RSS (MB) |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for m in trained:
            t = m["training"]
            sps = f"{t['samples_per_s']:.2f}" if t["samples_per_s"] is not None else "n/a"
            lines.append(f"| {m['name']} | {t['max_steps']} | {t['batch_size']} | {sps} | {t['peak_rss_mb']:,.0f} |")
    if "scale" in report:
        lines += [
            "",
            f"scripts/predict.py on {report['scale']['model_dir']}:",
            "",
            "| documents | seconds | peak RSS (MB) |",
            "| ---: | ---: | ---: |",
        ]
        for r in report["scale"]["runs"]:
            lines.append(f"| {r['documents']} ({r['factor']}x) | {r['seconds']:.1f} | {r['peak_rss_mb']:,.0f} |")
    return "\n".join(lines) + "\n"


# -- the child's command line -----------------------------------------------------------------------


def _worker_main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m indonews.bench worker")
    p.add_argument("--system", choices=[*SYSTEMS, "train", "export"], required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--docs", required=True)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--out", required=True)
    p.add_argument("--quantize", default="none", help="--system export: none or int8")
    a = p.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if a.system == "export":
        from indonews.ort import export_onnx

        path = export_onnx(a.model, quantize=None if a.quantize == "none" else a.quantize)
        write_text(a.out, json.dumps({"path": str(path)}))
        return
    if a.system == "train":
        result = run_training(a.model, a.docs, a.steps, a.batch_size)
    else:
        result = run_system(a.system, a.model, load_texts(a.docs), a.batch_size, repeat=a.repeat)
    write_text(a.out, json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] != ["worker"]:
        raise SystemExit("usage: python -m indonews.bench worker ...  (users run scripts/bench.py)")
    _worker_main(sys.argv[2:])
