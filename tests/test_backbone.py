"""Backbone resolution fails fast and clearly; model configs with a build section are built locally."""

import pytest

from indonews.backbone import BackboneUnavailable, resolve_backbone


def test_missing_local_directory_is_named(tmp_path):
    with pytest.raises(BackboneUnavailable, match="no such directory"):
        resolve_backbone(str(tmp_path / "not-built-yet"))


def test_existing_directory_loads_locally(tiny_backbone):
    assert resolve_backbone(str(tiny_backbone)) == (str(tiny_backbone), True)
