"""Relations: candidate pairs, typed markers, strict scoring, meetings, the saved model, and the scripts."""

import json
import shutil

from conftest import run_script, tiny_overrides

from indonews.relations.candidates import candidate_pairs
from indonews.relations.markers import encode_candidates, mark_pair
from indonews.relations.meetings import assemble_meetings, fullest_names
from indonews.relations.metrics import score_relations
from indonews.relations.training import best_thresholds
from indonews.schema import Document, Entity, Relation, document_from_dict, read_jsonl
from indonews.text import sentence_spans


def ents(text, *surfaces):
    """Entities T1.. for (surface, label) pairs, found left to right."""
    out, pos = [], 0
    for i, (surface, label) in enumerate(surfaces, 1):
        start = text.index(surface, pos)
        out.append(Entity(f"T{i}", start, start + len(surface), label, surface))
        pos = start + len(surface)
    return out


TEXT = (
    "Presiden Prabowo Subianto bertemu PM Anthony Albanese di Canberra pada Kamis (14/11). "
    "Dr. H. Anwar tiba di Jl. Merdeka No. 3, Jakarta, Senin."
)
ENTS = ents(
    TEXT,
    ("Prabowo Subianto", "LEADER"),
    ("Anthony Albanese", "LEADER"),
    ("Canberra", "VENUE"),
    ("Kamis (14/11)", "DATE"),
    ("Anwar", "LEADER"),
    ("Jakarta", "VENUE"),
    ("Senin", "DATE"),
)


def test_candidates_stay_in_their_sentence_and_follow_the_types():
    doc = Document("d", TEXT, ENTS)
    assert len(sentence_spans(TEXT)) == 2  # "Dr.", "H.", "Jl.", "No." do not end a sentence
    got = [(c.head.text, c.tail.text, c.label) for c in candidate_pairs(doc)]
    assert got == [
        ("Prabowo Subianto", "Anthony Albanese", "MEET"),  # once, head first in the text
        ("Prabowo Subianto", "Canberra", "AT"),
        ("Prabowo Subianto", "Kamis (14/11)", "ON"),
        ("Anthony Albanese", "Canberra", "AT"),
        ("Anthony Albanese", "Kamis (14/11)", "ON"),
        ("Anwar", "Jakarta", "AT"),
        ("Anwar", "Senin", "ON"),
    ]  # no VENUE-DATE pairs, no pair across the sentence break


def test_gold_flags_match_the_relations_whatever_the_meet_order():
    rels = [Relation("T2", "T1", "MEET"), Relation("T1", "T3", "AT")]
    cands = candidate_pairs(Document("d", TEXT, ENTS, rels), with_gold=True)
    assert {(c.head.id, c.tail.id) for c in cands if c.gold} == {("T1", "T2"), ("T1", "T3")}


def test_markers_wrap_both_mentions_with_their_types(cased_tokenizer):
    doc = Document("d", TEXT, ENTS)
    cands = candidate_pairs(doc)
    m = mark_pair(TEXT, [(0, 85)], (9, 25, "LEADER"), (57, 65, "VENUE"))
    assert m.text.startswith("Presiden @ * pemimpin * Prabowo Subianto @ bertemu")
    assert "# ^ tempat ^ Canberra #" in m.text
    cols = encode_candidates(cands, [TEXT], cased_tokenizer, max_length=64)
    for ids, h, t in zip(cols["input_ids"], cols["head_pos"], cols["tail_pos"]):
        toks = cased_tokenizer.convert_ids_to_tokens(ids)
        assert toks[h] == "@" and toks[t] == "#" and h != t


def test_a_sentence_too_long_is_cut_around_the_pair_and_both_markers_survive(cased_tokenizer):
    filler = " ".join(["rapat"] * 200)
    text = f"{filler} Presiden Joko bertemu {filler} Raja Salman di Riyadh {filler}."
    doc = Document("d", text, ents(text, ("Joko", "LEADER"), ("Salman", "LEADER"), ("Riyadh", "VENUE")))
    cols = encode_candidates(candidate_pairs(doc), [text], cased_tokenizer, max_length=48)
    for ids, h, t in zip(cols["input_ids"], cols["head_pos"], cols["tail_pos"]):
        assert len(ids) <= 48
        toks = cased_tokenizer.convert_ids_to_tokens(ids)
        assert toks[h] == "@" and toks[t] == "#"


def test_strict_scoring_by_hand():
    gold = Document(
        "d",
        TEXT,
        ENTS,
        [
            Relation("T1", "T2", "MEET"),
            Relation("T1", "T3", "AT"),
            Relation("T5", "T6", "AT"),
            Relation("T5", "T7", "ON"),
        ],
    )
    # the predicted MEET is written the other way round (unordered: right); AT(Anwar, Jakarta) is missed;
    # the DATE span is one character short (strict: wrong), so ON(Anwar, Senin) is both an FP and an FN
    pred_ents = [e if e.id != "T7" else Entity("T7", e.start, e.end - 1, "DATE") for e in ENTS]
    pred = Document(
        "d",
        TEXT,
        pred_ents,
        [
            Relation("T2", "T1", "MEET"),
            Relation("T1", "T3", "AT"),
            Relation("T2", "T3", "AT"),
            Relation("T5", "T7", "ON"),
        ],
    )
    rep = score_relations([gold], [pred])
    assert rep["MEET"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert rep["AT"]["precision"] == 0.5 and rep["AT"]["recall"] == 0.5 and rep["AT"]["support"] == 2
    assert rep["ON"]["f1"] == 0.0 and rep["ON"]["support"] == 1
    assert rep["micro"]["precision"] == 0.5 and rep["micro"]["recall"] == 0.5  # 2 of 4 predicted, 2 of 4 gold


def test_thresholds_are_chosen_per_relation_on_dev():
    import numpy as np

    probs = np.array([0.9, 0.8, 0.3, 0.2, 0.6, 0.55])
    labels = np.array([1, 1, 0, 0, 0, 1])
    types = np.array([0, 0, 0, 0, 1, 1])
    th = best_thresholds(probs, labels, types)
    assert 0.3 < th["MEET"] <= 0.8  # separates 0.8 from 0.3
    assert th["AT"] <= 0.55 and th["ON"] == 0.5  # AT: take both (F1 0.67 > 0.0); ON: no dev pairs


def test_meetings_join_leaders_and_name_them_in_full():
    text = (
        "Presiden Rusia Vladimir Putin tiba di Beijing. "
        "Putin bertemu Xi Jinping dan Lula di Balai Agung Rakyat, Selasa. "
        "Xi berpidato di Shanghai."
    )
    e = ents(
        text,
        ("Vladimir Putin", "LEADER"),
        ("Beijing", "VENUE"),
        ("Putin", "LEADER"),
        ("Xi Jinping", "LEADER"),
        ("Lula", "LEADER"),
        ("Balai Agung Rakyat", "VENUE"),
        ("Selasa", "DATE"),
        ("Xi", "LEADER"),
        ("Shanghai", "VENUE"),
    )
    rels = [
        Relation("T1", "T2", "AT"),
        Relation("T3", "T4", "MEET", 0.9),
        Relation("T4", "T5", "MEET", 0.7),
        Relation("T3", "T6", "AT"),
        Relation("T5", "T7", "ON"),
        Relation("T8", "T9", "AT"),
    ]
    doc = Document("d", text, e, rels)
    assert fullest_names(e)["T3"] == "Vladimir Putin" and fullest_names(e)["T8"] == "Xi Jinping"
    meetings = assemble_meetings(doc)
    assert len(meetings) == 1  # AT alone makes no meeting
    m = meetings[0]
    assert [(p.name, p.mention) for p in m.leaders] == [
        ("Vladimir Putin", "Putin"),
        ("Xi Jinping", "Xi Jinping"),
        ("Lula", "Lula"),
    ]
    assert [v["text"] for v in m.venues] == ["Balai Agung Rakyat"] and [d["text"] for d in m.dates] == ["Selasa"]
    assert m.score == 0.7 and text[m.sentence[0] : m.sentence[1]].startswith("Putin bertemu")
    assert json.loads(json.dumps(m.to_dict()))["leaders"][0]["name"] == "Vladimir Putin"


def test_an_ambiguous_short_name_is_left_as_written():
    text = "Joko Widodo dan Dodi Widodo hadir. Widodo bicara."
    e = ents(text, ("Joko Widodo", "LEADER"), ("Dodi Widodo", "LEADER"), ("Widodo", "LEADER"))
    assert fullest_names(e)["T3"] == "Widodo"


def test_extractor_loads_the_relation_model_and_predicts_valid_relations(ex, mini_docs):
    assert ex.relations is not None
    for doc in ex.annotate([d.text for d in mini_docs]):
        again = document_from_dict(json.loads(json.dumps(doc.to_dict())))  # valid annotation format
        assert len(again.relations) == len(doc.relations)
        ids = {e.id for e in doc.entities}
        for r in doc.relations:
            assert r.head in ids and r.tail in ids and 0.0 <= r.score <= 1.0
        for m in doc.meetings:
            assert len(m.leaders) >= 2 and all(p.id in ids for p in m.leaders)


def test_saved_relation_model_gives_the_same_scores_after_loading(ex, mini_docs, tmp_path):
    from indonews.relations.model import save_relation_model
    from indonews.relations.predictor import RelationPredictor

    save_relation_model(ex.relations.model, ex.relations.tokenizer, tmp_path / "rel", ex.relations.settings)
    again = RelationPredictor.from_pretrained(tmp_path / "rel")
    # everything above the threshold is kept: set it to 0 to compare every candidate's score
    for p in (ex.relations, again):
        p.thresholds = dict.fromkeys(p.thresholds, 0.0)
    try:
        a, b = ex.relations.predict(mini_docs), again.predict(mini_docs)
    finally:
        ex.relations.thresholds = dict(ex.relations.settings["thresholds"])
    assert sum(map(len, a)) == sum(len(candidate_pairs(d)) for d in mini_docs) > 0
    assert [[(r.head, r.tail, r.label, r.score) for r in rs] for rs in a] == [
        [(r.head, r.tail, r.label, r.score) for r in rs] for rs in b
    ]


def test_predict_script_writes_relations_and_meetings(trained_model, tmp_path, mini_docs):
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in mini_docs))
    out = tmp_path / "out.jsonl"
    run_script(
        "predict", f"model_dir={trained_model}", f"input={inp}", f"output={out}", f"hydra.run.dir={tmp_path / 'r'}"
    )
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert all("relations" in x and "meetings" in x for x in lines)
    assert [d.id for d in read_jsonl(out)] == [d.id for d in mini_docs]  # entities and relations validate


def test_relations_alone_are_added_to_an_existing_entity_model(trained_model, tiny_backbone, corpus_dir, tmp_path):
    model_dir = tmp_path / "model"
    shutil.copytree(trained_model, model_dir)
    shutil.rmtree(model_dir / "relations")
    before = (model_dir / "model.safetensors").read_bytes()
    overrides = [
        o for o in tiny_overrides(tiny_backbone, corpus_dir, tmp_path / "run") if not o.startswith("model_dir")
    ]
    run_script("train", *overrides, "tasks=[relations]", f"model_dir={model_dir}")  # tiny_overrides: plots=false
    assert (model_dir / "relations" / "head.safetensors").exists()
    assert (model_dir / "model.safetensors").read_bytes() == before  # the entity model is kept as it was
    assert "relations" in json.loads((model_dir / "metrics.json").read_text())["test"]
    training = json.loads((model_dir / "indonews.json").read_text())["training"]
    assert training["ner"] == json.loads((trained_model / "indonews.json").read_text())["training"]["ner"]  # kept
    assert training["relations"]["max_steps"] == 4
    assert (tmp_path / "run" / "test.json").exists() and not list((tmp_path / "run").glob("*.png"))  # plots=false


def test_relations_alone_without_an_entity_model_fails_clearly(tiny_backbone, corpus_dir, tmp_path):
    overrides = [o for o in tiny_overrides(tiny_backbone, corpus_dir, tmp_path) if not o.startswith("model_dir")]
    proc = run_script("train", *overrides, "tasks=[relations]", f"model_dir={tmp_path / 'none'}", check=False)
    assert proc.returncode == 1 and "has none" in proc.stderr and "Traceback" not in proc.stderr
