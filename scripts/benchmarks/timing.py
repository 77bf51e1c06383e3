"""The parent: every system in its own child process, round by round, and what the report holds."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.scoring import reproduction, span_f1, trim_spans, write_texts
from benchmarks.systems import SYSTEMS, onnx_exports, peak_rss_mb
from indonews.files import read_json

SCRIPTS = Path(__file__).resolve().parents[1]  # scripts/: bench.py, predict.py and this package


def run_child(cmd: Sequence[str], threads: int | None = None, env: dict | None = None) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, the child's own peak RSS in MB). Raises on a non-zero exit.

    ``threads`` sets OMP_NUM_THREADS (torch's intra-op threads) in the child: on a CPU shared with
    another job, fewer threads than cores avoids threads spinning while they wait for each other.
    ``env`` adds to (or overrides) this process's environment.
    """
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false", **(env or {}))
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
    return time.perf_counter() - t0, peak_rss_mb(usage)


def run_worker(args: Sequence[str], threads: int | None = None) -> tuple[float, float]:
    """:func:`run_child` on ``python -m benchmarks.worker ARGS``.

    The child finds this package where ``scripts/bench.py`` found it, in ``scripts/``, put ahead of
    the ``PYTHONPATH`` it inherits.
    """
    pythonpath = os.pathsep.join([str(SCRIPTS), *filter(None, [os.environ.get("PYTHONPATH")])])
    return run_child([sys.executable, "-m", "benchmarks.worker", *args], threads, {"PYTHONPATH": pythonpath})


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
    args = [
        "--system", system, "--model", str(model_dir), "--docs", str(docs_file), "--batch-size", str(batch_size),
        "--repeat", str(repeat),
    ]  # fmt: skip
    _, peak = run_worker([*args, "--out", str(out)], threads)
    result = read_json(out)
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
    args = ["--system", "train", "--model", str(model_dir), "--docs", str(train_file)]
    _, peak = run_worker([*args, "--steps", str(steps), "--batch-size", str(batch_size), "--out", str(out)], threads)
    result = read_json(out)
    result["peak_rss_mb"] = max(result["peak_rss_mb"], peak)
    return result


def scale_run(
    model_dir: str | Path,
    texts: Sequence[str],
    factors: Sequence[int],
    batch_size: int,
    work: Path,
    threads: int | None = None,
):
    """Peak RSS of ``scripts/predict.py`` over ``factor`` copies of the documents, one process each."""
    rows = []
    for f in factors:
        docs = write_texts(list(texts) * f, work / f"scale_{f}.jsonl")
        out = work / f"scale_{f}_pred.jsonl"
        cmd = [
            sys.executable,
            str(SCRIPTS / "predict.py"),
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
    args = ["--system", "export", "--model", str(model_dir), "--docs", "-", "--out", str(work / "export")]
    seconds, _ = run_worker([*args, "--quantize", quantize or "none"], threads)
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
