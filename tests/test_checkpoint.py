"""The model directory's one owner (indonews.checkpoint): its layout, Extractor.save_pretrained/from_pretrained,
errors that name the file, copying it as publish does, and predictions unchanged by the refactoring."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SCRIPTS, run_script

from indonews import Extractor, checkpoint
from indonews.checkpoint import CheckpointError, copy_model_dir
from indonews.data.io import iter_input
from indonews.schema import write_jsonl

TEST_FILE = ROOT / "data" / "test.jsonl"


def files(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# -- the layout -------------------------------------------------------------------------------------


def test_train_writes_the_layout_the_owner_names(trained_model):
    names = files(trained_model)
    for name in (
        checkpoint.CONFIG_FILE,
        checkpoint.WEIGHTS_FILES[0],
        checkpoint.SETTINGS_FILE,
        checkpoint.METRICS_FILE,
        checkpoint.TRAINER_LOG,
        checkpoint.RELATIONS_TRAINER_LOG,
        f"{checkpoint.RELATIONS_DIR}/{checkpoint.CONFIG_FILE}",
        f"{checkpoint.RELATIONS_DIR}/{checkpoint.RELATION_HEAD_FILE}",
        f"{checkpoint.RELATIONS_DIR}/{checkpoint.RELATION_SETTINGS_FILE}",
    ):
        assert name in names, name
    assert not any(n.startswith(".") or "/." in n for n in names)  # no marker or staging left in it
    settings = checkpoint.read_settings(trained_model)
    assert set(checkpoint.DECODING_SETTINGS) <= set(settings) and settings["training"]["relations"]
    # the relation Trainer's log is kept beside the entity one, and runs to the steps train.py recorded
    rel_log = checkpoint.read_trainer_log(trained_model, relations=True)
    assert rel_log[-1]["step"] == settings["training"]["relations"]["max_steps"]
    assert checkpoint.read_trainer_log(trained_model)[-1]["step"] == settings["training"]["ner"]["max_steps"]
    assert checkpoint.has_relations(trained_model) and checkpoint.count_parameters(trained_model) > 0


def test_save_pretrained_round_trips_to_byte_identical_predictions(trained_model, tmp_path):
    ex = Extractor.from_pretrained(trained_model, device="cpu", runtime="torch")
    saved = ex.save_pretrained(tmp_path / "again")
    record = {checkpoint.METRICS_FILE, checkpoint.TRAINER_LOG, checkpoint.RELATIONS_TRAINER_LOG}  # train.py's
    assert files(saved) == files(trained_model) - record
    for name in ("model.safetensors", "relations/model.safetensors", "relations/head.safetensors"):
        assert (saved / name).read_bytes() == (trained_model / name).read_bytes(), name
    settings = checkpoint.read_settings(saved)
    assert settings == {k: checkpoint.read_settings(trained_model)[k] for k in checkpoint.DECODING_SETTINGS}

    # predict.py on the trained model and the library on the saved copy: the same bytes for data/test.jsonl
    script_out = tmp_path / "script.jsonl"
    run_script(
        "predict",
        f"model_dir={trained_model}",
        f"input={TEST_FILE}",
        f"output={script_out}",
        "runtime=torch",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    again = Extractor.from_pretrained(saved, device="cpu", runtime="torch")
    write_jsonl(again.annotate(iter_input(TEST_FILE)), tmp_path / "library.jsonl")
    assert (tmp_path / "library.jsonl").read_bytes() == script_out.read_bytes()
    assert sum(1 for _ in iter_input(TEST_FILE)) == len(script_out.read_text().splitlines()) > 0


@pytest.mark.skipif(
    not os.environ.get("INDONEWS_REFERENCE"),
    reason="INDONEWS_REFERENCE=<a checkout of the code before a change> compares predict.py before and after",
)
def test_predictions_on_data_test_are_byte_for_byte_those_of_the_reference_code(trained_model, tmp_path):
    """Behaviour kept across a refactoring: the reference checkout's predict.py (its own src/ on the path) and
    this one write the same bytes for data/test.jsonl with the same model, on the default runtime and on PyTorch."""
    ref = Path(os.environ["INDONEWS_REFERENCE"]).resolve()
    for runtime in ("auto", "torch"):
        outs = {}
        for name, root in (("reference", ref), ("this", ROOT)):
            outs[name] = tmp_path / f"{name}-{runtime}.jsonl"
            proc = subprocess.run(
                [sys.executable, str(root / "scripts" / "predict.py"), f"model_dir={trained_model}",
                 f"input={TEST_FILE}", f"output={outs[name]}", f"runtime={runtime}",
                 f"hydra.run.dir={tmp_path / name}"],
                capture_output=True, text=True, cwd=root, timeout=600,
                env={**os.environ, "PYTHONPATH": str(root / "src")},
            )  # fmt: skip
            assert proc.returncode == 0, proc.stderr[-3000:]
        assert outs["reference"].read_bytes() == outs["this"].read_bytes(), runtime


def test_save_pretrained_refuses_a_model_it_cannot_write(trained_model, tmp_path):
    ex8 = Extractor.from_pretrained(trained_model, device="cpu", quantize="int8", runtime="torch", relations=None)
    with pytest.raises(ValueError, match="int8 layers: load it with runtime='torch' and no quantize"):
        ex8.save_pretrained(tmp_path / "x")
    assert not (tmp_path / "x").exists() and list(tmp_path.iterdir()) == []


# -- reading, with errors that name the file ------------------------------------------------------


def test_no_config_json_is_said_the_same_way_everywhere(tmp_path):
    from indonews import ort

    message = f"{tmp_path}: no config.json; is this a model directory written by train.py?"
    for load in (checkpoint.check_model_dir, Extractor.from_pretrained):
        with pytest.raises(FileNotFoundError) as err:
            load(tmp_path)
        assert str(err.value) == message
    pytest.importorskip("onnxruntime")
    with pytest.raises(FileNotFoundError, match="no config.json"):
        ort.export_onnx(tmp_path)


@pytest.mark.parametrize(
    "content, problem",
    [
        ('{"max_length": 64,', "not valid JSON: Expecting property name enclosed in double quotes at column 19"),
        ("[" * 100_000, "not valid JSON: nested too deeply"),
        ("[1, 2]", "expected a JSON object, got list"),
        ('{"max_length": "long"}', "max_length must be an integer > 0, got 'long'"),
        ('{"constrained": "yes"}', "constrained must be true or false"),
        (b"\xff\xfe{}", "not UTF-8 text"),
    ],
)
def test_a_corrupt_indonews_json_names_the_file_and_the_problem(trained_model, tmp_path, content, problem):
    model = shutil.copytree(trained_model, tmp_path / "model")
    settings = model / checkpoint.SETTINGS_FILE
    settings.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CheckpointError) as err:
        Extractor.from_pretrained(model, runtime="torch")
    assert str(err.value).startswith(f"{settings}: ") and problem in str(err.value)


def test_predict_script_says_a_corrupt_indonews_json_in_one_line(trained_model, tmp_path):
    model = shutil.copytree(trained_model, tmp_path / "model")
    (model / checkpoint.SETTINGS_FILE).write_text('{"max_length": 64,')
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"text": "Presiden Prabowo tiba."}\n')
    proc = run_script(
        "predict", f"model_dir={model}", f"input={inp}", f"output={tmp_path / 'out.jsonl'}",
        f"hydra.run.dir={tmp_path / 'run'}", check=False,
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"error: {model / 'indonews.json'}: not valid JSON: Expecting" in proc.stderr


def test_trainer_logs_and_metrics_read_back_or_say_what_is_wrong(tmp_path):
    assert checkpoint.read_trainer_log(tmp_path) == [] and checkpoint.read_metrics(tmp_path) is None
    (tmp_path / checkpoint.TRAINER_LOG).write_text('{"step": 1}')
    with pytest.raises(CheckpointError, match="trainer_log.json: expected a JSON list"):
        checkpoint.read_trainer_log(tmp_path)
    (tmp_path / checkpoint.METRICS_FILE).write_text("{")
    with pytest.raises(CheckpointError, match=r"metrics.json: not valid JSON"):
        checkpoint.read_metrics(tmp_path)


# -- copying, as publish does ---------------------------------------------------------------------


def test_copy_takes_regular_files_and_leaves_out_links_leading_out_saying_so(tmp_path):
    src, dst, outside = tmp_path / "model", tmp_path / "copy", tmp_path / "secrets"
    for d in (src / "relations", src / "onnx" / ".export-work", src / "checkpoints" / "checkpoint-3", dst, outside):
        d.mkdir(parents=True)
    (outside / "token.txt").write_text("hf_secret")
    (src / "config.json").write_text("{}")
    (src / "relations" / "head.safetensors").write_text("head")
    (src / "onnx" / "model.onnx").write_text("onnx")
    (src / "tokenizer.json").symlink_to(src / "config.json")  # inside: copied as the file it points to
    (src / "leak.txt").symlink_to(outside / "token.txt")  # leads out: left out
    (src / "relations" / "leak.txt").symlink_to(outside / "token.txt")
    (src / "onnx_linked").symlink_to(outside)  # a directory outside
    (src / "gone.json").symlink_to(src / "missing.json")
    (src / "loop.json").symlink_to(src / "loop.json")
    (src / "training_args.bin").write_bytes(b"pickle")
    (src / ".hidden").write_text("x")
    os.mkfifo(src / "pipe")

    notes = copy_model_dir(src, dst, skip={"training_args.bin"}, subdirs=("relations", "onnx"))
    assert files(dst) == {"config.json", "tokenizer.json", "relations/head.safetensors", "onnx/model.onnx"}
    assert not any(p.is_symlink() for p in dst.rglob("*"))
    assert (dst / "tokenizer.json").read_text() == "{}"
    said = "\n".join(notes)
    for name in ("leak.txt", "relations/leak.txt", "onnx_linked"):
        assert f"{src / name}: a link to {outside}" in said and "outside" in said
    assert f"{src / 'gone.json'}: a link to" in said and "does not exist" in said
    assert f"{src / 'pipe'}: not a regular file" in said and f"{src / 'loop.json'}: a link that cannot be" in said
    assert "hf_secret" not in "".join(p.read_text() for p in dst.rglob("*") if p.is_file())
    leaving = [src / "leak.txt", src / "loop.json", src / "onnx_linked", src / "relations" / "leak.txt"]
    assert checkpoint.links_leaving(src) == leaving


# -- one home, no import up ------------------------------------------------------------------------


def _indonews_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("indonews"):
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names if node.module == "indonews"}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("indonews")}
    return out


def test_the_owners_sit_below_what_uses_them():
    src = ROOT / "src" / "indonews"
    assert _indonews_imports(src / "outputs.py") == set()
    assert _indonews_imports(src / "files.py") == set()
    assert _indonews_imports(src / "checkpoint.py") <= {"indonews.outputs", "indonews.files", "indonews.schema"}
    for module in (src / "ner").glob("*.py"):
        assert not {"indonews.predict", "indonews.checkpoint"} & _indonews_imports(module), module
    # the model directory's names live in one module: no other spells them
    for path in [*src.rglob("*.py"), *SCRIPTS.rglob("*.py")]:  # scripts/benchmarks/ too
        if path.name in ("checkpoint.py",):
            continue
        text = path.read_text(encoding="utf-8")
        for literal in ('"indonews.json"', '"trainer_log.json"', '"metrics.json"', '"relation.json"'):
            assert literal not in text, f"{path.relative_to(ROOT)} spells {literal}"


def test_the_package_imports_form_layers_with_no_cycle():
    """Every import between the package's modules, those inside functions too, points one way: the graph has no
    cycle, so the modules sort into layers and none reaches up. ``from indonews import checkpoint`` is an import
    of the module ``checkpoint``; ``from indonews.backbone import BUILD_FILE`` one of the package's ``__init__``."""
    from graphlib import CycleError, TopologicalSorter

    src = ROOT / "src"
    modules = {
        ".".join(p.relative_to(src).with_suffix("").parts).removesuffix(".__init__"): p for p in src.rglob("*.py")
    }
    graph = {}
    for module, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("indonews"):
                imported |= {
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                    for a in node.names
                }
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names if a.name.startswith("indonews")}
        graph[module] = imported - {module}
    assert set().union(*graph.values()) <= set(modules)
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as err:
        pytest.fail(f"import cycle: {' -> '.join(err.args[1])}")
    assert set(order) == set(modules)


def test_the_readme_layout_names_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :].split("\n## ", 1)[0]
    named = set(re.findall(r"\w+", layout))
    modules = {p.stem for p in (ROOT / "src" / "indonews").rglob("*.py") if p.stem != "__init__"}
    assert modules <= named, sorted(modules - named)
