"""Register statistics, page furniture and the corpus checks that real-news traits need."""

from conftest import run_script

from indonews.data.corpus import _check
from indonews.data.markup import parse_markup
from indonews.data.register import glued_words, is_headline, is_page_furniture, register_stats

ONLINE = """### on-1
[Prabowo]{LEADER} Panggil Menteri ke [Istana]{VENUE} Jelang Reshuffle
Jakarta - Presiden [Prabowo Subianto]{LEADER} memanggil sejumlah menteri ke [Istana Merdeka]{VENUE} [hari ini]{DATE}.
ADVERTISEMENT
SCROLL TO CONTINUE WITH CONTENT
"Kami dipanggil Pak [Prabowo]{LEADER}," katanya di [Kemenkeu]{VENUE} [siang tadi]{DATE}.
Simak juga Video: Menteri Datang ke Istana Satu per Satu
- Menteri Keuangan [Purbaya]{LEADER}
Sumber lain menyebut rapat digelar diJakarta [pekan lalu]{DATE}.
### on-2
JAKARTA, KOMPAS.com - Gubernur [Pramono Anung]{LEADER} meninjau banjir di [Kampung Melayu]{VENUE}, [Senin (7/12/2026)]{DATE}.
"""


def test_register_stats_measure_each_trait():
    docs = parse_markup(ONLINE)
    st = register_stats(docs)
    assert st["documents"] == 2
    assert st["headline"] == 0.5  # on-1 opens with its headline, on-2 with a dateline
    assert st["page noise"] == 0.5 and st["glued words"] == 0.5 and st["list lines"] == 0.5
    # DATEs: hari ini, siang tadi (deictic), pekan lalu (relative), Senin (7/12/2026)
    assert st["deictic dates"] == 2 / 4 and st["deictic or relative dates"] == 3 / 4 and st['"hari ini"'] == 1 / 4
    # people: Prabowo (full name known, first mention short), Purbaya (short only), Pramono Anung (full first)
    assert st["short-name-only people"] == 1 / 3 and st["first mention in full"] == 1 / 2
    # VENUEs: Istana, Istana Merdeka, Kemenkeu, Kampung Melayu
    assert st["Istana venues"] == 2 / 4 and st["office venues"] == 1 / 4
    assert 0 < st["quoted chars"] < 0.2


def test_headline_furniture_and_glue_heuristics():
    assert is_headline("Jokowi Bertemu Zulhas di Solo, Bahas Pangan")
    assert not is_headline("Jakarta - Presiden tiba di Istana Negara pada Senin pagi")
    assert not is_headline("Presiden tiba.")
    assert is_page_furniture("Tonton juga: Prabowo Tiba di Istana") and is_page_furniture(
        "SCROLL TO CONTINUE WITH CONTENT"
    )
    assert not is_page_furniture("Baca buku itu, kata dia.")
    assert glued_words("ujarPrabowo kepada wartawan di detikNews, 2026Presiden") == 1


def test_furniture_may_repeat_but_story_sentences_may_not():
    teaser = "Simak juga Video: Prabowo Resmikan Bendungan di Jawa Tengah"
    story = "Rapat itu berlangsung tertutup selama hampir tiga jam lamanya."
    a = parse_markup(f"### a\n{teaser}\nADVERTISEMENT\n{story}")
    b = parse_markup(f"### b\n{teaser}\nADVERTISEMENT\nLain cerita di hari yang berbeda sama sekali.")
    _, errors = _check({"x": a, "y": b})
    assert errors == []
    c = parse_markup(f"### c\n{story}")
    _, errors = _check({"x": a, "z": c})
    assert len(errors) == 1 and "repeats" in errors[0]


def test_a_span_across_a_line_break_is_an_error(tmp_path):
    from indonews.schema import write_jsonl

    text = "Ia tiba di Istana\nNegara kemarin."
    path = tmp_path / "x.jsonl"
    write_jsonl([{"id": "x", "text": text, "entities": [{"id": "T1", "start": 11, "end": 24, "label": "VENUE"}]}], path)
    proc = run_script("validate", str(path), check=False)
    assert proc.returncode == 1 and "crosses a line break" in proc.stdout


def test_validate_prints_the_register_with_stats(tmp_path):
    from indonews.schema import write_jsonl

    path = tmp_path / "s.jsonl"
    write_jsonl(parse_markup(ONLINE), path)
    out = run_script("validate", "--stats", str(path)).stdout
    assert "| headline | 50% |" in out and "| deictic dates | 50% |" in out
