"""Converters between the annotation format (JSONL) and annotators' formats: CoNLL, Label Studio, doccano.

Every importer builds plain dicts and passes them through :func:`indonews.schema.document_from_dict`, so
what comes out is valid annotation format or a :class:`CorpusError` naming file, line (or task), field and
problem. Exporters are pure functions from documents to text or JSON-ready objects; the ``write_*`` helpers
write atomically (a temporary file renamed at the end), so a failed conversion leaves no half-written file.

Offsets are Python code points on both sides, as Label Studio and doccano store them.
See docs/FORMATS.md for what each format keeps and loses.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from indonews.outputs import write_text
from indonews.schema import (
    ENTITY_LABELS,
    RELATION_LABELS,
    CorpusError,
    Document,
    bad_edge,
    document_from_dict,
    iter_json_lines,
    json_problem,
    read_jsonl,
    spans_to_tags,
    tags_to_spans,
    trim_span,
    write_jsonl,
)
from indonews.text import sentence_spans, word_spans

FORMATS: tuple[str, ...] = ("jsonl", "conll", "label-studio", "doccano")
_SUFFIXES = {".conll": "conll", ".bio": "conll", ".iob": "conll", ".iob2": "conll", ".json": "label-studio"}


# ---------------------------------------------------------------------------------------------- shared


def _read_text(path: str | os.PathLike) -> str:
    # utf-8-sig: Windows tools (Notepad, Excel's CSV/TSV export) start files with a byte-order mark, which
    # would otherwise become part of the first token or make the first line unreadable JSON
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(str(path), "<file>", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


_FIELD = re.compile(r"^(entities|relations)\[(\d+)\]\.?")

# How the annotation format's fields are spelled in an input format (added to the ``_src`` of the entity or
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
_DOCCANO_FIELDS = {
    "entities.start": ".start_offset",
    "entities.end": ".end_offset",
    "entities.start/end": "",
    "relations.head": ".from_id",
    "relations.tail": ".to_id",
}
_DOCCANO_TRIPLE_FIELDS = {"entities.start": "[0]", "entities.end": "[1]", "entities.start/end": ""}


def _finish(
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


def _unique(docs: Iterable[tuple[str, Document]]) -> list[Document]:
    out: list[Document] = []
    first: dict[str, str] = {}
    for where, doc in docs:
        if doc.id in first:
            raise CorpusError(where, "id", f"duplicate document id {doc.id!r} (first at {first[doc.id]})")
        first[doc.id] = where
        out.append(doc)
    return out


def _doc_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value):
        return str(value)
    return None


def _int(value: Any, where: str, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise CorpusError(where, field, f"must be an integer, got {value!r}")
    return value


# ---------------------------------------------------------------------------------------------- labels and report


_OURS = {lab.casefold(): lab for lab in (*ENTITY_LABELS, *RELATION_LABELS)}


class LabelMap:
    """How an input's labels become ours: foreign labels mapped, labels dropped, and our own in any case.

    Matching ignores case. A label that is neither mapped, dropped nor ours is an error naming the input's
    field, so a typo in the map never turns into silently lost spans. One map serves entities and relations.

    >>> m = LabelMap({"PER": "leader", "meets": "MEET"}, drop=["MISC"])
    >>> [m.entity(x, "f", "tag") for x in ("Per", "date", "MISC")], m.relation("Meets", "f", "type")
    (['LEADER', 'DATE', None], 'MEET')
    """

    def __init__(self, mapping: Mapping[str, str] | Iterable[tuple[str, str]] = (), drop: Iterable[str] = ()):
        self.mapping: dict[str, str] = {}
        for foreign, ours in mapping.items() if isinstance(mapping, Mapping) else mapping:
            target = _OURS.get(str(ours).strip().casefold())
            if target is None:
                raise ValueError(f"{foreign}={ours}: {ours!r} is not one of {', '.join(_OURS.values())}")
            key = str(foreign).strip().casefold()
            if self.mapping.get(key, target) != target:
                raise ValueError(f"{foreign!r} is mapped to both {self.mapping[key]} and {target}")
            self.mapping[key] = target
        self.drop = frozenset(str(x).strip().casefold() for x in drop)  # wins over the map: one run's choice

    def entity(self, label: Any, where: str, field: str) -> str | None:
        """Our entity label for ``label``, None if it is dropped; CorpusError(where, field) if unknown."""
        return self._resolve(label, ENTITY_LABELS, "label", where, field)

    def relation(self, label: Any, where: str, field: str) -> str | None:
        """Our relation label for ``label``, None if it is dropped; CorpusError(where, field) if unknown."""
        return self._resolve(label, RELATION_LABELS, "relation", where, field)

    def _resolve(self, label: Any, ours: tuple[str, ...], kind: str, where: str, field: str) -> str | None:
        if not isinstance(label, str) or not label.strip():
            raise CorpusError(where, field, f"expected a {kind} name, got {label!r}")
        key = label.strip().casefold()
        if key in self.drop:
            return None
        target = self.mapping.get(key, _OURS.get(key))
        if target in ours:
            return target
        if target is not None:
            problem = f"{label!r} means {target}, which is not a {kind} (expected one of {', '.join(ours)})"
        else:
            problem = (
                f"unknown {kind} {label!r} (expected one of {', '.join(ours)}: "
                f"map it with --label-map '{label}=<{kind.upper()}>' or drop it with --drop-label '{label}')"
            )
        raise CorpusError(where, field, problem)


def load_label_map(specs: Iterable[str] = (), drops: Iterable[str] = ()) -> LabelMap:
    """A :class:`LabelMap` from command-line values; ValueError names the value or file and the problem.

    Each spec is a YAML file (a mapping ``FOREIGN: OURS``) or ``FOREIGN=OURS`` pairs joined by commas;
    each drop is a label or several joined by commas.

    >>> load_label_map(["PER=LEADER,LOC=VENUE"], ["MISC,ORG"]).mapping
    {'per': 'LEADER', 'loc': 'VENUE'}
    """
    pairs: list[tuple[str, str]] = []
    for spec in specs:
        if Path(spec).is_file():
            pairs.extend(_label_map_file(Path(spec)))
        elif "=" in spec:
            for item in filter(None, (x.strip() for x in spec.split(","))):
                foreign, sep, ours = item.partition("=")
                if not sep or not foreign.strip():
                    raise ValueError(f"--label-map: expected FOREIGN=OURS, got {item!r}")
                pairs.append((foreign.strip(), ours.strip()))
        else:
            raise ValueError(f"--label-map: {spec!r} is neither a file nor FOREIGN=OURS pairs")
    dropped = [x.strip() for d in drops for x in d.split(",") if x.strip()]
    try:
        return LabelMap(pairs, dropped)
    except ValueError as exc:
        raise ValueError(f"--label-map: {exc}") from None


def _label_map_file(path: Path) -> list[tuple[str, str]]:
    import yaml  # PyYAML; Hydra needs it too

    try:
        # BaseLoader keeps every value a string: YAML 1.1 would read the relation label ON as True
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=yaml.BaseLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a readable YAML file ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"{path}: expected a mapping of foreign labels to ours, one 'FOREIGN: OURS' a line")
    return [(k, v) for k, v in data.items()]


@dataclasses.dataclass
class ImportReport:
    """What an import left out or changed without failing; :meth:`lines` says it for a person.

    Readers add to one as they go (pass your own to see it); labels are counted as the input spells them.
    """

    dropped_spans: Counter[str] = dataclasses.field(default_factory=Counter)
    dropped_relations: Counter[str] = dataclasses.field(default_factory=Counter)
    orphans: int = 0  # relations on a mention that was dropped, or on a Label Studio region that was skipped
    # Label Studio: regions on another control than the text, by (result type, to_name)
    skipped_regions: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)
    unlabelled_relations: int = 0  # Label Studio: arrows drawn without a relation label
    multi_annotated: int = 0  # Label Studio: tasks with more than one annotation (not cancelled)
    ls_annotation: str = "first"  # Label Studio: which of them was read
    skipped_tasks: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # Label Studio: where, why
    # --trim: where, document id, the span before and after (None: nothing was left, the span was dropped)
    trims: list[tuple[str, str, str, str | None]] = dataclasses.field(default_factory=list)

    def lines(self) -> list[str]:
        """Each trimmed span, then one line per kind of change; empty when the import kept everything as it was."""
        out = []
        for where, doc_id, old, new in self.trims:
            out.append(f"trimmed {where} (document {doc_id!r}): {old!r} -> {'dropped' if new is None else repr(new)}")
        if self.trims:
            n_dropped = sum(new is None for *_, new in self.trims)
            out.append(f"--trim shrank {len(self.trims) - n_dropped} spans and dropped {n_dropped}")
        for what, counts in (("spans", self.dropped_spans), ("relations", self.dropped_relations)):
            for label, n in sorted(counts.items()):
                out.append(f"dropped {n} {what} labelled {label!r} (--drop-label)")
        for (kind, to_name), n in sorted(self.skipped_regions.items()):
            out.append(f"skipped {n} {kind} regions on {to_name!r}: not the text control (see --ls-to-name)")
        if self.unlabelled_relations:
            out.append(f"skipped {self.unlabelled_relations} relations without a label")
        if self.orphans:
            out.append(f"dropped {self.orphans} relations whose mention was dropped or skipped")
        if self.multi_annotated:
            choice = self.ls_annotation
            how = {
                "first": "read the first of each",
                "last": "read the last of each",
                "all-agree": "kept those whose annotations all agree",
            }.get(choice, f"read those of annotator {choice.partition('=')[2]}")
            out.append(f"{self.multi_annotated} tasks have more than one annotation: {how} (--ls-annotation {choice})")
        for where, why in self.skipped_tasks:
            out.append(f"skipped {where}: {why}")
        if self.skipped_tasks:
            out.append(f"skipped {len(self.skipped_tasks)} tasks (--ls-annotation {self.ls_annotation})")
        return out


# ---------------------------------------------------------------------------------------------- CoNLL


def conll_sentences(doc: Document) -> list[list[tuple[int, int]]]:
    """Token offsets of ``doc`` grouped in sentences, as :func:`to_conll` writes them.

    Tokens are :func:`word_spans`, split further where an entity begins or ends inside one
    (``Mamasa-Polewali`` with two VENUEs gives ``Mamasa``, ``-``, ``Polewali``), so every span is a
    whole number of tokens. Sentences are :func:`sentence_spans`, merged where an entity crosses a
    break (``Moh. Arfan``), so no span is cut in two.
    """
    cuts = sorted({b for e in doc.entities for b in (e.start, e.end)})
    tokens: list[tuple[int, int]] = []
    for s, e in word_spans(doc.text):
        inner = [c for c in cuts if s < c < e]
        tokens.extend(zip([s, *inner], [*inner, e]))
    sents = sentence_spans(doc.text)
    bounds = [sents[0]] if sents else []
    for a, b in sents[1:]:
        if any(e.start < a and e.end > bounds[-1][1] for e in doc.entities):
            bounds[-1] = (bounds[-1][0], b)
        else:
            bounds.append((a, b))
    groups: list[list[tuple[int, int]]] = [[] for _ in bounds]
    k = 0
    for tok in tokens:
        while k + 1 < len(bounds) and tok[0] >= bounds[k + 1][0]:
            k += 1
        groups[k].append(tok)
    return [g for g in groups if g]


def to_conll(docs: Iterable[Document]) -> str:
    """Two columns, ``token<TAB>tag`` (IOB2), a blank line after each sentence, ``# id = ...`` before each document.

    Relations, scores and ``meta`` are not written: the format has no place for them.

    >>> from indonews.schema import Entity
    >>> to_conll([Document("d1", "Jokowi tiba.", [Entity("T1", 0, 6, "LEADER")])]).splitlines()
    ['# id = d1', 'Jokowi\\tB-LEADER', 'tiba\\tO', '.\\tO', '']
    """
    out: list[str] = []
    for doc in docs:
        out.append(f"# id = {doc.id}\n")
        spans = [(e.start, e.end, e.label) for e in doc.entities]
        for sent in conll_sentences(doc):
            for (s, e), tag in zip(sent, spans_to_tags(spans, sent)):
                out.append(f"{doc.text[s:e]}\t{tag}\n")
            out.append("\n")
    return "".join(out)


_TAG = re.compile(r"^(?:O|([BIESLU])-(\S+))$", re.IGNORECASE)
_ID_COMMENT = re.compile(r"^#\s*(?:id|doc_id)\s*[=:]\s*(\S.*?)\s*$")


def _iob2(tags: Sequence[str]) -> list[str]:
    """IOB1, IOB2, BIOES and BILOU tags as IOB2: S/U become B, E/L become I, and a span closed by E/S ends."""
    out: list[str] = []
    open_label: str | None = None
    for tag in tags:
        if tag == "O":
            out.append("O")
            open_label = None
            continue
        kind, lab = tag[0], tag[2:]
        if kind in "BSU" or open_label != lab:
            out.append(f"B-{lab}")
        else:
            out.append(f"I-{lab}")
        open_label = None if kind in "ESLU" else lab
    return out


# The label of a tag that --drop-label drops: kept until spans are built, so an IOB span still ends where
# the input says, under a name no input can spell.
_DROPPED = "\0"


def _conll_document(
    sents: list[list[tuple[str, str, int]]],
    doc_id: str,
    path: str,
    line: int,
    sep: str,
    trim: bool,
    report: ImportReport,
) -> Document:
    text_parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    tags: list[str] = []
    lines: list[int] = []
    pos = 0
    for k, sent in enumerate(sents):
        if k:
            # a zero-width "O" between sentences, so a span never runs on into the next one
            text_parts.append(sep)
            offsets.append((pos, pos))
            tags.append("O")
            lines.append(sent[0][2])
            pos += len(sep)
        for j, (tok, _, n) in enumerate(sent):
            if j:
                text_parts.append(" ")
                pos += 1
            text_parts.append(tok)
            offsets.append((pos, pos + len(tok)))
            lines.append(n)
            pos += len(tok)
        tags.extend(_iob2([tag for _, tag, _ in sent]))
    text = "".join(text_parts)
    line_from = {o[0]: n for o, n in zip(offsets, lines) if o[1] > o[0]}
    line_to = {o[1]: n for o, n in zip(offsets, lines) if o[1] > o[0]}
    entities = []
    for s, e, lab in tags_to_spans(tags, offsets):
        if lab.startswith(_DROPPED):
            report.dropped_spans[lab[len(_DROPPED) :]] += 1
            continue
        surface = text[s:e]
        if not trim and bad_edge(surface):
            # name the line of the offending edge token
            n = line_from[s] if bad_edge(surface[0]) else line_to[e]
            raise CorpusError(
                f"{path}:{n}",
                "tag",
                f"span {surface!r} starts or ends with punctuation (tag the name only, or use --trim)",
            )
        entities.append(
            {"id": f"T{len(entities) + 1}", "start": s, "end": e, "label": lab, "_at": f"{path}:{line_from[s]}"}
        )
    obj = {"id": doc_id, "text": text, "entities": entities, "relations": []}
    return _finish(obj, f"{path}:{line}", trim, report)


def from_conll(
    text: str,
    where: str = "<conll>",
    sentence_sep: str = "\n",
    trim: bool = False,
    *,
    labels: LabelMap | None = None,
    report: ImportReport | None = None,
) -> list[Document]:
    """Documents from CoNLL/BIO columns: the token is the first column, the tag the last.

    A document starts at ``-DOCSTART-`` or at a ``# id = ...`` comment (which also names it); a file with
    neither holds one document per sentence. The text is rebuilt by joining tokens with single spaces and
    sentences with ``sentence_sep``. Tags may be IOB2, IOB1, BIOES or BILOU; ``labels`` maps or drops theirs.

    >>> [d.entities[0].text for d in from_conll("# id = a\\nPresiden\\tO\\nJoko\\tB-LEADER\\nWidodo\\tI-LEADER\\n")]
    ['Joko Widodo']
    """
    labels = labels or LabelMap()
    report = report if report is not None else ImportReport()
    stem = Path(where).stem or "doc"
    text = text.removeprefix("\ufeff")  # a byte-order mark read as text (see _read_text)
    docs: list[tuple[str, Document]] = []
    marked = False  # the file separates documents explicitly
    doc_id: str | None = None
    doc_line: int | None = None
    sents: list[list[tuple[str, str, int]]] = []
    sent: list[tuple[str, str, int]] = []

    def close_document() -> None:
        nonlocal sents, sent, doc_id, doc_line
        if sent:
            sents.append(sent)
        if sents or doc_id is not None:  # a named document may be empty
            line = doc_line or sents[0][0][2]
            name = doc_id or f"{stem}-{len(docs) + 1}"
            docs.append((f"{where}:{line}", _conll_document(sents, name, where, line, sentence_sep, trim, report)))
        sents, sent, doc_id, doc_line = [], [], None, None

    for n, line in enumerate(text.splitlines(), 1):
        line = line.rstrip()  # a trailing tab or space would make an empty last column, read as the tag
        if not line:
            if sent:
                sents.append(sent)
                sent = []
            if not marked:
                close_document()
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        if fields[0] == "-DOCSTART-":
            marked = True
            close_document()
            doc_line = n
            continue
        m = None if "\t" in line else _ID_COMMENT.match(line)
        if m:
            marked = True
            if sents or sent or doc_id is not None:
                close_document()
            doc_id, doc_line = m.group(1), n
            continue
        if line.startswith("#") and not (len(fields) >= 2 and _TAG.match(fields[-1])):
            continue  # other comments (``# text = ...``)
        if len(fields) < 2:
            raise CorpusError(f"{where}:{n}", "<line>", f"expected TOKEN<TAB>TAG, got {line!r}")
        tok, tag = fields[0].strip(), fields[-1].strip()
        if not tok:
            raise CorpusError(f"{where}:{n}", "token", "empty token")
        tm = _TAG.match(tag)
        if not tm:
            raise CorpusError(f"{where}:{n}", "tag", f"{tag!r} is not O or B-/I-/E-/S-LABEL")
        if tm.group(2) is None:
            tag = "O"
        else:
            ours = labels.entity(tm.group(2), f"{where}:{n}", "tag")
            tag = f"{tm.group(1).upper()}-{ours or _DROPPED + tm.group(2)}"
        sent.append((tok, tag, n))
    close_document()
    return _unique(docs)


def read_conll(path: str | os.PathLike, sentence_sep: str = "\n", trim: bool = False, **kwargs: Any) -> list[Document]:
    """:func:`from_conll` on a file; ``kwargs`` are its ``labels`` and ``report``."""
    return from_conll(_read_text(path), str(path), sentence_sep, trim, **kwargs)


def write_conll(docs: Iterable[Document], path: str | os.PathLike) -> None:
    write_text(path, to_conll(docs))


# ---------------------------------------------------------------------------------------------- Label Studio


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
        return _finish(obj, where, trim, rep, _LS_FIELDS)

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
    doc_id = _doc_id(data.get("id")) or _doc_id(task.get("id")) or f"task-{index}"
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
    start = _int(value.get("start"), where, f"{f}.value.start")
    end = _int(value.get("end"), where, f"{f}.value.end")
    names = value.get("labels")
    if not isinstance(names, list) or not names:
        raise CorpusError(where, f"{f}.value.labels", f"expected a list of labels, got {names!r}")
    ours = {labels.entity(name, where, f"{f}.value.labels[{k}]") for k, name in enumerate(names)} - {None}
    rid = _doc_id(item.get("id")) or f"T{len(regions) + 1}"
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
        if _doc_id(rid) not in regions:
            raise CorpusError(where, f"{f}.{key}", f"no region with id {rid!r} in this annotation")
        ends[key] = _doc_id(rid)
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
    return _unique((w, d) for w, d in docs if d is not None)


def _task_name(where: str, index: int, task: Any) -> str:
    """``file: task 3 (id 1047)``: the index in the export's list, and the id Label Studio shows."""
    task_id = _doc_id(task.get("id")) if isinstance(task, dict) else None
    return f"{where}: task {index}" + (f" (id {task_id})" if task_id else "")


def read_label_studio(
    path: str | os.PathLike, text_key: str = "text", trim: bool = False, **kwargs: Any
) -> list[Document]:
    raw = _read_text(path)
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


# ---------------------------------------------------------------------------------------------- doccano


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
    doc_id = _doc_id(obj.get("id")) or default_id
    obj2 = {"id": doc_id, "text": text, "entities": entities, "relations": relations, "meta": meta}
    return _finish(obj2, where, trim, report, fields)


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
                "start": _int(triple[0], where, f"{f}[0]"),
                "end": _int(triple[1], where, f"{f}[1]"),
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
                "start": _int(e.get("start_offset"), where, f"{f}.start_offset"),
                "end": _int(e.get("end_offset"), where, f"{f}.end_offset"),
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
    return _unique(
        (f"{where}:{n}", doccano_record_to_document(obj, f"{where}:{n}", f"line-{n}", trim, **kwargs))
        for n, obj in enumerate(records, 1)
    )


def read_doccano(path: str | os.PathLike, trim: bool = False, **kwargs: Any) -> list[Document]:
    return _unique(
        (where, doccano_record_to_document(obj, where, f"line-{n}", trim, **kwargs))
        for n, where, obj in iter_json_lines(path)
    )


def write_doccano(docs: Iterable[Document], path: str | os.PathLike, style: str = "relations") -> None:
    recs = to_doccano(docs, style)
    write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))


# ---------------------------------------------------------------------------------------------- dispatch


def guess_format(path: str | os.PathLike, reading: bool) -> str | None:
    """The format a file name implies (None when it does not say).

    ``.conll``/``.bio``/``.iob`` are CoNLL and ``.json`` is Label Studio. ``.jsonl`` is the annotation
    format, except that an input whose records look like doccano is read as doccano: the first record whose
    keys tell decides (see :func:`_jsonl_flavour`); records without entities or relations fit both.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix != ".jsonl":
        return None
    if reading and path.is_file():
        for obj in _json_records(path):
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
    options.update(labels=labels, report=report)
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if fmt == "jsonl":
        try:
            return read_jsonl(path)
        except UnicodeDecodeError as exc:
            raise CorpusError(str(path), "<file>", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if fmt == "conll":
        return read_conll(path, trim=trim, **options)
    if fmt == "label-studio":
        return read_label_studio(path, trim=trim, **options)
    if fmt == "doccano":
        try:
            return read_doccano(path, trim=trim, **options)
        except UnicodeDecodeError as exc:
            raise CorpusError(str(path), "<file>", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")


def write_documents(docs: Sequence[Document], path: str | os.PathLike, fmt: str, **options: Any) -> None:
    """Write any supported format atomically; ``options`` go to the format's writer (``style``, ``from_name``...)."""
    if fmt == "jsonl":
        write_jsonl(docs, path)
    elif fmt == "conll":
        write_conll(docs, path)
    elif fmt == "label-studio":
        write_label_studio(docs, path, **options)
    elif fmt == "doccano":
        write_doccano(docs, path, **options)
    else:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")


def losses(docs: Sequence[Document], fmt: str, doccano_style: str = "relations") -> list[str]:
    """What writing ``docs`` as ``fmt`` drops, one warning per kind of loss (empty when nothing is lost)."""
    n_rel = sum(len(d.relations) for d in docs)
    n_score = sum(e.score is not None for d in docs for e in d.entities)
    n_rscore = sum(r.score is not None for d in docs for r in d.relations)
    n_meta = sum(bool(d.meta) for d in docs)
    no_relations = fmt == "conll" or (fmt == "doccano" and doccano_style == "labels")
    out = []
    if no_relations and n_rel:
        out.append(f"dropped {n_rel} relations: {fmt}{' labels' if fmt == 'doccano' else ''} cannot carry them")
    if fmt in ("conll", "doccano") and n_score:
        out.append(f"dropped {n_score} entity scores")
    if fmt not in ("jsonl", "label-studio") and not no_relations and n_rscore:
        out.append(f"dropped {n_rscore} relation scores")
    if fmt == "conll" and n_meta:
        out.append(f"dropped the meta of {n_meta} documents")
    return out
