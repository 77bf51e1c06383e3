"""TensorBoard logging (configs/logger/tensorboard.yaml): off by default, event files in the run directory when on."""

from __future__ import annotations

from conftest import compose


def test_logging_is_off_by_default_and_the_group_turns_both_trainers_on():
    cfg = compose("train")
    assert cfg.trainer.args.report_to == "none" and cfg.relations.args.report_to == "none"
    cfg = compose("train", "logger=tensorboard", "experiment=tiny_augment")
    assert cfg.trainer.args.report_to == "tensorboard" and cfg.relations.args.report_to == "tensorboard"


def test_default_training_run_writes_no_event_files(trained_model):
    assert not list(trained_model.parent.rglob("events.out.tfevents.*"))
