"""Label Studio tasks: ``labels`` regions on a ``<Text>`` control and ``relation`` items, as annotations or as
predictions with scores; on import, which of several annotations to read (:data:`LS_ANNOTATION_CHOICES`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from indonews.data.formats.labels import LabelMap
from indonews.data.formats.records import finish_document, int_field, read_text, record_id, unique_documents
from indonews.data.formats.report import ImportReport
from indonews.files import json_problem
from indonews.outputs import write_text
from indonews.schema import CorpusError, Document

# How the annotation format's fields are spelled in Label Studio (added to the ``_src`` of the entity or
# relation), so that errors name the user's own field: ``annotations[0].result[3].value.text``.
_LS_FIELDS = {
    "entities.text": ".value.text",
    "entities.start": ".value.start",
    "entities.end": ".value.end",
    "entities.start/end": ".value",
    "entities.score": ".score",
    "relations.head": ".from_id",
    "relations.tail": ".to_id",
}


def to_label_studio(
    docs: Iterable[Document],
    from_name: str = "label",
    to_name: str = "text",
    as_predictions: bool | None = None,
    model_version: str = "indonews",
) -> list[dict[str, Any]]:
    """Label Studio tasks: ``data`` holds ``text``, ``id`` and ``meta``; entities are ``labels`` regions and
    relations ``relation`` items.

    The result goes under ``predictions`` when ``as_predictions`` is true, under ``annotations`` otherwise;
    None means "predictions if any entity or relation has a score". A prediction carries each region's and
    each relation's ``score`` on its result item, and the mean of them all as the prediction's ``score``.
    Label Studio shows a region's score and sorts tasks by the prediction's; its editor has no score for
    a relation and leaves the item's ``score`` unread, but keeps it in the task (and in exports, where
    :func:`from_label_studio` reads it back), so a relation's confidence reaches the task's score only.
    ``from_name``/``to_name`` must match the names in the project's labelling config.
    """
    docs = list(docs)
    if as_predictions is None:
        as_predictions = any(x.score is not None for d in docs for x in (*d.entities, *d.relations))
    tasks = []
    for doc in docs:
        result: list[dict[str, Any]] = []
        for e in doc.entities:
            item: dict[str, Any] = {
                "id": e.id,
                "from_name": from_name,
                "to_name": to_name,
                "type": "labels",
                "value": {"start": e.start, "end": e.end, "text": doc.text[e.start : e.end], "labels": [e.label]},
            }
            if as_predictions and e.score is not None:
                item["score"] = e.score
            result.append(item)
        for r in doc.relations:
            rel: dict[str, Any] = {
                "from_id": r.head,
                "to_id": r.tail,
                "type": "relation",
                "direction": "right",
                "labels": [r.label],
            }
            if as_predictions and r.score is not None:
                rel["score"] = r.score
            result.append(rel)
        data: dict[str, Any] = {"text": doc.text, "id": doc.id}
        if doc.meta:
            data["meta"] = doc.meta
        task: dict[str, Any] = {"data": data}
        if as_predictions:
            scores = [x.score for x in (*doc.entities, *doc.relations) if x.score is not None]
            pred: dict[str, Any] = {"model_version": model_version, "result": result}
            if scores:
                pred["score"] = sum(scores) / len(scores)
            task["predictions"] = [pred]
        else:
            task["annotations"] = [{"result": result}]
        tasks.append(task)
    return tasks


LS_ANNOTATION_CHOICES = ("first", "last", "all-agree", "by-annotator=ID")


def check_annotation_choice(choice: str) -> str:
    """``choice`` if it is one of :data:`LS_ANNOTATION_CHOICES` (with a real ID), else ValueError."""
    kind, _, who = choice.partition("=")
    if choice in ("first", "last", "all-agree") or (kind == "by-annotator" and who.strip()):
        return choice
    raise ValueError(f"expected first, last, all-agree or by-annotator=ID, got {choice!r}")


def _ls_results(task: dict[str, Any], where: str, key: str) -> list[tuple[str, Any, list[Any]]]:
    """``(field, completed_by, result)`` of each item under ``key`` that was not cancelled."""
    items = task.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise CorpusError(where, key, "must be a list")
    out = []
    for k, a in enumerate(items):
        if not isinstance(a, dict):
            raise CorpusError(where, f"{key}[{k}]", "expected an object")
        if a.get("was_cancelled"):
            continue  # the annotator skipped the task: never an annotation
        result = a.get("result", [])
        if not isinstance(result, list):
            raise CorpusError(where, f"{key}[{k}].result", "must be a list")
        out.append((f"{key}[{k}].result", a.get("completed_by"), result))
    return out


def _by(completed_by: Any, who: str) -> bool:
    """Whether ``completed_by`` (a user id, or an object with ``id`` and ``email`` in older exports) is ``who``."""
    if isinstance(completed_by, dict):
        return who in (str(completed_by.get("id")), completed_by.get("email"))
    return str(completed_by) == who


def _choose_results(
    task: dict[str, Any], where: str, choice: str, report: ImportReport
) -> list[tuple[str, list]] | str:
    """The ``(field, result)`` pairs to read (several only for all-agree), or why the task is skipped.

    Annotations (``completions`` in old exports) that were not cancelled count; a task without any is read
    from its first prediction, if it has one, except under by-annotator.
    """
    annotations = _ls_results(task, where, "annotations") + _ls_results(task, where, "completions")
    if len(annotations) > 1:
        report.multi_annotated += 1
    if choice.startswith("by-annotator="):
        who = choice.partition("=")[2]
        mine = [(f, result) for f, by, result in annotations if _by(by, who)]
        return mine[:1] or f"no annotation by annotator {who}"
    if not annotations:
        return [(f, result) for f, _, result in _ls_results(task, where, "predictions")[:1]]
    pairs = [(f, result) for f, _, result in annotations]
    return {"first": pairs[:1], "last": pairs[-1:]}.get(choice, pairs)


def _content(doc: Document) -> tuple:
    """What annotators can agree on: spans, and relations by the spans they join (region ids differ)."""
    at = {e.id: (e.start, e.end, e.label) for e in doc.entities}
    return tuple(sorted(at.values())), tuple(sorted((r.label, at[r.head], at[r.tail]) for r in doc.relations))


def label_studio_task_to_document(
    task: Any,
    where: str,
    index: int = 0,
    text_key: str = "text",
    trim: bool = False,
    *,
    to_name: str = "text",
    annotation: str = "first",
    labels: LabelMap | None = None,
    report: ImportReport | None = None,
) -> Document | None:
    """One Label Studio task as a document, or None when ``annotation`` skips it; ``where`` names the task.

    Only regions on the ``<Text>`` control named ``to_name`` count; regions on other controls are skipped
    (counted in ``report``), and so are relations on them. ``annotation`` says which annotation to read when
    there are several: ``first``, ``last``, ``all-agree`` (the task is skipped unless all give the same spans
    and relations) or ``by-annotator=ID`` (a user id or email in ``completed_by``; skipped if none).
    Cancelled annotations never count. Skipped tasks are listed in ``report``.
    """
    check_annotation_choice(annotation)
    labels = labels or LabelMap()
    report = report if report is not None else ImportReport()
    report.ls_annotation = annotation
    text, doc_id, meta = _ls_task_data(task, where, index, text_key)

    def read(field: str, result: list[Any], rep: ImportReport) -> Document:
        entities, relations = _ls_result(result, field, text, where, to_name, labels, rep)
        obj = {"id": doc_id, "text": text, "entities": entities, "relations": relations, "meta": dict(meta)}
        return finish_document(obj, where, trim, rep, _LS_FIELDS)

    chosen = _choose_results(task, where, annotation, report)
    if isinstance(chosen, str):
        report.skipped_tasks.append((where, chosen))
        return None
    if not chosen:
        return read("result", [], report)
    if len(chosen) > 1:  # all-agree: compare quietly, then count the kept one's changes once
        if len({_content(read(f, result, ImportReport())) for f, result in chosen}) > 1:
            fields = ", ".join(f.removesuffix(".result") for f, _ in chosen)
            report.skipped_tasks.append((where, f"its annotations differ ({fields})"))
            return None
    return read(*chosen[0], report)


def _ls_task_data(task: Any, where: str, index: int, text_key: str) -> tuple[str, str, dict[str, Any]]:
    """The text, document id and meta of a task."""
    if not isinstance(task, dict):
        raise CorpusError(where, "<task>", "expected an object")
    data = task.get("data")
    if not isinstance(data, dict):
        raise CorpusError(where, "data", "missing or not an object")
    text = data.get(text_key)
    if not isinstance(text, str):
        raise CorpusError(where, f"data.{text_key}", "missing or not a string")
    doc_id = record_id(data.get("id")) or record_id(task.get("id")) or f"task-{index}"
    meta = dict(data["meta"]) if isinstance(data.get("meta"), dict) else {}
    meta.update({k: v for k, v in data.items() if k not in (text_key, "id", "meta")})
    return text, doc_id, meta


def _ls_result(
    result: list[Any], field: str, text: str, where: str, to_name: str, labels: LabelMap, report: ImportReport
) -> tuple[list[dict], list[dict]]:
    """Entities and relations from one annotation's ``result``.

    Results that share a region id are one span labelled by several controls (``<Labels name="label">`` and
    ``<Labels name="role">`` on the same text): they are merged, and must agree on the label after mapping.
    """
    regions: dict[str, dict[str, Any]] = {}
    skipped: set[Any] = set()  # ids of regions on other controls
    rels: list[tuple[str, dict[str, Any]]] = []
    for j, item in enumerate(result):
        f = f"{field}[{j}]"
        if not isinstance(item, dict):
            raise CorpusError(where, f, "expected an object")
        kind = item.get("type")
        if kind == "relation":
            rels.append((f, item))  # after the regions: a relation may come first in the list
        elif isinstance(kind, str) and kind.endswith("labels"):
            if item.get("to_name", to_name) != to_name:
                report.skipped_regions[kind, str(item.get("to_name"))] += 1
                skipped.add(item.get("id"))
                continue
            if kind != "labels":
                raise CorpusError(
                    where,
                    f"{f}.type",
                    f"{kind!r} regions cannot be read: their offsets are not positions in the plain text "
                    "(label the text with <Labels> on a <Text> tag)",
                )
            _ls_add_region(regions, item, f, text, where, labels)
        # other result types (choices, textarea, rating, ...) carry nothing the format keeps
    for region in regions.values():
        if region["label"] is None:
            report.dropped_spans[region.pop("_names")[0]] += 1
        region.pop("_names", None)
    entities = sorted(regions.values(), key=lambda e: (e["start"], e["end"]))
    relations = [r for f, item in rels if (r := _ls_relation(item, f, regions, skipped, where, labels, report))]
    return entities, relations


def _ls_add_region(
    regions: dict[str, dict[str, Any]], item: dict[str, Any], f: str, text: str, where: str, labels: LabelMap
) -> None:
    """Add a ``labels`` result to ``regions`` (by region id), merged with an earlier result on the same id."""
    value = item.get("value")
    if not isinstance(value, dict):
        raise CorpusError(where, f"{f}.value", "missing or not an object")
    start = int_field(value.get("start"), where, f"{f}.value.start")
    end = int_field(value.get("end"), where, f"{f}.value.end")
    names = value.get("labels")
    if not isinstance(names, list) or not names:
        raise CorpusError(where, f"{f}.value.labels", f"expected a list of labels, got {names!r}")
    ours = {labels.entity(name, where, f"{f}.value.labels[{k}]") for k, name in enumerate(names)} - {None}
    rid = record_id(item.get("id")) or f"T{len(regions) + 1}"
    region = regions.get(rid)
    if region is None:
        region = regions[rid] = {"id": rid, "start": start, "end": end, "label": None, "_names": [], "_src": f}
        surface = value.get("text")
        # Label Studio's value.text is checked against the text; a \r\n that it shows as \n is no mismatch
        if isinstance(surface, str) and surface.replace("\r\n", "\n") != text[start:end].replace("\r\n", "\n"):
            region["text"] = surface
    elif (region["start"], region["end"]) != (start, end):
        raise CorpusError(
            where,
            f"{f}.value",
            f"region {rid!r} is {start}..{end} here but {region['start']}..{region['end']} in {region['_src']}",
        )
    if region["label"] is not None:
        ours.add(region["label"])
    if len(ours) > 1:
        earlier = f"; {region['_names']!r} in {region['_src']}" if region["_names"] else ""
        conflict = " and ".join(sorted(ours))
        raise CorpusError(where, f"{f}.value.labels", f"conflicting labels {conflict} ({names!r} here{earlier})")
    region["label"] = next(iter(ours), None)
    region["_names"].extend(names)
    if isinstance(item.get("score"), (int, float)) and "score" not in region:
        region["score"] = item["score"]


def _ls_relation(
    item: dict[str, Any],
    f: str,
    regions: dict[str, dict[str, Any]],
    skipped: set[Any],
    where: str,
    labels: LabelMap,
    report: ImportReport,
) -> dict[str, Any] | None:
    """A ``relation`` result as a relation dict; None when it is left out (and counted)."""
    names = item.get("labels")
    if names is None or names == []:
        report.unlabelled_relations += 1  # Label Studio lets an annotator draw an arrow and name nothing
        return None
    if not isinstance(names, list):
        raise CorpusError(where, f"{f}.labels", f"expected a list of relation labels, got {names!r}")
    ours = {labels.relation(name, where, f"{f}.labels[{k}]") for k, name in enumerate(names)} - {None}
    if not ours:
        report.dropped_relations[names[0]] += 1
        return None
    if len(ours) > 1:
        raise CorpusError(where, f"{f}.labels", f"expected one of MEET, AT, ON, got {' and '.join(sorted(ours))}")
    ends = {}
    for key in ("from_id", "to_id"):
        rid = item.get(key)
        if rid in skipped:
            report.orphans += 1
            return None
        if record_id(rid) not in regions:
            raise CorpusError(where, f"{f}.{key}", f"no region with id {rid!r} in this annotation")
        ends[key] = record_id(rid)
    head, tail = ends["from_id"], ends["to_id"]
    if item.get("direction") == "left":
        head, tail = tail, head
    rel = {"head": head, "tail": tail, "label": ours.pop(), "_src": f}
    if isinstance(item.get("score"), (int, float)) and not isinstance(item["score"], bool):
        rel["score"] = item["score"]  # written by to_label_studio; Label Studio keeps it unread
    return rel


def from_label_studio(
    tasks: Any, where: str = "<label-studio>", text_key: str = "text", trim: bool = False, **kwargs: Any
) -> list[Document]:
    """Documents from a Label Studio JSON export (a list of tasks, or one task); ``kwargs`` go to
    :func:`label_studio_task_to_document` (``to_name``, ``labels``, ``report``)."""
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise CorpusError(where, "<file>", "expected a JSON list of tasks")
    named = [(_task_name(where, i, t), i, t) for i, t in enumerate(tasks)]
    docs = ((w, label_studio_task_to_document(t, w, i, text_key, trim, **kwargs)) for w, i, t in named)
    return unique_documents((w, d) for w, d in docs if d is not None)


def _task_name(where: str, index: int, task: Any) -> str:
    """``file: task 3 (id 1047)``: the index in the export's list, and the id Label Studio shows."""
    task_id = record_id(task.get("id")) if isinstance(task, dict) else None
    return f"{where}: task {index}" + (f" (id {task_id})" if task_id else "")


def read_label_studio(
    path: str | os.PathLike, text_key: str = "text", trim: bool = False, **kwargs: Any
) -> list[Document]:
    raw = read_text(path)
    try:
        tasks = json.loads(raw) if raw.strip() else []  # an empty file holds no tasks, like '[]'
    except (json.JSONDecodeError, RecursionError) as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else _deepest_line(raw)
        raise CorpusError(f"{path}:{line}", "<file>", f"invalid JSON: {json_problem(exc)}") from None
    return from_label_studio(tasks, str(path), text_key, trim, **kwargs)


def _deepest_line(raw: str) -> int:
    r"""The line where the nesting of ``[`` and ``{`` outside strings is deepest (the first such line).

    >>> _deepest_line('[\n [[1],\n  [[[2]]]], "[[[["]')
    3
    """
    depth = deepest = 0
    line = where = 1
    in_string = escaped = False
    for ch in raw:
        if ch == "\n":
            line += 1
        if in_string:
            escaped, in_string = (False, True) if escaped else (ch == "\\", ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest, where = depth, line
        elif ch in "]}":
            depth -= 1
    return where


def write_label_studio(docs: Iterable[Document], path: str | os.PathLike, **kwargs: Any) -> None:
    write_text(path, json.dumps(to_label_studio(docs, **kwargs), ensure_ascii=False, indent=1) + "\n")
