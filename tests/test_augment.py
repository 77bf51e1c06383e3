"""Mention replacement keeps documents valid; the lexicons read from data packages are what they claim."""

import random

import pytest

from indonews.data.augment import augment_documents, corpus_surfaces, replace_mentions, with_unseen_names
from indonews.data.lexicons import (
    Lexicon,
    _latin,
    build_lexicon,
    country_names,
    date_expression,
    indonesian_regions,
    is_held_out,
    split_people,
)
from indonews.data.markup import parse_markup
from indonews.schema import document_from_dict

STORY = """### s1
Presiden [Prabowo Subianto]{LEADER} menerima Perdana Menteri [Anthony Albanese]{LEADER} di [Istana Bogor]{VENUE}, [Senin (12/5)]{DATE}.
@ MEET Prabowo Subianto | Anthony Albanese ; AT Prabowo Subianto | Istana Bogor ; ON Prabowo Subianto | Senin (12/5)
"Kami sepakat," kata [Prabowo]{LEADER}. [Albanese]{LEADER} lalu terbang ke [Bali]{VENUE}.
@ AT Albanese | Bali
"""

PEOPLE = {
    "NO": {"first": ["Ingrid", "Lars"], "last": ["Solberg", "Haugen"]},
    "CN": {"first": ["Wei"], "last": ["Zhang"]},
}


def lexicon():
    lex = Lexicon(people=PEOPLE, dates=True)
    lex.add("VENUE", "test", ["Kabupaten Badung", "Oslo", "Gedung Sate"])
    return lex


def test_replaced_documents_stay_valid_and_keep_relations():
    doc = parse_markup(STORY)[0]
    for aug in augment_documents([doc], lexicon(), copies=20, p=1.0, seed=3):
        document_from_dict(aug.to_dict(), "aug")  # offsets, edges, relation ids and types
        assert [r.to_dict() for r in aug.relations] == [r.to_dict() for r in doc.relations]
        assert [(e.id, e.label) for e in aug.entities] == [(e.id, e.label) for e in doc.entities]
        assert all(aug.text[e.start : e.end] == e.text for e in aug.entities)
        assert aug.meta["augmented_from"] == "s1" and aug.id.startswith("s1#aug")
        assert '"Kami sepakat," kata' in aug.text  # text outside mentions is untouched


def test_short_forms_follow_their_full_name():
    doc = parse_markup(STORY)[0]
    seen_change = False
    for aug in augment_documents([doc], lexicon(), copies=20, p=0.5, seed=5):
        leaders = {e.id: e.text for e in aug.entities if e.label == "LEADER"}
        full, short = leaders["T1"], leaders[next(e.id for e in doc.entities if e.text == "Prabowo")]
        assert short == full.split()[0]
        full2, short2 = leaders["T2"], leaders[next(e.id for e in doc.entities if e.text == "Albanese")]
        assert short2 == full2.split()[-1]
        seen_change |= full != "Prabowo Subianto"
    assert seen_change


def test_same_seed_same_copies_and_p_zero_changes_nothing():
    doc = parse_markup(STORY)[0]
    a = [d.to_dict() for d in augment_documents([doc], lexicon(), copies=3, seed=9)]
    b = [d.to_dict() for d in augment_documents([doc], lexicon(), copies=3, seed=9)]
    assert a == b
    same = replace_mentions(doc, lexicon(), random.Random(0), p=0.0)
    assert same.text == doc.text


def test_latin_script_names_only():
    assert _latin("Ásrún") == "Ásrún"
    assert _latin("Александр") == "Aleksandr"
    assert _latin("محمد") is None and _latin("王") is None


def test_held_out_names_never_reach_the_training_share():
    people = {"XX": {"first": [f"Nama{i}" for i in range(200)], "last": [f"Marga{i}" for i in range(200)]}}
    train, held = split_people(people, False), split_people(people, True)
    for part in ("first", "last"):
        assert set(train["XX"][part]).isdisjoint(held["XX"][part])
        assert all(not is_held_out(n) for n in train["XX"][part])
        assert len(held["XX"][part]) > 10


def test_regions_countries_and_dates():
    regions = indonesian_regions()
    assert {"Kabupaten Badung", "Bali", "Mengwi"} <= set(regions) and len(regions) > 500
    countries = country_names()
    assert {"Jepang", "Afrika Selatan", "Timor Leste"} & set(countries) and "Aksen Asing" not in countries
    assert "Perserikatan Bangsa-Bangsa" not in countries
    rng = random.Random(0)
    forms = {date_expression(rng) for _ in range(300)}
    assert len(forms) > 150 and any("(" in f for f in forms) and any(f.startswith("pukul") for f in forms)


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="unknown augmentation sources"):
        build_lexicon(["wikipedia"])


def test_unseen_names_come_from_the_held_out_share(tmp_path, monkeypatch):
    import indonews.data.lexicons as lx

    monkeypatch.setattr(
        lx,
        "person_names",
        lambda cache_dir=None: {
            "XX": {"first": [f"Nama{i}" for i in range(200)], "last": [f"Marga{i}" for i in range(200)]}
        },
    )
    doc = parse_markup(STORY)[0]
    (renamed,) = with_unseen_names([doc])
    for e in renamed.entities:
        if e.label == "LEADER":
            assert all(is_held_out(part) for part in e.text.split())
        else:
            assert e.text == doc.entity(e.id).text
    assert corpus_surfaces([renamed])["VENUE"] == ["Bali", "Istana Bogor"]
