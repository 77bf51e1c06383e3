"""Benchmark Extractor.predict against transformers' token-classification pipeline, checkpoint by checkpoint.

    python scripts/bench.py models/tiny --base-random --docs 96 --train-steps 5 --scale 1,10 --out bench.json
    python scripts/bench.py models/tiny models/e5small --systems extractor,extractor-torch,pipeline

Each system runs in its own process (documents/s, tokens/s, peak RSS); the Markdown table goes to
stdout and everything measured to --out. README.md, "Speed", explains the columns; benchmarks/, beside
this script, holds what it runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from benchmarks.base_model import build_random_base, default_cache_dir, random_base_dir
from benchmarks.report import markdown
from benchmarks.scoring import load_gold, load_texts
from benchmarks.systems import SYSTEMS
from benchmarks.timing import benchmark

from indonews.checkpoint import check_model_dir
from indonews.outputs import write_text

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "model_dirs",
        nargs="+",
        metavar="model_dir",
        help="token-classification checkpoints, e.g. models/tiny models/e5small",
    )
    p.add_argument("--base-random", action="store_true", help="also a BERT-base-sized model with random weights")
    p.add_argument("--only-base", action="store_true", help="with --base-random: skip model_dir itself")
    p.add_argument("--data", default=str(ROOT / "data" / "test.jsonl"), help="JSONL whose texts are predicted")
    p.add_argument("--docs", type=int, default=None, help="repeat or cut the texts to this many documents")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds: each runs every system once, in a fresh process; the median pass is reported",
    )
    p.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated subset of {','.join(SYSTEMS)}")
    p.add_argument("--train-steps", type=int, default=0, help="also time this many Trainer steps (0: skip)")
    p.add_argument("--train-batch-size", type=int, default=8)
    p.add_argument("--train-file", default=str(ROOT / "data" / "train.jsonl"))
    p.add_argument("--scale", default="", help="e.g. 1,10: peak RSS of scripts/predict.py on 1x and 10x the docs")
    p.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS for every child (default: torch's)")
    p.add_argument("--cache-dir", default=str(default_cache_dir()), help="where the random base model is built")
    p.add_argument("--out", default=None, help="write the full report as JSON here")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    a = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    systems = [s for s in a.systems.split(",") if s]
    unknown = set(systems) - set(SYSTEMS)
    if a.repeat < 1:
        raise SystemExit(f"error: --repeat={a.repeat}: must be >= 1")
    if unknown:
        raise SystemExit(f"error: unknown system(s) {', '.join(sorted(unknown))}; choose from {', '.join(SYSTEMS)}")
    for model_dir in a.model_dirs:
        try:
            check_model_dir(model_dir)
        except FileNotFoundError as exc:
            raise SystemExit(f"error: {exc}") from None
    names = [Path(d).name for d in a.model_dirs]
    if len(set(names)) < len(names):
        raise SystemExit(
            f"error: two model directories share a name ({', '.join(names)}); the tables tell them by name"
        )
    models = [] if a.only_base else list(zip(names, a.model_dirs))
    first = a.model_dirs[0]
    if a.base_random:  # a BERT-base-sized model with random weights and the first checkpoint's tokenizer
        base = build_random_base(random_base_dir(a.cache_dir, first), first)
        models.append(("bert-base random", str(base)))
    report = benchmark(
        models,
        load_texts(a.data, a.docs),
        batch_size=a.batch_size,
        systems=systems,
        train_file=a.train_file,
        train_steps=a.train_steps,
        train_batch_size=a.train_batch_size,
        scale=[int(f) for f in a.scale.split(",") if f],
        scale_model=first,
        threads=a.threads,
        gold=load_gold(a.data, a.docs),
        repeat=a.repeat,
    )
    report["command"] = " ".join(["python", "scripts/bench.py", *(argv if argv is not None else sys.argv[1:])])
    sys.stdout.write(markdown(report))
    if a.out:
        write_text(a.out, json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
