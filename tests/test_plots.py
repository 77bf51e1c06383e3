"""Evaluation plots: training-curve series, PNGs written by the library and by evaluate.py."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import run_script
from test_metrics import meeting_doc as doc

from indonews.ner.metrics import confusion_counts
from indonews.plots import plot_confusion, plot_training_curve, training_curve_points

LOG = [
    {"loss": 2.0, "grad_norm": 1.0, "learning_rate": 1e-4, "epoch": 0.5, "step": 5},
    {"loss": 1.2, "epoch": 1.0, "step": 10},
    {"eval_loss": 1.1, "eval_f1": 0.2, "eval_runtime": 0.1, "epoch": 1.0, "step": 10},
    {"loss": 0.7, "epoch": 1.5, "step": 15},
    {"eval_loss": 0.9, "eval_f1": 0.45, "epoch": 2.0, "step": 20},
    {"train_runtime": 3.0, "train_loss": 1.3, "epoch": 2.0, "step": 20},
]


def test_training_curve_points_from_a_trainer_log():
    pts = training_curve_points(LOG)
    assert pts == {
        "train_loss": [(5, 2.0), (10, 1.2), (15, 0.7)],
        "eval_loss": [(10, 1.1), (20, 0.9)],
        "eval_f1": [(10, 0.2), (20, 0.45)],
    }


def assert_real_png(path, min_colours: int = 10):
    from PIL import Image

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        pixels = np.asarray(im.convert("RGB")).reshape(-1, 3)
    assert im.size[0] > 200 and im.size[1] > 200
    assert len(np.unique(pixels, axis=0)) >= min_colours  # lines, text and cells, not a blank canvas


def test_plots_are_valid_pngs(tmp_path):
    curve = plot_training_curve(LOG, tmp_path / "sub" / "curve.png")
    assert_real_png(curve)
    gold = [doc(("Joko Widodo", "LEADER"), ("Istana Bogor", "VENUE"))]
    pred = [doc(("Joko Widodo", "LEADER"), ("Senin", "DATE"))]
    conf = plot_confusion(confusion_counts(gold, pred), tmp_path / "conf.png", split="test")
    assert_real_png(conf)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["conf.png", "curve.png"]  # no temp left


def test_training_curve_needs_something_to_draw(tmp_path):
    with pytest.raises(ValueError, match="neither"):
        plot_training_curve([{"train_runtime": 1.0, "step": 3}], tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_evaluate_writes_plots_next_to_its_report(trained_model, corpus_dir, tmp_path):
    run_script(
        "evaluate",
        f"model_dir={trained_model}",
        f"paths.data_dir={corpus_dir}",
        "data.split=test",
        f"hydra.run.dir={tmp_path}",
    )
    assert_real_png(tmp_path / "confusion_test.png")
    assert_real_png(tmp_path / "training_curve.png")
    rep = json.loads((tmp_path / "test.json").read_text())
    counts = rep["confusion"]["counts"]
    for i, lab in enumerate(rep["confusion"]["rows"][:-1]):
        assert sum(counts[i]) == rep["entities"][lab]["support"]  # every gold span lands in one cell of its row
    run_script(
        "evaluate",
        f"model_dir={trained_model}",
        f"paths.data_dir={corpus_dir}",
        "data.split=dev",
        "plots=false",
        f"hydra.run.dir={tmp_path / 'off'}",
    )
    assert not list((tmp_path / "off").glob("*.png"))
