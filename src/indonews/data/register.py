"""How a corpus reads: the register statistics that tell clean prose from real online news.

Real Indonesian news pages open with a headline, date much of what they report by deixis ("hari ini",
"siang tadi"), carry teaser and advertisement lines between paragraphs, lose spaces where a link was
stripped ("kataPrabowo"), and name leaders by nickname as often as in full. :func:`register_stats`
measures each trait on annotated documents, so the shipped corpus (its datasheet prints them) can be
set beside any real sample a user brings (``python scripts/validate.py --stats FILE.jsonl``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from statistics import median

from indonews.schema import Document
from indonews.text import word_spans

# Lines that real pages repeat on every article: advertisement markers and teasers of other stories.
PAGE_FURNITURE = re.compile(
    r"^\s*(?:ADVERTISEMENT|SCROLL TO CONTINUE WITH CONTENT"
    r"|(?:Simak|Tonton|Saksikan|Lihat|Baca)(?:\s+juga)?(?:\s+[Vv]ideo)?\s*(?::|\b[Vv]ideo\b|\bjuga\b).*)\s*$"
)
# Dates relative to the moment of writing, the words a reporter uses on the day ("hari ini", "siang
# tadi", "nanti malam", "besok", "kemarin", "lusa", "sore ini", "semalam").
DEICTIC = re.compile(
    r"\b(?:hari ini|kemarin|besok|lusa|tadi|nanti|semalam|(?:pagi|siang|sore|petang|malam) ini)\b", re.IGNORECASE
)
# ... and relative to it in larger units ("pekan lalu", "tahun depan", "bulan ini", "sebulan yang lalu").
RELATIVE = re.compile(
    r"\b(?:(?:pekan|minggu|bulan|tahun|akhir pekan) (?:ini|lalu|depan|mendatang)|yang lalu)\b", re.IGNORECASE
)
_DATELINE = re.compile(r"^[A-Z][A-Za-z .']+(?:,\s*[A-Za-z.]+)?\s*[-–—]{1,2}\s")
_ISTANA = re.compile(r"\bIstana\b")
_OFFICE = re.compile(
    r"\b(?:Kementerian|Kemen[A-Za-z]+|Kemenko\w*|Kantor|Gedung|Mabes|Markas|Balai\s?Kota|Pendopo|Kompleks Parlemen"
    r"|DPR|MPR|DPD|DPRD|KPK|Kejagung|Kejaksaan|Bareskrim|Polda|Polres|Kodam|Wisma|Graha)\b"
)
_BRANDS = frozenset({"detik", "kumparan"})  # "detikNews", "kumparanBISNIS": names written glued on purpose
_LIST_LINE = re.compile(r"^\s*(?:[-•*]\s|\d{1,2}[.)]\s)")
_QUOTED = re.compile(r"[\"“][^\"“”\n]{2,}[\"”]")


def is_page_furniture(line: str) -> bool:
    """True for a page's repeated lines: "ADVERTISEMENT", "SCROLL TO CONTINUE WITH CONTENT", teasers.

    >>> [is_page_furniture(x) for x in ("ADVERTISEMENT", "Simak juga Video: Prabowo di Istana", "Baca juga: X", "Ia simak.")]
    [True, True, True, False]
    """
    return bool(PAGE_FURNITURE.match(line))


def is_headline(line: str) -> bool:
    """A first line that reads as a headline: no dateline, no final full stop, most words capitalised.

    >>> is_headline("Prabowo Panggil Menteri ke Istana Jelang Reshuffle")
    True
    >>> is_headline("JAKARTA, KOMPAS.com - Presiden Prabowo tiba di Istana.")
    False
    """
    line = line.strip()
    words = [w for w in line.split() if w[:1].isalpha()]
    if len(words) < 3 or line.endswith(".") or _DATELINE.match(line):
        return False
    capitals = sum(w[0].isupper() for w in words)
    return capitals >= 0.6 * len(words)


def glued_words(text: str) -> int:
    """How many places the text glues two words where a page lost a space ("kataPrabowo", "diJakarta").

    Counted as white-space words that :func:`indonews.text.word_spans` splits at a case change after a
    lower-case run of two or more letters, so "iPhone", "McDonald" or "detikNews" do not count.

    >>> glued_words("kataPrabowo tiba diJakarta; iPhone dan McDonald tidak")
    2
    """
    n = 0
    for m in re.finditer(r"\S+", text):
        word = m.group()
        parts = [word[s:e] for s, e in word_spans(word)]
        for a, b in zip(parts, parts[1:]):
            if a.isalpha() and a.islower() and len(a) >= 2 and b[:1].isupper() and a not in _BRANDS:
                n += 1
    return n


def _people(doc: Document) -> list[list[str]]:
    """LEADER mentions grouped by person (a short form joins the longest name it is the start or end of)."""
    names = [e.text for e in sorted(doc.entities, key=lambda e: e.start) if e.label == "LEADER"]
    full = sorted(set(names), key=lambda n: -len(n.split()))
    groups: dict[str, list[str]] = {}
    for n in names:
        parts = n.split()
        owner = next(
            (
                f
                for f in full
                if len(f.split()) > len(parts)
                and (f.split()[: len(parts)] == parts or f.split()[-len(parts) :] == parts)
            ),
            n,
        )
        groups.setdefault(owner, []).append(n)
    return list(groups.values())


def register_stats(docs: Iterable[Document]) -> dict[str, float]:
    """The register of ``docs``: shares (0-1) and medians, keyed by what they measure.

    - ``headline``: documents whose first line is a headline (:func:`is_headline`);
    - ``deictic dates`` (:data:`DEICTIC`), ``deictic or relative dates`` (and :data:`RELATIVE`), ``"hari ini"``:
      shares of DATE mentions;
    - ``page noise``: documents with an advertisement or teaser line (:func:`is_page_furniture`);
    - ``glued words``: documents with at least one (:func:`glued_words`);
    - ``short-name-only people``: leaders (per document) never named with more than one word, and
      ``first mention in full``: of the leaders with a longer name, those first named by it;
    - ``Istana venues``, ``office venues``: shares of VENUE mentions;
    - ``list lines``: documents with a bulleted or numbered line;
    - ``median chars``, ``median lines``, ``quoted chars``: length and the share of characters in quotes.
    """
    docs = list(docs)
    n = len(docs) or 1
    dates = venues = deictic = relative = today = istana = office = 0
    people = short_only = with_full = first_full = 0
    headline = noise = glued = lists = quoted = chars = 0
    lengths, line_counts = [], []
    for d in docs:
        lines = [x for x in d.text.split("\n") if x.strip()]
        headline += bool(lines) and is_headline(lines[0])
        noise += any(is_page_furniture(x) for x in lines)
        lists += any(_LIST_LINE.match(x) for x in lines)
        glued += glued_words(d.text) > 0
        lengths.append(len(d.text))
        line_counts.append(len(lines))
        chars += len(d.text)
        quoted += sum(len(m.group()) for m in _QUOTED.finditer(d.text))
        for e in d.entities:
            if e.label == "DATE":
                dates += 1
                deictic += bool(DEICTIC.search(e.text))
                relative += bool(DEICTIC.search(e.text) or RELATIVE.search(e.text))
                today += e.text.lower() == "hari ini"
            elif e.label == "VENUE":
                venues += 1
                istana += bool(_ISTANA.search(e.text))
                office += not _ISTANA.search(e.text) and bool(_OFFICE.search(e.text))
        for mentions in _people(d):
            people += 1
            longest = max(mentions, key=lambda m: len(m.split()))
            if len(longest.split()) == 1:
                short_only += 1
            else:
                with_full += 1
                first_full += mentions[0] == longest
    return {
        "documents": len(docs),
        "headline": headline / n,
        "deictic dates": deictic / (dates or 1),
        "deictic or relative dates": relative / (dates or 1),
        '"hari ini"': today / (dates or 1),
        "page noise": noise / n,
        "glued words": glued / n,
        "short-name-only people": short_only / (people or 1),
        "first mention in full": first_full / (with_full or 1),
        "Istana venues": istana / (venues or 1),
        "office venues": office / (venues or 1),
        "list lines": lists / n,
        "median chars": median(lengths) if lengths else 0,
        "median lines": median(line_counts) if line_counts else 0,
        "quoted chars": quoted / (chars or 1),
    }


def register_table(named: dict[str, dict[str, float]]) -> str:
    """A Markdown table, one column per corpus (or split), one row per trait."""
    names = list(named)
    keys = list(next(iter(named.values()))) if named else []
    out = ["| trait | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for k in keys:
        cells = []
        for name in names:
            v = named[name][k]
            cells.append(f"{v:.0%}" if isinstance(v, float) and k not in ("median chars", "median lines") else f"{v:g}")
        out.append(f"| {k} | " + " | ".join(cells) + " |")
    return "\n".join(out)
