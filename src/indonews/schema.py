"""Documents, entities and relations as docs/ANNOTATION.md defines them, plus IOB2 helpers.

Labels live here and nowhere else: the model carries them as ``config.id2label``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from indonews.files import json_problem
from indonews.outputs import atomic_file

ENTITY_LABELS: tuple[str, ...] = ("LEADER", "VENUE", "DATE")
RELATION_TYPES: dict[str, tuple[str, str]] = {
    "MEET": ("LEADER", "LEADER"),
    "AT": ("LEADER", "VENUE"),
    "ON": ("LEADER", "DATE"),
}
RELATION_LABELS: tuple[str, ...] = tuple(RELATION_TYPES)
IOB2_LABELS: tuple[str, ...] = ("O",) + tuple(f"{p}-{lab}" for lab in ENTITY_LABELS for p in ("B", "I"))
LABEL2ID: dict[str, int] = {lab: i for i, lab in enumerate(IOB2_LABELS)}
ID2LABEL: dict[int, str] = dict(enumerate(IOB2_LABELS))
Span = tuple[int, int, str]  # (start, end, label): a mention as character offsets

# Characters a span may not begin or end with (guideline: no edge white space or stray punctuation).
EDGE_CHARS = " \t\n\r.,;:!?\"'“”‘’()[]{}-–—/"


@dataclass
class Entity:
    id: str
    start: int
    end: int
    label: str
    text: str = ""
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["score"] is None:
            del d["score"]
        return d


@dataclass
class Relation:
    head: str
    tail: str
    label: str
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["score"] is None:
            del d["score"]
        return d


@dataclass
class Document:
    id: str
    text: str
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    # Predicted meeting records (indonews.relations.meetings.Meeting); not part of the annotation format,
    # which ignores the field on reading. None: not computed.
    meetings: list | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "entities": [e.to_dict() for e in self.entities],
            "relations": [r.to_dict() for r in self.relations],
        }
        if self.meetings is not None:
            d["meetings"] = [m.to_dict() if hasattr(m, "to_dict") else m for m in self.meetings]
        if self.meta:
            d["meta"] = self.meta
        return d

    def entity(self, eid: str) -> Entity:
        for e in self.entities:
            if e.id == eid:
                return e
        raise KeyError(eid)


class CorpusError(ValueError):
    """A document that breaks the format; the message names file, line, field and problem."""

    def __init__(self, where: str, field_name: str, problem: str):
        self.where, self.field, self.problem = where, field_name, problem
        super().__init__(f"{where}: field '{field_name}': {problem}")


def bad_edge(surface: str) -> bool:
    """True when a span begins or ends with white space or punctuation that is not part of a name.

    A closing parenthesis is part of ``Senin (12/5)``; a final dot is part of an initial (``H.``, ``S.H.``) but
    not of an acronym that ends a sentence (``pukul 13.00 WIT.``).

    >>> [bad_edge(s) for s in ("Mohammad H.", "S.H.", "pukul 13.00 WIT.", "Senin (12/5)", "Jakarta,")]
    [False, False, True, False, True]
    """
    if not surface:
        return True
    if surface[0] in EDGE_CHARS or surface[0].isspace():
        return True
    if surface[-1].isspace():  # any Unicode white space (no-break, em space, ...), not only ASCII
        return True
    if surface[-1] in EDGE_CHARS:
        if surface[-1] == ")" and "(" in surface:
            return False
        if surface[-1] == "." and len(surface) > 1 and surface[-2].isupper():
            return len(surface) > 2 and surface[-3].isalpha()  # "WIT." is an acronym, "H." an initial
        return True
    return False


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``text[start:end]`` until :func:`bad_edge` accepts it (an empty span if nothing is left).

    >>> trim_span("di (Bali),", 3, 10)
    (4, 8)
    >>> trim_span("pada Jumat (", 5, 12)
    (5, 10)
    >>> trim_span("Senin (12/5).", 0, 13)
    (0, 12)
    >>> trim_span("pukul 02.00 WITA.", 0, 17)
    (0, 16)
    """
    while start < end and (text[start] in EDGE_CHARS or text[start].isspace()):
        start += 1
    while end > start and (bad_edge(text[start:end]) or text[end - 1].isspace()):
        end -= 1
    return start, end


# -- IOB2 tags over words ----------------------------------------------------------------------------


def tags_to_spans(tags: Sequence[str], word_offsets: Sequence[tuple[int, int]]) -> list[Span]:
    """Turn word-level IOB2 tags into character spans. A stray ``I-X`` opens a new span (lenient).

    >>> tags_to_spans(["B-LEADER", "I-LEADER", "O", "I-DATE"], [(0, 4), (5, 9), (10, 12), (13, 18)])
    [(0, 9, 'LEADER'), (13, 18, 'DATE')]
    """
    spans: list[Span] = []
    cur: list | None = None
    for tag, (s, e) in zip(tags, word_offsets):
        kind, _, lab = tag.partition("-")
        if kind == "B" or (kind == "I" and (cur is None or cur[2] != lab)):
            if cur:
                spans.append(tuple(cur))
            cur = [s, e, lab]
        elif kind == "I":
            cur[1] = e
        else:
            if cur:
                spans.append(tuple(cur))
            cur = None
    if cur:
        spans.append(tuple(cur))
    return spans


def spans_to_tags(spans: Sequence[Span], word_offsets: Sequence[tuple[int, int]]) -> list[str]:
    """IOB2 tags over given words for character spans (a word overlapping a span belongs to it).

    >>> spans_to_tags([(0, 9, "LEADER")], [(0, 4), (5, 9), (10, 12)])
    ['B-LEADER', 'I-LEADER', 'O']
    """
    tags = []
    ordered = sorted(spans)
    j = 0
    prev_span = None
    for s, e in word_offsets:
        while j < len(ordered) and ordered[j][1] <= s:
            j += 1
        if j < len(ordered) and ordered[j][0] < e:
            tag = "I" if prev_span == j else "B"
            tags.append(f"{tag}-{ordered[j][2]}")
            prev_span = j
        else:
            tags.append("O")
            prev_span = None
    return tags


def _score(value: Any, where: str, field_name: str) -> float | None:
    """An optional score as a float; a non-number counts as absent, an integer too big for a float is an error."""
    if not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:  # JSON integers are unbounded: "score": 1e400 written as digits
        raise CorpusError(where, field_name, f"number {str(value)[:20]}... does not fit a float") from None


def document_from_dict(obj: Any, where: str = "<document>") -> Document:
    """Build a :class:`Document` from parsed JSON, checking every rule of the file format."""
    if not isinstance(obj, dict):
        raise CorpusError(where, "<line>", "expected a JSON object")
    text = obj.get("text")
    if not isinstance(text, str):
        raise CorpusError(where, "text", "missing or not a string")
    doc_id = obj.get("id")
    if not isinstance(doc_id, str) or not doc_id:
        raise CorpusError(where, "id", "missing or not a non-empty string")
    raw_ents = obj.get("entities", [])
    raw_rels = obj.get("relations", [])
    if not isinstance(raw_ents, list):
        raise CorpusError(where, "entities", "must be a list")
    if not isinstance(raw_rels, list):
        raise CorpusError(where, "relations", "must be a list")
    meta = obj.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise CorpusError(where, "meta", "must be an object")

    entities: list[Entity] = []
    seen: dict[str, Entity] = {}
    for i, e in enumerate(raw_ents):
        f = f"entities[{i}]"
        if not isinstance(e, dict):
            raise CorpusError(where, f, "expected an object")
        eid, start, end, label = e.get("id"), e.get("start"), e.get("end"), e.get("label")
        if not isinstance(eid, str) or not eid:
            raise CorpusError(where, f"{f}.id", "missing or not a non-empty string")
        if eid in seen:
            raise CorpusError(where, f"{f}.id", f"duplicate entity id {eid!r}")
        if label not in ENTITY_LABELS:
            raise CorpusError(
                where, f"{f}.label", f"unknown label {label!r} (expected one of {', '.join(ENTITY_LABELS)})"
            )
        for name, v in (("start", start), ("end", end)):
            if not isinstance(v, int) or isinstance(v, bool):
                raise CorpusError(where, f"{f}.{name}", f"must be an integer, got {v!r}")
        if not 0 <= start < end <= len(text):
            raise CorpusError(where, f"{f}.start/end", f"offsets {start}..{end} outside text of length {len(text)}")
        surface = text[start:end]
        if "text" in e and e["text"] != surface:
            raise CorpusError(where, f"{f}.text", f"{e['text']!r} differs from text[{start}:{end}] = {surface!r}")
        if bad_edge(surface):
            raise CorpusError(where, f, f"span {surface!r} starts or ends with white space or punctuation")
        ent = Entity(eid, start, end, label, surface, _score(e.get("score"), where, f"{f}.score"))
        seen[eid] = ent
        entities.append(ent)

    ordered = sorted(entities, key=lambda x: (x.start, x.end))
    for a, b in zip(ordered, ordered[1:]):
        if b.start < a.end:
            raise CorpusError(where, "entities", f"{a.id} {a.text!r} and {b.id} {b.text!r} overlap")

    relations: list[Relation] = []
    pairs: set[tuple[str, str, str]] = set()
    for i, r in enumerate(raw_rels):
        f = f"relations[{i}]"
        if not isinstance(r, dict):
            raise CorpusError(where, f, "expected an object")
        head, tail, label = r.get("head"), r.get("tail"), r.get("label")
        if not isinstance(label, str) or label not in RELATION_TYPES:
            raise CorpusError(
                where, f"{f}.label", f"unknown relation {label!r} (expected one of {', '.join(RELATION_LABELS)})"
            )
        for name, v in (("head", head), ("tail", tail)):
            if not isinstance(v, str) or v not in seen:
                raise CorpusError(where, f"{f}.{name}", f"points to missing entity id {v!r}")
        want = RELATION_TYPES[label]
        got = (seen[head].label, seen[tail].label)
        if label == "MEET" and head == tail:
            raise CorpusError(where, f, "MEET joins a mention to itself")
        if got != want:
            raise CorpusError(where, f, f"{label} joins {want[0]} to {want[1]}, got {got[0]} to {got[1]}")
        key = (label, *sorted((head, tail))) if label == "MEET" else (label, head, tail)
        if key in pairs:
            raise CorpusError(where, f, f"duplicate relation {label}({head}, {tail})")
        pairs.add(key)
        relations.append(Relation(head, tail, label, _score(r.get("score"), where, f"{f}.score")))
    return Document(doc_id, text, entities, relations, meta)


# A JSON escape of a UTF-16 surrogate; a pair decodes to one character, a lone one to a string that
# cannot be written as UTF-8 (and that the tokenizer refuses).
_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _check_unicode(obj: Any, where: str) -> None:
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        raise CorpusError(
            where, "<line>", f"lone surrogate {bad.encode('unicode_escape').decode()!s}: not valid Unicode text"
        ) from None


def _parse_json_line(line: str, where: str) -> Any:
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise CorpusError(where, "<line>", f"invalid JSON: {json_problem(exc)}") from None
    if "\\u" in line and _LONE_SURROGATE.search(line):
        _check_unicode(obj, where)
    return obj


def iter_json_lines(path: str | os.PathLike, errors: list[CorpusError] | None = None) -> Iterator[tuple[int, str, Any]]:
    """``(line number, "file:line", parsed JSON)`` for each non-blank line.

    Broken JSON raises CorpusError; given a list ``errors``, the error is appended to it instead and the
    reading goes on with the next line.
    """
    path = str(path)
    with open(path, encoding="utf-8-sig") as fh:  # a leading byte-order mark is not part of the first record
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                obj = _parse_json_line(line, where)
            except CorpusError as exc:
                if errors is None:
                    raise
                errors.append(exc)
                continue
            yield n, where, obj


def iter_jsonl(path: str | os.PathLike, errors: list[CorpusError] | None = None) -> Iterator[Document]:
    """Stream validated documents from a JSON Lines file; the first bad line raises CorpusError.

    Given a list ``errors``, every bad line (broken JSON, a broken rule of the format, a repeated id) is
    appended to it instead and left out, so one pass finds them all (``scripts/validate.py``).
    """
    ids: dict[str, int] = {}
    for n, where, obj in iter_json_lines(path, errors):
        try:
            doc = document_from_dict(obj, where)
            if doc.id in ids:
                raise CorpusError(where, "id", f"duplicate document id {doc.id!r} (first on line {ids[doc.id]})")
        except CorpusError as exc:
            if errors is None:
                raise
            errors.append(exc)
            continue
        ids[doc.id] = n
        yield doc


def read_jsonl(path: str | os.PathLike) -> list[Document]:
    return list(iter_jsonl(path))


def write_jsonl(docs: Iterable[Document | dict], path: str | os.PathLike) -> int:
    """Write documents atomically (:func:`indonews.outputs.atomic_file`): the file appears whole at the end."""
    n = 0
    with atomic_file(path) as fh:
        for d in docs:
            obj = d.to_dict() if isinstance(d, Document) else d
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
            n += 1
    return n
