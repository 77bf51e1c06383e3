"""Convert the inline-markup sources in data/src/<split>/*.txt into data/<split>.jsonl, and lint them.

    python scripts/build_corpus.py                    # all splits, writes data/{train,dev,test}.jsonl
    python scripts/build_corpus.py --check FILE.txt   # convert and lint some files, write nothing

Exits non-zero on the first format error (file:line, field, problem), when a document has no text or
when the same sentence appears twice in the corpus.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indonews.data.corpus import build_corpus, check_markup_files
from indonews.schema import CorpusError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", default="data/src", help="folder with one sub-folder per split")
    ap.add_argument("--out", default="data", help="where <split>.jsonl go")
    ap.add_argument("--check", nargs="+", metavar="FILE", help="only convert and lint these markup files")
    ap.add_argument("--emit", metavar="OUT.jsonl", help="with --check: also write the converted documents here")
    args = ap.parse_args(argv)
    try:
        if args.check:
            report = check_markup_files([Path(p) for p in args.check], emit=args.emit)
        else:
            report = build_corpus(Path(args.src), Path(args.out))
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.render())
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
