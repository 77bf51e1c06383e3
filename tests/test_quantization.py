"""int8 per checkpoint: the check scores both precisions as evaluate.py does, the verdict is kept in the model
directory without touching the rest, and quantize="auto" takes int8 only where the verdict allows."""

import json
import shutil

import pytest
from conftest import run_script

from indonews import Extractor, checkpoint
from indonews.checkpoint import int8_verified
from indonews.ner.metrics import score_documents
from indonews.predict import onnx_available, resolve_quantize
from indonews.quantization import Int8Verdict, check_int8, record_int8
from indonews.schema import Document, read_jsonl

needs_onnx = pytest.mark.skipif(not onnx_available(), reason="needs onnxruntime and onnx (pip install indonews[onnx])")


@pytest.fixture
def model(tmp_path, trained_model):
    """A copy of the session's trained model: the verdict is written into the directory."""
    return shutil.copytree(trained_model, tmp_path / "model")


def _verdict(verified: bool) -> Int8Verdict:
    return Int8Verdict(0.9, 0.9 if verified else 0.88, 3, 1.0 if verified else 0.5, 0.0, verified)


def test_auto_takes_int8_only_on_onnx_with_a_verdict_that_allows_it():
    allowed, refused = {"int8": {"verified": True}}, {"int8": {"verified": False}}
    assert resolve_quantize("auto", "onnx", allowed) == "int8"
    assert resolve_quantize("auto", "onnx", refused) is None
    assert resolve_quantize("auto", "onnx", {}) is None  # never checked: float32, as before
    assert resolve_quantize("auto", "torch", allowed) is None  # PyTorch's own int8 is another scheme, unchecked
    assert resolve_quantize("int8", "torch", {}) == "int8"  # asked for by name: always
    assert resolve_quantize(None, "onnx", allowed) is None
    assert not int8_verified({"int8": {"verified": "yes"}})


def test_the_verdict_is_written_into_indonews_json_and_the_rest_is_kept(model):
    before = checkpoint.read_settings(model)
    record_int8(model, _verdict(True))
    after = json.loads((model / checkpoint.SETTINGS_FILE).read_text(encoding="utf-8"))
    assert after.pop("int8") == {
        "float32_f1": 0.9,
        "int8_f1": 0.9,
        "documents": 3,
        "same_spans": 1.0,
        "tolerance": 0.0,
        "verified": True,
    }
    assert after == before
    assert _verdict(False).cost == pytest.approx(0.02)


@needs_onnx
def test_check_scores_both_precisions_as_evaluate_does(model, corpus_dir):
    docs = read_jsonl(corpus_dir / "dev.jsonl")
    verdict = check_int8(model, docs, tolerance=0.0)
    float32 = Extractor.from_pretrained(model, runtime="onnx", quantize=None, relations=None)
    pred = list(float32.annotate([Document(d.id, d.text) for d in docs]))
    assert verdict.float32_f1 == round(score_documents(docs, pred)["entities"]["micro"]["f1"], 4)
    assert verdict.documents == len(docs) and 0 <= verdict.same_spans <= 1
    assert verdict.verified == (verdict.int8_f1 >= verdict.float32_f1)
    assert check_int8(model, docs, tolerance=1.0).verified  # F1 cannot fall by more than 1
    with pytest.raises(ValueError, match="no documents"):
        check_int8(model, [])


@needs_onnx
def test_from_pretrained_runs_int8_by_default_only_where_the_verdict_allows(model):
    def scheme(**kwargs):
        return Extractor.from_pretrained(model, relations=None, **kwargs).model.path.name

    assert scheme() == "model.onnx"  # no verdict yet: float32
    record_int8(model, _verdict(True))
    assert scheme() == "model-int8.onnx"
    assert scheme(quantize=None) == "model.onnx"  # None keeps float32 whatever the verdict
    assert type(Extractor.from_pretrained(model, runtime="torch").model).__name__ != "OnnxTokenClassifier"
    record_int8(model, _verdict(False))
    assert scheme() == "model.onnx"


@needs_onnx
def test_script_records_the_verdict_predict_then_follows(model, corpus_dir, tmp_path):
    out = run_script(
        "quantize",
        f"model_dir={model}",
        f"data.file={corpus_dir / 'dev.jsonl'}",
        "tolerance=1.0",
        f"hydra.run.dir={tmp_path}",
    )
    assert "quantize=auto takes int8" in out.stdout and "dev F1 float32" in out.stdout
    assert checkpoint.read_settings(model)["int8"]["verified"] is True
    bad = run_script("quantize", f"model_dir={tmp_path / 'none'}", f"hydra.run.dir={tmp_path}", check=False)
    assert bad.returncode == 1 and "no config.json" in bad.stderr and "Traceback" not in bad.stderr
