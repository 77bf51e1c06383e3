"""Validate annotation-format JSONL files and print corpus statistics.

    python scripts/validate.py data/*.jsonl

Every file is read with the same validator training uses, and every bad line is reported, not only the
first: broken JSON, missing text, offsets outside the text, overlapping or white-space-edged spans,
unknown labels, dangling or ill-typed relations and duplicate ids, as ``file:line: field 'x': problem``.
Across documents and files it also refuses empty texts, spans across a line break, repeated document ids
and repeated sentences, and lints likely guideline slips (warnings: a title inside a LEADER span, a VENUE
right after an office title, a leader's name tagged once and left bare elsewhere, a relation across
sentences). Exits 1 on any error.

    python scripts/validate.py --stats data/*.jsonl my_sample.jsonl

also prints the register of each file (headline share, deictic dates, page noise, glued words, short
names, venue kinds, length, quoting; :mod:`indonews.data.register`), to set the corpus beside a real sample.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indonews.data.corpus import check_jsonl_files
from indonews.data.register import register_stats, register_table
from indonews.schema import iter_jsonl


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path, metavar="FILE.jsonl")
    ap.add_argument("--no-lint", action="store_true", help="do not print guideline-slip warnings")
    ap.add_argument("--stats", action="store_true", help="also print each file's register statistics")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 1
    report = check_jsonl_files(args.files)
    if args.no_lint:
        report.warnings = []
    print(report.render())
    if args.stats:
        # the documents that passed, as in the counts above (the bad lines are reported there)
        named = {p.name: register_stats(list(iter_jsonl(p, errors=[]))) for p in args.files}
        print("\nregister:\n" + register_table(named))
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
