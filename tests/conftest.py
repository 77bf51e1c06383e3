"""Shared fixtures: the fixture corpus, a tiny random backbone built locally, composed Hydra configs.

Nothing here touches the network: the backbone's tokenizer is trained on the fixture text.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SCRIPTS = ROOT / "scripts"

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach for the hub
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # one thread per pytest-xdist worker, and per script it runs: two workers on two cores, each with two
    # OpenMP threads that spin while they wait, starve each other (a step 3-4x as slow)
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["MKL_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session", autouse=True)
def onnx_cache(tmp_path_factory):
    """One ONNX export cache for the session (the default runtime exports each checkpoint once), never ~/.cache."""
    cache = tmp_path_factory.mktemp("indonews-cache")
    old = os.environ.get("INDONEWS_CACHE")
    os.environ["INDONEWS_CACHE"] = str(cache)  # scripts run by run_script inherit it
    yield cache
    if old is None:
        os.environ.pop("INDONEWS_CACHE", None)
    else:
        os.environ["INDONEWS_CACHE"] = old


@pytest.fixture(scope="session")
def mini_docs():
    from indonews.data.markup import read_markup

    return read_markup(FIXTURES / "mini.txt")


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory, mini_docs):
    """train/dev/test JSONL from the fixture: small, but every label and relation occurs."""
    from indonews.schema import write_jsonl

    d = tmp_path_factory.mktemp("corpus")
    write_jsonl(mini_docs, d / "train.jsonl")
    write_jsonl(mini_docs[:3], d / "dev.jsonl")
    write_jsonl(mini_docs[3:], d / "test.jsonl")
    return d


TINY_TEST_BUILD = dict(
    vocab_size=400,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    max_position_embeddings=128,
    pretrain_steps=0,
    embedding_init="random",
)


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory, mini_docs) -> Path:
    """A cased BERT with random weights and a WordPiece vocabulary trained on the fixture."""
    from indonews.backbone import TinySpec, build_tiny_backbone

    out = tmp_path_factory.mktemp("backbone") / "tiny-base"
    texts = [d.text for d in mini_docs] * 3 + ["@ * # ^ pemimpin tempat tanggal"] * 2  # the relation markers
    return build_tiny_backbone(out, texts, TinySpec(**TINY_TEST_BUILD), show_progress=False)


@pytest.fixture(scope="session")
def uncased_tokenizer(mini_docs):
    from indonews.backbone import train_wordpiece

    return train_wordpiece([d.text for d in mini_docs] * 3, 300, lowercase=True)


@pytest.fixture(scope="session")
def cased_tokenizer(tiny_backbone):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_backbone)


def tiny_overrides(tiny_backbone: Path, corpus_dir: Path, out: Path, plots: bool = False) -> list[str]:
    """Hydra overrides that shrink a training run to the fixture backbone, fixture data and a few steps.

    No evaluation plots (matplotlib costs seconds a run) unless ``plots``: ``trained_model`` draws them once.
    """
    return [
        f"plots={str(plots).lower()}",
        "model=tiny",
        f"model.name_or_path={tiny_backbone}",
        f"data.train_file={corpus_dir / 'train.jsonl'}",
        f"data.dev_file={corpus_dir / 'dev.jsonl'}",
        f"data.test_file={corpus_dir / 'test.jsonl'}",
        "debug=fast",
        "model.max_length=64",
        "model.stride=16",
        f"hydra.run.dir={out}",
        f"model_dir={out / 'model'}",
    ]


def compose(name: str, *overrides: str):
    """A script's Hydra config as the script composes it (``name``: train, predict, evaluate ...), in-process:
    for what a config says, no process needs to start."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(str(ROOT / "configs"), version_base="1.3"):
        return hydra_compose(name, overrides=list(overrides))


def run_script(name: str, *overrides: str, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``scripts/<name>.py`` as a user would, in a fresh process."""
    proc = subprocess.run(
        [sys.executable, str(SCRIPTS / f"{name}.py"), *overrides],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{name}.py failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory, tiny_backbone, corpus_dir) -> Path:
    """A model directory written by scripts/train.py on the fixture (a few steps)."""
    out = tmp_path_factory.mktemp("train_run")
    run_script("train", *tiny_overrides(tiny_backbone, corpus_dir, out, plots=True))
    return out / "model"


@pytest.fixture(scope="session")
def ex(trained_model):
    """The trained model loaded once for every test that only reads it (as predict.py loads it)."""
    from indonews import Extractor

    return Extractor.from_pretrained(trained_model)


EXPERIMENTS = sorted(p.stem for p in (ROOT / "configs" / "experiment").glob("*.yaml"))


@pytest.fixture(scope="session")
def experiment_sweep(tmp_path_factory, tiny_backbone, corpus_dir) -> dict[str, Path]:
    """Every experiment config, a few steps each, as one Hydra multirun with TensorBoard logging on.

    One process pays the imports once for all jobs; the result maps each experiment to its job's run dir.
    """
    import importlib.util

    sweep = tmp_path_factory.mktemp("experiments")
    single = ("hydra.run.dir", "model_dir")
    overrides = [o for o in tiny_overrides(tiny_backbone, corpus_dir, sweep) if not o.startswith(single)]
    logger = ["logger=tensorboard"] if importlib.util.find_spec("tensorboard") else []
    run_script(
        "train",
        "-m",
        *overrides,
        *logger,
        f"experiment={','.join(EXPERIMENTS)}",
        f"hydra.sweep.dir={sweep}",
        "model_dir=${paths.output_dir}/model",
        timeout=900,
    )
    return {exp: sweep / str(job) for job, exp in enumerate(EXPERIMENTS)}
