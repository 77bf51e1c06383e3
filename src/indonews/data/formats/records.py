"""What every importer shares: reading the file, and turning the plain dicts it built into validated documents.

An importer builds dicts in the annotation format's shape and hands them to :func:`finish_document`, which
drops and trims spans as asked, then validates them as the corpus is; an error names the input's own field
(``annotations[0].result[3].value.text``), not the annotation format's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from indonews.data.formats.report import ImportReport
from indonews.schema import CorpusError, Document, bad_edge, document_from_dict, trim_span


def read_text(path: str | os.PathLike) -> str:
    # utf-8-sig: Windows tools (Notepad, Excel's CSV/TSV export) start files with a byte-order mark, which
    # would otherwise become part of the first token or make the first line unreadable JSON
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(str(path), "<file>", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


_FIELD = re.compile(r"^(entities|relations)\[(\d+)\]\.?")


def finish_document(
    obj: dict[str, Any], where: str, trim: bool, report: ImportReport, fields: Mapping[str, str] | None = None
) -> Document:
    """Remove dropped spans, trim spans if asked, put MEET heads first (the guideline's order), then validate
    as the corpus is.

    An entity whose ``label`` is None was dropped by the label map (the reader counted it); relations on it
    go too, counted. An entity or relation dict may carry ``_src``, the field it came from in the input format
    (``annotations[0].result[3]``); errors name that field, with its sub-fields spelled as ``fields`` says,
    instead of the annotation format's.
    """
    _drop_and_trim(obj, where, trim, report)
    src = {key: [x.pop("_src", None) for x in obj[key]] for key in ("entities", "relations")}
    for e in obj["entities"]:
        e.pop("_at", None)
    starts = {e.get("id"): e.get("start") for e in obj["entities"]}
    for r in obj["relations"]:
        h, t = r.get("head"), r.get("tail")
        if r.get("label") == "MEET" and isinstance(starts.get(h), int) and isinstance(starts.get(t), int):
            if starts[h] > starts[t]:
                r["head"], r["tail"] = t, h
    try:
        _check_by_source(obj, src, where)
        return document_from_dict(obj, where)
    except CorpusError as exc:
        m = _FIELD.match(exc.field)
        origin = src[m.group(1)][int(m.group(2))] if m else None
        if origin is None:
            raise
        rest = exc.field[m.end() :]
        spelled = (fields or {}).get(f"{m.group(1)}.{rest}")
        if spelled is not None:
            raise CorpusError(where, origin + spelled, exc.problem) from None
        raise CorpusError(where, origin, f"{rest}: {exc.problem}" if rest else exc.problem) from None


def _drop_and_trim(obj: dict[str, Any], where: str, trim: bool, report: ImportReport) -> None:
    """Remove dropped entities, shrink (or drop) spans with bad edges if ``trim``, and the relations on
    removed entities; every change goes to ``report``, located by the entity's ``_at`` (a CoNLL line) or
    ``_src``."""
    text = obj["text"]
    gone = {e.get("id") for e in obj["entities"] if e.get("label") is None}
    obj["entities"] = [e for e in obj["entities"] if e.get("label") is not None]
    if trim and isinstance(text, str):
        kept = []
        for e in obj["entities"]:
            s, t = e.get("start"), e.get("end")
            if isinstance(s, int) and isinstance(t, int) and 0 <= s < t <= len(text) and bad_edge(text[s:t]):
                old = text[s:t]
                s, t = trim_span(text, s, t)
                at = e.get("_at") or (f"{where}: {e['_src']}" if e.get("_src") else where)
                report.trims.append((at, str(obj["id"]), old, text[s:t] if s < t else None))
                if s == t:
                    gone.add(e.get("id"))  # nothing but punctuation: the span goes, and relations on it
                    continue
                e = {**e, "start": s, "end": t}
                e.pop("text", None)
            kept.append(e)
        obj["entities"] = kept
    if gone:
        rels = [r for r in obj["relations"] if r.get("head") not in gone and r.get("tail") not in gone]
        report.orphans += len(obj["relations"]) - len(rels)
        obj["relations"] = rels


def _check_by_source(obj: dict[str, Any], src: dict[str, list[str | None]], where: str) -> None:
    """The two corpus rules whose messages would name our entity ids (overlapping spans, a repeated
    relation), checked first so that the error names the input's fields instead."""
    text = obj["text"]
    spans = sorted(
        (e["start"], e["end"], f)
        for e, f in zip(obj["entities"], src["entities"])
        if f and isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
    )
    for (s1, e1, f1), (s2, e2, f2) in zip(spans, spans[1:]):
        if s2 < e1:
            raise CorpusError(where, f2, f"span {text[s2:e2]!r} overlaps {text[s1:e1]!r} of {f1}")
    seen: dict[tuple, str] = {}
    for r, f in zip(obj["relations"], src["relations"]):
        ends = (r.get("head"), r.get("tail"))
        key = (r.get("label"), *(sorted(ends, key=str) if r.get("label") == "MEET" else ends))
        if f and key in seen:
            raise CorpusError(where, f, f"repeats the {r.get('label')} relation of {seen[key]}")
        seen.setdefault(key, f)


def unique_documents(docs: Iterable[tuple[str, Document]]) -> list[Document]:
    out: list[Document] = []
    first: dict[str, str] = {}
    for where, doc in docs:
        if doc.id in first:
            raise CorpusError(where, "id", f"duplicate document id {doc.id!r} (first at {first[doc.id]})")
        first[doc.id] = where
        out.append(doc)
    return out


def record_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value):
        return str(value)
    return None


def int_field(value: Any, where: str, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise CorpusError(where, field, f"must be an integer, got {value!r}")
    return value
