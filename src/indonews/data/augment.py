"""Mention replacement: the same story told with other leaders, places and dates.

A training document is copied with some of its LEADER, VENUE and DATE mentions swapped for other surfaces
of the same label. Offsets are recomputed, every relation keeps pointing at the same entity ids, and a
name keeps its short forms consistent: if "Prabowo Subianto" becomes "Ernest Osei", a later "Prabowo" in
the same document becomes "Ernest" and a "Subianto" becomes "Osei". Dev and test are never augmented.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

from indonews.data.lexicons import Lexicon
from indonews.schema import ENTITY_LABELS, Document, Entity


def _short_form(short: str, full: str, new_full: str) -> str | None:
    """Map a short form of ``full`` (its first or last words) onto the same words of ``new_full``."""
    s, f, n = short.split(), full.split(), new_full.split()
    if len(s) >= len(f) or len(n) < 2:
        return None
    if f[: len(s)] == s:
        return " ".join(n[: len(s)])
    if f[-len(s) :] == s:
        return " ".join(n[-len(s) :])
    return None


def replacement_map(
    doc: Document, lexicon: Lexicon, rng: random.Random, p: float, labels: Iterable[str] = ENTITY_LABELS
) -> dict[tuple[str, str], str]:
    """Choose new surfaces for the distinct (label, surface) pairs of a document, each with probability p."""
    by_label: dict[str, list[str]] = {}
    for e in doc.entities:
        if e.label not in labels:
            continue
        if e.text not in by_label.setdefault(e.label, []):
            by_label[e.label].append(e.text)
    mapping: dict[tuple[str, str], str] = {}
    for label, surfaces in by_label.items():
        # Longest first, so that a full name is decided before its short forms.
        for surface in sorted(surfaces, key=lambda s: -len(s.split())):
            if label == "LEADER":
                full = next((f for f in surfaces if _short_form(surface, f, f)), None)
                if full is not None:  # a short form follows its full name, replaced or not
                    derived = _short_form(surface, full, mapping.get((label, full), full))
                    if derived and derived != surface:
                        mapping[(label, surface)] = derived
                    continue
            if rng.random() >= p:
                continue
            new = lexicon.sample(label, rng)
            if new and new != surface:
                mapping[(label, surface)] = new
    return mapping


def replace_mentions(
    doc: Document,
    lexicon: Lexicon,
    rng: random.Random,
    p: float = 0.5,
    suffix: str = "aug",
    labels: Iterable[str] = ENTITY_LABELS,
) -> Document:
    """A copy of ``doc`` with mentions replaced; entity ids, relations and metadata are kept."""
    mapping = replacement_map(doc, lexicon, rng, p, tuple(labels))
    pieces, entities, cursor, shift = [], [], 0, 0
    for e in sorted(doc.entities, key=lambda e: e.start):
        new = mapping.get((e.label, e.text), e.text)
        pieces.append(doc.text[cursor : e.start])
        pieces.append(new)
        start = e.start + shift
        entities.append(Entity(e.id, start, start + len(new), e.label, new))
        shift += len(new) - (e.end - e.start)
        cursor = e.end
    pieces.append(doc.text[cursor:])
    order = {e.id: i for i, e in enumerate(doc.entities)}
    entities.sort(key=lambda e: order[e.id])
    meta = {**doc.meta, "augmented_from": doc.id}
    return Document(f"{doc.id}#{suffix}", "".join(pieces), entities, list(doc.relations), meta)


def augment_documents(
    docs: Iterable[Document], lexicon: Lexicon, copies: int = 1, p: float = 0.5, seed: int = 13
) -> Iterator[Document]:
    """``copies`` replaced versions of every document, reproducible for a given seed."""
    rng = random.Random(seed)
    for doc in docs:
        for k in range(copies):
            yield replace_mentions(doc, lexicon, rng, p, suffix=f"aug{k + 1}")


def corpus_surfaces(docs: Iterable[Document]) -> dict[str, list[str]]:
    """Every surface per label in the documents (the ``corpus`` augmentation source)."""
    out: dict[str, set[str]] = {}
    for d in docs:
        for e in d.entities:
            out.setdefault(e.label, set()).add(e.text)
    return {k: sorted(v) for k, v in out.items()}


def with_unseen_names(docs: Iterable[Document], cache_dir=None, seed: int = 7) -> list[Document]:
    """The documents with every leader renamed from the held-out share of names-dataset.

    Augmentation never draws from that share, so the result measures how a model does on leader names
    it met neither in the corpus nor in augmented training copies. Ids and text stay aligned with
    the input; ``meta["augmented_from"]`` names the original.
    """
    from indonews.data.lexicons import build_lexicon

    lexicon = build_lexicon(["names"], cache_dir=cache_dir, held_out=True)
    rng = random.Random(seed)
    return [replace_mentions(d, lexicon, rng, p=1.0, suffix="unseen", labels=("LEADER",)) for d in docs]
