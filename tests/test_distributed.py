"""Training under torchrun: two CPU processes with the gloo backend, as on several GPUs with NCCL."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys

import pytest
from conftest import SCRIPTS, tiny_overrides


def _overrides(tiny_backbone, corpus_dir, out):
    """The fixture run's overrides without a fixed run directory: the ranks must agree on one themselves."""
    return [o for o in tiny_overrides(tiny_backbone, corpus_dir, out) if not o.startswith("hydra.run.dir=")]


LAUNCHERS = {
    "torchrun": [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"],
    # accelerate runs torchrun underneath; --multi_gpu on a machine without GPUs still gives CPU ranks.
    "accelerate": [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes=2",
                   "--num_machines=1", "--mixed_precision=no", "--dynamo_backend=no"],
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
def test_two_process_training_shares_one_run_dir_and_rank0_writes_the_model(
    launcher, tmp_path, tiny_backbone, corpus_dir
):
    cmd = [*LAUNCHERS[launcher], str(SCRIPTS / "train.py"), *_overrides(tiny_backbone, corpus_dir, tmp_path)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # two ranks on two cores
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"

    runs = list((tmp_path / "outputs" / "train").iterdir())
    assert len(runs) == 1, runs  # both ranks wrote into one run directory
    run = runs[0]
    assert (run / "train.log").exists() and (run / "train.rank1.log").exists()
    assert (run / "checkpoints").is_dir()

    model = tmp_path / "model"
    settings = json.loads((model / "indonews.json").read_text())
    assert settings["world_size"] == 2
    metrics = json.loads((model / "metrics.json").read_text())
    assert "f1" in metrics["dev"]["entities"]["micro"] and "gold_entities" in metrics["dev"]["relations"]
    assert not list(tmp_path.glob("model.*"))  # no staging or old directory left behind
    rank0, rank1 = (run / "train.log").read_text(), (run / "train.rank1.log").read_text()
    assert "model written to" in rank0 and "model written to" not in rank1

    # The data really was split over two ranks: six steps of 2 x 4 windows cover the 15 training
    # windows three times (one process would have covered them 1.5 times).
    windows = int(re.search(r"(\d+) training windows", rank0).group(1))
    history = json.loads((model / "trainer_log.json").read_text())
    assert history[-1]["step"] == 6
    assert history[-1]["epoch"] == pytest.approx(6 / math.ceil(windows / (2 * 4)))

    from indonews.predict import Extractor

    ex = Extractor.from_pretrained(model)
    text = "Presiden Joko Widodo bertemu Menteri Retno di Jakarta."
    doc = ex.extract(text)
    assert ex.relations is not None and doc.meetings is not None  # the relation model came along
    assert all(0 <= e.start < e.end <= len(text) for e in doc.entities)
