"""doccano JSONL records: the relation-extraction project's ``entities`` and ``relations``, or the
sequence-labelling project's ``label`` triples (no relations). doccano has no scores.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from indonews.data.formats.labels import LabelMap
from indonews.data.formats.records import finish_document, int_field, record_id, unique_documents
from indonews.data.formats.report import ImportReport
from indonews.outputs import write_text
from indonews.schema import CorpusError, Document, iter_json_lines

# How the annotation format's fields are spelled in doccano's records, so that errors name them (as in Label Studio).
_DOCCANO_FIELDS = {
    "entities.start": ".start_offset",
    "entities.end": ".end_offset",
    "entities.start/end": "",
    "relations.head": ".from_id",
    "relations.tail": ".to_id",
}
_DOCCANO_TRIPLE_FIELDS = {"entities.start": "[0]", "entities.end": "[1]", "entities.start/end": ""}


def to_doccano(docs: Iterable[Document], style: str = "relations") -> list[dict[str, Any]]:
    """doccano JSONL records.

    ``style="relations"`` (the relation-extraction project): ``entities`` with integer ids, ``start_offset``,
    ``end_offset``, ``label`` and ``relations`` with ``from_id``, ``to_id``, ``type``. ``style="labels"``
    (the sequence-labelling project): ``label`` as ``[start, end, LABEL]`` triples, relations dropped.
    The document id and ``meta`` ride along as extra columns, which doccano keeps as metadata.
    """
    if style not in ("relations", "labels"):
        raise ValueError(f"style must be 'relations' or 'labels', got {style!r}")
    out = []
    for doc in docs:
        rec: dict[str, Any] = {"id": doc.id, "text": doc.text}
        if style == "labels":
            rec["label"] = [[e.start, e.end, e.label] for e in doc.entities]
        else:
            num = {e.id: i for i, e in enumerate(doc.entities, 1)}
            rec["entities"] = [
                {"id": num[e.id], "label": e.label, "start_offset": e.start, "end_offset": e.end} for e in doc.entities
            ]
            rec["relations"] = [
                {"id": i, "from_id": num[r.head], "to_id": num[r.tail], "type": r.label}
                for i, r in enumerate(doc.relations, 1)
            ]
        if doc.meta:
            rec["meta"] = doc.meta
        out.append(rec)
    return out


def _doccano_entity_id(value: Any) -> Any:
    # doccano numbers its entities; the annotation format's ids are strings, "T1" style
    if isinstance(value, int) and not isinstance(value, bool):
        return f"T{value}"
    return value


def doccano_record_to_document(
    obj: Any,
    where: str,
    default_id: str,
    trim: bool = False,
    *,
    labels: LabelMap | None = None,
    report: ImportReport | None = None,
) -> Document:
    """One doccano record (either project type) as a document."""
    labels = labels or LabelMap()
    report = report if report is not None else ImportReport()
    if not isinstance(obj, dict):
        raise CorpusError(where, "<line>", "expected a JSON object")
    text = obj.get("text", obj.get("data"))
    if not isinstance(text, str):
        raise CorpusError(where, "text", "missing or not a string")
    if "entities" in obj:
        entities = _doccano_entities(obj["entities"], where, labels, report)
        relations = _doccano_relations(obj.get("relations", []), entities, where, labels, report)
        fields = _DOCCANO_FIELDS
    else:
        entities, relations = _doccano_triples(obj, where, labels, report), []
        fields = _DOCCANO_TRIPLE_FIELDS
    known = {"id", "text", "data", "label", "labels", "entities", "relations", "meta"}
    meta = dict(obj["meta"]) if isinstance(obj.get("meta"), dict) else {}
    meta.update({k: v for k, v in obj.items() if k not in known})
    doc_id = record_id(obj.get("id")) or default_id
    obj2 = {"id": doc_id, "text": text, "entities": entities, "relations": relations, "meta": meta}
    return finish_document(obj2, where, trim, report, fields)


def _doccano_label(raw: Any, where: str, field: str, labels: LabelMap, report: ImportReport) -> str | None:
    label = labels.entity(raw, where, field)
    if label is None:
        report.dropped_spans[raw] += 1
    return label


def _doccano_triples(obj: dict[str, Any], where: str, labels: LabelMap, report: ImportReport) -> list[dict]:
    """The sequence-labelling project's ``label: [[start, end, LABEL], ...]``."""
    key = "label" if "label" in obj else "labels"
    raw = obj.get(key, [])
    if not isinstance(raw, list):
        raise CorpusError(where, key, "must be a list of [start, end, LABEL]")
    entities = []
    for i, triple in enumerate(raw):
        f = f"{key}[{i}]"
        if not isinstance(triple, list) or len(triple) != 3:
            raise CorpusError(where, f, f"expected [start, end, LABEL], got {triple!r}")
        entities.append(
            {
                "id": f"T{i + 1}",
                "start": int_field(triple[0], where, f"{f}[0]"),
                "end": int_field(triple[1], where, f"{f}[1]"),
                "label": _doccano_label(triple[2], where, f"{f}[2]", labels, report),
                "_src": f,
            }
        )
    return entities


def _doccano_entities(raw: Any, where: str, labels: LabelMap, report: ImportReport) -> list[dict]:
    """The relation-extraction project's ``entities``."""
    if not isinstance(raw, list):
        raise CorpusError(where, "entities", "must be a list")
    entities = []
    first: dict[Any, str] = {}
    for i, e in enumerate(raw):
        f = f"entities[{i}]"
        if not isinstance(e, dict):
            raise CorpusError(where, f, "expected an object")
        eid = _doccano_entity_id(e.get("id", i + 1))
        if eid in first:
            raise CorpusError(where, f"{f}.id", f"duplicate entity id {e.get('id')!r} (also {first[eid]})")
        first[eid] = f
        entities.append(
            {
                "id": eid,
                "start": int_field(e.get("start_offset"), where, f"{f}.start_offset"),
                "end": int_field(e.get("end_offset"), where, f"{f}.end_offset"),
                "label": _doccano_label(e.get("label"), where, f"{f}.label", labels, report),
                "_src": f,
            }
        )
    return entities


def _doccano_relations(
    raw: Any, entities: list[dict], where: str, labels: LabelMap, report: ImportReport
) -> list[dict]:
    if not isinstance(raw, list):
        raise CorpusError(where, "relations", "must be a list")
    ids = {e["id"] for e in entities}
    relations = []
    for i, r in enumerate(raw):
        f = f"relations[{i}]"
        if not isinstance(r, dict):
            raise CorpusError(where, f, "expected an object")
        label = labels.relation(r.get("type"), where, f"{f}.type")
        if label is None:
            report.dropped_relations[r.get("type")] += 1
            continue
        for key in ("from_id", "to_id"):
            if _doccano_entity_id(r.get(key)) not in ids:
                raise CorpusError(where, f"{f}.{key}", f"no entity with id {r.get(key)!r} in this record")
        head, tail = _doccano_entity_id(r.get("from_id")), _doccano_entity_id(r.get("to_id"))
        relations.append({"head": head, "tail": tail, "label": label, "_src": f})
    return relations


def from_doccano(records: Iterable[Any], where: str = "<doccano>", trim: bool = False, **kwargs: Any) -> list[Document]:
    """Documents from parsed doccano records (one per line of a doccano JSONL export); ``kwargs`` go to
    :func:`doccano_record_to_document` (``labels``, ``report``)."""
    return unique_documents(
        (f"{where}:{n}", doccano_record_to_document(obj, f"{where}:{n}", f"line-{n}", trim, **kwargs))
        for n, obj in enumerate(records, 1)
    )


def read_doccano(path: str | os.PathLike, trim: bool = False, **kwargs: Any) -> list[Document]:
    return unique_documents(
        (where, doccano_record_to_document(obj, where, f"line-{n}", trim, **kwargs))
        for n, where, obj in iter_json_lines(path)
    )


def write_doccano(docs: Iterable[Document], path: str | os.PathLike, style: str = "relations") -> None:
    recs = to_doccano(docs, style)
    write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))


def doccano_holds(style: str) -> frozenset[str]:
    """What a doccano file of ``style`` holds of the parts a format may lose: relations (not in labels style) and
    meta, never scores."""
    return frozenset({"relations", "meta"} if style == "relations" else {"meta"})
