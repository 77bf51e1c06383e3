"""End to end, as a user runs it: train -> evaluate -> predict with the tiny backbone on the fixture."""

import json
import os
import subprocess
import sys
import time

import pytest
from conftest import ROOT, SCRIPTS, run_script

from indonews.schema import IOB2_LABELS, read_jsonl


def test_train_writes_a_self_describing_model_dir(trained_model):
    names = {p.name for p in trained_model.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "metrics.json", "indonews.json"} <= names
    config = json.loads((trained_model / "config.json").read_text())
    assert [config["id2label"][str(i)] for i in range(7)] == list(IOB2_LABELS)
    metrics = json.loads((trained_model / "metrics.json").read_text())
    for split in ("dev", "test"):
        assert {"LEADER", "VENUE", "DATE", "micro", "macro"} <= set(metrics[split]["entities"])
        assert set(metrics[split]["entities"]["micro"]) == {"precision", "recall", "f1", "support"}
        rel = metrics[split]["relations"]
        assert set(rel) == {"gold_entities", "end_to_end", "all_pairs_baseline"}
        for view in rel.values():
            assert {"MEET", "AT", "ON", "micro", "macro"} <= set(view)
    # the relation model lives inside the model directory
    assert {"config.json", "model.safetensors", "head.safetensors", "relation.json"} <= {
        p.name for p in (trained_model / "relations").iterdir()
    }
    assert not trained_model.with_name("model.partial").exists()


def test_the_tag_unit_travels_with_the_model(trained_model, tmp_path):
    import shutil

    from indonews.predict import Extractor

    settings = json.loads((trained_model / "indonews.json").read_text())
    assert settings["words"] == "text"  # configs/train.yaml decoding.words
    assert Extractor.from_pretrained(trained_model, runtime="torch").words == "text"
    # a checkpoint from before the setting was trained on the tokenizer's words, and is read so
    old = tmp_path / "old"
    shutil.copytree(trained_model, old)
    del settings["words"]
    (old / "indonews.json").write_text(json.dumps(settings))
    assert Extractor.from_pretrained(old, runtime="torch").words == "tokenizer"


def test_train_records_its_hyperparameters_and_draws_the_evaluation_plots(trained_model):
    run = trained_model.parent  # the fixture's hydra.run.dir
    for name in ("confusion_dev.png", "confusion_test.png", "training_curve.png"):
        assert (run / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    training = json.loads((trained_model / "indonews.json").read_text())["training"]
    ner, rel = training["ner"], training["relations"]
    # trainer/default.yaml and relations/default.yaml, shrunk by debug/fast.yaml and tiny_overrides
    expected = {"learning_rate": 5e-5, "max_steps": 6, "per_device_train_batch_size": 4, "train_batch_size": 4}
    expected |= {"max_length": 64, "stride": 16, "warmup_steps": 0.1, "weight_decay": 0.01, "seed": 42}
    assert {k: ner[k] for k in expected} == expected
    assert ner["lr_scheduler_type"] == "linear" and ner["early_stopping_patience"] is None
    assert (rel["learning_rate"], rel["max_steps"], rel["max_length"], rel["dropout"]) == (3e-5, 4, 128, 0.1)


def test_evaluate_scores_the_noised_copy_beside_the_clean_split(trained_model, corpus_dir, tmp_path):
    args = [f"model_dir={trained_model}", f"paths.data_dir={corpus_dir}", "data.split=test", "plots=false"]
    run_script("evaluate", *args, "noise=true", f"hydra.run.dir={tmp_path}")
    noised = json.loads((tmp_path / "test_noised.json").read_text())["entities"]
    gold = read_jsonl(corpus_dir / "test.jsonl")
    assert noised["micro"]["support"] == sum(len(d.entities) for d in gold)  # every mention kept through the noise


def test_evaluate_writes_json_markdown_and_errors(trained_model, corpus_dir, tmp_path):
    proc = run_script(
        "evaluate",
        f"model_dir={trained_model}",
        f"paths.data_dir={corpus_dir}",
        "data.split=test",
        f"hydra.run.dir={tmp_path}",
    )
    assert "| micro |" in proc.stdout
    rep = json.loads((tmp_path / "test.json").read_text())["entities"]
    assert rep["micro"]["support"] == sum(rep[lab]["support"] for lab in ("LEADER", "VENUE", "DATE"))
    assert (tmp_path / "test.md").read_text().startswith("| Entities (test) |")
    for line in (tmp_path / "test_errors.jsonl").read_text().splitlines():
        err = json.loads(line)
        assert err["type"] in ("false_positive", "false_negative") and f"[{err['text']}]" in err["context"]


def test_predict_jsonl_keeps_every_document_in_order(trained_model, tmp_path, mini_docs):
    inp = tmp_path / "in.jsonl"
    lines = [{"id": f"a{i}", "text": d.text} for i, d in enumerate(mini_docs)] + [{"text": ""}]
    inp.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    out = tmp_path / "out.jsonl"
    run_script(
        "predict",
        f"model_dir={trained_model}",
        f"input={inp}",
        f"output={out}",
        "batch_size=2",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    docs = read_jsonl(out)  # valid annotation format
    assert [d.id for d in docs] == [x.get("id", f"line-{len(lines)}") for x in lines]
    assert [d.text for d in docs] == [x["text"] for x in lines]


def test_predict_reads_a_folder_of_txt(trained_model, tmp_path):
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.txt").write_text("Presiden Prabowo tiba di Tokyo.", encoding="utf-8")
    (folder / "sub" / "a.txt").write_text("Banjir di Semarang kemarin.", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    run_script(
        "predict", f"model_dir={trained_model}", f"input={folder}", f"output={out}", f"hydra.run.dir={tmp_path / 'run'}"
    )
    assert [d.id for d in read_jsonl(out)] == ["b", "sub/a"]


def test_predict_runs_int8_and_rejects_a_bad_precision_in_one_line(trained_model, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Presiden Prabowo tiba di Tokyo, Senin (12/5).", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = [f"model_dir={trained_model}", f"input={folder}", f"output={out}", f"hydra.run.dir={tmp_path / 'run'}"]
    run_script("predict", *args, "quantize=int8", "dtype=auto")
    (doc,) = read_jsonl(out)
    assert all(doc.text[e.start : e.end] == e.text for e in doc.entities)
    out.unlink()
    for bad, message in (("quantize=int4", "quantize 'int4'"), ("dtype=int4", "dtype 'int4'")):
        proc = run_script("predict", *args, bad, check=False)
        assert proc.returncode == 1 and f"error: {message}" in proc.stderr and "Traceback" not in proc.stderr
        assert not out.exists()


def test_predict_stops_on_a_malformed_line_and_leaves_no_output(trained_model, tmp_path):
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"id": "a", "text": "Halo."}\n{"id": "b", "txt": "Halo."}\n')
    out = tmp_path / "out.jsonl"
    proc = run_script(
        "predict",
        f"model_dir={trained_model}",
        f"input={inp}",
        f"output={out}",
        f"hydra.run.dir={tmp_path / 'run'}",
        check=False,
    )
    assert proc.returncode != 0
    assert f"{inp}:2: field 'text': missing" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.jsonl*"))


def test_unreachable_hub_backbone_fails_fast_with_the_ways_out(tmp_path, corpus_dir):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    t0 = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "train.py"),
            "model=indobert",
            f"paths.data_dir={corpus_dir}",
            f"hydra.run.dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "indobenchmark/indobert-base-p1" in proc.stderr
    assert "model=tiny" in proc.stderr and "model.name_or_path=/local/copy" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert time.monotonic() - t0 < 60


def test_saved_model_loads_in_a_plain_transformers_pipeline(trained_model):
    from transformers import pipeline

    text = "Presiden Prabowo Subianto tiba di Tokyo, Senin (12/5)."
    pipe = pipeline("token-classification", model=str(trained_model), aggregation_strategy="first")
    for ent in pipe(text):
        assert ent["entity_group"] in ("LEADER", "VENUE", "DATE")
        assert text[ent["start"] : ent["end"]].strip()


def test_every_experiment_config_trains_one_model_per_multirun_job(experiment_sweep):
    """``train.py -m experiment=a,b,c``: each job composes its experiment and writes its own model dir."""
    for exp, run in experiment_sweep.items():
        assert f"experiment={exp}" in (run / ".hydra" / "overrides.yaml").read_text(), exp
        assert (run / "model" / "model.safetensors").exists(), exp
        assert "relations" in json.loads((run / "model" / "metrics.json").read_text())["dev"], exp
    # the noise experiment adds one noised copy of each training document, the others none
    logs = {exp: (run / "train.log").read_text() for exp, run in experiment_sweep.items()}
    assert "page noise: " in logs["e5small_noise"] and "noised copies added" in logs["e5small_noise"]
    assert not any("page noise" in text for exp, text in logs.items() if exp != "e5small_noise")


# in this file, beside the other test of the sweep: the sweep is made once per pytest-xdist worker
def test_tensorboard_run_writes_events_inside_the_run_dir(experiment_sweep):
    pytest.importorskip("tensorboard", reason="tensorboard is not installed (pip install -e '.[tensorboard]')")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = experiment_sweep["tiny_cpu"]  # the sweep's jobs run with logger=tensorboard when it is installed
    for trainer_dir in ("checkpoints", "relation_checkpoints"):
        events = list((run / trainer_dir / "runs").rglob("events.out.tfevents.*"))
        assert events, f"no event file under {run / trainer_dir}"
        acc = EventAccumulator(str(events[0].parent)).Reload()
        tags = set(acc.Tags()["scalars"])
        assert {"train/loss", "eval/f1"} <= tags, tags
        assert len(acc.Scalars("train/loss")) >= 2  # debug=fast logs every step
