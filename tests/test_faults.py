"""Faults in training: an interrupted run resumes to the same model, and model_dir is never half-written."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from conftest import run_script, tiny_overrides
from safetensors.torch import load_file


def _weights(model_dir):
    return {
        **load_file(model_dir / "model.safetensors"),
        **{f"relations.{k}": v for k, v in load_file(model_dir / "relations" / "model.safetensors").items()},
        **{f"head.{k}": v for k, v in load_file(model_dir / "relations" / "head.safetensors").items()},
    }


@pytest.mark.slow
def test_an_interrupted_training_resumes_from_its_last_checkpoint_to_the_same_model(
    tmp_path, tiny_backbone, corpus_dir, trained_model
):
    # The uninterrupted run is the session's fixture run (the same overrides, seeded); a copy of its run
    # directory is the one to break.
    whole, broken = trained_model.parent, tmp_path / "broken"
    shutil.copytree(whole, broken)

    # The state a crash leaves between the entity model's two checkpoints: the first one written, the
    # second not, no relation training yet and no model_dir.
    shutil.rmtree(broken / "checkpoints" / "checkpoint-6")
    shutil.rmtree(broken / "relation_checkpoints")
    shutil.rmtree(broken / "model")
    # Mark the checkpoint's log so we can tell a real resume from a rerun from scratch (which, seeded,
    # would reach the same weights too).
    state_file = broken / "checkpoints" / "checkpoint-3" / "trainer_state.json"
    state = json.loads(state_file.read_text())
    state["log_history"][0]["from_checkpoint"] = True
    state_file.write_text(json.dumps(state))
    proc = run_script("train", *tiny_overrides(tiny_backbone, corpus_dir, broken), "resume=true")
    assert "resuming from" in proc.stdout and "checkpoint-3" in proc.stdout

    history = json.loads((broken / "model" / "trainer_log.json").read_text())
    assert history[0].get("from_checkpoint") and history[-1]["step"] == 6

    a, b = _weights(whole / "model"), _weights(broken / "model")
    assert a.keys() == b.keys()
    changed = [k for k in a if not torch.equal(a[k], b[k])]
    assert not changed, f"resumed weights differ from the uninterrupted run's: {changed[:5]}"
    metrics = [json.loads((d / "model" / "metrics.json").read_text()) for d in (whole, broken)]
    assert metrics[0] == metrics[1]


def test_resume_without_a_checkpoint_starts_from_scratch(tmp_path, tiny_backbone, corpus_dir):
    proc = run_script("train", *tiny_overrides(tiny_backbone, corpus_dir, tmp_path), "resume=true", "tasks=[ner]")
    assert "scratch (no checkpoint found)" in proc.stdout
    assert (tmp_path / "model" / "model.safetensors").exists()


def test_a_failed_write_leaves_the_previous_model_dir_untouched(trained_model, tmp_path):
    from indonews.predict import Extractor

    model_dir = tmp_path / "model"
    shutil.copytree(trained_model, model_dir)
    before = {p.relative_to(model_dir): p.read_bytes() for p in model_dir.rglob("*") if p.is_file()}
    ex = Extractor.from_pretrained(model_dir, runtime="torch")
    # weights, tokenizer and relation model are written, then the metrics cannot be: the write fails half-way
    with pytest.raises(TypeError):
        ex.save_pretrained(model_dir, metrics={"f1": object()})
    after = {p.relative_to(model_dir): p.read_bytes() for p in model_dir.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no staging directory left either
