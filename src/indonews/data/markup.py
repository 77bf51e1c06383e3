"""Inline markup for writing annotated articles by hand, and its converter to the JSONL format.

Writing character offsets by hand is error-prone; this format lets an annotator write the text
and mark spans in place::

    ### antara-0001
    #meta topic: diplomasi
    JAKARTA, KOMPAS.com - Presiden [Prabowo Subianto]{LEADER} bertemu Perdana Menteri
    [Anthony Albanese]{LEADER} di [Canberra]{VENUE} pada [Kamis (14/11)]{DATE}.
    @ MEET Prabowo Subianto | Anthony Albanese ; AT Prabowo Subianto | Canberra

- ``### ID`` starts a document; ``#meta key: value`` lines fill ``meta``.
- ``[surface]{LABEL}`` marks a span; ``[surface]{LABEL:h}`` also gives it the handle ``h``.
- ``@ REL head | tail ; REL head | tail`` adds relations. ``head`` and ``tail`` are a handle, or
  the surface of a mention in the text line just above (which must be unique in that line).
- Every other line is text, kept as written; lines are joined with ``\\n``.

A ``[`` not followed by ``]{LABEL}`` is plain text, so editor tags such as ``[ab/uh]`` need no escaping.

>>> doc = parse_markup("### d1\\n[Jokowi]{LEADER} tiba di [Bali]{VENUE}.\\n@ AT Jokowi | Bali")[0]
>>> [(e.text, e.label) for e in doc.entities], [(r.label, r.head, r.tail) for r in doc.relations]
([('Jokowi', 'LEADER'), ('Bali', 'VENUE')], [('AT', 'T1', 'T2')])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from indonews.schema import (
    ENTITY_LABELS,
    RELATION_TYPES,
    CorpusError,
    Document,
    Entity,
    Relation,
    document_from_dict,
)
from indonews.text import sentence_spans

_SPAN = re.compile(r"\[([^\[\]\n]+?)\]\{(" + "|".join(ENTITY_LABELS) + r")(?::([A-Za-z0-9_]+))?\}")
_LOOSE = re.compile(r"\]\{\s*[A-Za-z]+[^}]*\}")


@dataclass
class _Mention:
    entity: Entity
    line_no: int  # line of the markup file holding the mention
    handle: str | None


def parse_markup(source: str, path: str = "<markup>") -> list[Document]:
    """Parse a markup file into validated documents. Errors name ``path:line``."""
    docs: list[Document] = []
    cur: dict | None = None

    def finish():
        if cur is None:
            return
        # drop trailing blank lines
        while cur["lines"] and not cur["lines"][-1].strip():
            cur["lines"].pop()
        text = "\n".join(cur["lines"])
        obj = {
            "id": cur["id"],
            "text": text,
            "entities": [m.entity.to_dict() for m in cur["mentions"]],
            "relations": [r.to_dict() for r in cur["relations"]],
            "meta": cur["meta"],
        }
        docs.append(document_from_dict(obj, f"{path}:{cur['line_no']} (document {cur['id']})"))

    for line_no, raw in enumerate(source.splitlines(), 1):
        where = f"{path}:{line_no}"
        if raw.startswith("###"):
            finish()
            doc_id = raw[3:].strip()
            if not doc_id:
                raise CorpusError(where, "id", "'###' must be followed by a document id")
            cur = {
                "id": doc_id,
                "line_no": line_no,
                "lines": [],
                "mentions": [],
                "relations": [],
                "meta": {},
                "offset": 0,
                "last_text_line": None,
                "handles": {},
            }
            continue
        if cur is None:
            if raw.strip():
                raise CorpusError(where, "<line>", "text before the first '### ID' line")
            continue
        if raw.startswith("#meta"):
            key, sep, value = raw[len("#meta") :].strip().partition(":")
            if not sep or not key.strip():
                raise CorpusError(where, "meta", "expected '#meta key: value'")
            cur["meta"][key.strip()] = value.strip()
            continue
        if raw.startswith("@"):
            _parse_relations(raw[1:], where, cur)
            continue
        if not cur["lines"] and not raw.strip():
            continue  # blank lines between header and text
        _parse_text_line(raw, where, line_no, cur)
    finish()
    return docs


def _parse_text_line(raw: str, where: str, line_no: int, cur: dict) -> None:
    base = cur["offset"] + (1 if cur["lines"] else 0)  # the joining "\n"
    out: list[str] = []
    pos, plain_len = 0, 0
    for m in _SPAN.finditer(raw):
        chunk = raw[pos : m.start()]
        out.append(chunk)
        plain_len += len(chunk)
        surface, label, handle = m.group(1), m.group(2), m.group(3)
        start = base + plain_len
        ent = Entity(f"T{len(cur['mentions']) + 1}", start, start + len(surface), label, surface)
        if handle:
            if handle in cur["handles"]:
                raise CorpusError(where, "handle", f"handle {handle!r} already used in document {cur['id']}")
            cur["handles"][handle] = ent
        cur["mentions"].append(_Mention(ent, line_no, handle))
        out.append(surface)
        plain_len += len(surface)
        pos = m.end()
    rest = raw[pos:]
    loose = _LOOSE.search(rest)
    if loose:
        raise CorpusError(
            where,
            "markup",
            f"malformed span marker near {rest[max(0, loose.start() - 20) : loose.end()]!r}"
            f" (expected [surface]{{{'|'.join(ENTITY_LABELS)}}} or [surface]{{LABEL:handle}})",
        )
    out.append(rest)
    plain = "".join(out)
    cur["lines"].append(plain)
    cur["offset"] = base + len(plain)
    cur["last_text_line"] = line_no


def _resolve(ref: str, where: str, cur: dict) -> Entity:
    ref = ref.strip()
    if ref in cur["handles"]:
        return cur["handles"][ref]
    line = cur["last_text_line"]
    hits = [m.entity for m in cur["mentions"] if m.line_no == line and m.entity.text == ref]
    if not hits:
        raise CorpusError(where, "relation", f"{ref!r} is neither a handle nor a marked mention in the text line above")
    if len(hits) > 1:
        raise CorpusError(where, "relation", f"{ref!r} is marked {len(hits)} times in the line above: give it a handle")
    return hits[0]


def _parse_relations(body: str, where: str, cur: dict) -> None:
    if cur["last_text_line"] is None:
        raise CorpusError(where, "relation", "relation line before any text")
    for part in body.split(";"):
        part = part.strip()
        if not part:
            continue
        label, _, args = part.partition(" ")
        if label not in RELATION_TYPES:
            raise CorpusError(where, "relation", f"unknown relation {label!r} in {part!r}")
        if args.count("|") != 1:
            raise CorpusError(where, "relation", f"expected '{label} head | tail', got {part!r}")
        h, t = (_resolve(x, where, cur) for x in args.split("|"))
        if label == "MEET" and t.start < h.start:
            h, t = t, h  # MEET is unordered: head is the first mention
        cur["relations"].append(Relation(h.id, t.id, label))


def read_markup(path: str | Path) -> list[Document]:
    return parse_markup(Path(path).read_text(encoding="utf-8"), str(path))


# --------------------------------------------------------------------------------------------
# Lint: likely guideline slips that are not format errors.

TITLE_WORDS = (
    "Presiden",
    "Wakil",
    "Perdana",
    "Menteri",
    "Menlu",
    "Gubernur",
    "Bupati",
    "Wali",
    "Walikota",
    "Wali Kota",
    "Ketua",
    "Raja",
    "Ratu",
    "Kanselir",
    "Sekretaris",
    "Sekjen",
    "Duta",
    "Dubes",
    "Jenderal",
    "Kepala",
    "Bapak",
    "Ibu",
    "Pak",
    "Bu",
    "Dr.",
    "Prof.",
    "Sultan",
    "Pangeran",
    "Kapolri",
    "Panglima",
    "Wapres",
    "Menko",
    "Direktur",
    "PM",
    "Kaisar",
    "Emir",
    "Syekh",
    "Putra Mahkota",
    "Wamen",
    "Mendagri",
    "Menhan",
    "Kapolda",
)
_TITLE_START = re.compile(r"^(?:" + "|".join(re.escape(w) for w in TITLE_WORDS) + r")\b")
_OFFICE_BEFORE = re.compile(
    r"(?:Presiden|Perdana Menteri|Menteri(?: [A-Z][a-z]+)*|Duta Besar|Dubes|Raja|Ratu|Kanselir|Wakil Presiden|"
    r"Pemerintah|Kedutaan Besar|Kedubes|Dewan Keamanan|Konsul Jenderal|Gubernur|Bupati|Wali Kota|PM)\s+$"
)


def lint_document(doc: Document) -> list[str]:
    """Return warnings for likely slips: titles in LEADER spans, VENUE after an office, bare names."""
    warnings: list[str] = []
    text = doc.text
    covered = [False] * len(text)
    for e in doc.entities:
        for i in range(e.start, e.end):
            covered[i] = True
    for e in doc.entities:
        ctx = text[max(0, e.start - 30) : e.end + 10].replace("\n", " ")
        if e.label == "LEADER" and _TITLE_START.match(e.text):
            warnings.append(f"{doc.id}: LEADER {e.text!r} starts with a title or honorific")
        if e.label == "VENUE" and _OFFICE_BEFORE.search(text[max(0, e.start - 40) : e.start]):
            warnings.append(f"{doc.id}: VENUE {e.text!r} follows an office title: {ctx!r}")
    leaders = {e.text for e in doc.entities if e.label == "LEADER"}
    others = {e.text for e in doc.entities if e.label != "LEADER"}
    for surface in sorted(leaders - others):
        if len(surface) < 3:
            continue
        for m in re.finditer(r"(?<!\w)" + re.escape(surface) + r"(?!\w)", text):
            if not any(covered[m.start() : m.end()]):
                ctx = text[max(0, m.start() - 30) : m.end() + 10].replace("\n", " ")
                warnings.append(f"{doc.id}: LEADER {surface!r} is tagged elsewhere but bare here: {ctx!r}")
                break
    sents = sentence_spans(text)

    def sent_of(e: Entity) -> int:
        return next((i for i, (a, b) in enumerate(sents) if a <= e.start < b), -1)

    for r in doc.relations:
        h, t = doc.entity(r.head), doc.entity(r.tail)
        if sent_of(h) != sent_of(t):
            warnings.append(f"{doc.id}: {r.label}({h.text!r}, {t.text!r}) joins mentions in different sentences")
    return warnings


def lint(docs: Iterable[Document]) -> list[str]:
    return [w for d in docs for w in lint_document(d)]
