"""The shipped corpus: valid, in sync with its markup sources, the promised sizes, and as its datasheet says."""

import re
from pathlib import Path

import pytest

from indonews.data.corpus import SPLITS, build_corpus, corpus_stats, leader_people, shared_frames, stats_table
from indonews.schema import read_jsonl

DATA = Path(__file__).resolve().parents[1] / "data"
MIN_DOCS = {"train": 220, "dev": 40, "test": 40}


@pytest.fixture(scope="module")
def corpus():
    return {split: read_jsonl(DATA / f"{split}.jsonl") for split in SPLITS}


def test_splits_are_valid_and_big_enough(corpus):
    for split, docs in corpus.items():
        assert len(docs) >= MIN_DOCS[split], split


def test_jsonl_is_built_from_the_markup_sources(tmp_path, corpus):
    report = build_corpus(DATA / "src", tmp_path)
    assert report.errors == []
    for split in SPLITS:
        rebuilt = (tmp_path / f"{split}.jsonl").read_text(encoding="utf-8")
        assert rebuilt == (DATA / f"{split}.jsonl").read_text(encoding="utf-8"), (
            f"data/{split}.jsonl is stale: run python scripts/build_corpus.py"
        )


def test_document_ids_are_unique_across_splits(corpus):
    ids = [d.id for docs in corpus.values() for d in docs]
    assert len(ids) == len(set(ids))


def _trigrams(text: str) -> set:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def test_dev_and_test_do_not_reuse_train_stories(corpus):
    """No held-out article shares more than 15% of its word trigrams with any training article."""
    train = [(d.id, _trigrams(d.text)) for d in corpus["train"]]
    for split in ("dev", "test"):
        for d in corpus[split]:
            mine = _trigrams(d.text)
            for tid, theirs in train:
                overlap = len(mine & theirs) / min(len(mine), len(theirs))
                assert overlap < 0.15, f"{d.id} shares {overlap:.0%} of its trigrams with {tid}"


def test_dev_and_test_sentence_frames_are_not_in_train(corpus):
    """No held-out sentence repeats a training sentence's pattern with other names, places and dates."""
    held_out = corpus["dev"] + corpus["test"]
    assert shared_frames(corpus["train"], held_out) == []


def test_datasheet_counts_match_the_files(corpus):
    sheet = (DATA / "README.md").read_text(encoding="utf-8")
    table = stats_table({split: corpus_stats(docs) for split, docs in corpus.items()})
    assert table in sheet, "data/README.md counts differ from the files; paste the table build_corpus.py prints"


def test_share_of_articles_with_at_most_one_leader(corpus):
    docs = [d for split in SPLITS for d in corpus[split]]
    rare = sum(len(leader_people(d)) <= 1 for d in docs)
    assert rare / len(docs) >= 0.20


def test_page_furniture_share(corpus):
    furniture = re.compile(r"Baca juga|Foto:|SCROLL TO CONTINUE|ADVERTISEMENT|Editor:|Reporter:|KOMPAS\.com|ANTARA")
    docs = [d for split in SPLITS for d in corpus[split]]
    assert sum(bool(furniture.search(d.text)) for d in docs) / len(docs) >= 0.30
