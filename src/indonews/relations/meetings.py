"""Meeting records from the relations of a sentence: who met whom, where and when.

Per sentence, leaders joined by MEET (directly or through each other: "A bertemu B dan C") form one
meeting; its venues and dates are those that the sentence attaches (AT, ON) to any of its leaders.
Each leader is named by the fullest form of the name found in the document, so a later "Putin"
reads "Vladimir Putin".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from indonews.relations.candidates import sentence_index
from indonews.schema import Document, Entity
from indonews.text import sentence_spans


def _words(name: str) -> list[str]:
    return name.replace(".", ". ").split()


def is_short_form(short: str, full: str) -> bool:
    """True when ``short`` is a shorter run of ``full``'s words at its start or end ("Putin" of "Vladimir Putin").

    >>> is_short_form("Putin", "Vladimir Putin"), is_short_form("Prabowo", "Prabowo Subianto")
    (True, True)
    >>> is_short_form("Joko", "Anwar Joko Susilo"), is_short_form("Putin", "Putin")
    (False, False)
    """
    a, b = _words(short), _words(full)
    return len(a) < len(b) and (b[: len(a)] == a or b[-len(a) :] == a)


def fullest_names(entities: Sequence[Entity]) -> dict[str, str]:
    """For each LEADER mention id, the longest LEADER surface of the document it is a short form of (else itself).

    A short form that fits two different full names ("Widodo" of "Joko Widodo" and "Dodi Widodo") is
    left as written rather than guessed.
    """
    surfaces = sorted({e.text for e in entities if e.label == "LEADER"}, key=lambda s: (-len(_words(s)), -len(s)))
    out = {}
    for e in entities:
        if e.label != "LEADER":
            continue
        fulls = [s for s in surfaces if is_short_form(e.text, s)]
        longest = [s for s in fulls if not any(is_short_form(s, f) for f in fulls)]
        out[e.id] = longest[0] if len(longest) == 1 else e.text
    return out


@dataclass
class Participant:
    id: str  # the entity id of the mention in this sentence
    name: str  # the fullest form of the name in the document
    mention: str  # as written in this sentence


@dataclass
class Meeting:
    sentence: tuple[int, int]
    leaders: list[Participant]
    venues: list[dict] = field(default_factory=list)  # {"id", "text"}
    dates: list[dict] = field(default_factory=list)
    score: float | None = None  # the lowest score of the MEET relations that form it

    def to_dict(self) -> dict:
        d = asdict(self)
        d["sentence"] = list(self.sentence)
        if d["score"] is None:
            del d["score"]
        return d


def assemble_meetings(doc: Document, sentences: Sequence[tuple[int, int]] | None = None) -> list[Meeting]:
    """The meetings of a document, in text order.

    >>> from indonews.schema import Relation
    >>> t = "Vladimir Putin tiba. Putin bertemu Xi di Moskwa, Senin."
    >>> ents = [Entity("T1", 0, 14, "LEADER", t[0:14]), Entity("T2", 21, 26, "LEADER", t[21:26]),
    ...         Entity("T3", 35, 37, "LEADER", t[35:37]), Entity("T4", 41, 47, "VENUE", t[41:47]),
    ...         Entity("T5", 49, 54, "DATE", t[49:54])]
    >>> rels = [Relation("T2", "T3", "MEET"), Relation("T2", "T4", "AT"), Relation("T3", "T5", "ON")]
    >>> m = assemble_meetings(Document("d", t, ents, rels))[0]
    >>> [p.name for p in m.leaders], [v["text"] for v in m.venues], [d["text"] for d in m.dates]
    (['Vladimir Putin', 'Xi'], ['Moskwa'], ['Senin'])
    """
    if not doc.relations:
        return []
    sentences = sentence_spans(doc.text) if sentences is None else sentences
    ents = {e.id: e for e in doc.entities}
    names = fullest_names(doc.entities)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    meet_scores: dict[str, list[float]] = {}
    for r in doc.relations:
        if r.label == "MEET":
            parent[find(r.head)] = find(r.tail)
    for r in doc.relations:
        if r.label == "MEET" and r.score is not None:
            meet_scores.setdefault(find(r.head), []).append(r.score)
    groups: dict[str, list[str]] = {}
    for eid in list(parent):
        groups.setdefault(find(eid), []).append(eid)

    meetings = []
    for root, members in groups.items():
        members.sort(key=lambda i: ents[i].start)
        first = ents[members[0]]
        si = sentence_index(sentences, first.start)
        attached: dict[str, list[Entity]] = {"AT": [], "ON": []}
        for r in doc.relations:
            if r.label in attached and r.head in members and ents[r.tail] not in attached[r.label]:
                attached[r.label].append(ents[r.tail])
        scores = meet_scores.get(root)
        meetings.append(
            Meeting(
                sentence=tuple(sentences[si]) if sentences else (0, len(doc.text)),
                leaders=[Participant(i, names[i], ents[i].text) for i in members],
                venues=[{"id": e.id, "text": e.text} for e in sorted(attached["AT"], key=lambda e: e.start)],
                dates=[{"id": e.id, "text": e.text} for e in sorted(attached["ON"], key=lambda e: e.start)],
                score=min(scores) if scores else None,
            )
        )
    return sorted(meetings, key=lambda m: (m.sentence, ents[m.leaders[0].id].start))
