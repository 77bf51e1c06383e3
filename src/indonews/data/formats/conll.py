"""CoNLL/BIO columns: ``token<TAB>tag`` (IOB2 on export; IOB1, BIOES and BILOU read too), documents marked by
``# id = ...`` comments or ``-DOCSTART-``. Relations, scores and ``meta`` have no place in it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from indonews.data.formats.labels import LabelMap
from indonews.data.formats.records import finish_document, read_text, unique_documents
from indonews.data.formats.report import ImportReport
from indonews.outputs import write_text
from indonews.schema import CorpusError, Document, bad_edge, spans_to_tags, tags_to_spans
from indonews.text import sentence_spans, word_spans


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
    return finish_document(obj, f"{path}:{line}", trim, report)


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
    text = text.removeprefix("\ufeff")  # a byte-order mark read as text (see records.read_text)
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
    return unique_documents(docs)


def read_conll(path: str | os.PathLike, sentence_sep: str = "\n", trim: bool = False, **kwargs: Any) -> list[Document]:
    """:func:`from_conll` on a file; ``kwargs`` are its ``labels`` and ``report``."""
    return from_conll(read_text(path), str(path), sentence_sep, trim, **kwargs)


def write_conll(docs: Iterable[Document], path: str | os.PathLike) -> None:
    write_text(path, to_conll(docs))
