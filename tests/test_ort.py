"""The ONNX Runtime path: the export computes what the checkpoint computes, is reused only while fresh,
is never left half-written, and the Extractor and predict.py run on it."""

import json
import shutil
from collections import Counter

import pytest
import torch
from conftest import run_script
from test_predict import check_offsets

from indonews import Extractor, ort, predict
from indonews.schema import read_jsonl

TEXTS = [
    "Presiden Prabowo Subianto tiba di Istana Bogor, Senin (12/5).",
    "Gubernur Jawa Tengah Ahmad Luthfi bertemu Wali Kota Semarang di Balai Kota, Rabu (3/9/2025). " * 30,
    "",
    "Baca juga: Menteri Luar Negeri Sugiono ke Tokyo pada 5 Mei 2025.",
]


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """Each test exports into its own cache: what one test exported must not satisfy another's check."""
    monkeypatch.setenv("INDONEWS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory, trained_model):
    """A cache holding both exports of the fixture model, for the tests that only read them."""
    import os

    cache = tmp_path_factory.mktemp("onnx-cache")
    old = os.environ.get("INDONEWS_CACHE")
    os.environ["INDONEWS_CACHE"] = str(cache)
    try:
        paths = {q: ort.export_onnx(trained_model, quantize=q) for q in (None, "int8")}
    finally:
        if old is None:
            os.environ.pop("INDONEWS_CACHE")
        else:
            os.environ["INDONEWS_CACHE"] = old
    return cache, paths


def op_types(path):
    import onnx

    return Counter(node.op_type for node in onnx.load(str(path)).graph.node)


def spans(docs):
    return [[(e.start, e.end, e.label) for e in ents] for ents in docs]


def test_export_fuses_the_encoder_and_computes_the_checkpoints_logits(trained_model, shared_cache):
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    cache, paths = shared_cache
    path = paths[None]
    assert path.name == "model.onnx" and path.parent.parent == cache / "onnx"
    model = AutoModelForTokenClassification.from_pretrained(trained_model).eval()
    layers = model.config.num_hidden_layers
    ops = op_types(path)
    assert ops["Attention"] == layers and ops["SkipLayerNormalization"] == 2 * layers  # what makes it fast
    tok = AutoTokenizer.from_pretrained(trained_model)
    enc = tok(TEXTS[:2] + TEXTS[3:], padding=True, truncation=True, max_length=128, return_tensors="pt")
    session = ort.OnnxTokenClassifier(path, model.config, threads=1)
    with torch.inference_mode():
        want = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
    got = session(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
    assert got.shape == want.shape  # dynamic batch and sequence axes
    real = enc["attention_mask"].bool()
    torch.testing.assert_close(got[real], want[real], atol=1e-4, rtol=1e-4)


def test_int8_export_keeps_the_head_in_float32(trained_model, shared_cache):
    path = shared_cache[1]["int8"]
    assert path.name == "model-int8.onnx"
    ops = op_types(path)
    layers = json.loads((trained_model / "config.json").read_text())["num_hidden_layers"]
    assert ops["QAttention"] == layers and ops["MatMulInteger"] == 3 * layers  # output, intermediate, output
    assert ops["MatMul"] == 1  # the classifier


def test_an_export_is_reused_while_fresh_and_redone_when_the_checkpoint_changes(trained_model, tmp_path):
    model_dir = tmp_path / "model"
    shutil.copytree(trained_model, model_dir, ignore=shutil.ignore_patterns("relations", ort.EXPORT_DIR))
    shipped = ort.export_onnx(model_dir, out_dir=model_dir / ort.EXPORT_DIR)
    assert ort.find_export(model_dir) == shipped
    stamp = shipped.stat().st_mtime_ns
    assert ort.export_onnx(model_dir, out_dir=model_dir / ort.EXPORT_DIR) == shipped
    assert shipped.stat().st_mtime_ns == stamp  # reused, not rewritten
    assert ort.find_export(model_dir, quantize="int8") is None  # another scheme is another file
    config = json.loads((model_dir / "config.json").read_text())
    config["id2label"] = {str(i): lab for i, lab in enumerate(reversed(list(config["id2label"].values())))}
    (model_dir / "config.json").write_text(json.dumps(config))
    assert ort.find_export(model_dir) is None  # stale: the labels moved, the old export would mislabel
    assert [p.name for p in shipped.parent.iterdir()] == ["model.onnx"]  # no work files left beside it


def test_a_file_that_is_not_this_checkpoints_export_is_never_read(trained_model, tmp_path):
    model_dir = tmp_path / "model"
    shutil.copytree(trained_model, model_dir, ignore=shutil.ignore_patterns("relations", ort.EXPORT_DIR))
    fp32 = ort.export_onnx(model_dir, out_dir=model_dir / ort.EXPORT_DIR)
    shutil.copy(fp32, fp32.with_name("model-int8.onnx"))  # a float32 file under the int8 name
    assert ort.find_export(model_dir, quantize="int8") is None
    (model_dir / ort.EXPORT_DIR / "model.onnx").write_bytes(b"not onnx")  # truncated or foreign
    assert ort.file_fingerprint(model_dir / ort.EXPORT_DIR / "model.onnx") is None
    assert ort.find_export(model_dir) is None
    ex = Extractor.from_pretrained(model_dir, runtime="onnx", relations=None)  # exports afresh into the cache
    assert ex.model.path.parent.parent == ort.default_cache_dir() and ex(TEXTS[0]) is not None


def test_work_left_by_a_killed_export_is_swept_but_a_running_ones_is_kept(trained_model, tmp_path):
    import fcntl
    import os

    from indonews import outputs

    out = tmp_path / "onnx"
    left, running = out / ".model.onnx.deadbeef.partial", out / ".model.onnx.a1b2c3d4.partial"
    for work in (left, running):  # work directories as indonews.outputs.scratch_dir makes them
        work.mkdir(parents=True)
        (work / outputs.MARKER).touch()
        (work / "raw.onnx").write_bytes(b"x" * 10)
    fd = os.open(running, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as the export that is still running holds it
    try:
        ort.export_onnx(trained_model, out_dir=out)
    finally:
        os.close(fd)
    assert not left.exists() and running.exists()


def test_concurrent_exports_of_one_checkpoint_agree_and_leave_no_work_behind(trained_model, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "onnx"
    code = "import sys; from indonews.ort import export_onnx; print(export_onnx(sys.argv[1], out_dir=sys.argv[2]))"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(trained_model), str(out)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    paths = [p.communicate(timeout=600)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0] and paths[0] == paths[1] == str(out / "model.onnx")
    assert ort.file_fingerprint(out / "model.onnx") == ort.fingerprint(trained_model)
    assert sorted(p.name for p in out.iterdir()) == ["model.onnx"]  # neither swept the other's work, both cleaned up


def test_an_interrupted_export_leaves_nothing_to_read(trained_model, tmp_path, monkeypatch):
    def crash(model_dir, work, quantize, key):
        (work / "model.onnx").write_bytes(b"half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(ort, "_export", crash)
    with pytest.raises(KeyboardInterrupt):
        ort.export_onnx(trained_model, out_dir=tmp_path / "onnx")
    assert list((tmp_path / "onnx").iterdir()) == []
    assert ort.find_export(trained_model) is None


def test_onnx_extractor_finds_the_spans_the_torch_extractor_finds(trained_model, shared_cache, monkeypatch):
    monkeypatch.setenv("INDONEWS_CACHE", str(shared_cache[0]))
    ex = Extractor.from_pretrained(trained_model, device="cpu", runtime="torch", relations=None)
    ex_onnx = Extractor.from_pretrained(trained_model, runtime="onnx", relations=None)
    assert isinstance(ex_onnx.model, ort.OnnxTokenClassifier)
    want = spans(ex.predict(TEXTS, batch_size=2))
    assert any(want) and spans(ex_onnx.predict(TEXTS, batch_size=2)) == want
    ex8 = Extractor.from_pretrained(trained_model, runtime="onnx", quantize="int8", relations=None)
    out8 = list(ex8.predict(TEXTS, batch_size=2))
    for text, ents in zip(TEXTS, out8):
        check_offsets(text, ents)
    flat = {(i, *s) for i, doc in enumerate(want) for s in doc}
    flat8 = {(i, *s) for i, doc in enumerate(spans(out8)) for s in doc}
    assert len(flat & flat8) >= 0.75 * len(flat)


def test_onnx_runtime_is_refused_where_it_cannot_run(trained_model):
    with pytest.raises(ValueError, match="runtime 'tensorrt'"):
        Extractor.from_pretrained(trained_model, runtime="tensorrt")
    with pytest.raises(ValueError, match="CPU only"):
        Extractor.from_pretrained(trained_model, runtime="onnx", device="cuda")
    with pytest.raises(ValueError, match="drop dtype='bfloat16'"):
        Extractor.from_pretrained(trained_model, runtime="onnx", dtype="bfloat16")
    with pytest.raises(ValueError, match="quantize 'int4'"):
        ort.export_onnx(trained_model, quantize="int4")


def test_predict_script_runs_on_onnx_and_rejects_an_unknown_runtime(trained_model, tmp_path):
    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"id": "a", "text": TEXTS[0]}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = [f"model_dir={trained_model}", f"input={inp}", f"output={out}", f"hydra.run.dir={tmp_path / 'run'}"]
    run_script("predict", *args, "runtime=onnx", "quantize=int8")
    (doc,) = read_jsonl(out)
    assert doc.id == "a" and all(doc.text[e.start : e.end] == e.text for e in doc.entities)
    out.unlink()
    proc = run_script("predict", *args, "runtime=tensorrt", check=False)
    assert proc.returncode == 1 and "error: runtime 'tensorrt'" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_predict_script_reports_an_export_that_cannot_be_written_in_one_line(trained_model, tmp_path, monkeypatch):
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("")
    monkeypatch.setenv("INDONEWS_CACHE", str(blocker))  # the cache directory cannot be made
    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"id": "a", "text": TEXTS[0]}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = [f"model_dir={trained_model}", f"input={inp}", f"output={out}", f"hydra.run.dir={tmp_path / 'run'}"]
    proc = run_script("predict", *args, "runtime=onnx", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"error: {trained_model}: ONNX export or load failed" in proc.stderr
    assert not out.exists()


def test_the_default_runtime_is_onnx_on_a_cpu_and_pytorch_elsewhere(monkeypatch):
    cpu, gpu = torch.device("cpu"), torch.device("cuda")
    assert predict.resolve_runtime("auto", cpu, None) == "onnx"
    assert predict.resolve_runtime("auto", cpu, "float32") == "onnx"
    assert predict.resolve_runtime("auto", gpu, None) == "torch"
    assert predict.resolve_runtime("auto", cpu, "bfloat16") == "torch"  # ONNX here computes in float32 only
    assert predict.resolve_runtime("torch", cpu, None) == "torch"
    monkeypatch.setattr(predict, "onnx_available", lambda: False)
    assert predict.resolve_runtime("auto", cpu, None) == "torch"


def test_the_default_extractor_runs_on_onnx_and_finds_the_torch_spans(trained_model, shared_cache, monkeypatch):
    monkeypatch.setenv("INDONEWS_CACHE", str(shared_cache[0]))
    ex = Extractor.from_pretrained(trained_model, relations=None)
    assert isinstance(ex.model, ort.OnnxTokenClassifier) and ex.device.type == "cpu"
    # idle threads sleep rather than spin, so a busy machine is not starved (ort.OnnxTokenClassifier)
    spinning = ex.model.session.get_session_options().get_session_config_entry("session.intra_op.allow_spinning")
    assert spinning == "0"
    torch_ex = Extractor.from_pretrained(trained_model, runtime="torch", relations=None)
    assert not isinstance(torch_ex.model, ort.OnnxTokenClassifier)
    want = spans(torch_ex.predict(TEXTS, batch_size=2))
    assert any(want) and spans(ex.predict(TEXTS, batch_size=2)) == want


def test_the_default_runtime_falls_back_to_pytorch_with_a_warning_when_the_export_fails(trained_model, monkeypatch):
    def broken(*args, **kwargs):
        raise ort.OnnxExportError(f"{trained_model}: ONNX export or load failed: RuntimeError: unsupported op")

    monkeypatch.setattr(ort.OnnxTokenClassifier, "from_pretrained", broken)
    with pytest.warns(UserWarning, match="unsupported op; running on PyTorch instead"):
        ex = Extractor.from_pretrained(trained_model, relations=None)
    assert isinstance(ex.model, torch.nn.Module)
    with pytest.raises(ort.OnnxExportError, match="unsupported op"):  # asked for by name: no fallback
        Extractor.from_pretrained(trained_model, runtime="onnx", relations=None)
