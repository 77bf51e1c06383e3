"""The HTML page of scripts/render.py: escaping, gold and predicted input, atomic writes, and a real browser.

The browser tests run headless Chromium on the page and read back its DOM and a screenshot. They skip
when no Chromium is installed, unless INDONEWS_REQUIRE_BROWSER=1 (set by .ci/run), where they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from html.parser import HTMLParser

import pytest
from conftest import run_script

from indonews.render import LABEL_COLOURS, Page, browser_command, find_browser, read_pages, render_page, write_page
from indonews.schema import Document, Entity, Relation, read_jsonl, write_jsonl

HOSTILE = 'Presiden <b>Prabowo</b> & "Joko Widodo" </div><script>document.title="pwned"</script> di Bogor, Senin.'


def hostile_doc() -> Document:
    t = HOSTILE
    spans = [
        ("Prabowo", "LEADER", 0.987),
        ("Joko Widodo", "LEADER", None),
        ("Bogor", "VENUE", 0.5),
        ("Senin", "DATE", 1),
    ]
    ents = []
    for i, (surface, label, score) in enumerate(spans, 1):
        s = t.index(surface)
        ents.append(Entity(f"T{i}", s, s + len(surface), label, surface, score))
    rels = [Relation("T1", "T2", "MEET", 0.9), Relation("T1", "T3", "AT"), Relation("T2", "T4", "ON")]
    return Document("<img src=x onerror=alert(1)>", t, ents, rels)


class PageReader(HTMLParser):
    """What a reader of the page sees: the marks (label, id, tooltip, text), each article's text, all tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: Counter = Counter()
        self.marks: list[dict] = []
        self.texts: list[str] = []
        self.meeting_rows: list[list[str]] = []
        self._mark = None
        self._text_depth = 0
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] += 1
        if self._text_depth:
            self._text_depth += 1
        if tag == "div" and a.get("class") == "text":
            self._text_depth = 1
            self.texts.append("")
        if tag == "mark":
            self._mark = {**a, "text": ""}
        if tag == "tr" and a.get("class") == "meeting":
            self.meeting_rows.append([])
        if tag == "td" and self.meeting_rows:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "mark" and self._mark is not None:
            self.marks.append(self._mark)
            self._mark = None
        if tag == "td" and self._cell is not None:
            self.meeting_rows[-1].append(self._cell)
            self._cell = None
        if self._text_depth:
            self._text_depth -= 1

    def handle_data(self, data):
        if self._mark is not None:
            self._mark["text"] += data
        if self._text_depth:
            self.texts[-1] += data
        if self._cell is not None:
            self._cell += data


def read_page(html: str) -> PageReader:
    r = PageReader()
    r.feed(html)
    r.close()
    return r


@pytest.fixture(scope="module")
def browser():
    found = find_browser()
    if found is None:
        if os.environ.get("INDONEWS_REQUIRE_BROWSER") == "1":
            pytest.fail("INDONEWS_REQUIRE_BROWSER=1 but no Chromium found (apt-get install chromium)")
        pytest.skip("no Chromium on this machine (apt-get install chromium, or set CHROMIUM=/path/to/it)")
    return found


def browser_dom(browser: str, html_path) -> str:
    """The DOM after Chromium has parsed (and would have run) the page."""
    cmd = browser_command(browser, "--dump-dom", html_path.resolve().as_uri())
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120).stdout


def assert_marks_match(reader: PageReader, docs: list[Document]) -> None:
    want = [(e.label, e.id, e.text, e.score) for d in docs for e in sorted(d.entities, key=lambda x: x.start)]
    got = [(m["data-label"], m["data-id"], m["text"], m.get("data-score")) for m in reader.marks]
    assert [w[:3] for w in want] == [g[:3] for g in got]
    for (label, eid, _, score), mark in zip(want, reader.marks):
        assert mark["title"].startswith(f"{label} {eid}")
        if score is None:
            assert "data-score" not in mark and "score" not in mark["title"]
        else:
            assert float(mark["data-score"]) == pytest.approx(score) and f"score {score:.3f}" in mark["title"]
    assert reader.texts == [d.text for d in docs]


def pages_of(docs: list[Document]) -> list[Page]:
    """Pages as read_pages builds them from a gold file (meetings from the relations)."""
    from indonews.relations.meetings import assemble_meetings

    return [Page(d, [m.to_dict() for m in assemble_meetings(d)], "from the annotated relations") for d in docs]


# -- without a browser -----------------------------------------------------------------------------


def test_page_escapes_untrusted_text_and_keeps_it_exact():
    doc = hostile_doc()
    html = render_page(pages_of([doc]), title="<script>x</script>")
    reader = read_page(html)
    assert reader.tags["script"] == 0 and reader.tags["img"] == 0 and reader.tags["b"] == 0
    assert_marks_match(reader, [doc])
    assert "http://" not in html and "https://" not in html and "<link" not in html  # nothing to fetch


def test_gold_file_meetings_come_from_relations(tmp_path):
    doc = hostile_doc()
    write_jsonl([doc, Document("plain", "Tanpa entitas.")], tmp_path / "gold.jsonl")
    pages = read_pages(tmp_path / "gold.jsonl")
    assert [p.meetings_source for p in pages] == ["from the annotated relations", ""]
    (m,) = pages[0].meetings
    assert [p["name"] for p in m["leaders"]] == ["Prabowo", "Joko Widodo"]
    assert [v["text"] for v in m["venues"]] == ["Bogor"] and [d["text"] for d in m["dates"]] == ["Senin"]
    rows = read_page(render_page(pages)).meeting_rows
    assert rows == [["Prabowo, Joko Widodo", "Bogor", "Senin", "0.900"]]


def test_the_dev_corpus_renders_every_mention():
    from conftest import ROOT

    pages = read_pages(ROOT / "data" / "dev.jsonl")
    reader = read_page(render_page(pages))
    assert_marks_match(reader, [p.doc for p in pages])
    assert len(reader.meeting_rows) == sum(len(p.meetings) for p in pages) > 0


def test_predicted_meetings_field_is_shown_as_written(tmp_path):
    doc = hostile_doc().to_dict()
    doc["meetings"] = [
        {"sentence": [0, 10], "leaders": [{"id": "T1", "name": "<i>X</i>", "mention": "X"}], "score": 0.25}
    ]
    (tmp_path / "pred.jsonl").write_text(json.dumps(doc) + "\n", encoding="utf-8")
    (page,) = read_pages(tmp_path / "pred.jsonl")
    assert page.meetings_source == "predicted"
    reader = read_page(render_page([page]))
    assert reader.tags["i"] == 0
    assert reader.meeting_rows == [["<i>X</i> (X)", "–", "–", "0.250"]]


def test_write_is_atomic(tmp_path, monkeypatch):
    out = tmp_path / "page.html"
    write_page(pages_of([hostile_doc()]), out)
    before = out.read_text(encoding="utf-8")

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("indonews.render.render_page", boom)
    with pytest.raises(RuntimeError):
        write_page([], out)
    assert out.read_text(encoding="utf-8") == before
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_bad_input_is_one_line_error(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"id": "a", "text": "abc", "entities": [{"id": "T1"}]}\n')
    out = tmp_path / "x.html"
    proc = run_script(
        "render", f"input={tmp_path / 'bad.jsonl'}", f"output={out}", f"hydra.run.dir={tmp_path}", check=False
    )
    assert proc.returncode == 1 and "bad.jsonl:1" in proc.stderr and not out.exists()


# -- in a real browser -----------------------------------------------------------------------------


def test_browser_shows_highlighted_spans_with_labels(browser, tmp_path):
    doc = hostile_doc()
    html_path = write_page(pages_of([doc]), tmp_path / "page.html")
    reader = read_page(browser_dom(browser, html_path))
    assert reader.tags["script"] == 0 and reader.tags["img"] == 0
    assert_marks_match(reader, [doc])

    import numpy as np
    from PIL import Image

    from indonews.render import screenshot

    png = screenshot(html_path, tmp_path / "page.png", size=(900, 500))
    with Image.open(png) as im:
        assert im.format == "PNG" and im.size == (900, 500)
        pixels = np.asarray(im.convert("RGB")).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 20  # text, highlights and a legend, not one flat colour
    for label, (bg, _) in LABEL_COLOURS.items():
        rgb = [int(bg[i : i + 2], 16) for i in (1, 3, 5)]
        assert (pixels == rgb).all(axis=1).sum() > 200, f"no {label} highlight ({bg}) in the screenshot"


def test_render_script_on_predictions_in_browser(browser, trained_model, corpus_dir, tmp_path):
    pred = tmp_path / "pred.jsonl"
    run_script("predict", f"model_dir={trained_model}", f"input={corpus_dir / 'test.jsonl'}", f"output={pred}")
    html_path, png = tmp_path / "page.html", tmp_path / "page.png"
    run_script(
        "render",
        f"input={pred}",
        f"output={html_path}",
        f"screenshot={png}",
        "screenshot_size=[800,600]",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    docs = read_jsonl(pred)
    reader = read_page(browser_dom(browser, html_path))
    assert_marks_match(reader, docs)
    written = [json.loads(line) for line in pred.read_text(encoding="utf-8").splitlines()]
    assert len(reader.meeting_rows) == sum(len(d.get("meetings", [])) for d in written)
    assert png.stat().st_size > 5_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
