"""The benchmark runs end to end on the fixture model and reports every number it promises (no timing checks)."""

import json

from conftest import run_script

from indonews import bench
from indonews.schema import ID2LABEL

# the default (ONNX float32 on this CPU), the most suffixed name and the reference: each child process costs
# seconds of imports, and every name's options are unit-tested (bench.system_options' doctest)
SYSTEMS = ("extractor", "extractor-argmax-onnx-int8", "pipeline")
assert set(SYSTEMS) <= set(bench.SYSTEMS)


def test_bench_script_reports_every_system_training_and_scale(trained_model, corpus_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("INDONEWS_CACHE", str(tmp_path / "cache"))  # nothing exported yet: the export is timed
    out = tmp_path / "bench.json"
    proc = run_script(
        "bench", str(trained_model), "--data", str(corpus_dir / "test.jsonl"), "--docs", "3", "--threads", "1",
        "--batch-size", "4", "--train-steps", "1", "--train-file", str(corpus_dir / "dev.jsonl"),
        "--train-batch-size", "2", "--scale", "1,2", "--repeat", "2", "--out", str(out), "--systems", ",".join(SYSTEMS),
    )  # fmt: skip
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["documents"]["count"] == 3 and report["batch_size"] == 4
    (model,) = report["models"]
    assert set(model["systems"]) == set(SYSTEMS)
    # exported before the timed systems (into this run's private cache), so load times do not include it
    assert set(model["onnx_export_seconds"]) == {"float32", "int8"}
    assert all(s > 0 for s in model["onnx_export_seconds"].values())
    from indonews.ort import find_export

    assert find_export(trained_model) and find_export(trained_model, quantize="int8")
    from transformers import AutoModelForTokenClassification

    weights = sum(p.numel() for p in AutoModelForTokenClassification.from_pretrained(trained_model).parameters())
    # the int8 systems hide their packed weights from parameters(): every system reports the checkpoint's count
    assert {r["parameters"] for r in model["systems"].values()} == {weights}
    for r in model["systems"].values():
        assert r["documents"] == 3 and r["tokens"] > 0
        assert r["docs_per_s"] > 0 and r["tokens_per_s"] > 0 and r["peak_rss_mb"] >= r["rss_after_load_mb"] > 0
        assert "spans" not in r and r["same_spans_every_pass"]
        assert len(r["seconds_per_pass"]) == 2 and min(r["seconds_per_pass"]) <= r["seconds"] <= max(
            r["seconds_per_pass"]
        )
    for key in ("extractor vs pipeline", "extractor-argmax-onnx-int8 vs pipeline"):
        agree = model["agreement"][key]
        assert 0.0 <= agree["share"] <= 1.0 and 0.0 <= agree["share_after_trim"] <= 1.0
        assert agree["reproduced"] <= agree["reference_spans"]
    assert model["training"]["max_steps"] == 1 and model["training"]["samples_per_s"] > 0
    assert [r["documents"] for r in report["scale"]["runs"]] == [3, 6]
    assert all(r["peak_rss_mb"] > 0 for r in report["scale"]["runs"])
    assert "| extractor |" in proc.stdout and "| pipeline |" in proc.stdout and "peak RSS" in proc.stdout
    assert "| extractor-argmax-onnx-int8 |" in proc.stdout and "ONNX export before timing" in proc.stdout


def test_reproduction_counts_exact_spans_and_trims_the_reference():
    texts = ["Presiden Prabowo, tiba di Bali."]
    ref = [[[9, 17, "LEADER"], [26, 30, "VENUE"]]]  # the pipeline keeps the comma after "Prabowo"
    cand = [[[9, 16, "LEADER"], [26, 30, "VENUE"]]]
    agree = bench.reproduction(ref, cand, texts)
    assert agree["share"] == 0.5 and agree["share_after_trim"] == 1.0
    assert bench.reproduction([[]], [[]], [""])["share"] == 1.0


def test_random_base_model_is_saved_with_the_iob2_labels(tmp_path, trained_model, monkeypatch):
    from transformers import AutoConfig

    monkeypatch.setattr(
        bench, "BASE_SIZE", dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    )
    monkeypatch.setattr(bench, "BASE_VOCAB", 500)
    out = bench.build_random_base(bench.random_base_dir(tmp_path, trained_model), trained_model)
    config = AutoConfig.from_pretrained(out)
    assert {int(k): v for k, v in config.id2label.items()} == ID2LABEL
    assert config.vocab_size >= 500
    assert json.loads((out / "indonews.json").read_text())["max_length"] == 512
    from indonews import Extractor

    assert Extractor.from_pretrained(out)("Presiden Prabowo tiba di Bali.") is not None


def test_load_texts_repeats_to_n(tmp_path):
    p = bench.write_texts(["a", "b"], tmp_path / "d.jsonl")
    assert bench.load_texts(p, 5) == ["a", "b", "a", "b", "a"]
    assert bench.load_texts(p) == ["a", "b"]


def test_span_f1_is_strict_on_start_end_and_label():
    gold = [[[0, 5, "LEADER"], [10, 14, "VENUE"]], [[3, 8, "DATE"]]]
    pred = [[[0, 5, "LEADER"], [10, 14, "LEADER"]], [[3, 7, "DATE"]]]  # wrong label, wrong end
    r = bench.span_f1(gold, pred)
    assert r["precision"] == r["recall"] == r["f1"] == 1 / 3 and r["support"] == 3
    assert bench.span_f1(gold, [[], []])["f1"] == 0.0
