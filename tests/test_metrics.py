import json

import numpy as np
import pytest
from transformers import EvalPrediction

from indonews.ner.metrics import build_compute_metrics, confusion_counts, markdown_table, score_documents
from indonews.schema import ID2LABEL, LABEL2ID, Document, Entity

TEXT = "Presiden Joko Widodo tiba di Bali, Indonesia, Senin (12/5)."


def ent(i, s, e, lab):
    return Entity(f"T{i}", s, e, lab, TEXT[s:e])


def test_word_level_strict_seqeval_on_a_hand_made_case():
    gold = Document("d", TEXT, [ent(1, 9, 20, "LEADER"), ent(2, 29, 33, "VENUE"), ent(3, 46, 58, "DATE")])
    pred = Document(
        "d", TEXT, [ent(1, 9, 13, "LEADER"), ent(2, 29, 33, "VENUE"), ent(3, 35, 44, "VENUE"), ent(4, 46, 58, "DATE")]
    )
    rep = score_documents([gold], [pred])
    e = rep["entities"]
    assert e["LEADER"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}  # partial match is wrong
    assert e["VENUE"]["precision"] == 0.5 and e["VENUE"]["recall"] == 1.0
    assert e["DATE"]["f1"] == 1.0
    assert e["micro"]["precision"] == 0.5 and e["micro"]["recall"] == pytest.approx(2 / 3)
    assert e["micro"]["f1"] == pytest.approx(4 / 7)
    assert e["macro"]["f1"] == pytest.approx((0 + 2 / 3 + 1) / 3)
    errs = sorted((x["type"], x["label"], x["text"]) for x in rep["errors"])
    assert errs == [
        ("false_negative", "LEADER", "Joko Widodo"),
        ("false_positive", "LEADER", "Joko"),
        ("false_positive", "VENUE", "Indonesia"),
    ]
    assert "[Indonesia]" in next(x["context"] for x in rep["errors"] if x["text"] == "Indonesia")
    table = markdown_table(e)
    assert "| VENUE | 0.500 | 1.000 | 0.667 | 1 |" in table


def test_scores_do_not_depend_on_sub_word_splits():
    # a span drawn with a different but word-equivalent boundary scores the same
    gold = Document("d", TEXT, [ent(1, 46, 58, "DATE")])
    assert score_documents([gold], [gold])["entities"]["micro"]["f1"] == 1.0


def test_trainer_metrics_ignore_masked_tokens():
    labels = np.array([[-100, LABEL2ID["B-LEADER"], LABEL2ID["I-LEADER"], -100, LABEL2ID["O"], -100]])
    logits = np.zeros((1, 6, len(ID2LABEL)))
    for i, lab in enumerate(["O", "B-LEADER", "I-LEADER", "B-DATE", "O", "B-VENUE"]):
        logits[0, i, LABEL2ID[lab]] = 5.0  # predictions on ignored positions must not count
    m = build_compute_metrics(ID2LABEL)(EvalPrediction(predictions=logits, label_ids=labels))
    assert m["f1"] == 1.0 and m["f1_LEADER"] == 1.0 and m["f1_VENUE"] == 0.0


# -- entity-type confusion counts


MEETING = "Presiden Joko Widodo bertemu Anwar di Istana Bogor pada Senin pagi ."


def meeting_doc(*spans: tuple[str, str], text: str = MEETING, doc_id: str = "d") -> Document:
    ents = []
    for i, (surface, label) in enumerate(spans, 1):
        s = text.index(surface)
        ents.append(Entity(f"T{i}", s, s + len(surface), label, surface))
    return Document(doc_id, text, ents)


def test_confusion_counts_a_hand_made_case():
    gold = [
        meeting_doc(("Joko Widodo", "LEADER"), ("Anwar", "LEADER"), ("Istana Bogor", "VENUE"), ("Senin pagi", "DATE")),
        meeting_doc(("Anwar", "LEADER"), ("Senin", "DATE"), doc_id="e"),
    ]
    pred = [
        meeting_doc(
            ("Presiden Joko Widodo", "LEADER"),  # boundary error: Joko Widodo missed, this one spurious
            ("Anwar", "VENUE"),  # right extent, wrong type
            ("Istana Bogor", "VENUE"),  # right
            ("Senin pagi", "DATE"),  # right
        ),
        meeting_doc(
            ("Anwa", "LEADER"), ("Bogor", "VENUE"), doc_id="e"
        ),  # part of a word counts as the word; Senin missed
    ]
    c = confusion_counts(gold, pred)
    assert c["rows"] == ["LEADER", "VENUE", "DATE", "spurious"]
    assert c["cols"] == ["LEADER", "VENUE", "DATE", "missed"]
    assert c["counts"] == [
        # LEADER VENUE DATE missed
        [1, 1, 0, 1],  # gold LEADER: Anwar (e) right, Anwar (d) as VENUE, Joko Widodo missed
        [0, 1, 0, 0],  # gold VENUE: Istana Bogor
        [0, 0, 1, 1],  # gold DATE: Senin pagi right, Senin (e) missed
        [1, 1, 0, 0],  # spurious: Presiden Joko Widodo, Bogor (e)
    ]
    json.dumps(c)  # goes into <split>.json as it is


def test_confusion_diagonal_is_the_seqeval_true_positives():
    gold = [
        meeting_doc(("Joko Widodo", "LEADER"), ("Anwar", "LEADER"), ("Istana Bogor", "VENUE"), ("Senin pagi", "DATE"))
    ]
    pred = [meeting_doc(("Joko Widodo", "LEADER"), ("Anwar", "DATE"), ("Bogor", "VENUE"), ("Senin pagi", "DATE"))]
    counts = confusion_counts(gold, pred)["counts"]
    rep = score_documents(gold, pred)["entities"]
    for i, lab in enumerate(("LEADER", "VENUE", "DATE")):
        assert counts[i][i] == round(rep[lab]["recall"] * rep[lab]["support"])
        assert sum(counts[i]) == rep[lab]["support"]


def test_confusion_refuses_mismatched_documents():
    with pytest.raises(ValueError, match="2 gold documents but 1"):
        confusion_counts([meeting_doc(), meeting_doc()], [meeting_doc()])
    with pytest.raises(ValueError, match="differs"):
        confusion_counts([meeting_doc()], [meeting_doc(text="lain")])
