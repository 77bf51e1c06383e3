"""The Hydra configs say each thing once: composed as the scripts compose them, no training."""

from __future__ import annotations

import pytest
from conftest import ROOT, compose

READERS = {"evaluate": (), "predict": ("input=x", "output=y"), "publish": ("publish_dir=z",), "quantize": ()}


def test_the_scripts_read_by_default_the_model_train_writes_by_default():
    written = compose("train").model_dir
    assert written == compose("train").paths.model_dir and written.endswith("/models/indobert")
    for name, required in READERS.items():
        assert compose(name, *required).model_dir == written, name


@pytest.mark.parametrize("model", ["tiny", "e5small", "xlmr"])
def test_train_writes_the_model_named_by_its_model_group(model):
    assert compose("train", f"model={model}").model_dir.endswith(f"/models/{model}")


def test_evaluate_takes_the_decoding_switch_by_trains_name():
    assert compose("train").decoding.constrained is True
    assert compose("evaluate").decoding.constrained is None  # None: the model's own decoding
    assert compose("evaluate", "decoding.constrained=false").decoding.constrained is False


@pytest.mark.parametrize("arg", ["constrained=false", "+constrained=true"])
def test_evaluate_refuses_the_old_name_of_the_decoding_switch_in_one_line(arg, monkeypatch):
    import runpy

    monkeypatch.setenv("PROJECT_ROOT", str(ROOT))  # what scripts/_common.py sets, undone after the test
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    monkeypatch.setattr("sys.argv", ["evaluate.py", "model_dir=models/none", arg])
    with pytest.raises(SystemExit) as exc:
        runpy.run_path(str(ROOT / "scripts" / "evaluate.py"), run_name="__main__")
    value = arg.partition("=")[2]
    assert str(exc.value) == f"error: constrained is called decoding.constrained now: decoding.constrained={value}"


def flat(node, prefix: str = "") -> dict:
    """A config (unresolved: interpolations as written) as ``{"a.b.c": value}``."""
    from omegaconf import OmegaConf

    tree = OmegaConf.to_container(node, resolve=False) if not isinstance(node, dict) else node
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@pytest.mark.parametrize(
    "experiment, base",
    [
        ("tiny_augment", "tiny_cpu"),
        ("tiny_scratch", "tiny_cpu"),
        ("e5small_augment", "e5small"),
        ("e5small_noise", "e5small"),
    ],
)
def test_an_experiment_built_on_another_changes_only_what_it_lists(experiment, base):
    from omegaconf import OmegaConf

    own = flat(OmegaConf.load(ROOT / "configs" / "experiment" / f"{experiment}.yaml"))
    assert own.pop("defaults") == [base, "_self_"]  # the model, trainer and relation choices come from the base
    derived, parent = flat(compose("train", f"experiment={experiment}")), flat(compose("train", f"experiment={base}"))
    changed = {k for k in derived.keys() | parent.keys() if derived.get(k) != parent.get(k)}
    assert changed == {k for k in own if own[k] != parent.get(k)}
    assert {k: derived[k] for k in own} == own


def test_trainer_cpu_changes_only_what_a_cpu_changes():
    default, cpu = flat(compose("train").trainer), flat(compose("train", "trainer=cpu").trainer)
    assert {k for k in default.keys() | cpu.keys() if default.get(k) != cpu.get(k)} == {"args.dataloader_pin_memory"}
    for recipe in ("tiny", "e5small"):  # the small backbones' recipes build on it
        assert compose("train", f"trainer={recipe}").trainer.args.dataloader_pin_memory is False


@pytest.mark.parametrize("model", ["tiny", "e5small"])
def test_a_model_configs_build_block_is_its_builders_defaults(model):
    """``model.build`` spells out every field (overridable, recorded with the backbone); the library's defaults agree."""
    from omegaconf import OmegaConf

    from indonews.backbone import TinySpec
    from indonews.e5 import E5Spec

    build = OmegaConf.to_container(compose("train", f"model={model}").model.build, resolve=True)
    kind = build.pop("kind", "tiny")  # build_backbone's defaults for the two keys it reads itself
    assert kind == model and build.pop("use_nlp_id", True) is True
    spec = {"tiny": TinySpec, "e5small": E5Spec}[kind]
    assert spec(**build) == spec()


def test_training_checks_int8_by_default_and_a_smoke_run_does_not():
    assert compose("train").quantize_check is True  # what predict's quantize=auto then follows
    assert compose("train", "debug=fast").quantize_check is False
    assert compose("predict", "input=x", "output=y").quantize == "auto"
    assert compose("quantize").data.split == "dev" and compose("quantize").model_dir == compose("train").model_dir


def test_training_is_float32_unless_a_recipe_asks_for_bfloat16():
    assert compose("train").trainer.precision == compose("train").relations.precision == "float32"
