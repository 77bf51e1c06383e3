"""Converters between the annotation format and CoNLL, Label Studio and doccano: round trips, errors, CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT, SCRIPTS

from indonews.data.formats import (
    ImportReport,
    LabelMap,
    conll_sentences,
    from_conll,
    from_doccano,
    from_label_studio,
    guess_format,
    load_label_map,
    losses,
    read_documents,
    to_conll,
    to_doccano,
    to_label_studio,
    write_documents,
)
from indonews.schema import CorpusError, Document, Entity, Relation, read_jsonl, write_jsonl

DEV = ROOT / "data" / "dev.jsonl"
FIXTURES = ROOT / "tests" / "fixtures" / "formats"


@pytest.fixture(scope="module")
def dev_docs() -> list[Document]:
    return read_jsonl(DEV)


def spans(doc: Document) -> list[tuple[int, int, str]]:
    return sorted((e.start, e.end, e.label) for e in doc.entities)


def surfaces(doc: Document) -> list[tuple[str, str]]:
    return [(e.text, e.label) for e in sorted(doc.entities, key=lambda e: e.start)]


def relations(doc: Document) -> set[tuple]:
    """Relations by the spans they join (ids may change between formats); MEET is unordered."""
    at = {e.id: (e.start, e.end, e.label) for e in doc.entities}
    out = set()
    for r in doc.relations:
        head, tail = at[r.head], at[r.tail]
        if r.label == "MEET":
            head, tail = sorted((head, tail))
        out.add((r.label, head, tail))
    return out


def through_json(obj):
    return json.loads(json.dumps(obj, ensure_ascii=False))


def sample() -> Document:
    """Adjacent spans, a span inside a hyphenated word and relations of every type."""
    text = "Presiden Prabowo bertemu Anwar di Kuala Lumpur, Senin (12/5). Banjir di Mamasa-Polewali kemarin."
    marks = [
        ("Prabowo", "LEADER"),
        ("Anwar", "LEADER"),
        ("Kuala Lumpur", "VENUE"),
        ("Senin (12/5)", "DATE"),
        ("Mamasa", "VENUE"),
        ("Polewali", "VENUE"),
        ("kemarin", "DATE"),
    ]
    ents, pos = [], 0
    for i, (surface, label) in enumerate(marks, 1):
        start = text.index(surface, pos)
        pos = start + len(surface)
        ents.append(Entity(f"T{i}", start, pos, label, surface))
    rels = [Relation("T1", "T2", "MEET"), Relation("T1", "T3", "AT"), Relation("T2", "T4", "ON")]
    return Document("s1", text, ents, rels, {"source": "hand-made"})


# ------------------------------------------------------------------------------------------- round trips


def test_label_studio_round_trip_keeps_everything_on_the_corpus(dev_docs):
    tasks = through_json(to_label_studio(dev_docs))
    assert all("annotations" in t and "predictions" not in t for t in tasks)
    back = from_label_studio(tasks)
    assert [d.to_dict() for d in back] == [d.to_dict() for d in dev_docs]


@pytest.mark.parametrize("style", ["relations", "labels"])
def test_doccano_round_trip_on_the_corpus(dev_docs, style):
    back = from_doccano(through_json(to_doccano(dev_docs, style)))
    assert [(d.id, d.text, d.meta) for d in back] == [(d.id, d.text, d.meta) for d in dev_docs]
    assert [spans(d) for d in back] == [spans(d) for d in dev_docs]
    if style == "relations":
        assert [relations(d) for d in back] == [relations(d) for d in dev_docs]
    else:
        assert not any(d.relations for d in back)


def conll_token_offsets(doc: Document, conll: str) -> list[tuple[int, int]]:
    """Where each token line of ``conll`` landed in the rebuilt text."""
    tokens = [ln.split("\t")[0] for ln in conll.splitlines() if ln and not ln.startswith("# id = ")]
    out, pos = [], 0
    for tok in tokens:
        start = doc.text.index(tok, pos)
        assert not doc.text[pos:start].strip(), "tokens are rebuilt in order, separated by white space only"
        out.append((start, start + len(tok)))
        pos = start + len(tok)
    assert not doc.text[pos:].strip()
    return out


def by_token(span_list, offsets) -> list[tuple[int, int, str]]:
    index = {s: i for i, (s, _) in enumerate(offsets)}
    end_index = {e: i + 1 for i, (_, e) in enumerate(offsets)}
    return [(index[s], end_index[e], lab) for s, e, lab in span_list]


def test_conll_round_trip_keeps_spans_by_token_on_the_corpus(dev_docs):
    back = from_conll(to_conll(dev_docs))
    assert [d.id for d in back] == [d.id for d in dev_docs]
    for orig, new in zip(dev_docs, back):
        orig_tokens = [t for sent in conll_sentences(orig) for t in sent]
        new_tokens = conll_token_offsets(new, to_conll([orig]))
        assert by_token(spans(orig), orig_tokens) == by_token(spans(new), new_tokens), orig.id
        assert [e.text.replace(" ", "") for e in new.entities] == [
            e.text.replace(" ", "") for e in sorted(orig.entities, key=lambda e: e.start)
        ]
        assert not new.relations
        assert new.text.count("\n") == len(conll_sentences(orig)) - 1


def test_conll_export_is_stable_after_one_import(dev_docs):
    """Re-exporting an imported document gives the same tokens and tags (sentence breaks may move)."""
    once = to_conll(dev_docs)
    twice = to_conll(from_conll(once))
    lines = [ln for ln in once.splitlines() if ln]
    assert lines == [ln for ln in twice.splitlines() if ln]


def test_conll_splits_tokens_and_merges_sentences_so_no_span_is_cut():
    doc = sample()
    conll = to_conll([doc])
    assert "Mamasa\tB-VENUE\n-\tO\nPolewali\tB-VENUE\n" in conll
    back = from_conll(conll)[0]
    assert [e.text for e in back.entities] == [
        "Prabowo",
        "Anwar",
        "Kuala Lumpur",
        "Senin ( 12/5 )",
        "Mamasa",
        "Polewali",
        "kemarin",
    ]
    text = "Kepala daerah Moh. Arfan Lasimpo tiba."
    doc = Document("m", text, [Entity("T1", 14, 32, "LEADER", text[14:32])])
    assert len(conll_sentences(doc)) == 1  # sentence_spans breaks after "Moh."; the span keeps it whole
    assert [e.text for e in from_conll(to_conll([doc]))[0].entities] == ["Moh . Arfan Lasimpo"]


def test_hand_made_round_trips_carry_relations_meta_and_adjacent_spans():
    doc = sample()
    for back in (from_label_studio(through_json(to_label_studio([doc])))[0], from_doccano(to_doccano([doc]))[0]):
        assert spans(back) == spans(doc) and relations(back) == relations(doc)
        assert back.meta == doc.meta and back.id == doc.id


def test_label_studio_exports_predictions_with_scores_and_reads_them_back():
    doc = sample()
    for i, e in enumerate(doc.entities):
        e.score = 0.5 + i / 20
    tasks = through_json(to_label_studio([doc], model_version="m1"))
    assert "annotations" not in tasks[0]
    pred = tasks[0]["predictions"][0]
    assert pred["model_version"] == "m1" and pred["score"] == pytest.approx(0.65)
    assert [r["score"] for r in pred["result"] if r["type"] == "labels"] == [e.score for e in doc.entities]
    back = from_label_studio(tasks)[0]
    assert [e.score for e in back.entities] == [e.score for e in doc.entities]
    assert relations(back) == relations(doc)
    forced = to_label_studio([doc], as_predictions=False)[0]
    assert "predictions" not in forced and all("score" not in r for r in forced["annotations"][0]["result"])


def test_label_studio_predictions_carry_relation_scores_into_the_task_score():
    doc = sample()
    for i, e in enumerate(doc.entities):
        e.score = 0.5 + i / 20  # 0.50 .. 0.80
    for i, r in enumerate(doc.relations):
        r.score = 0.1 * (i + 1)  # 0.1, 0.2, 0.3
    pred = through_json(to_label_studio([doc]))[0]["predictions"][0]
    items = [r for r in pred["result"] if r["type"] == "relation"]
    assert [(r["from_id"], r["to_id"], r["labels"], r["score"]) for r in items] == [
        (r.head, r.tail, [r.label], r.score) for r in doc.relations
    ]
    scores = [e.score for e in doc.entities] + [r.score for r in doc.relations]
    assert pred["score"] == pytest.approx(sum(scores) / len(scores))  # what Label Studio sorts tasks by
    back = from_label_studio([{"data": {"text": doc.text, "id": doc.id}, "annotations": [pred]}])[0]
    assert [(r.label, r.score) for r in back.relations] == [(r.label, r.score) for r in doc.relations]
    assert losses([doc], "label-studio") == []
    assert losses([doc], "doccano") == ["dropped 7 entity scores", "dropped 3 relation scores"]

    for e in doc.entities:
        e.score = None  # relation scores alone still make a prediction
    pred = to_label_studio([doc])[0]["predictions"][0]
    assert pred["score"] == pytest.approx(0.2) and all(
        "score" not in r for r in pred["result"] if r["type"] == "labels"
    )
    forced = to_label_studio([doc], as_predictions=False)[0]["annotations"][0]
    assert all("score" not in r for r in forced["result"])


# ------------------------------------------------------------------------------------------- lenient import


@pytest.mark.parametrize(
    "tags",
    [
        ["B-LEADER", "I-LEADER", "B-LEADER", "O", "B-DATE"],  # IOB2
        ["I-LEADER", "I-LEADER", "B-LEADER", "O", "I-DATE"],  # IOB1
        ["B-LEADER", "E-LEADER", "S-LEADER", "O", "S-DATE"],  # BIOES
        ["B-LEADER", "L-LEADER", "U-LEADER", "O", "U-DATE"],  # BILOU
    ],
)
def test_conll_import_accepts_iob1_iob2_bioes_bilou(tags):
    tokens = ["Joko", "Widodo", "Anwar", "tiba", "kemarin"]
    doc = from_conll("\n".join(f"{t}\t{g}" for t, g in zip(tokens, tags)) + "\n", "x.conll")[0]
    assert [(e.text, e.label) for e in doc.entities] == [
        ("Joko Widodo", "LEADER"),
        ("Anwar", "LEADER"),
        ("kemarin", "DATE"),
    ]


def test_conll_import_docstart_columns_comments_and_sentence_separator():
    text = (
        "-DOCSTART- -X- -X- O\n\n"
        "Jokowi NNP B-NP B-LEADER\ntiba VB B-VP O\n\nIa PRP B-NP O\npulang VB B-VP O\n\n"
        "-DOCSTART- -X- -X- O\n\n# text = ignored\nBesok NN B-NP B-DATE\n"
    )
    docs = from_conll(text, "corpus.conll", sentence_sep=" ")
    assert [(d.id, d.text) for d in docs] == [("corpus-1", "Jokowi tiba Ia pulang"), ("corpus-2", "Besok")]
    assert [e.text for e in docs[0].entities] == ["Jokowi"]


def test_conll_import_never_joins_a_span_across_sentences():
    doc = from_conll("# id = a\nJoko\tI-LEADER\n\nWidodo\tI-LEADER\n")[0]
    assert doc.text == "Joko\nWidodo" and [e.text for e in doc.entities] == ["Joko", "Widodo"]


def test_conll_keeps_an_empty_named_document():
    docs = from_conll(to_conll([Document("a", ""), Document("b", "Jokowi tiba.")]))
    assert [(d.id, d.text) for d in docs] == [("a", ""), ("b", "Jokowi tiba .")]


def test_conll_without_document_markers_is_one_document_per_sentence():
    docs = from_conll("Jokowi\tB-LEADER\ntiba\tO\n\nBanjir\tO\ndi\tO\nBali\tB-VENUE\n", "ner.bio")
    assert [(d.id, d.text) for d in docs] == [("ner-1", "Jokowi tiba"), ("ner-2", "Banjir di Bali")]


def test_label_studio_import_prefers_annotations_then_predictions_and_reads_relations():
    text = "Anwar bertemu Prabowo di Bogor."

    def region(rid, s, e, lab):
        value = {"start": s, "end": e, "text": text[s:e], "labels": [lab]}
        return {"id": rid, "type": "labels", "from_name": "label", "to_name": "text", "value": value}

    result = [
        region("b", 14, 21, "LEADER"),
        region("a", 0, 5, "LEADER"),
        region("v", 25, 30, "VENUE"),
        {"type": "relation", "from_id": "b", "to_id": "a", "labels": ["MEET"]},
        {"type": "relation", "from_id": "v", "to_id": "b", "direction": "left", "labels": ["AT"]},
        {"id": "a", "type": "textarea", "value": {"text": ["catatan"]}},
    ]
    tasks = [
        {"id": 7, "data": {"text": text, "source": "x"}, "predictions": [{"result": result}]},
        {
            "id": 8,
            "data": {"text": text},
            "annotations": [{"was_cancelled": True, "result": []}, {"result": result[1:2]}],
            "predictions": [{"result": result}],
        },
        {"data": {"text": "Belum dianotasi."}},
    ]
    docs = from_label_studio(tasks)
    assert [d.id for d in docs] == ["7", "8", "task-2"]
    first = docs[0]
    assert [e.id for e in first.entities] == ["a", "b", "v"]  # sorted by offset
    assert [(r.head, r.tail, r.label) for r in first.relations] == [("a", "b", "MEET"), ("b", "v", "AT")]
    assert first.meta == {"source": "x"}
    assert [e.text for e in docs[1].entities] == ["Anwar"] and not docs[2].entities


LS_EXPORT = FIXTURES / "label_studio.json"
LS_LABELS = load_label_map([str(FIXTURES / "label_map.yaml")])


def test_label_studio_export_merges_controls_and_skips_other_fields():
    report = ImportReport()
    docs = read_documents(LS_EXPORT, "label-studio", labels=LS_LABELS, report=report)
    assert [d.id for d in docs] == ["101", "102", "103", "104", "105"]
    first = docs[0]
    assert surfaces(first) == [
        ("Prabowo Subianto", "LEADER"),  # 'Person' on control 'label' and 'Leader' on 'role': one span
        ("Anthony\nAlbanese", "LEADER"),  # value.text holds a newline, escaped in the JSON file
        ("Istana Bogor", "VENUE"),
        ("Senin (12/5)", "DATE"),
    ]
    assert [e.id for e in first.entities] == ["pr_Q1", "al_W2", "ib_E3", "sn_R4"]
    assert sorted((r.label, r.head, r.tail) for r in first.relations) == [
        ("AT", "pr_Q1", "ib_E3"),  # drawn from the venue with direction 'left'
        ("MEET", "pr_Q1", "al_W2"),
    ]
    assert first.meta == {"judul": "Prabowo terima Albanese"}
    assert surfaces(docs[4]) == [("Prabowo", "LEADER")]
    assert report.skipped_regions == {("labels", "judul"): 1, ("hypertextlabels", "html"): 1}
    assert (report.unlabelled_relations, report.orphans) == (1, 1)
    assert report.lines() == [
        "skipped 1 hypertextlabels regions on 'html': not the text control (see --ls-to-name)",
        "skipped 1 labels regions on 'judul': not the text control (see --ls-to-name)",
        "skipped 1 relations without a label",
        "dropped 1 relations whose mention was dropped or skipped",
        "2 tasks have more than one annotation: read the first of each (--ls-annotation first)",
    ]


def test_label_studio_to_name_picks_the_text_control():
    tasks = json.loads(LS_EXPORT.read_text(encoding="utf-8"))[:1]
    doc = from_label_studio(tasks, text_key="judul", to_name="judul", labels=LS_LABELS)[0]
    assert doc.text == "Prabowo terima Albanese" and surfaces(doc) == [("Prabowo", "LEADER")]


def ls_fixture(annotation: str) -> tuple[dict[str, Document], ImportReport]:
    report = ImportReport()
    docs = read_documents(LS_EXPORT, "label-studio", annotation=annotation, labels=LS_LABELS, report=report)
    return {d.id: d for d in docs}, report


def test_label_studio_annotation_first_and_last_never_read_a_cancelled_one():
    first, report = ls_fixture("first")
    assert surfaces(first["102"]) == [("Eri Cahyadi", "LEADER"), ("Surabaya", "VENUE")]  # [0] was cancelled
    assert report.multi_annotated == 2 and not report.skipped_tasks
    last, _ = ls_fixture("last")
    assert surfaces(last["102"])[-1] == ("Selasa", "DATE")
    assert list(first) == list(last) == ["101", "102", "103", "104", "105"]


def test_label_studio_all_agree_skips_tasks_whose_annotators_differ_and_lists_them():
    docs, report = ls_fixture("all-agree")
    assert list(docs) == ["101", "103", "104", "105"]  # 103: other region ids, same spans and relation
    assert [r.label for r in docs["103"].relations] == ["AT"]
    why = "its annotations differ (annotations[1], annotations[2])"
    assert report.skipped_tasks == [(f"{LS_EXPORT}: task 1 (id 102)", why)]  # the index, and the id LS shows
    assert report.lines()[-3:] == [
        "2 tasks have more than one annotation: kept those whose annotations all agree (--ls-annotation all-agree)",
        f"skipped {LS_EXPORT}: task 1 (id 102): {why}",
        "skipped 1 tasks (--ls-annotation all-agree)",
    ]


def test_label_studio_by_annotator_reads_one_annotator_and_skips_the_rest():
    docs, report = ls_fixture("by-annotator=2")
    assert list(docs) == ["102", "103", "105"]
    assert surfaces(docs["102"])[-1] == ("Selasa", "DATE")
    assert [why for _, why in report.skipped_tasks] == ["no annotation by annotator 2"] * 2  # 101, 104
    docs, _ = ls_fixture("by-annotator=3")  # annotator 3 only cancelled task 102
    assert not docs
    task = {"data": {"text": LS_TEXT}, "annotations": [{"completed_by": {"id": 9, "email": "ani@x.id"}, "result": []}]}
    assert from_label_studio([task], annotation="by-annotator=ani@x.id")[0].text == LS_TEXT
    with pytest.raises(ValueError, match="expected first, last, all-agree or by-annotator=ID"):
        from_label_studio([task], annotation="by-annotator=")


def test_label_studio_value_text_may_differ_from_the_text_by_crlf_only():
    text = "Dedi Mulyadi berpidato di Gedung\r\nSate."
    value = {"start": 26, "end": 38, "text": "Gedung\nSate", "labels": ["VENUE"]}
    task = {"data": {"text": text}, "annotations": [{"result": [{"id": "g", "type": "labels", "value": value}]}]}
    assert surfaces(from_label_studio([task])[0]) == [("Gedung\r\nSate", "VENUE")]
    value["text"] = "Gedung Sate"
    with pytest.raises(CorpusError, match=r"'Gedung Sate' differs from text\[26:38\]"):
        from_label_studio([task])


def test_doccano_seq_labelling_import_keeps_extra_columns_as_meta():
    recs = [{"id": 3, "text": "Jokowi tiba di Bali.", "label": [[15, 19, "VENUE"], [0, 6, "LEADER"]], "topic": "x"}]
    doc = from_doccano(recs)[0]
    assert doc.id == "3" and doc.meta == {"topic": "x"}
    assert [(e.id, e.text) for e in doc.entities] == [("T1", "Bali"), ("T2", "Jokowi")]


def test_trim_shrinks_edge_punctuation_that_annotators_select():
    recs = [{"text": "Presiden Jokowi, tiba.", "label": [[9, 16, "LEADER"]]}]
    with pytest.raises(CorpusError, match="starts or ends with white space or punctuation"):
        from_doccano(recs)
    assert [e.text for e in from_doccano(recs, trim=True)[0].entities] == ["Jokowi"]
    with pytest.raises(CorpusError, match=r"x.conll:2: field 'tag'.*--trim"):
        from_conll("Jokowi\tB-LEADER\n,\tI-LEADER\n", "x.conll")
    assert [e.text for e in from_conll("Jokowi\tB-LEADER\n,\tI-LEADER\n", trim=True)[0].entities] == ["Jokowi"]


@pytest.mark.parametrize("fmt", ["conll", "label-studio", "doccano", "jsonl"])
def test_every_reader_ignores_a_byte_order_mark(tmp_path, fmt):
    """Windows tools write UTF-8 with a BOM; it must not stick to the first token, comment or record."""
    doc = sample()
    path = tmp_path / f"bom.{fmt}"
    write_documents([doc], path, fmt)
    plain = read_documents(path, fmt)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert [d.to_dict() for d in read_documents(path, fmt)] == [d.to_dict() for d in plain]
    if fmt == "conll":
        assert plain[0].id == "s1"  # the '# id = s1' line still names the document


def test_conll_bom_before_docstart_does_not_make_a_document():
    docs = from_conll("\ufeff-DOCSTART- -X- -X- O\n\nJokowi NNP B-NP B-LEADER\n", "x.conll")
    assert [(d.id, d.text) for d in docs] == [("x-1", "Jokowi")]


def test_conll_tolerates_trailing_tabs_and_spaces():
    docs = from_conll("# id = a\t\nJokowi\tB-LEADER\t\ntiba\tO \t\n\t\n", "x.conll")
    assert [(d.id, d.text, [e.text for e in d.entities]) for d in docs] == [("a", "Jokowi tiba", ["Jokowi"])]


def test_trim_lists_every_span_it_shrinks_or_drops():
    path = FIXTURES / "tabs_bom.conll"
    with pytest.raises(CorpusError, match=r"tabs_bom.conll:9: field 'tag': span 'Istana Merdeka ,'"):
        read_documents(path, "conll")
    report = ImportReport()
    docs = read_documents(path, "conll", trim=True, report=report)
    assert [surfaces(d) for d in docs] == [
        [("Prabowo", "LEADER"), ("Anwar", "LEADER"), ("Istana Merdeka", "VENUE"), ("Senin ( 12/5 )", "DATE")],
        [("Mamasa", "VENUE")],
    ]
    assert report.trims == [
        (f"{path}:7", "berita-1", "Istana Merdeka ,", "Istana Merdeka"),  # the line where the span starts
        (f"{path}:21", "berita-2", ")", None),
    ]
    assert report.lines() == [
        f"trimmed {path}:7 (document 'berita-1'): 'Istana Merdeka ,' -> 'Istana Merdeka'",
        f"trimmed {path}:21 (document 'berita-2'): ')' -> dropped",
        "--trim shrank 1 spans and dropped 1",
    ]


def test_a_span_trimmed_away_takes_its_relations_along_and_says_so():
    text = "Jokowi tiba di (Bali)."
    rec = {
        "text": text,
        "entities": [
            {"id": 1, "label": "LEADER", "start_offset": 0, "end_offset": 6},
            {"id": 2, "label": "VENUE", "start_offset": 20, "end_offset": 22},  # ')."
        ],
        "relations": [{"from_id": 1, "to_id": 2, "type": "AT"}],
    }
    report = ImportReport()
    doc = from_doccano([rec], "x.jsonl", trim=True, report=report)[0]
    assert surfaces(doc) == [("Jokowi", "LEADER")] and not doc.relations
    assert report.lines() == [
        "trimmed x.jsonl:1: entities[1] (document 'line-1'): ').' -> dropped",
        "--trim shrank 0 spans and dropped 1",
        "dropped 1 relations whose mention was dropped or skipped",
    ]


# ------------------------------------------------------------------------------------------- label maps


def test_conll2003_export_with_foreign_labels_mapped_and_dropped():
    report = ImportReport()
    labels = load_label_map(["PER=LEADER,LOC=VENUE"], ["MISC"])
    docs = read_documents(FIXTURES / "conll2003_bom.conll", "conll", labels=labels, report=report)
    assert [d.id for d in docs] == ["conll2003_bom-1", "conll2003_bom-2"]
    assert surfaces(docs[0]) == [("Joko Widodo", "LEADER"), ("Bali", "VENUE"), ("Anwar Ibrahim", "LEADER")]
    assert surfaces(docs[1]) == [("Qatar", "VENUE")]
    assert report.lines() == ["dropped 1 spans labelled 'MISC' (--drop-label)"]


def test_doccano_exports_with_a_yaml_label_map():
    labels = load_label_map([str(FIXTURES / "label_map.yaml")], ["MISC"])
    report = ImportReport()
    seq = read_documents(FIXTURES / "doccano_seq.jsonl", "doccano", labels=labels, report=report)
    assert [surfaces(d) for d in seq] == [
        [],
        [("Joko Widodo", "LEADER"), ("Penajam Paser Utara", "VENUE"), ("Kamis (7/3)", "DATE")],  # 'Date' is ours
        [("Retno Marsudi", "LEADER"), ("Wang Yi", "LEADER"), ("Beijing", "VENUE")],
    ]
    assert report.dropped_spans == {"MISC": 1}
    rel = read_documents(FIXTURES / "doccano_rel.jsonl", "doccano", labels=labels)
    assert [d.id for d in rel] == ["10", "11"]
    assert sorted(relations(rel[1])) == [
        ("AT", (0, 16, "LEADER"), (45, 57, "VENUE")),
        ("MEET", (0, 16, "LEADER"), (25, 41, "LEADER")),
        ("ON", (25, 41, "LEADER"), (59, 71, "DATE")),  # 'on_date: ON' stays a string, not YAML's true
    ]


def test_dropping_a_label_drops_the_relations_on_its_spans_and_counts_them():
    report = ImportReport()
    labels = load_label_map([str(FIXTURES / "label_map.yaml")], ["location", "on_date"])
    doc = read_documents(FIXTURES / "doccano_rel.jsonl", "doccano", labels=labels, report=report)[1]
    assert [label for _, label in surfaces(doc)] == ["LEADER", "LEADER", "DATE"]
    assert [r.label for r in doc.relations] == ["MEET"]
    assert report.lines() == [
        "dropped 1 spans labelled 'LOCATION' (--drop-label)",
        "dropped 1 relations labelled 'on_date' (--drop-label)",
        "dropped 1 relations whose mention was dropped or skipped",
    ]


def test_our_own_labels_match_in_any_case():
    doc = from_doccano(
        [
            {
                "text": "Jokowi tiba di Bali, Senin.",
                "entities": [
                    {"id": 1, "label": "leader", "start_offset": 0, "end_offset": 6},
                    {"id": 2, "label": "Venue", "start_offset": 15, "end_offset": 19},
                ],
                "relations": [{"from_id": 1, "to_id": 2, "type": "at"}],
            }
        ]
    )[0]
    assert surfaces(doc) == [("Jokowi", "LEADER"), ("Bali", "VENUE")] and doc.relations[0].label == "AT"
    assert surfaces(from_conll("Senin\tb-date\n")[0]) == [("Senin", "DATE")]


def test_unmapped_labels_stay_an_error_that_points_to_the_label_map(tmp_path):
    with pytest.raises(CorpusError, match=r"doccano_rel.jsonl:2: field 'entities\[0\].label': unknown label 'PERSON'"):
        read_documents(FIXTURES / "doccano_rel.jsonl", "doccano")
    labels = LabelMap({"PERSON": "LEADER", "LOCATION": "VENUE"})
    with pytest.raises(CorpusError, match=r"field 'relations\[0\].type': unknown relation 'meets' .*--label-map"):
        read_documents(FIXTURES / "doccano_rel.jsonl", "doccano", labels=labels)
    with pytest.raises(CorpusError, match=r"field 'tag': 'X' means MEET, which is not a label"):
        from_conll("Jokowi\tB-X\n", labels=LabelMap({"X": "MEET"}))


@pytest.mark.parametrize(
    "specs, drops, message",
    [
        (["PER=PERSON"], [], r"'PERSON' is not one of LEADER, VENUE, DATE, MEET, AT, ON"),
        (["PER=LEADER,per=VENUE"], [], r"'per' is mapped to both LEADER and VENUE"),
        (["PER"], [], r"'PER' is neither a file nor FOREIGN=OURS pairs"),
        (["=LEADER"], [], r"expected FOREIGN=OURS, got '=LEADER'"),
    ],
)
def test_bad_label_maps_are_refused(specs, drops, message):
    with pytest.raises(ValueError, match=message):
        load_label_map(specs, drops)


def test_a_label_map_file_must_be_a_mapping(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("- PER\n- LOC\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"map.yaml: expected a mapping"):
        load_label_map([str(path)])


# ------------------------------------------------------------------------------------------- errors


LS_TEXT = "Jokowi tiba."


def ls_task(result, **data):
    return {"data": {"text": LS_TEXT, **data}, "annotations": [{"result": result}]}


def ls_region(**value):
    return {"id": "r1", "type": "labels", "value": {"start": 0, "end": 6, "labels": ["LEADER"], **value}}


@pytest.mark.parametrize(
    "text, message",
    [
        ("Jokowi\tB-LEADER\ntiba\tX-LEADER\n", r"in.conll:2: field 'tag': 'X-LEADER' is not O"),
        ("Jokowi\tB-PERSON\n", r"in.conll:1: field 'tag': unknown label 'PERSON'"),
        ("# id = a\nJokowi\tB-LEADER\ntiba\n", r"in.conll:3: field '<line>': expected TOKEN<TAB>TAG"),
        ("# id = a\nJokowi\tO\n# id = a\nJokowi\tO\n", r"in.conll:3: field 'id': duplicate document id 'a'"),
        ("(\tB-DATE\nSenin\tI-DATE\n", r"in.conll:1: field 'tag': span '\( Senin'"),
    ],
)
def test_malformed_conll_names_line_field_and_problem(tmp_path, text, message):
    path = tmp_path / "in.conll"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError, match=message):
        read_documents(path, "conll")


@pytest.mark.parametrize(
    "tasks, message",
    [
        ({"tasks": []}, r"field 'data': missing"),
        ("no", r"field '<file>': expected a JSON list of tasks"),
        ([{"data": {"txt": LS_TEXT}}], r"task 0: field 'data.text': missing or not a string"),
        (
            [ls_task([]), ls_task([ls_region(labels=["LEADER", "DATE"])])],
            r"task 1: field 'annotations\[0\].result\[0\].value.labels': conflicting labels DATE and LEADER",
        ),
        (
            [ls_task([ls_region(start="0")])],
            r"task 0: field 'annotations\[0\].result\[0\].value.start': must be an integer",
        ),
        (
            [ls_task([ls_region(end=20)])],
            r"task 0: field 'annotations\[0\].result\[0\].value': offsets 0..20 outside",
        ),
        ([ls_task([ls_region(text="Joko")])], r"field 'annotations\[0\].result\[0\].value.text': 'Joko' differs"),
        (
            [{"id": 1047, **ls_task([ls_region(), {**ls_region(start=3, text="owi"), "id": "r2"}])}],
            r"task 0 \(id 1047\): field 'annotations\[0\].result\[1\]': span 'owi' overlaps 'Jokowi' of "
            r"annotations\[0\].result\[0\]",
        ),
        (
            [ls_task([ls_region(labels=["PER"])])],
            r"field 'annotations\[0\].result\[0\].value.labels\[0\]': unknown label 'PER' .*--label-map",
        ),
        (
            [ls_task([ls_region(), {"type": "relation", "from_id": "r1", "to_id": "r2", "labels": ["AT"]}])],
            r"field 'annotations\[0\].result\[1\].to_id': no region with id 'r2' in this annotation",
        ),
        (
            [ls_task([ls_region(), {"type": "relation", "from_id": "r1", "to_id": "r1", "labels": ["at", "ON"]}])],
            r"field 'annotations\[0\].result\[1\].labels': expected one of MEET, AT, ON, got AT and ON",
        ),
        (
            [ls_task([ls_region(), {**ls_region(labels=["VENUE"]), "from_name": "kind"}])],
            r"task 0: field 'annotations\[0\].result\[1\].value.labels': conflicting labels LEADER and VENUE "
            r"\(\['VENUE'\] here; \['LEADER'\] in annotations\[0\].result\[0\]\)",
        ),
        (
            [ls_task([ls_region(), ls_region(end=4)])],
            r"field 'annotations\[0\].result\[1\].value': region 'r1' is 0..4 here but 0..6 in annotations",
        ),
        (
            [ls_task([{**ls_region(), "type": "hypertextlabels", "to_name": "text"}])],
            r"field 'annotations\[0\].result\[0\].type': 'hypertextlabels' regions cannot be read",
        ),
        (
            [ls_task([], id="a"), ls_task([], id="a")],
            r"task 1: field 'id': duplicate document id 'a' \(first at .*task 0\)",
        ),
    ],
)
def test_malformed_label_studio_names_task_field_and_problem(tmp_path, tasks, message):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    with pytest.raises(CorpusError, match=f"^{tmp_path / 'in.json'}.*{message}"):
        read_documents(path, "label-studio")


def test_broken_json_names_the_line(tmp_path):
    path = tmp_path / "in.json"
    path.write_text('[\n{"data": {"text": "a"}},\n{"data": }\n]', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"in.json:3: field '<file>': invalid JSON"):
        read_documents(path, "label-studio")
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "a", "label": []}\n{"text": \n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"in.jsonl:2: field '<line>': invalid JSON"):
        read_documents(path, "doccano")


@pytest.mark.parametrize(
    "record, message",
    [
        ({"label": []}, r"field 'text': missing or not a string"),
        ({"text": "Jokowi", "label": [[0, 6]]}, r"field 'label\[0\]': expected \[start, end, LABEL\]"),
        ({"text": "Jokowi", "label": [["0", 6, "LEADER"]]}, r"field 'label\[0\]\[0\]': must be an integer"),
        (
            {"text": "Jokowi", "entities": [{"id": 1, "start_offset": 0, "label": "LEADER"}]},
            r"field 'entities\[0\].end_offset'",
        ),
        (
            {
                "text": "Jokowi",
                "entities": [{"id": 1, "start_offset": 0, "end_offset": 6, "label": "LEADER"}],
                "relations": [{"from_id": 1, "to_id": 1, "type": "MEET"}],
            },
            r"field 'relations\[0\]': MEET joins a mention to itself",
        ),
        ({"text": "Jokowi tiba", "label": [[0, 6, "LEADER"], [0, 11, "LEADER"]]}, r"field 'label\[1\]': span "),
        ({"text": "Jokowi", "label": [[0, 20, "LEADER"]]}, r"field 'label\[0\]': offsets 0..20 outside"),
        (
            {
                "text": "Jokowi",
                "entities": [{"id": 1, "start_offset": 0, "end_offset": 6, "label": "LEADER"}],
                "relations": [{"from_id": 1, "to_id": 5, "type": "AT"}],
            },
            r"field 'relations\[0\].to_id': no entity with id 5 in this record",
        ),
        (
            {
                "text": "Jokowi, Anwar",
                "entities": [
                    {"id": 1, "start_offset": 0, "end_offset": 6, "label": "LEADER"},
                    {"id": 1, "start_offset": 8, "end_offset": 13, "label": "LEADER"},
                ],
            },
            r"field 'entities\[1\].id': duplicate entity id 1 \(also entities\[0\]\)",
        ),
        (
            {
                "text": "Jokowi, Anwar",
                "entities": [
                    {"id": 1, "start_offset": 0, "end_offset": 6, "label": "LEADER"},
                    {"id": 2, "start_offset": 8, "end_offset": 13, "label": "LEADER"},
                ],
                "relations": [{"from_id": 1, "to_id": 2, "type": "MEET"}, {"from_id": 2, "to_id": 1, "type": "MEET"}],
            },
            r"field 'relations\[1\]': repeats the MEET relation of relations\[0\]",
        ),
    ],
)
def test_malformed_doccano_names_line_field_and_problem(tmp_path, record, message):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"text": "Halo.", "label": []}) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=f"in.jsonl:2: {message}"):
        read_documents(path, "doccano")


# ------------------------------------------------------------------------------------------- dispatch


def test_guess_format_from_names_and_first_record(tmp_path):
    dc = tmp_path / "dc.jsonl"
    write_documents([sample()], dc, "doccano")
    assert guess_format(dc, reading=True) == "doccano"
    assert guess_format(DEV, reading=True) == "jsonl"
    assert guess_format(dc, reading=False) == "jsonl"
    assert [guess_format(tmp_path / n, reading=False) for n in ("a.conll", "a.BIO", "a.json", "a.txt")] == [
        "conll",
        "conll",
        "label-studio",
        None,
    ]


@pytest.mark.parametrize("name", ["doccano_seq.jsonl", "doccano_rel.jsonl"])
def test_doccano_exports_starting_with_an_unannotated_record_are_detected(name):
    assert guess_format(FIXTURES / name, reading=True) == "doccano"


def test_guess_format_asks_the_next_record_when_the_first_has_no_entities(tmp_path):
    empty, full = Document("a", "Halo."), sample()
    ours = tmp_path / "ours.doccano.jsonl"
    write_documents([empty, full], ours, "doccano")  # {"id": "a", "text": ..., "entities": [], "relations": []}
    assert guess_format(ours, reading=True) == "doccano"
    assert [spans(d) for d in read_documents(ours, "doccano")] == [[], spans(full)]
    corpus = tmp_path / "corpus.jsonl"
    write_jsonl([empty, full], corpus)
    assert guess_format(corpus, reading=True) == "jsonl"
    write_jsonl([empty], corpus)  # nothing tells: both readings give the same documents
    assert guess_format(corpus, reading=True) == "jsonl"


def test_losses_say_what_each_format_drops():
    doc = sample()
    doc.entities[0].score = 0.9
    assert losses([doc], "conll") == [
        "dropped 3 relations: conll cannot carry them",
        "dropped 1 entity scores",
        "dropped the meta of 1 documents",
    ]
    assert losses([doc], "doccano", "labels")[0] == "dropped 3 relations: doccano labels cannot carry them"
    assert losses([doc], "doccano") == ["dropped 1 entity scores"]
    assert losses([doc], "label-studio") == losses([doc], "jsonl") == []


# ------------------------------------------------------------------------------------------- CLI


def convert(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "convert.py"), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_cli_round_trips_through_every_format(tmp_path, dev_docs):
    for name, extra in (("dev.json", ()), ("dev.doccano.jsonl", ("--to", "doccano"))):
        proc = convert(DEV, tmp_path / name, *extra)
        assert proc.returncode == 0, proc.stderr
        assert f"{len(dev_docs)} documents" in proc.stdout and not proc.stderr
        back = tmp_path / f"{name}.back.jsonl"
        proc = convert(tmp_path / name, back)  # formats inferred, doccano from its first record
        assert proc.returncode == 0, proc.stderr
        assert [(spans(d), relations(d)) for d in read_jsonl(back)] == [(spans(d), relations(d)) for d in dev_docs]
    proc = convert(DEV, tmp_path / "dev.conll")
    n_relations = sum(len(d.relations) for d in dev_docs)
    assert proc.returncode == 0 and f"warning: dropped {n_relations} relations: conll cannot carry them" in proc.stderr
    proc = convert(tmp_path / "dev.conll", tmp_path / "conll.back.jsonl", "--sentence-sep", "space")
    back = read_jsonl(tmp_path / "conll.back.jsonl")
    assert proc.returncode == 0 and [len(d.entities) for d in back] == [len(d.entities) for d in dev_docs]
    assert not any("\n" in d.text for d in back)


def test_cli_bad_input_exits_1_without_traceback_or_output(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([ls_task([ls_region(labels=["PER"])])]), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    out.write_text("keep me\n", encoding="utf-8")
    proc = convert(bad, out)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert "bad.json: task 0: field 'annotations[0].result[0].value.labels[0]': unknown label 'PER'" in proc.stderr
    assert out.read_text(encoding="utf-8") == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "out.jsonl"]


def test_cli_maps_and_drops_labels_and_says_so(tmp_path):
    out = tmp_path / "out.jsonl"
    src = FIXTURES / "conll2003_bom.conll"
    proc = convert(src, out)
    assert proc.returncode == 1 and "unknown label 'PER'" in proc.stderr and "--label-map" in proc.stderr
    proc = convert(src, out, "--label-map", "PER=LEADER", "--label-map", "loc=venue", "--drop-label", "MISC")
    assert proc.returncode == 0, proc.stderr
    assert "note: dropped 1 spans labelled 'MISC' (--drop-label)" in proc.stderr
    assert [len(d.entities) for d in read_jsonl(out)] == [3, 1]
    proc = convert(src, out, "--label-map", "PER=nobody")
    assert proc.returncode == 2 and "'nobody' is not one of" in proc.stderr
    proc = convert(DEV, tmp_path / "x.json", "--drop-label", "DATE")
    assert proc.returncode == 2 and "not jsonl" in proc.stderr


def test_cli_trim_lists_its_changes_on_stderr(tmp_path):
    proc = convert(FIXTURES / "tabs_bom.conll", tmp_path / "out.jsonl", "--trim")
    assert proc.returncode == 0, proc.stderr
    assert "(document 'berita-2'): ')' -> dropped" in proc.stderr
    assert "note: --trim shrank 1 spans and dropped 1" in proc.stderr


def test_cli_label_studio_annotation_choice(tmp_path):
    out = tmp_path / "out.jsonl"
    proc = convert(LS_EXPORT, out, "--label-map", FIXTURES / "label_map.yaml", "--ls-annotation", "all-agree")
    assert proc.returncode == 0, proc.stderr
    assert "note: skipped 1 tasks (--ls-annotation all-agree)" in proc.stderr
    assert [d.id for d in read_jsonl(out)] == ["101", "103", "104", "105"]
    proc = convert(LS_EXPORT, out, "--ls-annotation", "best")
    assert proc.returncode == 2 and "by-annotator=ID" in proc.stderr


@pytest.mark.parametrize("name", ["empty.conll", "empty.json", "empty.jsonl"])
def test_cli_warns_about_an_empty_input(tmp_path, name):
    (tmp_path / name).write_text("\n", encoding="utf-8")
    proc = convert(tmp_path / name, tmp_path / "out.jsonl")
    assert proc.returncode == 0, proc.stderr
    assert f"warning: no documents read from {tmp_path / name}" in proc.stderr
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == ""


def test_cli_refuses_unknown_formats_and_missing_files(tmp_path):
    write_jsonl([sample()], tmp_path / "a.jsonl")
    proc = convert(tmp_path / "a.jsonl", tmp_path / "a.txt")
    assert proc.returncode == 2 and "give --to" in proc.stderr
    proc = convert(tmp_path / "missing.jsonl", tmp_path / "b.json")
    assert proc.returncode == 1 and "no such file" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "b.json").exists()
