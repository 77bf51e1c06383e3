"""Building the corpus from markup sources, corpus statistics and cross-document checks."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from indonews.data.markup import lint, read_markup
from indonews.data.register import is_page_furniture
from indonews.schema import ENTITY_LABELS, RELATION_LABELS, CorpusError, Document, iter_jsonl, write_jsonl
from indonews.text import sentence_spans, word_spans

SPLITS = ("train", "dev", "test")


@dataclass
class CorpusStats:
    documents: int = 0
    sentences: int = 0
    entities: Counter = field(default_factory=Counter)
    relations: Counter = field(default_factory=Counter)
    surfaces: dict[str, set] = field(default_factory=lambda: defaultdict(set))

    def add(self, doc: Document) -> None:
        self.documents += 1
        self.sentences += len(sentence_spans(doc.text))
        for e in doc.entities:
            self.entities[e.label] += 1
            self.surfaces[e.label].add(e.text)
        for r in doc.relations:
            self.relations[r.label] += 1

    def row(self) -> dict:
        return {
            "documents": self.documents,
            "sentences": self.sentences,
            **{lab: self.entities[lab] for lab in ENTITY_LABELS},
            **{f"distinct {lab}": len(self.surfaces[lab]) for lab in ENTITY_LABELS},
            **{lab: self.relations[lab] for lab in RELATION_LABELS},
        }


def leader_people(doc: Document) -> set[str]:
    """The leaders of a document, counting a short form ("Prabowo") with its full name ("Prabowo Subianto").

    >>> from indonews.data.markup import parse_markup
    >>> doc = parse_markup("### a\\n[Prabowo Subianto]{LEADER} dan [Prabowo]{LEADER} bertemu [Lee]{LEADER}.")[0]
    >>> sorted(leader_people(doc))
    ['Lee', 'Prabowo Subianto']
    """
    names = {e.text for e in doc.entities if e.label == "LEADER"}

    def short_of(s: str, full: str) -> bool:
        a, b = s.split(), full.split()
        return len(a) < len(b) and (b[: len(a)] == a or b[-len(a) :] == a)

    return {n for n in names if not any(short_of(n, f) for f in names)}


def corpus_stats(docs: Iterable[Document]) -> CorpusStats:
    st = CorpusStats()
    for d in docs:
        st.add(d)
    return st


def stats_table(named: dict[str, CorpusStats]) -> str:
    """A Markdown table with one row per split (or file) and the total."""
    total = CorpusStats()
    for st in named.values():
        total.documents += st.documents
        total.sentences += st.sentences
        total.entities.update(st.entities)
        total.relations.update(st.relations)
        for k, v in st.surfaces.items():
            total.surfaces[k] |= v
    rows = {**named, "total": total}
    cols = list(total.row())
    out = ["| | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, st in rows.items():
        r = st.row()
        out.append(f"| {name} | " + " | ".join(str(r[c]) for c in cols) + " |")
    return "\n".join(out)


def duplicate_sentences(named_docs: dict[str, list[Document]], min_chars: int = 25) -> list[str]:
    """Sentences (of at least ``min_chars``) that occur more than once anywhere in the corpus.

    Short lines (datelines), all-capitals lines and page furniture ("SCROLL TO CONTINUE WITH CONTENT",
    "ADVERTISEMENT", teasers such as "Simak juga Video: ..." or "Baca juga: ...") repeat on real pages by
    nature and are not counted.
    """
    seen: dict[str, str] = {}
    dups = []
    for name, docs in named_docs.items():
        for d in docs:
            for s, e in sentence_spans(d.text):
                sent = " ".join(d.text[s:e].split())
                if len(sent) < min_chars or sent.isupper() or is_page_furniture(sent):
                    continue
                where = f"{name}:{d.id}"
                if sent in seen and seen[sent] != where:
                    dups.append(f"sentence in {where} repeats {seen[sent]}: {sent[:80]!r}")
                seen.setdefault(sent, where)
    return dups


def spans_across_lines(named_docs: dict[str, list[Document]]) -> list[str]:
    """Entity spans that contain a line break (the guideline: no span crosses one)."""
    return [
        f"{name}:{d.id}: entity {e.id} {e.text!r} crosses a line break"
        for name, docs in named_docs.items()
        for d in docs
        for e in d.entities
        if "\n" in e.text
    ]


@dataclass
class BuildReport:
    stats: dict[str, CorpusStats]
    warnings: list[str]
    errors: list[str]
    written: list[str]

    def render(self) -> str:
        lines = [stats_table(self.stats)]
        lines += [f"warning: {w}" for w in self.warnings]
        lines += [f"error: {e}" for e in self.errors]
        lines += [f"wrote {p}" for p in self.written]
        lines.append(f"{len(self.errors)} errors, {len(self.warnings)} warnings")
        return "\n".join(lines)


def empty_texts(named_docs: dict[str, list[Document]]) -> list[str]:
    """Documents whose text is empty or only white space: the format allows them, an annotated corpus does not."""
    return [
        f"document {d.id!r} in {name}: text is empty or only white space"
        for name, docs in named_docs.items()
        for d in docs
        if not d.text.strip()
    ]


def _check(named_docs: dict[str, list[Document]]) -> tuple[list[str], list[str]]:
    warnings = [w for docs in named_docs.values() for w in lint(docs)]
    errors = empty_texts(named_docs) + duplicate_sentences(named_docs) + spans_across_lines(named_docs)
    ids: dict[str, str] = {}
    for name, docs in named_docs.items():
        for d in docs:
            if d.id in ids:
                errors.append(f"document id {d.id!r} in {name} already used in {ids[d.id]}")
            ids.setdefault(d.id, name)
    return warnings, errors


def check_markup_files(paths: list[Path], emit: str | None = None) -> BuildReport:
    named = {str(p): read_markup(p) for p in paths}
    return _report(named, emit)


def check_jsonl_files(paths: list[Path]) -> BuildReport:
    """Validate annotation-format JSONL files: every bad line of every file, then the corpus checks.

    Each bad line (broken JSON, a broken rule of the format, a repeated id) is one error naming file, line,
    field and problem, and the reading goes on. The documents that pass make the statistics and go through
    the checks across documents and files (empty texts, repeated ids and sentences; lint warnings).
    """
    named, errors = {}, []
    for p in paths:
        bad: list[CorpusError] = []
        named[str(p)] = list(iter_jsonl(p, errors=bad))
        errors += [str(exc) for exc in bad]
    report = _report(named)
    report.errors[:0] = errors
    return report


def _report(named: dict[str, list[Document]], emit: str | None = None) -> BuildReport:
    warnings, errors = _check(named)
    written = []
    if emit:
        write_jsonl((d for docs in named.values() for d in docs), emit)
        written.append(emit)
    return BuildReport({k: corpus_stats(v) for k, v in named.items()}, warnings, errors, written)


def build_corpus(src: Path, out: Path, splits: Iterable[str] = SPLITS) -> BuildReport:
    """Convert ``src/<split>/*.txt`` to ``out/<split>.jsonl``; nothing is written if any check fails."""
    named: dict[str, list[Document]] = {}
    for split in splits:
        files = sorted((src / split).glob("*.txt"))
        named[split] = [d for f in files for d in read_markup(f)]
    warnings, errors = _check(named)
    written = []
    if not errors:
        for split, docs in named.items():
            path = out / f"{split}.jsonl"
            write_jsonl(docs, path)
            written.append(str(path))
    return BuildReport({k: corpus_stats(v) for k, v in named.items()}, warnings, errors, written)


def sentence_frames(doc: Document, min_words: int = 3) -> list[str]:
    """The sentence patterns of a document: entities masked by label, numbers and capitalised words masked.

    Two sentences with one frame say the same thing about other people, places and dates ("<LEADER>
    menerima kunjungan kehormatan <CAP> <LEADER> di <VENUE> <DATE>"); a dev or test sentence whose frame
    occurs in train measures recall of a memorised pattern, not of Indonesian news. Frames with fewer than
    ``min_words`` ordinary (unmasked) words are too generic to count and are left out.

    >>> from indonews.data.markup import parse_markup
    >>> doc = parse_markup("### a\\nPresiden [Prabowo]{LEADER} tiba di [Tokyo]{VENUE} pukul 09.00 bersama rombongan kecil.")[0]
    >>> sentence_frames(doc)
    ['<CAP> <LEADER> tiba di <VENUE> pukul <NUM> bersama rombongan kecil']
    """
    ents = sorted(doc.entities, key=lambda e: e.start)
    out = []
    for s, e in sentence_spans(doc.text):
        tokens: list[str] = []
        k = 0
        for a, b in ((s + a, s + b) for a, b in word_spans(doc.text[s:e])):
            while k < len(ents) and ents[k].end <= a:
                k += 1
            word = doc.text[a:b]
            if k < len(ents) and ents[k].start <= a:
                tok = f"<{ents[k].label}>"
            elif any(c.isdigit() for c in word):
                tok = "<NUM>"
            elif word[:1].isupper():
                tok = "<CAP>"
            elif not word[:1].isalnum():
                continue
            else:
                tok = word.lower()
            if not (tokens and tok == tokens[-1] and tok.startswith("<")):
                tokens.append(tok)
        if sum(not t.startswith("<") for t in tokens) >= min_words:
            out.append(" ".join(tokens))
    return out


def shared_frames(train: Iterable[Document], held_out: Iterable[Document], min_words: int = 3) -> list[str]:
    """Held-out sentences whose frame (:func:`sentence_frames`) also occurs in ``train``, as messages."""
    seen: dict[str, str] = {}
    for d in train:
        for f in sentence_frames(d, min_words):
            seen.setdefault(f, d.id)
    return [
        f"{d.id} shares a sentence frame with {seen[f]}: {f!r}"
        for d in held_out
        for f in sentence_frames(d, min_words)
        if f in seen
    ]
