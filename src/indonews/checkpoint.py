"""The model directory: what it holds, written in one rename, read back with errors that name the file.

::

    config.json, model.safetensors        the entity model (plain transformers; labels in id2label)
    tokenizer.json, tokenizer_config.json its tokenizer
    indonews.json                         window length, stride, decoding, word unit; how it was trained
    relations/                            the relation model, when there is one: config.json,
                                          model.safetensors, head.safetensors, relation.json, tokenizer
    onnx/                                 ONNX exports shipped with it (indonews.ort), when there are
    metrics.json                          its evaluation (train.py; the model card quotes it)
    trainer_log.json                      the entity model's Trainer log history
    relations_trainer_log.json            the relation model's, beside it

:meth:`indonews.Extractor.save_pretrained` writes it and :meth:`~indonews.Extractor.from_pretrained`
reads it, through this module; ``scripts/train.py``, ``scripts/bench.py``, :mod:`indonews.publish`,
:mod:`indonews.card`, :mod:`indonews.ort` and :mod:`indonews.cluster` find its parts here. Nothing here
imports torch or transformers: what writes weights is handed in.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from indonews.files import read_json
from indonews.outputs import atomic_dir, write_text

CONFIG_FILE = "config.json"
WEIGHTS_FILES = ("model.safetensors", "model.safetensors.index.json")  # one file, or the map of a sharded one
SETTINGS_FILE = "indonews.json"
RELATIONS_DIR = "relations"
RELATION_SETTINGS_FILE = "relation.json"  # in relations/: labels, thresholds, max_length, marker words
RELATION_HEAD_FILE = "head.safetensors"  # in relations/: the pair classifier's head
EXPORT_DIR = "onnx"
METRICS_FILE = "metrics.json"
TRAINER_LOG = "trainer_log.json"
RELATIONS_TRAINER_LOG = "relations_trainer_log.json"
INT8_KEY = "int8"  # in indonews.json: whether int8 costs the model dev F1 (indonews.quantization)
DECODING_SETTINGS = ("max_length", "stride", "constrained", "words")  # what from_pretrained takes from indonews.json
log = logging.getLogger(__name__)


class CheckpointError(ValueError):
    """A file of a model directory that cannot be read as it is; the message names the file and the problem."""


# -- reading ----------------------------------------------------------------------------------------


def check_model_dir(model_dir: str | os.PathLike) -> Path:
    """``model_dir`` as a Path if it holds a model (``config.json``); FileNotFoundError naming it if not."""
    model_dir = Path(model_dir)
    if not (model_dir / CONFIG_FILE).is_file():
        raise FileNotFoundError(f"{model_dir}: no config.json; is this a model directory written by train.py?")
    return model_dir


def _object(path: Path, default: dict) -> dict:
    obj = read_json(path, default, CheckpointError)
    if not isinstance(obj, dict):
        raise CheckpointError(f"{path}: expected a JSON object, got {type(obj).__name__}")
    return obj


def read_settings(model_dir: str | os.PathLike) -> dict:
    """``indonews.json`` ({} when there is none), with its decoding settings checked.

    >>> read_settings("/nonexistent")
    {}
    """
    path = Path(model_dir) / SETTINGS_FILE
    settings = _object(path, {})
    for key in ("max_length", "stride"):
        value = settings.get(key)
        if key in settings and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            raise CheckpointError(f"{path}: {key} must be an integer > 0, got {value!r}")
    if "constrained" in settings and not isinstance(settings["constrained"], bool):
        raise CheckpointError(f"{path}: constrained must be true or false, got {settings['constrained']!r}")
    if "words" in settings and not isinstance(settings["words"], str):
        raise CheckpointError(f"{path}: words must be a string, got {settings['words']!r}")
    return settings


def int8_verified(settings: dict) -> bool:
    """Whether a checkpoint's settings (``indonews.json``) hold a verdict that int8 costs it no dev F1
    (:mod:`indonews.quantization` writes it; ``quantize="auto"`` follows it).

    >>> int8_verified({"int8": {"verified": True}}), int8_verified({}), int8_verified({"int8": "yes"})
    (True, False, False)
    """
    verdict = settings.get(INT8_KEY)
    return isinstance(verdict, dict) and verdict.get("verified") is True


def read_relation_settings(relations_dir: str | os.PathLike) -> dict | None:
    """``relation.json`` of a relation model directory; None when there is none."""
    path = Path(relations_dir) / RELATION_SETTINGS_FILE
    return _object(path, None) if path.exists() else None


def read_config(model_dir: str | os.PathLike) -> dict:
    return _object(Path(model_dir) / CONFIG_FILE, {})


def read_metrics(model_dir: str | os.PathLike) -> dict | None:
    """``metrics.json`` (None when the model was never evaluated)."""
    path = Path(model_dir) / METRICS_FILE
    return _object(path, None) if path.exists() else None


def read_trainer_log(model_dir: str | os.PathLike, relations: bool = False) -> list:
    """The entity model's Trainer log history (the relation model's with ``relations``); [] when not kept."""
    path = Path(model_dir) / (RELATIONS_TRAINER_LOG if relations else TRAINER_LOG)
    history = read_json(path, [], CheckpointError)
    if not isinstance(history, list):
        raise CheckpointError(f"{path}: expected a JSON list of log entries, got {type(history).__name__}")
    return history


def has_relations(model_dir: str | os.PathLike) -> bool:
    """Whether the directory ships a relation model (``relations/config.json``)."""
    return (Path(model_dir) / RELATIONS_DIR / CONFIG_FILE).is_file()


def has_weights(model_dir: str | os.PathLike) -> bool:
    return any((Path(model_dir) / name).is_file() for name in WEIGHTS_FILES)


def count_parameters(model_dir: str | os.PathLike) -> int:
    """The number of weights in the directory's safetensors files, read from their headers (an int8 model
    hides its packed weights from ``parameters()``, so they are counted where they are stored)."""
    from safetensors import safe_open

    total = 0
    for f in sorted(Path(model_dir).glob("*.safetensors")):
        with safe_open(str(f), framework="pt") as st:
            for name in st.keys():
                n = 1
                for d in st.get_slice(name).get_shape():
                    n *= d
                total += n
    return total


# -- writing ----------------------------------------------------------------------------------------


def _dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def save_model_dir(
    model,
    tokenizer,
    model_dir: str | os.PathLike,
    settings: dict,
    *,
    relations=None,
    metrics: dict | None = None,
    trainer_log: list | None = None,
    relations_trainer_log: list | None = None,
) -> Path:
    """Write a model directory whole (:func:`indonews.outputs.atomic_dir`): weights (safetensors) and
    tokenizer, ``settings`` as ``indonews.json``, the relation model (anything with ``save_pretrained``,
    a :class:`~indonews.relations.predictor.RelationPredictor`) in ``relations/``, and the evaluation and
    Trainer logs when given. A failure or Ctrl-C leaves an existing ``model_dir`` as it was."""
    with atomic_dir(model_dir) as staging:
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        if relations is not None:
            relations.save_pretrained(staging / RELATIONS_DIR)
        files = {
            SETTINGS_FILE: settings,
            METRICS_FILE: metrics,
            TRAINER_LOG: trainer_log,
            RELATIONS_TRAINER_LOG: relations_trainer_log,
        }
        for name, obj in files.items():
            if obj is not None:
                (staging / name).write_text(_dumps(obj), encoding="utf-8")
    return Path(model_dir)


def write_settings(folder: str | os.PathLike, settings: dict) -> Path:
    """``settings`` as ``folder/indonews.json``, in a directory being built (a staging directory)."""
    path = Path(folder) / SETTINGS_FILE
    path.write_text(_dumps(settings), encoding="utf-8")
    return path


def update_settings(model_dir: str | os.PathLike, **items: Any) -> Path:
    """Add or replace ``items`` in a finished model directory's ``indonews.json``, atomically, the rest kept
    (e.g. :func:`indonews.quantization.record_int8`'s verdict)."""
    model_dir = check_model_dir(model_dir)
    settings = read_settings(model_dir)
    settings.update(items)
    return write_text(model_dir / SETTINGS_FILE, _dumps(settings))


def copy_model_dir(
    src: str | os.PathLike, dst: str | os.PathLike, skip: Iterable[str] = (), subdirs: Iterable[str] = ()
) -> list[str]:
    """Copy the files of model directory ``src`` into the existing directory ``dst``; returns what was left out.

    Regular files only, with ``subdirs`` (e.g. ``relations``, ``onnx``) copied the same way; names in
    ``skip``, hidden names and other directories are not part of the model. A symlink is copied as the
    file it points to only when that file is inside ``src``: one leading out of it (a secrets file, a
    cache) is left out, and so are sockets, pipes and devices; each one left out comes back as a line
    saying what and why.
    """
    src, dst = Path(src), Path(dst)
    root = src.resolve()
    skip, subdirs = set(skip), set(subdirs)
    notes: list[str] = []

    def copy(folder: Path, into: Path, top: bool) -> None:
        for path in sorted(folder.iterdir()):
            name = path.name
            if name in skip or name.startswith("."):
                continue
            if path.is_symlink():
                real = _resolved(path)
                if real is None:
                    notes.append(f"{path}: a link that cannot be followed (a loop?); not copied")
                    continue
                if not real.is_relative_to(root):
                    notes.append(f"{path}: a link to {real}, outside {src}; not copied")
                    continue
                if not real.exists():
                    notes.append(f"{path}: a link to {real}, which does not exist; not copied")
                    continue
            if path.is_dir():
                if top and name in subdirs:
                    (into / name).mkdir()
                    copy(path, into / name, top=False)
                elif not top:
                    notes.append(f"{path}: a directory inside {path.parent.name}/; not copied")
                continue  # checkpoints and other run leftovers are not part of the model
            if not path.is_file():
                notes.append(f"{path}: not a regular file; not copied")
                continue
            shutil.copy2(path, into / name, follow_symlinks=True)

    copy(src, dst, top=True)
    return notes


def links_leaving(folder: str | os.PathLike) -> list[Path]:
    """Symlinks under ``folder`` (hidden names aside) whose target is outside it, or cannot be followed."""
    folder = Path(folder)
    root = folder.resolve()
    out = []
    for p in sorted(folder.rglob("*")):
        if p.is_symlink() and not any(part.startswith(".") for part in p.relative_to(folder).parts):
            real = _resolved(p)
            if real is None or not real.is_relative_to(root):
                out.append(p)
    return out


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return None
