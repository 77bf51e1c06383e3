"""The Hydra configs say each thing once: composed as the scripts compose them, no training."""

from __future__ import annotations

import pytest
from conftest import ROOT


def compose(name: str, *overrides: str):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(str(ROOT / "configs"), version_base="1.3"):
        return hydra_compose(name, overrides=list(overrides))


READERS = {"evaluate": (), "predict": ("input=x", "output=y"), "publish": ("publish_dir=z",)}


def test_the_scripts_read_by_default_the_model_train_writes_by_default():
    written = compose("train").model_dir
    assert written == compose("train").paths.model_dir and written.endswith("/models/indobert")
    for name, required in READERS.items():
        assert compose(name, *required).model_dir == written, name


@pytest.mark.parametrize("model", ["tiny", "e5small", "xlmr"])
def test_train_writes_the_model_named_by_its_model_group(model):
    assert compose("train", f"model={model}").model_dir.endswith(f"/models/{model}")
