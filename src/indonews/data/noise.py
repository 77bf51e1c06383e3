"""Page noise: training copies of a document that look scraped from a real news page.

Real pages lose the space where a link or italics was stripped ("kataPrabowo", "diJakarta"), drop or
double spaces ("Jakarta,Senin"), carry advertisement and teaser lines between paragraphs, set headlines in
Title Case and sometimes a sentence in lower case. :func:`add_page_noise` makes those edits at seeded
random places, never inside a mention, and moves every entity's offsets with the text; entity ids and
relations are kept, so the copy is annotated as exactly as the original. Like mention replacement
(:mod:`indonews.data.augment`), it is applied to the training split only; :func:`noised_copy` gives the
fixed noised test copy that evaluation reports beside the clean one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from indonews.schema import Document, Entity
from indonews.text import sentence_spans

OPERATIONS = ("glue", "spaces", "furniture", "headline", "lowercase")

# Teasers carry no mention, so the inserted lines need no annotation.
TEASERS = (
    "ADVERTISEMENT\nSCROLL TO CONTINUE WITH CONTENT",
    "ADVERTISEMENT",
    "Simak juga Video: Suasana Terkini Usai Hujan Deras Semalaman",
    "Simak juga Video: Detik-detik Kebakaran Hanguskan Deretan Kios",
    "Tonton juga: Cerita Warga Antre Minyak Goreng Sejak Subuh",
    "Simak Video 'Momen Haru Pelepasan Atlet ke Ajang Internasional'",
    "Saksikan juga: Harga Cabai Naik Jelang Akhir Tahun",
    "Baca juga: Cuaca Ekstrem, Nelayan Diimbau Tak Melaut",
)
# Words a Title Case headline keeps in lower case.
_SMALL = frozenset("di ke dari dan atau yang untuk dengan pada dalam oleh soal usai jelang bagi ini itu".split())
_GLUE_AFTER = frozenset("kata ujar tutur jelas ucap di ke dari oleh bersama Presiden Menteri Gubernur".split())


@dataclass(frozen=True)
class NoiseRates:
    """How much of each edit a copy gets: chances per eligible place (glue, spaces) or per document."""

    glue: float = 0.08  # per space before a capitalised word (and after "kata", "di", ...)
    spaces: float = 0.015  # per space: dropped after a comma or full stop, or doubled
    furniture: float = 0.6  # per document: a teaser or advertisement line between two paragraphs
    headline: float = 0.5  # per document: its first line (or a short line) in Title Case
    lowercase: float = 0.15  # per document: one sentence in lower case


def _inside(pos: int, entities: Sequence[Entity]) -> bool:
    return any(e.start <= pos < e.end for e in entities)


def _title_case(s: str) -> str:
    words = s.split(" ")
    out = [w if (w.lower() in _SMALL and i) else w[:1].upper() + w[1:] for i, w in enumerate(words)]
    return " ".join(out)


def add_page_noise(
    doc: Document, rng: random.Random, rates: NoiseRates = NoiseRates(), ops: Iterable[str] = OPERATIONS, suffix="noise"
) -> Document:
    """A copy of ``doc`` with page noise; entity ids, labels, relations and metadata are kept.

    >>> from indonews.data.markup import parse_markup
    >>> doc = parse_markup('### a\\nIa bertemu [Prabowo]{LEADER} di [Istana]{VENUE}, kata [Sugiono]{LEADER}.')[0]
    >>> noisy = add_page_noise(doc, random.Random(0), NoiseRates(glue=1.0, spaces=0, furniture=0, headline=0, lowercase=0))
    >>> noisy.text
    'Ia bertemuPrabowo diIstana, kataSugiono.'
    >>> [noisy.text[e.start:e.end] for e in noisy.entities]
    ['Prabowo', 'Istana', 'Sugiono']
    """
    unknown = set(ops) - set(OPERATIONS)
    if unknown:
        raise ValueError(f"unknown noise operations {sorted(unknown)}; choose from {list(OPERATIONS)}")
    text, ents = doc.text, doc.entities
    chars = list(text)  # same-length edits (case) go here; insertions and deletions as edits below
    edits: list[tuple[int, int, str]] = []  # (position, characters removed, text inserted)

    if "headline" in ops and rng.random() < rates.headline:
        lines = [m for m in re.finditer(r"[^\n]+", text)]
        short = [m for m in lines if len(m.group().split()) <= 14]
        if short:
            m = lines[0] if lines[0] in short and rng.random() < 0.7 else rng.choice(short)
            new = _title_case(m.group())
            if len(new) == len(m.group()):
                chars[m.start() : m.end()] = new
    if "lowercase" in ops and rng.random() < rates.lowercase:
        sents = sentence_spans(text)
        if sents:
            s, e = rng.choice(sents)
            low = text[s:e].lower()
            if len(low) == e - s:
                chars[s:e] = low
    for m in re.finditer(r"(?<=\S) (?=\S)", text):
        p = m.start()
        if _inside(p, ents):
            continue
        before = text[max(0, p - 12) : p].split()[-1] if text[max(0, p - 12) : p].split() else ""
        after = text[p + 1 : p + 2]
        if "glue" in ops and (after.isupper() or before in _GLUE_AFTER) and before[-1:].isalpha():
            if rng.random() < rates.glue:
                edits.append((p, 1, ""))
                continue
        if "spaces" in ops and rng.random() < rates.spaces:
            edits.append((p, 1, "") if before[-1:] in ",." else (p, 0, " "))
    if "furniture" in ops and rng.random() < rates.furniture:
        breaks = [m.start() for m in re.finditer(r"\n", text)]
        if breaks:
            edits.append((rng.choice(breaks), 0, "\n" + rng.choice(TEASERS)))

    out, shift_at, cursor = [], [], 0
    for pos, removed, inserted in sorted(edits):
        out.append("".join(chars[cursor:pos]))
        out.append(inserted)
        shift_at.append((pos, len(inserted) - removed))
        cursor = pos + removed
    out.append("".join(chars[cursor:]))

    def moved(offset: int) -> int:
        return offset + sum(d for pos, d in shift_at if pos < offset)

    new_text = "".join(out)
    entities = []
    for e in ents:
        s, t = moved(e.start), moved(e.end)
        entities.append(Entity(e.id, s, t, e.label, new_text[s:t]))
    meta = {**doc.meta, "noised_from": doc.id}
    return Document(f"{doc.id}#{suffix}", new_text, entities, list(doc.relations), meta)


def noise_documents(
    docs: Iterable[Document], copies: int = 1, seed: int = 17, rates: NoiseRates = NoiseRates(), ops=OPERATIONS
) -> Iterator[Document]:
    """``copies`` noised versions of every document, reproducible for a given seed."""
    rng = random.Random(seed)
    for doc in docs:
        for k in range(copies):
            yield add_page_noise(doc, rng, rates, ops, suffix=f"noise{k + 1}")


def noised_copy(docs: Iterable[Document], seed: int = 1) -> list[Document]:
    """One noised version of each document with its own id: the fixed "noised test" evaluation reports."""
    docs = list(docs)
    return [
        Document(d.id, n.text, n.entities, n.relations, n.meta) for d, n in zip(docs, noise_documents(docs, 1, seed))
    ]
