"""TensorBoard logging (configs/logger/tensorboard.yaml): off by default, event files in the run directory when on."""

from __future__ import annotations

import pytest
from conftest import compose


def test_logging_is_off_by_default_and_the_group_turns_both_trainers_on():
    cfg = compose("train")
    assert cfg.trainer.args.report_to == "none" and cfg.relations.args.report_to == "none"
    cfg = compose("train", "logger=tensorboard", "experiment=tiny_augment")
    assert cfg.trainer.args.report_to == "tensorboard" and cfg.relations.args.report_to == "tensorboard"


def test_default_training_run_writes_no_event_files(trained_model):
    assert not list(trained_model.parent.rglob("events.out.tfevents.*"))


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
