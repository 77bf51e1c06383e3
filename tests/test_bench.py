"""The benchmark: its arithmetic in this process, and one short run of scripts/bench.py (no timing checks)."""

import doctest
import importlib.util
import json
import os
import sys

import pytest
from conftest import SCRIPTS, compose, run_script

from indonews.schema import ID2LABEL


def _import_package(path):
    """The package at ``path``, imported under its own name without putting its parent on sys.path: scripts/
    there would let scripts/evaluate.py hide the evaluate library (scripts/bench.py finds benchmarks/ beside it)."""
    if path.name not in sys.modules:
        spec = importlib.util.spec_from_file_location(path.name, path / "__init__.py")
        sys.modules[path.name] = package = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(package)


_import_package(SCRIPTS / "benchmarks")
from benchmarks import base_model, report, scoring, systems, timing, worker  # noqa: E402

# the default (ONNX float32 on this CPU) and the reference: each child process costs seconds of imports, and
# every name's options are unit-tested (system_options' doctest)
SYSTEMS = ("extractor", "pipeline")
assert set(SYSTEMS) <= set(systems.SYSTEMS)


def test_bench_script_times_two_systems_in_one_round(trained_model, corpus_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("INDONEWS_CACHE", str(tmp_path / "cache"))  # nothing exported yet: the export is timed
    out = tmp_path / "bench.json"
    proc = run_script(
        "bench", str(trained_model), "--data", str(corpus_dir / "test.jsonl"), "--docs", "3", "--threads", "1",
        "--batch-size", "4", "--repeat", "1", "--out", str(out), "--systems", ",".join(SYSTEMS),
    )  # fmt: skip
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["documents"]["count"] == 3 and report["batch_size"] == 4 and report["repeat"] == 1
    (model,) = report["models"]
    assert set(model["systems"]) == set(SYSTEMS)
    # exported before the timed systems (into this run's private cache), so load times do not include it
    assert set(model["onnx_export_seconds"]) == {"float32"} and model["onnx_export_seconds"]["float32"] > 0
    from indonews.ort import find_export

    assert find_export(trained_model)
    from transformers import AutoModelForTokenClassification

    weights = sum(p.numel() for p in AutoModelForTokenClassification.from_pretrained(trained_model).parameters())
    # counted in the checkpoint's files, not the loaded model (int8 hides its packed weights from parameters())
    assert {r["parameters"] for r in model["systems"].values()} == {weights}
    for r in model["systems"].values():
        assert r["documents"] == 3 and r["tokens"] > 0
        assert r["docs_per_s"] > 0 and r["tokens_per_s"] > 0 and r["peak_rss_mb"] >= r["rss_after_load_mb"] > 0
        assert "spans" not in r and r["same_spans_every_pass"] and r["seconds_per_pass"] == [r["seconds"]]
        assert 0.0 <= r["gold_f1"]["f1"] <= 1.0 and r["gold_f1"]["support"] > 0  # the test file is annotated
    assert "gold_f1_after_trim" in model["systems"]["pipeline"]
    agree = model["agreement"]["extractor vs pipeline"]
    assert 0.0 <= agree["share"] <= 1.0 and 0.0 <= agree["share_after_trim"] <= 1.0
    assert agree["reproduced"] <= agree["reference_spans"]
    assert "training" not in model and "scale" not in report
    assert "| extractor |" in proc.stdout and "| pipeline |" in proc.stdout and "peak RSS" in proc.stdout
    assert "ONNX export before timing" in proc.stdout


# -- the parent's arithmetic, with the children replaced ---------------------------------------------


def pass_result(seconds, load=1.0, peak=300.0, after_load=200.0, spans=((0, 1, "DATE"),)):
    return {"documents": 4, "tokens": 100, "seconds": seconds, "load_seconds": load, "peak_rss_mb": peak,
            "rss_after_load_mb": after_load, "spans": [list(map(list, spans))]}  # fmt: skip


def test_combine_passes_takes_the_median_pass_and_the_highest_memory():
    rounds = [pass_result(2.0, 1.0, 300, 200), pass_result(4.0, 3.0, 500, 250), pass_result(1.0, 2.0, 400, 220)]
    out = timing.combine_passes(rounds)
    assert out["seconds_per_pass"] == [2.0, 4.0, 1.0] and out["seconds"] == 2.0
    assert out["docs_per_s"] == 4 / 2.0 and out["tokens_per_s"] == 100 / 2.0
    assert out["load_seconds"] == 2.0 and out["peak_rss_mb"] == 500 and out["rss_after_load_mb"] == 250
    assert out["same_spans_every_pass"]
    two = timing.combine_passes(rounds[:2])  # an even count: between the two passes
    assert two["seconds"] == 3.0 and min(two["seconds_per_pass"]) <= two["seconds"] <= max(two["seconds_per_pass"])
    assert not timing.combine_passes([rounds[0], pass_result(2.0, spans=())])["same_spans_every_pass"]


TEXTS = ["Presiden Prabowo, tiba di Bali.", "Senin (12/5) pagi."]
GOLD = [[[9, 16, "LEADER"], [26, 30, "VENUE"]], [[0, 12, "DATE"]]]
PIPELINE_SPANS = [[[9, 17, "LEADER"], [26, 30, "VENUE"]], [[0, 12, "DATE"]]]  # keeps the comma after "Prabowo"
EXTRACTOR_SPANS = [[[9, 16, "LEADER"], [26, 30, "LEADER"]], [[0, 12, "DATE"]]]  # a wrong label on "Bali"


def test_benchmark_takes_passes_in_rounds_and_scores_every_system(monkeypatch, tmp_path):
    calls = []

    def measure(system, model_dir, docs_file, batch_size, work, threads=None, repeat=1):
        assert scoring.load_texts(docs_file) == TEXTS and batch_size == 4 and threads == 1
        calls.append((model_dir, system))
        n = calls.count((model_dir, system))
        spans = PIPELINE_SPANS if system == "pipeline" else EXTRACTOR_SPANS
        return {**pass_result(float(n), peak=100.0 * n), "documents": 2, "spans": spans}

    monkeypatch.setattr(timing, "measure", measure)
    monkeypatch.setattr(timing, "onnx_exports", lambda systems: [None, "int8"] if "extractor" in systems else [])
    monkeypatch.setattr(
        timing, "export_time", lambda model_dir, quantize, work, threads: {None: 2.0, "int8": 3.0}[quantize]
    )
    monkeypatch.setattr(timing, "environment", lambda: {"load_average": [0.5, 0.5, 0.5]})
    monkeypatch.setattr(timing, "measure_training", lambda *args: {"trained": args[:4]})
    monkeypatch.setattr(timing, "scale_run", lambda model, texts, factors, *args: [(model, len(texts), list(factors))])
    rep = timing.benchmark(
        [("a", "models/a"), ("b", "models/b")], TEXTS, batch_size=4, systems=SYSTEMS, train_file="train.jsonl",
        train_steps=5, train_batch_size=2, scale=(1, 10), threads=1, gold=GOLD, repeat=2,
    )  # fmt: skip
    # every system once per round, model by model
    assert calls == [(m, s) for m in ("models/a", "models/b") for _ in range(2) for s in SYSTEMS]
    assert rep["documents"] == {"count": 2, "characters": sum(map(len, TEXTS))} and rep["repeat"] == 2
    assert "load_average_after" in rep["environment"]
    a, b = rep["models"]
    assert (a["name"], a["model_dir"], b["name"]) == ("a", "models/a", "b")
    assert a["onnx_export_seconds"] == {"float32": 2.0, "int8": 3.0}
    ext, pipe = a["systems"]["extractor"], a["systems"]["pipeline"]
    assert ext["seconds_per_pass"] == [1.0, 2.0] and ext["seconds"] == 1.5 and ext["peak_rss_mb"] == 200.0
    assert "spans" not in ext and "spans" not in pipe
    # 1 of the pipeline's 3 spans exactly, 2 once its trailing comma is trimmed ("Bali" has another label)
    assert a["agreement"] == {
        "extractor vs pipeline": {"reference_spans": 3, "candidate_spans": 3, "reproduced": 1,
                                  "share": 1 / 3, "share_after_trim": 2 / 3},
    }  # fmt: skip
    assert ext["gold_f1"] == {"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "support": 3}
    assert "gold_f1_after_trim" not in ext
    assert pipe["gold_f1"]["f1"] == 2 / 3 and pipe["gold_f1_after_trim"]["f1"] == 1.0
    assert a["training"] == {"trained": ("models/a", "train.jsonl", 5, 2)}
    assert rep["scale"] == {"model_dir": "models/a", "runs": [("models/a", 2, [1, 10])]}


def test_benchmark_without_the_pipeline_or_gold_compares_nothing(monkeypatch):
    monkeypatch.setattr(timing, "measure", lambda system, *a, **k: {**pass_result(1.0), "spans": EXTRACTOR_SPANS})
    monkeypatch.setattr(timing, "onnx_exports", lambda systems: [])
    monkeypatch.setattr(timing, "environment", lambda: {})
    rep = timing.benchmark([("a", "models/a")], TEXTS, systems=("extractor-torch",))
    (a,) = rep["models"]
    assert a["agreement"] == {} and "gold_f1" not in a["systems"]["extractor-torch"]
    assert "onnx_export_seconds" not in a and "training" not in a and "scale" not in rep


def in_process_worker(args, threads=None):
    """timing.run_worker without the child: the worker parses what the parent sends, in this process."""
    worker.main(args)
    return 0.25, 1.0


def test_training_steps_are_timed_through_the_worker(trained_model, corpus_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(timing, "run_worker", in_process_worker)
    t = timing.measure_training(trained_model, corpus_dir / "dev.jsonl", 1, 2, tmp_path)
    assert t["system"] == "train" and t["max_steps"] == 1 and t["batch_size"] == 2
    assert t["samples_per_s"] > 0 and t["peak_rss_mb"] > 1.0


def test_every_onnx_export_is_made_in_a_worker_unless_cached(tmp_path, monkeypatch):
    import indonews.ort

    model, exported = str(tmp_path / "model"), []

    def export_onnx(model_dir, quantize=None):
        exported.append((model_dir, quantize))
        return tmp_path / "model.onnx"

    monkeypatch.setattr(timing, "run_worker", in_process_worker)
    monkeypatch.setattr(indonews.ort, "export_onnx", export_onnx)
    monkeypatch.setattr(indonews.ort, "find_export", lambda model_dir, quantize=None: None)
    assert timing.export_time(model, "int8", tmp_path) == 0.25 and timing.export_time(model, None, tmp_path) == 0.25
    assert exported == [(model, "int8"), (model, None)]
    monkeypatch.setattr(indonews.ort, "find_export", lambda model_dir, quantize=None: tmp_path / "model.onnx")
    assert timing.export_time(model, "int8", tmp_path) == 0.0 and len(exported) == 2


def test_onnx_exports_are_those_the_systems_run_on():
    pytest.importorskip("onnxruntime")  # runtime="auto" takes ONNX Runtime on a CPU only where it is installed
    assert systems.onnx_exports(("extractor", "extractor-argmax-onnx-int8", "pipeline")) == [None, "int8"]
    assert systems.onnx_exports(("extractor-torch", "extractor-int8", "extractor-bf16", "pipeline")) == []


def test_scale_runs_predict_py_on_copies_of_the_documents(monkeypatch, tmp_path):
    cmds = []
    monkeypatch.setattr(timing, "run_child", lambda cmd, threads=None: (cmds.append(cmd) or 1.5, 700.0))
    rows = timing.scale_run("models/tiny", ["a", "b", "c"], [1, 2], 4, tmp_path, threads=1)
    assert rows == [
        {"factor": 1, "documents": 3, "seconds": 1.5, "peak_rss_mb": 700.0},
        {"factor": 2, "documents": 6, "seconds": 1.5, "peak_rss_mb": 700.0},
    ]
    assert len(scoring.load_texts(tmp_path / "scale_2.jsonl")) == 6
    cmd = cmds[1]
    assert cmd[:2] == [sys.executable, str(SCRIPTS / "predict.py")]
    # predict.py's config takes every override given to it
    cfg = compose("predict", *cmd[2:])
    assert (cfg.model_dir, cfg.input, cfg.output) == ("models/tiny", str(tmp_path / "scale_2.jsonl"),
                                                      str(tmp_path / "scale_2_pred.jsonl"))  # fmt: skip
    assert cfg.batch_size == 4 and cfg.device == "cpu"


def test_run_child_reports_the_childs_peak_memory_and_its_errors():
    seconds, peak = timing.run_child([sys.executable, "-c", "x = b'x' * (200 * 2**20)"], threads=1)
    machine_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    assert seconds > 0 and 200 <= peak <= machine_mb  # MB, whatever unit the OS counts in
    with pytest.raises(RuntimeError, match=r"failed \(1\):\n.*no such system"):
        timing.run_child([sys.executable, "-c", "import sys; sys.exit('no such system')"])


def test_a_worker_finds_the_package_where_the_script_did(monkeypatch):
    seen = {}
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    monkeypatch.setattr(timing, "run_child", lambda cmd, threads, env: (seen.update(cmd=cmd, env=env) or 0.0, 0.0))
    timing.run_worker(["--system", "extractor"])
    assert seen["cmd"] == [sys.executable, "-m", "benchmarks.worker", "--system", "extractor"]
    assert seen["env"]["PYTHONPATH"].split(os.pathsep) == [str(SCRIPTS), "/elsewhere"]


def test_markdown_tables():
    def row(docs_per_s, tokens_per_s, peak, after_load, **more):
        return {"docs_per_s": docs_per_s, "tokens_per_s": tokens_per_s, "peak_rss_mb": peak,
                "rss_after_load_mb": after_load, "parameters": 1_500_000, "max_length": 64, **more}  # fmt: skip

    rep = {
        "environment": {"torch": "2.9", "transformers": "5.1", "cpu_count": 2, "load_average": [1.0, 1, 1],
                        "load_average_after": [2.5, 1, 1]},
        "documents": {"count": 3, "characters": 1234}, "batch_size": 4, "threads": 1, "repeat": 2,
        "models": [
            {"name": "tiny", "onnx_export_seconds": {"float32": 1.5, "int8": 0.0},
             "systems": {"extractor": row(4.0, 1000, 1500, 200, gold_f1={"f1": 0.75}),
                         "pipeline": row(2.0, 500, 1200, 150, gold_f1={"f1": 0.5}, gold_f1_after_trim={"f1": 0.625})},
             "agreement": {"extractor vs pipeline": {"share": 0.5, "share_after_trim": 1.0}},
             "training": {"max_steps": 1, "batch_size": 2, "samples_per_s": 3.5, "peak_rss_mb": 900}},
            {"name": "other", "systems": {"extractor-torch": {**row(1.0, 10, 1, 1), "max_length": 128}},
             "agreement": {}, "training": {"max_steps": 5, "batch_size": 8, "samples_per_s": None, "peak_rss_mb": 1}},
        ],
        "scale": {"model_dir": "models/tiny", "runs": [{"factor": 2, "documents": 6, "seconds": 1.5, "peak_rss_mb": 700}]},
    }  # fmt: skip
    lines = report.markdown(rep).splitlines()
    assert lines[0] == (
        "3 documents, 1,234 characters, batch size 4, median of 2 timed pass(es) in rounds, 1 torch threads; "
        "torch 2.9, transformers 5.1, 2 CPUs, load average 1.00 before / 2.50 after"
    )
    for expected in (
        "| tiny (1.5M, 64 tokens) | extractor | 4.00 | 1,000 | 2.00x | 1,500 | 200 | 50.0% (100.0% after trim) | 0.750 |",
        "| tiny (1.5M, 64 tokens) | pipeline | 2.00 | 500 | 1.00x | 1,200 | 150 | reference | 0.500 (0.625 after trim) |",
        "| other (1.5M, 128 tokens) | extractor-torch | 1.00 | 10 | n/a | 1 | 1 | n/a | n/a |",
        "ONNX export before timing, once per checkpoint (0.0 s: already cached): tiny float32 1.5 s, int8 0.0 s",
        "| tiny | 1 | 2 | 3.50 | 900 |",
        "| other | 5 | 8 | n/a | 1 |",
        "scripts/predict.py on models/tiny:",
        "| 6 (2x) | 1.5 | 700 |",
    ):
        assert expected in lines, expected
    assert lines.index("| model | system | docs/s | tokens/s | vs pipeline | peak RSS (MB) | RSS after load (MB) "
                       "| spans reproduced from pipeline | span F1 vs gold |") == 2  # fmt: skip


def test_docstring_examples():
    # scripts/ is outside the suite's doctest paths (pyproject testpaths): run this package's examples here
    results = [doctest.testmod(m) for m in (base_model, report, scoring, systems, timing, worker)]
    assert sum(r.attempted for r in results) >= 3 and sum(r.failed for r in results) == 0


# -- scoring and the random base model ------------------------------------------------------------------


def test_reproduction_counts_exact_spans_and_trims_the_reference():
    texts = ["Presiden Prabowo, tiba di Bali."]
    ref = [[[9, 17, "LEADER"], [26, 30, "VENUE"]]]  # the pipeline keeps the comma after "Prabowo"
    cand = [[[9, 16, "LEADER"], [26, 30, "VENUE"]]]
    agree = scoring.reproduction(ref, cand, texts)
    assert agree["share"] == 0.5 and agree["share_after_trim"] == 1.0
    assert scoring.reproduction([[]], [[]], [""])["share"] == 1.0


def test_random_base_model_is_saved_with_the_iob2_labels(tmp_path, trained_model, monkeypatch):
    from transformers import AutoConfig

    monkeypatch.setattr(
        base_model, "BASE_SIZE", dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    )
    monkeypatch.setattr(base_model, "BASE_VOCAB", 500)
    out = base_model.build_random_base(base_model.random_base_dir(tmp_path, trained_model), trained_model)
    config = AutoConfig.from_pretrained(out)
    assert {int(k): v for k, v in config.id2label.items()} == ID2LABEL
    assert config.vocab_size >= 500
    assert json.loads((out / "indonews.json").read_text())["max_length"] == 512
    from indonews import Extractor

    assert Extractor.from_pretrained(out)("Presiden Prabowo tiba di Bali.") is not None


def test_load_texts_repeats_to_n(tmp_path):
    p = scoring.write_texts(["a", "b"], tmp_path / "d.jsonl")
    assert scoring.load_texts(p, 5) == ["a", "b", "a", "b", "a"]
    assert scoring.load_texts(p) == ["a", "b"]


def test_load_gold_aligns_with_the_texts(tmp_path):
    p = tmp_path / "gold.jsonl"
    lines = [{"text": TEXTS[0], "entities": [{"start": 9, "end": 16, "label": "LEADER"}]}, {"text": TEXTS[1]}]
    p.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    assert scoring.load_gold(p, 3) == [[[9, 16, "LEADER"]], [], [[9, 16, "LEADER"]]]
    assert scoring.load_gold(scoring.write_texts(TEXTS, tmp_path / "plain.jsonl")) is None  # unannotated


def test_span_f1_is_strict_on_start_end_and_label():
    gold = [[[0, 5, "LEADER"], [10, 14, "VENUE"]], [[3, 8, "DATE"]]]
    pred = [[[0, 5, "LEADER"], [10, 14, "LEADER"]], [[3, 7, "DATE"]]]  # wrong label, wrong end
    r = scoring.span_f1(gold, pred)
    assert r["precision"] == r["recall"] == r["f1"] == 1 / 3 and r["support"] == 3
    assert scoring.span_f1(gold, [[], []])["f1"] == 0.0
