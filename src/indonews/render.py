"""One self-contained HTML page to look at documents: highlighted mentions and the meetings of each article.

It reads the annotation format (a gold corpus file such as ``data/dev.jsonl``, or what
``scripts/predict.py`` writes) and writes one file with inline CSS and nothing else: no scripts, no
fonts, no images to fetch (a Content-Security-Policy forbids them, so the page stays inert even if it
is opened from a hostile folder). Article text is untrusted: every character of it, of ids and of
names is HTML-escaped.

Each mention is a ``<mark>`` with ``data-label`` and a tooltip (label, id and score when there is
one); its label is drawn after it by CSS, so selecting and copying the article gives its text as it
is. Meetings come from the file's ``meetings`` field (predictions) or, for gold files, are assembled
from the annotated relations with :func:`indonews.relations.meetings.assemble_meetings`.

>>> from indonews.schema import Entity
>>> doc = Document("d1", "Jokowi <b>ke</b> Bali", [Entity("T1", 0, 6, "LEADER", "Jokowi", 0.91)])
>>> print(highlight(doc))
<mark class="ent" data-label="LEADER" data-id="T1" data-score="0.91" title="LEADER T1 · score 0.910">Jokowi</mark> &lt;b&gt;ke&lt;/b&gt; Bali
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from indonews.outputs import write_text
from indonews.schema import ENTITY_LABELS, Document, document_from_dict, iter_json_lines

# Background of a mention, and the (darker) colour of its label; one per label in schema.ENTITY_LABELS.
LABEL_COLOURS: dict[str, tuple[str, str]] = {
    "LEADER": ("#fdd49e", "#a14a00"),
    "VENUE": ("#c6dbef", "#1f5a99"),
    "DATE": ("#c7e9c0", "#1b6b35"),
}
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass
class Page:
    """What one article shows: the document and its meetings (dicts as ``Meeting.to_dict`` writes them)."""

    doc: Document
    meetings: list[dict]
    meetings_source: str  # "predicted" | "from the annotated relations" | ""


def _e(value) -> str:
    return escape(str(value), quote=True)


def read_pages(path: str | os.PathLike, limit: int | None = None) -> list[Page]:
    """The documents of an annotation-format JSONL file, validated as the corpus is, with their meetings."""
    from indonews.relations.meetings import assemble_meetings

    pages = []
    for _, where, obj in iter_json_lines(path):
        if limit is not None and len(pages) >= limit:
            break
        doc = document_from_dict(obj, where)
        raw = obj.get("meetings")
        if isinstance(raw, list):
            pages.append(Page(doc, [m for m in raw if isinstance(m, dict)], "predicted"))
        elif doc.relations:
            pages.append(Page(doc, [m.to_dict() for m in assemble_meetings(doc)], "from the annotated relations"))
        else:
            pages.append(Page(doc, [], ""))
    return pages


def highlight(doc: Document) -> str:
    """The document's text as escaped HTML, each entity a ``<mark>`` (entities must not overlap)."""
    out, pos = [], 0
    for ent in sorted(doc.entities, key=lambda x: (x.start, x.end)):
        if ent.start < pos:  # the validator refuses overlaps; never emit a broken nesting if one slips by
            continue
        out.append(_e(doc.text[pos : ent.start]))
        tip = f"{ent.label} {ent.id}" + (f" · score {ent.score:.3f}" if ent.score is not None else "")
        score = f' data-score="{_e(ent.score)}"' if ent.score is not None else ""
        out.append(
            f'<mark class="ent" data-label="{_e(ent.label)}" data-id="{_e(ent.id)}"{score} title="{_e(tip)}">'
            f"{_e(doc.text[ent.start : ent.end])}</mark>"
        )
        pos = ent.end
    out.append(_e(doc.text[pos:]))
    return "".join(out)


def _names(items: Iterable, key: str) -> str:
    parts = []
    for it in items or []:
        if isinstance(it, dict):
            name = str(it.get(key, it.get("text", "")))
            mention = it.get("mention")
            parts.append(_e(name) + (f" <small>({_e(mention)})</small>" if mention and mention != name else ""))
    return ", ".join(parts) or '<span class="none">–</span>'


def _meetings_table(page: Page) -> str:
    if not page.meetings_source:
        return '<p class="none">No relations, so no meetings.</p>'
    head = f"<h3>Meetings <small>({_e(page.meetings_source)})</small></h3>"
    if not page.meetings:
        return head + '<p class="none">None.</p>'
    rows = []
    for m in page.meetings:
        score = m.get("score")
        score = f"{score:.3f}" if isinstance(score, (int, float)) else "–"
        sent = m.get("sentence")
        tip = ""
        if isinstance(sent, list) and len(sent) == 2 and all(isinstance(x, int) for x in sent):
            tip = f' title="{_e(page.doc.text[sent[0] : sent[1]])}"'
        rows.append(
            f'<tr class="meeting"{tip}><td>{_names(m.get("leaders"), "name")}</td><td>{_names(m.get("venues"), "text")}'
            f'</td><td>{_names(m.get("dates"), "text")}</td><td class="num">{score}</td></tr>'
        )
    return (
        head + '<table class="meetings"><thead><tr><th>leaders</th><th>venues</th><th>dates</th><th>score</th></tr>'
        "</thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _css() -> str:
    rules = [
        "body{font:15px/1.55 system-ui,'DejaVu Sans',sans-serif;margin:1.5rem auto;max-width:60rem;padding:0 1rem;"
        "color:#222;background:#fff}",
        "h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.05rem;margin:0 0 .4rem}h3{font-size:.95rem;margin:.8rem 0 .3rem}",
        ".legend{display:flex;gap:.6rem;flex-wrap:wrap;margin:.6rem 0 1rem}",
        ".legend span{padding:.1rem .5rem;border-radius:.25rem}",
        "article{border-top:1px solid #ddd;padding:1rem 0}",
        ".text{white-space:pre-wrap;overflow-wrap:anywhere}",
        "mark.ent{padding:.05rem .15rem;border-radius:.2rem;color:inherit}",
        "mark.ent::after{content:attr(data-label);font-size:.62rem;font-weight:700;margin-left:.25rem;"
        "vertical-align:.08rem;letter-spacing:.03em}",
        "table.meetings{border-collapse:collapse;font-size:.9rem;width:100%}",
        "table.meetings th,table.meetings td{border:1px solid #ddd;padding:.2rem .4rem;text-align:left;vertical-align:top}",
        "td.num{text-align:right;font-variant-numeric:tabular-nums}",
        ".none,.meta,small{color:#777}",
        "nav{font-size:.85rem;margin-bottom:.5rem}nav a{margin-right:.5rem}",
    ]
    for lab, (bg, fg) in LABEL_COLOURS.items():
        rules.append(f'mark.ent[data-label="{lab}"],.legend [data-label="{lab}"]{{background:{bg}}}')
        rules.append(f'mark.ent[data-label="{lab}"]::after{{color:{fg}}}')
    return "\n".join(rules)


def render_page(pages: Sequence[Page], title: str = "indonews") -> str:
    """The whole HTML page for ``pages``."""
    counts = {lab: sum(e.label == lab for p in pages for e in p.doc.entities) for lab in ENTITY_LABELS}
    legend = "".join(
        f'<span data-label="{_e(lab)}">{_e(lab)} <small>{counts[lab]}</small></span>' for lab in ENTITY_LABELS
    )
    nav = "".join(f'<a href="#doc-{i}">{_e(p.doc.id)}</a>' for i, p in enumerate(pages, 1))
    articles = []
    for i, p in enumerate(pages, 1):
        d = p.doc
        meta = f"{len(d.entities)} entities, {len(d.relations)} relations"
        articles.append(
            f'<article id="doc-{i}" data-doc-id="{_e(d.id)}"><h2>{_e(d.id)} <small class="meta">{meta}</small></h2>'
            f'<div class="text">{highlight(d)}</div>{_meetings_table(p)}</article>'
        )
    n = len(pages)
    return (
        '<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>\n{_css()}\n</style></head>\n<body><header><h1>{_e(title)}</h1>"
        f'<p class="meta">{n} article{"s" if n != 1 else ""}; hover a mention for its id and score.</p>'
        f'<div class="legend">{legend}</div></header><nav>{nav}</nav>\n' + "\n".join(articles) + "\n</body></html>\n"
    )


def write_page(pages: Sequence[Page], path: str | os.PathLike, title: str = "indonews") -> Path:
    """Write :func:`render_page` atomically (:func:`indonews.outputs.write_text`)."""
    return write_text(path, render_page(pages, title))


def find_browser() -> str | None:
    """A Chromium-family executable: ``$CHROMIUM`` if set, else the first of :data:`BROWSERS` on PATH."""
    if os.environ.get("CHROMIUM"):
        return shutil.which(os.environ["CHROMIUM"])
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def browser_command(browser: str, *args: str) -> list[str]:
    """Headless Chromium flags that also work as root and in containers (no sandbox, no GPU, sRGB)."""
    return [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-color-profile=srgb",
        "--no-first-run",
        *args,
    ]


def screenshot(html: str | os.PathLike, png: str | os.PathLike, size: tuple[int, int] = (1000, 1400)) -> Path:
    """Photograph a page with headless Chromium (the top ``size`` pixels: width, height)."""
    browser = find_browser()
    if browser is None:
        raise FileNotFoundError(f"no Chromium found (tried {', '.join(BROWSERS)}; set CHROMIUM=/path/to/it)")
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    cmd = browser_command(browser, f"--screenshot={png}", f"--window-size={size[0]},{size[1]}")
    subprocess.run([*cmd, Path(html).resolve().as_uri()], check=True, capture_output=True, timeout=120)
    if not png.exists():
        raise RuntimeError(f"{browser} wrote no screenshot to {png}")
    return png
