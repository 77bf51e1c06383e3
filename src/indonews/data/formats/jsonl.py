"""The annotation format itself (docs/ANNOTATION.md), read strictly as the corpus is, and told apart from
doccano's JSONL, which shares its file name ending.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from indonews.schema import CorpusError, Document, iter_json_lines, read_jsonl, write_jsonl


def read_annotation_jsonl(path: str | os.PathLike, **_options: Any) -> list[Document]:
    """:func:`indonews.schema.read_jsonl`: the annotation format takes no options (``trim``, label maps)."""
    return read_jsonl(path)


def write_annotation_jsonl(docs: Iterable[Document], path: str | os.PathLike, **_options: Any) -> None:
    write_jsonl(docs, path)


def jsonl_flavour(path: str | os.PathLike) -> str:
    """'doccano' when the first record whose keys tell (see :func:`_jsonl_flavour`) looks like doccano's, else
    'jsonl'; records without entities or relations fit both."""
    for obj in _json_records(Path(path)):
        flavour = _jsonl_flavour(obj)
        if flavour:
            return flavour
    return "jsonl"


def _json_records(path: Path) -> Iterator[Any]:
    try:
        for _, _, obj in iter_json_lines(path):
            yield obj
    except (CorpusError, UnicodeDecodeError):
        return  # the real reader reports it with the right name


def _jsonl_flavour(obj: Any) -> str | None:
    """'doccano' or 'jsonl' when a record's keys tell, None when it would read the same either way.

    doccano's exports have ``label`` triples, or ``entities`` with ``start_offset`` and ``relations`` with
    ``from_id``, numeric ids and a ``Comments`` column; the annotation format has ``start`` and ``head`` and
    string ids. An unannotated record (``entities: []``) decides nothing, so the next record is asked.

    >>> _jsonl_flavour({"id": 1, "text": "a", "entities": [], "relations": []})
    'doccano'
    >>> _jsonl_flavour({"id": "d1", "text": "a", "entities": [], "relations": []}) is None
    True
    """
    if not isinstance(obj, dict):
        return None
    if "label" in obj or "labels" in obj or "Comments" in obj:
        return "doccano"
    items = [x for key in ("entities", "relations") if isinstance(obj.get(key), list) for x in obj[key]]
    keys = {k for x in items if isinstance(x, dict) for k in x}
    if keys & {"start_offset", "end_offset", "from_id", "to_id"}:
        return "doccano"
    if keys & {"start", "end", "head", "tail"}:
        return "jsonl"
    doc_id = obj.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        return "doccano"  # doccano numbers its records; the annotation format's ids are strings
    return None
