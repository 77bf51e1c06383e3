"""Page noise keeps every annotation right while the text gets scraped-page flaws."""

import random

import pytest

from indonews.data.noise import OPERATIONS, NoiseRates, add_page_noise, noise_documents, noised_copy
from indonews.schema import document_from_dict

LOUD = NoiseRates(glue=0.5, spaces=0.2, furniture=1.0, headline=1.0, lowercase=1.0)


def test_noise_keeps_offsets_labels_and_relations(mini_docs):
    for seed in range(5):
        rng = random.Random(seed)
        for doc in mini_docs:
            noisy = add_page_noise(doc, rng, LOUD)
            document_from_dict(noisy.to_dict())  # offsets inside the text, no white-space edges, no overlap
            assert noisy.relations == doc.relations
            assert [(e.id, e.label) for e in noisy.entities] == [(e.id, e.label) for e in doc.entities]
            for old, new in zip(doc.entities, noisy.entities):
                assert noisy.text[new.start : new.end].lower() == old.text.lower()  # only the case may change


def test_each_operation_does_what_it_says(mini_docs):
    doc = next(d for d in mini_docs if "\n" in d.text and d.entities)
    only = {op: NoiseRates(**{k: (1.0 if k == op else 0.0) for k in OPERATIONS}) for op in OPERATIONS}
    glued = add_page_noise(doc, random.Random(0), only["glue"], ops=["glue"])
    assert len(glued.text) < len(doc.text) and glued.text.replace(" ", "") == doc.text.replace(" ", "")
    furnished = add_page_noise(doc, random.Random(0), only["furniture"], ops=["furniture"])
    assert furnished.text.count("\n") > doc.text.count("\n")
    lowered = add_page_noise(doc, random.Random(0), only["lowercase"], ops=["lowercase"])
    assert lowered.text != doc.text and lowered.text.lower() == doc.text.lower()
    titled = add_page_noise(doc, random.Random(0), only["headline"], ops=["headline"])
    assert titled.text.lower() == doc.text.lower()
    spaced = add_page_noise(doc, random.Random(0), NoiseRates(spaces=1.0), ops=["spaces"])
    assert spaced.text.split() != doc.text.split() or len(spaced.text) != len(doc.text)


def test_noise_is_seeded_and_test_copies_keep_their_ids(mini_docs):
    a = [d.text for d in noise_documents(mini_docs, 2, seed=3)]
    b = [d.text for d in noise_documents(mini_docs, 2, seed=3)]
    assert a == b and len(a) == 2 * len(mini_docs)
    assert [d.text for d in noise_documents(mini_docs, 2, seed=4)] != a
    copy = noised_copy(mini_docs)
    assert [d.id for d in copy] == [d.id for d in mini_docs] and copy == noised_copy(mini_docs)


def test_unknown_operation_is_refused(mini_docs):
    with pytest.raises(ValueError, match="unknown noise operations"):
        add_page_noise(mini_docs[0], random.Random(0), ops=["shout"])
