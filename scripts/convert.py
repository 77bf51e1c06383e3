"""Convert annotated documents between the annotation format (JSONL) and annotators' formats.

    python scripts/convert.py data/dev.jsonl dev.json                 # to Label Studio tasks
    python scripts/convert.py export.json corrected.jsonl             # back from Label Studio
    python scripts/convert.py data/dev.jsonl dev.conll                # CoNLL token<TAB>tag (IOB2)
    python scripts/convert.py in.jsonl out.jsonl --from jsonl --to doccano
    python scripts/convert.py ner.conll ner.jsonl --label-map PER=LEADER,LOC=VENUE --drop-label MISC
    python scripts/convert.py export.json gold.jsonl --label-map labels.yaml --ls-annotation all-agree

Formats: jsonl (the annotation format), conll, label-studio, doccano. They are inferred from the file
names when obvious (.conll/.bio/.iob: conll, .json: label-studio, .jsonl: jsonl, or doccano when the
input's first annotated record looks like doccano); --from/--to override. Whatever the input, every
document is validated as the corpus is; a bad one is reported as ``file:line: field 'x': problem``
(``file: task N (id ID)`` for Label Studio) with the input's own field names, nothing is written and the
exit status is 1. Our labels match in any case; others need --label-map or --drop-label. What the import
dropped or changed (--drop-label, --trim, skipped Label Studio regions and tasks) is listed as notes on
stderr; what the output format cannot hold (relations in CoNLL, scores in doccano) as warnings, and so
is an input without documents. See docs/FORMATS.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from indonews.data.formats import (
    FORMATS,
    ImportReport,
    check_annotation_choice,
    guess_format,
    load_label_map,
    losses,
    read_documents,
    write_documents,
)
from indonews.outputs import OutputError, Terminated, check_output, stop_on_signals
from indonews.schema import CorpusError


def _annotation_choice(value: str) -> str:
    try:
        return check_annotation_choice(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", type=Path, metavar="IN")
    ap.add_argument("output", type=Path, metavar="OUT")
    ap.add_argument("--from", dest="src", choices=FORMATS, help="input format (default: from the file name)")
    ap.add_argument("--to", dest="dst", choices=FORMATS, help="output format (default: from the file name)")
    ap.add_argument(
        "--trim",
        action="store_true",
        help="on import, shrink spans that start or end with white space or punctuation; each span shrunk, or "
        "dropped because nothing was left, is listed on stderr",
    )
    ap.add_argument(
        "--label-map",
        action="append",
        default=[],
        metavar="MAP",
        help="import: foreign labels as ours, FOREIGN=OURS pairs (PERSON=LEADER,LOCATION=VENUE) or a YAML file "
        "of 'FOREIGN: OURS' lines; entity and relation labels, case ignored (our own labels match in any case)",
    )
    ap.add_argument(
        "--drop-label",
        action="append",
        default=[],
        metavar="LABEL",
        help="import: leave out spans and relations with this label (repeat it, or join labels with commas); "
        "how many were dropped is reported",
    )
    ap.add_argument(
        "--sentence-sep",
        choices=("newline", "space"),
        default="newline",
        help="CoNLL import: what joins sentences in the rebuilt text (default: newline)",
    )
    ap.add_argument(
        "--doccano-style",
        choices=("relations", "labels"),
        default="relations",
        help="doccano export: relation-extraction records (entities + relations) or sequence-labelling "
        "records ([start, end, LABEL] triples, no relations); default: relations",
    )
    ap.add_argument(
        "--ls-predictions",
        choices=("auto", "yes", "no"),
        default="auto",
        help="Label Studio export: write 'predictions' (yes), 'annotations' (no), or predictions when "
        "entities carry scores (auto, the default)",
    )
    ap.add_argument("--ls-from-name", default="label", help="Label Studio: the <Labels> name (default: label)")
    ap.add_argument(
        "--ls-to-name",
        default="text",
        help="Label Studio: the <Text> name; on import only regions on it are read (default: text)",
    )
    ap.add_argument("--ls-text-key", default="text", help="Label Studio import: the task data key holding the text")
    ap.add_argument(
        "--ls-annotation",
        type=_annotation_choice,
        default="first",
        metavar="{first,last,all-agree,by-annotator=ID}",
        help="Label Studio import: which annotation of a task to read: the first or last one, all-agree (only tasks "
        "whose annotations all agree; the others are skipped and listed) or those of one annotator (user id or "
        "email in completed_by); cancelled annotations never count (default: first)",
    )
    args = ap.parse_args(argv)

    src = args.src or guess_format(args.input, reading=True)
    dst = args.dst or guess_format(args.output, reading=False)
    for what, fmt, path, flag in (("input", src, args.input, "--from"), ("output", dst, args.output, "--to")):
        if fmt is None:
            ap.error(f"cannot tell the {what} format from {path.name!r}; give {flag} {{{','.join(FORMATS)}}}")
    try:
        check_output(args.output, inputs=[args.input])  # the input itself, a directory, a read-only folder
    except OutputError as exc:
        ap.error(str(exc))
    if src == "jsonl" and (args.label_map or args.drop_label):
        ap.error("--label-map and --drop-label apply to conll, label-studio and doccano input, not jsonl")
    try:
        labels = load_label_map(args.label_map, args.drop_label)
    except ValueError as exc:
        ap.error(str(exc))

    read_opts: dict = {}
    if src == "conll":
        read_opts["sentence_sep"] = "\n" if args.sentence_sep == "newline" else " "
    if src == "label-studio":
        read_opts.update(text_key=args.ls_text_key, to_name=args.ls_to_name, annotation=args.ls_annotation)
    write_opts: dict = {}
    if dst == "doccano":
        write_opts["style"] = args.doccano_style
    if dst == "label-studio":
        write_opts.update(from_name=args.ls_from_name, to_name=args.ls_to_name)
        write_opts["as_predictions"] = {"auto": None, "yes": True, "no": False}[args.ls_predictions]

    report = ImportReport()
    try:
        with stop_on_signals():  # SIGTERM and SIGHUP, as Ctrl-C, remove the temporary output
            docs = read_documents(args.input, src, trim=args.trim, labels=labels, report=report, **read_opts)
            write_documents(docs, args.output, dst, **write_opts)
    except (CorpusError, OutputError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Terminated) as exc:
        signum = signal.Signals(exc.signum) if isinstance(exc, Terminated) else signal.SIGINT
        print(f"stopped by {signum.name}: nothing written", file=sys.stderr)
        return 128 + signum
    for note in report.lines():
        print(f"note: {note}", file=sys.stderr)
    if not docs:
        print(f"warning: no documents read from {args.input}; {args.output} is empty", file=sys.stderr)
    for warning in losses(docs, dst, args.doccano_style):
        print(f"warning: {warning}", file=sys.stderr)
    n_ent = sum(len(d.entities) for d in docs)
    n_rel = sum(len(d.relations) for d in docs)
    print(f"{args.input} ({src}) -> {args.output} ({dst}): {len(docs)} documents, {n_ent} entities, {n_rel} relations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
