from indonews.text import sentence_spans, word_spans


def sents(t):
    return [t[s:e] for s, e in sentence_spans(t)]


def test_sentences_do_not_break_on_titles_initials_numbers_dates():
    t = (
        "Dr. H. Anwar tiba di Jl. Merdeka No. 5 pukul 09.00 WIB. Inflasi 8,5 persen pada 22/10/2025. "
        "B. J. Habibie pernah ke St. Petersburg. Selesai!"
    )
    assert sents(t) == [
        "Dr. H. Anwar tiba di Jl. Merdeka No. 5 pukul 09.00 WIB.",
        "Inflasi 8,5 persen pada 22/10/2025.",
        "B. J. Habibie pernah ke St. Petersburg.",
        "Selesai!",
    ]


def test_quote_and_attribution_stay_one_sentence_and_lines_split():
    t = '"Sebulan yang lalu saya mampir ke IKN," kata Gibran. "Saya senang." Ia pulang.\nBaca juga: X'
    assert sents(t) == [
        '"Sebulan yang lalu saya mampir ke IKN," kata Gibran.',
        '"Saya senang."',
        "Ia pulang.",
        "Baca juga: X",
    ]


def test_spans_are_offsets_into_the_text():
    t = "  Satu.  Dua?\n\nTiga  "
    assert [t[s:e] for s, e in sentence_spans(t)] == ["Satu.", "Dua?", "Tiga"]


def test_word_spans_keep_dates_and_numbers_whole():
    t = "Senin (14/11) pukul 09.00 WIB, inflasi 8,5% di Al-Sisi-nya."
    assert [t[s:e] for s, e in word_spans(t)] == [
        "Senin",
        "(",
        "14/11",
        ")",
        "pukul",
        "09.00",
        "WIB",
        ",",
        "inflasi",
        "8,5",
        "%",
        "di",
        "Al-Sisi-nya",
        ".",
    ]
