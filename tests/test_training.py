"""indonews.training.train in-process, as a notebook calls it: the fixture corpus, the tiny random backbone, two steps.

scripts/train.py, which maps the Hydra config onto it, is tested end to end in test_scripts.py,
test_faults.py, test_relations.py and test_distributed.py.
"""

from __future__ import annotations

import json

import pytest

from indonews.predict import onnx_available
from indonews.schema import read_jsonl
from indonews.training import (
    Backbone,
    EntityTraining,
    PageNoise,
    RelationTraining,
    TrainingError,
    TrainingResult,
    train,
    training_documents,
)


def _args(out, **extra):
    from transformers import TrainingArguments

    options = dict(max_steps=2, per_device_train_batch_size=4, save_strategy="no", report_to="none", use_cpu=True)
    return TrainingArguments(str(out), **{**options, **extra})


def test_train_writes_a_model_dir_the_extractor_loads(tmp_path, corpus_dir, tiny_backbone):
    from indonews.predict import Extractor

    test_docs = read_jsonl(corpus_dir / "test.jsonl")  # files or documents alike
    result = train(
        corpus_dir / "train.jsonl",
        corpus_dir / "dev.jsonl",
        str(tiny_backbone),
        tmp_path / "model",
        test_docs=test_docs,
        entities=EntityTraining(_args(tmp_path / "checkpoints"), max_length=64, stride=16),
        relations=RelationTraining(lambda: _args(tmp_path / "relation_checkpoints")),  # made when it starts
        report_dir=tmp_path / "run",
        plots=False,
        seed=7,
        quantize_check=True,
    )
    assert result.written and result.model_dir == tmp_path / "model" and result.tasks == ("ner", "relations")
    assert set(result.metrics) == {"dev", "test"} and set(result.metrics["dev"]) == {"entities", "relations"}
    assert result.dev_f1 == result.metrics["dev"]["entities"]["micro"]["f1"]
    assert json.loads((result.model_dir / "metrics.json").read_text()) == result.metrics
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        "dev.json", "dev.md", "dev_errors.jsonl", "test.json", "test.md", "test_errors.jsonl",
    ]  # fmt: skip

    settings = json.loads((result.model_dir / "indonews.json").read_text())
    assert (settings["max_length"], settings["stride"], settings["words"]) == (64, 16, "text")
    assert settings["backbone"] == str(tiny_backbone) and settings["tasks"] == ["ner", "relations"]
    assert settings["data"]["train_file"] == str(corpus_dir / "train.jsonl") and settings["data"]["test_file"] is None
    assert settings["seed"] == 7 and settings["world_size"] == 1
    assert settings["training"]["ner"]["max_steps"] == settings["training"]["relations"]["max_steps"] == 2
    if onnx_available():  # the int8 verdict quantize="auto" follows, made on dev after writing
        verdict = settings["int8"]
        assert verdict["documents"] == len(read_jsonl(corpus_dir / "dev.jsonl")) and verdict["tolerance"] == 0.0
        assert verdict["verified"] == (verdict["int8_f1"] >= verdict["float32_f1"])
    else:
        assert "int8" not in settings

    ex = Extractor.from_pretrained(result.model_dir, runtime="torch")
    assert ex.relations is not None and ex.words == "text"
    text = "Presiden Prabowo Subianto bertemu Menteri Retno di Jakarta."
    doc = ex.extract(text)
    assert all(text[e.start : e.end] == e.text for e in doc.entities) and doc.meetings is not None


def test_tasks_are_checked_before_anything_else(tmp_path, corpus_dir):
    absent = tmp_path / "no-data.jsonl"  # never read: the tasks are wrong first
    for tasks in ([], ["ner", "pos"]):
        with pytest.raises(TrainingError, match=r"^tasks must be a non-empty subset of \['ner', 'relations'\], got"):
            train(absent, absent, "nowhere", tmp_path / "model", tasks=tasks)
    with pytest.raises(TrainingError, match="tasks include ner: give entities= its TrainingArguments"):
        train(absent, absent, "nowhere", tmp_path / "model", tasks=["ner"])
    assert not (tmp_path / "model").exists()


def test_an_unbuilt_backbone_is_not_built_by_every_rank(tmp_path, corpus_dir, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    backbone = Backbone(str(tmp_path / "tiny-base"), name="tiny", build={"kind": "tiny"})
    with pytest.raises(
        TrainingError, match=r"would clash; build it once first: python scripts/pretrain.py model=tiny$"
    ):
        train(
            corpus_dir / "train.jsonl",
            corpus_dir / "dev.jsonl",
            backbone,
            tmp_path / "model",
            tasks=["relations"],
            relations=RelationTraining(lambda: pytest.fail("no training args before the checks")),
        )
    assert not (tmp_path / "tiny-base").exists()


def test_relations_alone_need_an_entity_model(tmp_path, corpus_dir, tiny_backbone):
    with pytest.raises(TrainingError, match=r"adds relations to an entity model, but .* has none"):
        train(
            corpus_dir / "train.jsonl",
            corpus_dir / "dev.jsonl",
            str(tiny_backbone),
            tmp_path / "none",
            tasks=["relations"],
            relations=RelationTraining(lambda: pytest.fail("no training before the entity model is found")),
        )


def test_page_noise_copies_the_originals_only(mini_docs):
    docs = training_documents(mini_docs, noise=PageNoise(copies=2))
    assert len(docs) == 3 * len(mini_docs)
    assert [d.meta["noised_from"] for d in docs[len(mini_docs) :]] == [d.id for d in mini_docs for _ in range(2)]
    assert training_documents(mini_docs, noise=PageNoise(enabled=False)) == list(mini_docs)


def test_the_sweep_metric_is_relation_f1_when_only_relations_are_trained():
    metrics = {"dev": {"entities": {"micro": {"f1": 0.8}}, "relations": {"gold_entities": {"micro": {"f1": 0.6}}}}}
    assert TrainingResult("m", ("ner", "relations"), metrics).dev_f1 == 0.8
    assert TrainingResult("m", ("relations",), metrics).dev_f1 == 0.6
    assert TrainingResult("m", ("ner",)).dev_f1 == 0.0  # nothing scored (a rank other than 0)


def test_precision_auto_takes_bfloat16_only_where_the_hardware_has_it(monkeypatch):
    from indonews import predict
    from indonews.training import precision_args

    monkeypatch.setattr(predict, "fast_bfloat16", lambda device: device == "cuda")
    assert precision_args("auto", "cuda") == {"bf16": True}
    assert precision_args("auto", "cpu") == {}  # emulated bfloat16 is slower than float32
    monkeypatch.setattr(predict, "fast_bfloat16", lambda device: True)
    assert precision_args("auto", "cpu") == {"bf16": True, "use_cpu": True}  # transformers asks for use_cpu
    with pytest.raises(TrainingError, match=r"precision 'fp8': expected one of float32, bfloat16, auto"):
        precision_args("fp8", "cpu")


def test_a_bfloat16_run_records_its_precision(tmp_path, corpus_dir, tiny_backbone):
    result = train(
        corpus_dir / "train.jsonl",
        corpus_dir / "dev.jsonl",
        str(tiny_backbone),
        tmp_path / "model",
        tasks=["ner"],
        entities=EntityTraining(_args(tmp_path / "checkpoints", bf16=True), max_length=64, stride=16),
        plots=False,
    )
    settings = json.loads((result.model_dir / "indonews.json").read_text())
    assert settings["training"]["ner"]["precision"] == "bfloat16"


def test_the_script_refuses_a_bad_precision_in_one_line_before_reading_anything(tmp_path):
    from conftest import run_script

    proc = run_script("train", "trainer.precision=fp8", f"hydra.run.dir={tmp_path}", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "error: trainer.precision=fp8: expected one of float32, bfloat16, auto" in proc.stderr
