"""The one JSON-file reader and the one cache directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from indonews.checkpoint import CheckpointError
from indonews.files import JSONFileError, default_cache_dir, read_json


def test_read_json_gives_the_default_for_a_missing_file_and_names_a_broken_one(tmp_path):
    assert read_json(tmp_path / "none.json") is None and read_json(tmp_path / "none.json", []) == []
    path = tmp_path / "x.json"
    path.write_text('{"a": [1, 2]}', encoding="utf-8")
    assert read_json(path) == {"a": [1, 2]}
    path.write_text('{"a": 1,', encoding="utf-8")
    with pytest.raises(JSONFileError) as err:
        read_json(path)
    assert str(err.value) == f"{path}: not valid JSON: Expecting property name enclosed in double quotes at column 9"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(JSONFileError, match=r"x.json: not UTF-8 text \(invalid start byte at byte 0\)"):
        read_json(path)
    path.write_text("[" * 100_000, encoding="utf-8")
    with pytest.raises(CheckpointError, match="x.json: not valid JSON: nested too deeply"):  # the owner's own kind
        read_json(path, error=CheckpointError)


def test_the_cache_is_indonews_cache_else_xdg_else_home(monkeypatch, tmp_path):
    monkeypatch.setenv("INDONEWS_CACHE", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "mine" and default_cache_dir("onnx") == tmp_path / "mine" / "onnx"
    monkeypatch.setenv("INDONEWS_CACHE", "")  # empty counts as unset
    assert default_cache_dir("bench") == tmp_path / "xdg" / "indonews" / "bench"
    monkeypatch.delenv("INDONEWS_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG specification: ignore a relative path
    assert default_cache_dir() == Path.home() / ".cache" / "indonews"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "indonews"


def test_every_module_asks_files_for_the_cache_and_reads_json_through_it():
    root = Path(__file__).resolve().parents[1]
    for path in [*(root / "src" / "indonews").rglob("*.py"), *(root / "scripts").rglob("*.py")]:
        if path.name == "files.py":
            continue
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(root)
        assert '".cache"' not in text and "INDONEWS_CACHE" not in text, f"{rel} works out the cache itself"
        assert "def read_json(" not in text, f"{rel} has its own read_json"
