"""Converters between the annotation format (JSONL) and annotators' formats: CoNLL, Label Studio, doccano.

One module per format (:mod:`.jsonl`, :mod:`.conll`, :mod:`.label_studio`, :mod:`.doccano`), registered in
:data:`REGISTRY` with its reader, its writer, the file name endings that imply it and what its files can hold;
:func:`read_documents`, :func:`write_documents`, :func:`guess_format` and :func:`losses` look formats up there.

Every importer builds plain dicts and passes them through :func:`indonews.schema.document_from_dict`, so
what comes out is valid annotation format or a :class:`CorpusError` naming file, line (or task), field and
problem (:mod:`.records`). Exporters are pure functions from documents to text or JSON-ready objects; the
``write_*`` helpers write atomically (a temporary file renamed at the end), so a failed conversion leaves no
half-written file. Label maps (:mod:`.labels`) and the report of what an import dropped (:mod:`.report`)
serve every annotators' format.

Offsets are Python code points on both sides, as Label Studio and doccano store them.
See docs/FORMATS.md for what each format keeps and loses.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indonews.data.formats.conll import conll_sentences, from_conll, read_conll, to_conll, write_conll
from indonews.data.formats.doccano import (
    doccano_holds,
    doccano_record_to_document,
    from_doccano,
    read_doccano,
    to_doccano,
    write_doccano,
)
from indonews.data.formats.jsonl import jsonl_flavour, read_annotation_jsonl, write_annotation_jsonl
from indonews.data.formats.label_studio import (
    LS_ANNOTATION_CHOICES,
    check_annotation_choice,
    from_label_studio,
    label_studio_task_to_document,
    read_label_studio,
    to_label_studio,
    write_label_studio,
)
from indonews.data.formats.labels import LabelMap, load_label_map
from indonews.data.formats.report import ImportReport
from indonews.schema import CorpusError, Document

PARTS = frozenset({"relations", "entity scores", "relation scores", "meta"})  # what a format may be unable to hold


@dataclass(frozen=True)
class Format:
    """One file format: how to read and write it, which file name endings imply it, what its files hold."""

    name: str
    read: Callable[..., list[Document]]  # (path, *, trim, labels, report, **options of the format)
    write: Callable[..., None]  # (docs, path, **options of the format)
    suffixes: tuple[str, ...] = ()
    holds: Callable[[str], frozenset[str]] = lambda style: PARTS  # (writer style) -> which PARTS a file holds
    styles: tuple[str, ...] = ()  # the writer's styles; a loss warning names the one used


REGISTRY: dict[str, Format] = {
    f.name: f
    for f in (
        # .jsonl is doccano's ending too: guess_format looks inside (jsonl_flavour)
        Format("jsonl", read_annotation_jsonl, write_annotation_jsonl, (".jsonl",)),
        Format(
            "conll",
            read_conll,
            lambda docs, path, **_: write_conll(docs, path),
            (".conll", ".bio", ".iob", ".iob2"),
            holds=lambda style: frozenset(),
        ),
        Format("label-studio", read_label_studio, write_label_studio, (".json",)),
        Format("doccano", read_doccano, write_doccano, holds=doccano_holds, styles=("relations", "labels")),
    )
}
FORMATS: tuple[str, ...] = tuple(REGISTRY)
_BY_SUFFIX = {suffix: f.name for f in REGISTRY.values() for suffix in f.suffixes}


def _format(fmt: str) -> Format:
    if fmt not in REGISTRY:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    return REGISTRY[fmt]


def guess_format(path: str | os.PathLike, reading: bool) -> str | None:
    """The format a file name implies (None when it does not say).

    ``.conll``/``.bio``/``.iob`` are CoNLL and ``.json`` is Label Studio. ``.jsonl`` is the annotation
    format, except that an input whose records look like doccano is read as doccano: the first record whose
    keys tell decides (see :func:`~indonews.data.formats.jsonl.jsonl_flavour`); records without entities or
    relations fit both.
    """
    path = Path(path)
    fmt = _BY_SUFFIX.get(path.suffix.lower())
    if fmt == "jsonl" and reading and path.is_file():
        return jsonl_flavour(path)
    return fmt


def read_documents(
    path: str | os.PathLike,
    fmt: str,
    *,
    trim: bool = False,
    labels: LabelMap | None = None,
    report: ImportReport | None = None,
    **options: Any,
) -> list[Document]:
    """Read any supported format; ``options`` go to the format's reader (``sentence_sep``, ``text_key``).

    ``labels`` maps and drops the labels of the annotators' formats and ``report`` collects what the import
    dropped or changed; the annotation format (jsonl) is read as it is, strictly.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no such file")
    read = _format(fmt).read
    try:
        return read(path, trim=trim, labels=labels, report=report, **options)
    except UnicodeDecodeError as exc:  # the JSON Lines readers; the others say it themselves, with the same words
        raise CorpusError(str(path), "<file>", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def write_documents(docs: Sequence[Document], path: str | os.PathLike, fmt: str, **options: Any) -> None:
    """Write any supported format atomically; ``options`` go to the format's writer (``style``, ``from_name``...)."""
    _format(fmt).write(docs, path, **options)


def losses(docs: Sequence[Document], fmt: str, doccano_style: str = "relations") -> list[str]:
    """What writing ``docs`` as ``fmt`` drops, one warning per kind of loss (empty when nothing is lost).

    ``doccano_style`` is the style of a format that has styles (doccano's: ``relations`` or ``labels``).
    """
    spec = _format(fmt)
    style = doccano_style if spec.styles else ""
    holds = spec.holds(style)
    n_rel = sum(len(d.relations) for d in docs)
    n_score = sum(e.score is not None for d in docs for e in d.entities)
    n_rscore = sum(r.score is not None for d in docs for r in d.relations)
    n_meta = sum(bool(d.meta) for d in docs)
    out = []
    if "relations" not in holds and n_rel:
        out.append(f"dropped {n_rel} relations: {f'{fmt} {style}'.strip()} cannot carry them")
    if "entity scores" not in holds and n_score:
        out.append(f"dropped {n_score} entity scores")
    if "relations" in holds and "relation scores" not in holds and n_rscore:
        out.append(f"dropped {n_rscore} relation scores")
    if "meta" not in holds and n_meta:
        out.append(f"dropped the meta of {n_meta} documents")
    return out


__all__ = [
    "FORMATS",
    "LS_ANNOTATION_CHOICES",
    "REGISTRY",
    "Format",
    "ImportReport",
    "LabelMap",
    "check_annotation_choice",
    "conll_sentences",
    "doccano_record_to_document",
    "from_conll",
    "from_doccano",
    "from_label_studio",
    "guess_format",
    "label_studio_task_to_document",
    "load_label_map",
    "losses",
    "read_conll",
    "read_doccano",
    "read_documents",
    "read_label_studio",
    "to_conll",
    "to_doccano",
    "to_label_studio",
    "write_conll",
    "write_doccano",
    "write_documents",
    "write_label_studio",
]
