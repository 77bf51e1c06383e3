"""Batch prediction on Ray (indonews.cluster, scripts/predict.py engine=ray).

The output of an actor pool is the single-process output byte for byte; bad input or options stop the run
before Ray starts, with one line and no output. Skipped where Ray is not installed (pip install -e ".[ray]").
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT, SCRIPTS, compose, run_script

from indonews.cluster import block_size, make_blocks
from indonews.predict import BUFFER_BATCHES
from indonews.schema import Document, read_jsonl

RAY_STARTED = "Ray instance"  # in the log line naming where the actors run


def _write_input(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" if r else "\n" for r in rows), encoding="utf-8")


def _predict_argv(model_dir, *overrides):
    return [sys.executable, str(SCRIPTS / "predict.py"), f"model_dir={model_dir}", *overrides]


# -- blocks: where the Extractor's own blocks start ---------------------------------------------------


def test_block_size_is_a_multiple_of_the_extractors_read_ahead():
    assert BUFFER_BATCHES == 8
    assert block_size(32) == 256
    assert [block_size(2, n) for n in (1, 16, 17, 32, 33)] == [16, 16, 32, 32, 48]


def test_blocks_keep_order_ids_text_and_meta():
    docs = [Document(f"d{i}", f"teks {i}\nbaris", meta={"i": i} if i % 2 else {}) for i in range(5)]
    blocks = make_blocks(iter(docs), 2)
    assert [b["block"] for b in blocks] == [0, 1, 2]
    back = [o for b in blocks for o in json.loads(b["docs"])]
    assert [(o["id"], o["text"], o["meta"]) for o in back] == [(d.id, d.text, d.meta) for d in docs]
    assert [len(json.loads(b["docs"])) for b in blocks] == [2, 2, 1]
    assert make_blocks(iter([]), 2) == []


def test_actor_options_fall_back_to_pytorch_once_when_the_export_fails(trained_model, monkeypatch, caplog):
    pytest.importorskip("onnxruntime")
    from indonews import ort
    from indonews.cluster import actor_options

    def broken(*args, **kwargs):
        raise RuntimeError("unsupported op")

    monkeypatch.setattr(ort, "find_export", lambda *a, **k: None)
    monkeypatch.setattr(ort, "export_onnx", broken)
    with caplog.at_level("WARNING", logger="indonews.cluster"):
        assert actor_options(trained_model, device="cpu")["runtime"] == "torch"  # every actor then runs PyTorch
    assert "ONNX export failed: RuntimeError: unsupported op; running on PyTorch instead" in caplog.text
    with pytest.raises(ort.OnnxExportError, match="unsupported op"):  # asked for by name: no fallback
        actor_options(trained_model, runtime="onnx")
    with pytest.raises(ValueError, match="CPU only"):
        actor_options(trained_model, device="cuda", quantize="int8")
    # an actor given a GPU runs PyTorch there, whatever the machine running predict.py has
    assert actor_options(trained_model, gpus_per_actor=1) == {
        "device": "cuda",
        "dtype": None,
        "quantize": None,
        "runtime": "torch",
    }


# -- the script ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_input(tmp_path_factory, mini_docs):
    """40 documents: ids from line numbers and given, blank lines, an empty text, meta, long and short texts."""
    path = tmp_path_factory.mktemp("ray_input") / "in.jsonl"
    rows = []
    for i in range(40):
        text = mini_docs[i % len(mini_docs)].text
        row = {"text": text * (1 + i % 3)}  # lengths vary, so batches are sorted by length differently per block
        if i % 4 == 1:
            row["id"] = f"artikel-{i}"
        if i % 5 == 2:
            row["meta"] = {"source": "kompas", "n": i}
        rows.append(row)
        if i % 9 == 3:
            rows.append(None)
    rows[7] = {"text": ""}
    _write_input(path, rows)
    return path


def test_ray_output_is_the_single_process_output_byte_for_byte(trained_model, ray_input, tmp_path):
    pytest.importorskip("ray")
    local, on_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    # batch_size=2: the Extractor reads 16 documents at a time; engine.batch_size=20 becomes blocks of 32,
    # so 40 documents make 2 blocks, one per actor, and each actor sees two of the Extractor's blocks
    common = [f"input={ray_input}", "batch_size=2"]
    run_script("predict", f"model_dir={trained_model}", *common, f"output={local}", f"hydra.run.dir={tmp_path / 'l'}")
    proc = run_script(
        "predict",
        f"model_dir={trained_model}",
        *common,
        f"output={on_ray}",
        "engine=ray",
        "engine.actors=2",
        "engine.batch_size=20",
        f"hydra.run.dir={tmp_path / 'r'}",
    )
    log = proc.stdout + proc.stderr
    assert "engine.batch_size=20 rounded up to 32" in log
    assert "a local Ray instance (2 CPUs): 2 actors, 2 blocks of up to 32 documents" in log
    docs = read_jsonl(local)
    assert len(docs) == 40 and any(d.relations for d in docs) and any(d.meta for d in docs)
    assert docs[1].id == "artikel-1" and docs[0].id == "line-1"
    assert on_ray.read_bytes() == local.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["local.jsonl", "ray.jsonl"]  # no temp file


def test_ray_reads_a_folder_like_the_single_process(trained_model, tmp_path, mini_docs):
    pytest.importorskip("ray")
    import ray

    from indonews.cluster import actor_options, annotate_blocks, ray_session
    from indonews.data.io import iter_input
    from indonews.predict import Extractor, onnx_available

    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    for i, name in enumerate(("d.txt", "sub/b.txt", "a.txt", "sub/c.txt", "e.txt")):
        (folder / name).write_text(mini_docs[i].text, encoding="utf-8")
    options = actor_options(trained_model, runtime="auto")
    runtime = "onnx" if onnx_available() else "torch"  # decided once, here, for every actor
    assert options == {"device": "cpu", "dtype": None, "quantize": None, "runtime": runtime}
    expected = [
        d.to_dict() for d in Extractor.from_pretrained(trained_model, **options).annotate(iter_input(folder), 1)
    ]

    before = signal.getsignal(signal.SIGTERM)
    with ray_session(num_cpus=2) as where:
        assert where == "a local Ray instance (2 CPUs)"
        assert signal.getsignal(signal.SIGTERM) is before  # ray.init's handler would skip our clean-up
        blocks = make_blocks(iter_input(folder), block_size(1, 3))  # blocks of 8: one block, one busy actor
        got = list(annotate_blocks(blocks, trained_model, actors=1, batch_size=1, **options))
    assert not ray.is_initialized()
    assert [d["id"] for d in got] == ["a", "d", "e", "sub/b", "sub/c"]
    assert got == expected


def test_a_run_stopped_on_ray_leaves_no_output(trained_model, ray_input, tmp_path):
    pytest.importorskip("ray")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "pred.jsonl"
    out.write_text("an older output\n", encoding="utf-8")
    argv = _predict_argv(trained_model, f"input={ray_input}", f"output={out}", "batch_size=1", "engine=ray")
    console = tmp_path / "console.txt"
    with open(console, "w") as fh:
        proc = subprocess.Popen(
            argv + [f"hydra.run.dir={tmp_path / 'run'}"], stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT
        )
        try:
            deadline = time.monotonic() + 120
            while RAY_STARTED not in console.read_text() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            assert proc.poll() is None, console.read_text()[-3000:]
            proc.send_signal(signal.SIGTERM)  # Ray is up and the actors are loading or working
            status = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = console.read_text()
    assert status == 128 + signal.SIGTERM, text[-3000:]
    assert "stopped by SIGTERM" in text
    assert [p.name for p in out_dir.iterdir()] == ["pred.jsonl"]  # no temporary file left behind
    assert out.read_text(encoding="utf-8") == "an older output\n"


def test_bad_input_stops_before_ray_with_its_line_and_no_output(trained_model, tmp_path):
    inp = tmp_path / "in.jsonl"
    _write_input(inp, [{"text": "Presiden Prabowo tiba di Tokyo."}, None, {"id": "x"}, {"text": "Senin."}])
    out = tmp_path / "out" / "pred.jsonl"
    proc = run_script(
        "predict",
        f"model_dir={trained_model}",
        f"input={inp}",
        f"output={out}",
        "engine=ray",
        f"hydra.run.dir={tmp_path / 'run'}",
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == f"error: {inp}:3: field 'text': missing or not a string"
    assert RAY_STARTED not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
    assert not out.parent.exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["engine.actors=0"], "engine.actors=0: must be an integer > 0"),
        (["engine.batch_size=-4"], "engine.batch_size=-4: must be an integer > 0"),
        (["engine.gpus_per_actor=-1"], "engine.gpus_per_actor=-1: must be a number >= 0"),
        (["quantize=int4"], "quantize 'int4': expected one of auto, int8 or None"),
        (["model_dir=/nonexistent/model"], "/nonexistent/model: no config.json; is this a model directory"),
    ],
)
def test_bad_engine_options_stop_before_ray_with_one_line(trained_model, tmp_path, overrides, message):
    inp = tmp_path / "in.jsonl"
    _write_input(inp, [{"text": "Presiden Prabowo tiba di Tokyo."}])
    out = tmp_path / "out" / "pred.jsonl"
    argv = [f"model_dir={trained_model}", f"input={inp}", f"output={out}", "engine=ray", *overrides]
    proc = run_script("predict", *argv, f"hydra.run.dir={tmp_path / 'run'}", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(f"error: {message}")
    assert RAY_STARTED not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
    assert not out.parent.exists()


def test_engine_default_is_the_single_process(tmp_path):
    cfg = compose("predict", "input=x", "output=y")
    assert cfg.engine.name == "local"
    cfg = compose("predict", "input=x", "output=y", "engine=ray")
    assert (cfg.engine.name, cfg.engine.actors, cfg.engine.address, cfg.engine.batch_size) == ("ray", 2, None, None)
