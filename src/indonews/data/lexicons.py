"""Surfaces for mention replacement, read from well-kept data packages (never copied into the repo).

* person names by country from ``names-dataset`` (top first and last names of 105 countries; loading it
  takes ~3 GB and ~15 s, so the Latin-script lists are extracted once and cached as JSON);
* Indonesian provinces, regencies/cities and their capitals from ``areaid``;
* country and territory names in Indonesian from Babel's CLDR data;
* Indonesian date expressions, generated.

Person names are split once, by a stable hash, into a *training* share and a *held-out* share: augmentation
draws only from the first, so the second can test how a model does on names it has never met.
"""

from __future__ import annotations

import json
import logging
import random
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from indonews.files import default_cache_dir, read_json
from indonews.outputs import write_text

log = logging.getLogger(__name__)

NAMES_PER_COUNTRY = 300
HELD_OUT_PERCENT = 20
# Countries whose names Indonesian news writes family name first ("Xi Jinping", "Kim Jong Un").
FAMILY_FIRST = {"CN", "HK", "TW", "KR", "VN", "SG", "MO"}


def is_held_out(name: str) -> bool:
    """Stable assignment of a given or family name to the held-out share (same on every machine)."""
    return zlib.crc32(name.casefold().encode()) % 100 < HELD_OUT_PERCENT


def _latin(name: str) -> str | None:
    """The name in Latin script: Latin kept as written (with diacritics), Cyrillic/Greek transliterated,
    anything else (Arabic, Han, Hangul, ...) dropped."""
    from anyascii import anyascii

    scripts = {unicodedata.name(c, "?").split()[0] for c in name if c.isalpha()}
    if not scripts:
        return None
    if scripts <= {"LATIN"}:
        return name
    if scripts <= {"CYRILLIC", "GREEK"}:
        return anyascii(name)
    return None


def _clean(names: Iterable[str]) -> list[str]:
    out, seen = [], set()
    for n in names:
        n = _latin(n.strip()) if n else None
        if not n or len(n) < 2 or not n[0].isupper() or " " in n or n.casefold() in seen:
            continue
        seen.add(n.casefold())
        out.append(n)
    return out


def extract_person_names(per_country: int = NAMES_PER_COUNTRY) -> dict[str, dict[str, list[str]]]:
    """``{country: {"first": [...], "last": [...]}}`` in Latin script, from names-dataset (slow: ~15 s)."""
    from names_dataset import NameDataset

    nd = NameDataset()
    out = {}
    for cc in nd.get_country_codes(alpha_2=True):
        first = nd.get_top_names(n=per_country, country_alpha2=cc).get(cc, {})
        last = nd.get_top_names(n=per_country, country_alpha2=cc, use_first_names=False).get(cc, [])
        names = {"first": _clean(first.get("M", []) + first.get("F", [])), "last": _clean(last)}
        if names["first"] and names["last"]:
            out[cc] = names
    return out


def person_names(cache_dir: str | Path | None = None) -> dict[str, dict[str, list[str]]]:
    """The Latin-script name lists, extracted from names-dataset on first use and cached."""
    path = Path(cache_dir or default_cache_dir()) / f"names_latin_{NAMES_PER_COUNTRY}.json"
    cached = read_json(path)
    if cached is not None:
        return cached
    log.info("extracting Latin-script person names from names-dataset (once; ~15 s, ~3 GB)")
    names = extract_person_names()
    write_text(path, json.dumps(names, ensure_ascii=False))
    return names


def indonesian_regions() -> list[str]:
    """Provinces, regencies and cities (as written: "Kabupaten Badung", "Kota Ambon") and regency capitals."""
    from areaid import buka_data, buka_nama

    out: set[str] = set()
    for province in buka_nama()["himpunan"]:
        for p in buka_data(province.lower()):
            out.add(_title(p["provinsi"]))
            for kab in p.get("kabupaten", []):
                out.add(_title(kab["kab_kota"]))
                if kab.get("ibukota"):
                    out.add(_title(kab["ibukota"]))
    return sorted(out)


def _title(s: str) -> str:
    """areaid writes some names in capitals ("KOTA AMBON"); news writes them in title case."""
    s = " ".join(s.split())
    return s.title() if s.isupper() or s.islower() else s


# CLDR territory codes that are not places one can be at: pseudo-locales, unknown, and organisations.
NOT_PLACES = {"XA", "XB", "ZZ", "EU", "EZ", "UN", "QO"}


def country_names(locale: str = "id") -> list[str]:
    """Country and territory names in Indonesian (CLDR via Babel), without the numeric world regions."""
    from babel import Locale

    return sorted(
        name
        for code, name in Locale(locale).territories.items()
        if code.isalpha() and code not in NOT_PLACES and "(" not in name
    )


DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
PARTS = ["pagi", "siang", "sore", "malam", "dini hari"]
ZONES = ["WIB", "WITA", "WIT"]
RELATIVE = [
    "kemarin",
    "hari ini",
    "besok",
    "esok hari",
    "lusa",
    "pekan lalu",
    "pekan depan",
    "minggu lalu",
    "bulan lalu",
    "bulan depan",
    "tahun lalu",
    "tahun depan",
    "awal pekan ini",
    "akhir pekan lalu",
    "tadi malam",
    "dini hari tadi",
    "kemarin sore",
    "pagi tadi",
    "awal tahun ini",
    "akhir tahun ini",
]


def date_expression(rng: random.Random) -> str:
    """One Indonesian date expression in a form news uses ("Rabu (22/10/2025)", "akhir Juni", ...)."""
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2015, 2030)
    day, month = rng.choice(DAYS), MONTHS[m - 1]
    forms = [
        lambda: f"{day} ({d}/{m})",
        lambda: f"{day} ({d}/{m}/{y})",
        lambda: f"{day} ({d}/{m}) {rng.choice(PARTS)}",
        lambda: f"{d} {month} {y}",
        lambda: f"{d} {month}",
        lambda: f"{day}, {d} {month} {y}",
        lambda: f"pukul {rng.randint(0, 23):02d}.{rng.choice([0, 15, 30, 45]):02d} {rng.choice(ZONES)}",
        lambda: f"{day} {rng.choice(PARTS)}",
        lambda: f"{rng.choice(['awal', 'pertengahan', 'akhir'])} {month}",
        lambda: f"{rng.choice(['awal', 'pertengahan', 'akhir'])} {month} {y}",
        lambda: f"{month} {y}",
        lambda: f"{month} lalu",
        lambda: f"tahun {y}",
        lambda: f"{d}-{min(d + rng.randint(1, 3), 31)} {month}",
        lambda: f"{d}-{min(d + rng.randint(1, 3), 31)} {month} {y}",
        lambda: rng.choice(RELATIVE),
    ]
    return rng.choice(forms)()


@dataclass
class Lexicon:
    """Replacement surfaces per label, kept per source so that a big list does not drown a small one.

    ``pools[label]`` maps a source name to its surfaces; ``people`` holds names by country for building
    full names; ``dates`` switches the date generator on. Sampling picks a source, then a surface.
    """

    pools: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    people: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    dates: bool = False

    def add(self, label: str, source: str, surfaces: Iterable[str]) -> None:
        surfaces = sorted(set(surfaces))
        if surfaces:
            self.pools.setdefault(label, {})[source] = surfaces

    def person(self, rng: random.Random) -> str:
        cc = rng.choice(sorted(self.people))
        first, last = self.people[cc]["first"], self.people[cc]["last"]
        if cc == "ID":  # "Joko Santoso", "Sri Wahyuni Lestari", or a single name
            parts = [rng.choice(first)] + [rng.choice(first + last) for _ in range(rng.choice([0, 1, 1, 1, 2]))]
            return " ".join(parts)
        given, family = rng.choice(first), rng.choice(last)
        return f"{family} {given}" if cc in FAMILY_FIRST else f"{given} {family}"

    def sources(self, label: str) -> list[str]:
        names = sorted(self.pools.get(label, {}))
        if label == "LEADER" and self.people:
            names.append("names")
        if label == "DATE" and self.dates:
            names.append("dates")
        return names

    def sample(self, label: str, rng: random.Random) -> str | None:
        sources = self.sources(label)
        if not sources:
            return None
        src = rng.choice(sources)
        if src == "names" and label == "LEADER":
            return self.person(rng)
        if src == "dates" and label == "DATE":
            return date_expression(rng)
        return rng.choice(self.pools[label][src])


def split_people(people: dict[str, dict[str, list[str]]], held_out: bool) -> dict[str, dict[str, list[str]]]:
    """The training (``held_out=False``) or held-out share of every country's names."""
    out = {}
    for cc, names in people.items():
        share = {k: [n for n in v if is_held_out(n) == held_out] for k, v in names.items()}
        if share["first"] and share["last"]:
            out[cc] = share
    return out


SOURCES = ("corpus", "names", "regions", "countries", "dates")


def build_lexicon(
    sources: Iterable[str],
    corpus_surfaces: dict[str, Iterable[str]] | None = None,
    cache_dir: str | Path | None = None,
    held_out: bool = False,
) -> Lexicon:
    """Assemble replacement surfaces from the named sources.

    ``sources`` is any of ``corpus`` (surfaces of the training split), ``names`` (names-dataset), ``regions``
    (areaid), ``countries`` (Babel/CLDR) and ``dates`` (generated). ``held_out=True`` gives the held-out
    share of person names instead of the training share.
    """
    sources = set(sources)
    unknown = sources - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown augmentation sources {sorted(unknown)}; choose from {', '.join(SOURCES)}")
    lex = Lexicon(dates="dates" in sources)
    if "corpus" in sources:
        for label, surfaces in (corpus_surfaces or {}).items():
            lex.add(label, "corpus", surfaces)
    if "names" in sources:
        lex.people = split_people(person_names(cache_dir), held_out)
    if "regions" in sources:
        lex.add("VENUE", "regions", indonesian_regions())
    if "countries" in sources:
        lex.add("VENUE", "countries", country_names())
    return lex
