"""The child's command line: one system (or the training steps, or an ONNX export) timed in this process.

    python -m benchmarks.worker --system extractor --model models/tiny --docs docs.jsonl --out r.json

is what the parent (:mod:`benchmarks.timing`) runs, with ``scripts/`` on ``PYTHONPATH``; users run
``scripts/bench.py``.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence

from benchmarks.scoring import load_texts
from benchmarks.systems import SYSTEMS, run_system, run_training
from indonews.outputs import write_text


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.worker", description="users run scripts/bench.py")
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
    main()
