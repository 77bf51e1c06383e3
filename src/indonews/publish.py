"""Checkpoint export: a self-contained directory with a Hugging Face model card, and the upload to the Hub.

>>> from indonews.publish import publish                                   # doctest: +SKIP
>>> publish("models/tiny", "/tmp/indonews-tiny")                           # doctest: +SKIP
PosixPath('/tmp/indonews-tiny')

The published directory holds what the model directory holds (safetensors weights, tokenizer, config
with ``id2label``/``label2id``, ``indonews.json``, ``relations/``, an ONNX export in ``onnx/`` if there is one,
``metrics.json``, the Trainer logs) plus ``README.md``, the card :mod:`indonews.card` writes: regular files
only, and a link leading out of the model directory is left out, with a warning. Every number in the card
is read from ``metrics.json``, the evaluation train.py saved; a model without one is refused. The directory
is built beside its target and renamed into place (:func:`indonews.outputs.atomic_dir`), after loading it
back with transformers alone and with :class:`indonews.Extractor`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

from indonews.card import CARD_FILE, RELATION_VIEWS, CardOptions, build_card, portable_paths
from indonews.checkpoint import (
    CONFIG_FILE,
    EXPORT_DIR,
    METRICS_FILE,
    RELATIONS_DIR,
    CheckpointError,
    check_model_dir,
    copy_model_dir,
    has_weights,
    links_leaving,
    read_config,
    read_metrics,
    read_settings,
    write_settings,
)
from indonews.outputs import atomic_dir
from indonews.schema import IOB2_LABELS

# Never part of a published checkpoint: optimiser state, pickled weights, the source's own card.
SKIP_FILES = {CARD_FILE, "training_args.bin", "optimizer.pt", "scheduler.pt", "rng_state.pth", "pytorch_model.bin"}


class PublishError(Exception):
    """A model that cannot be published as it is (no evaluation, no labels, target exists, ...)."""


log = logging.getLogger(__name__)

# -- checking the model directory -----------------------------------------------------------------


def load_evaluation(model_dir: str | Path) -> dict:
    """``metrics.json`` of ``model_dir``; :class:`PublishError` when the model was never evaluated.

    Evaluated means: at least one split with entity scores, and relation scores on every such split
    when the directory ships a relation model.
    """
    model_dir = Path(model_dir)
    path = model_dir / METRICS_FILE
    try:
        metrics = read_metrics(model_dir)
    except CheckpointError as exc:
        raise PublishError(str(exc)) from None
    if metrics is None:
        raise PublishError(
            f"{model_dir} has no evaluation ({METRICS_FILE} is missing); a model card needs scores. "
            "Train with dev/test files (scripts/train.py writes metrics.json) before publishing."
        )
    splits = [s for s, v in (metrics or {}).items() if isinstance(v, dict) and "micro" in v.get("entities", {})]
    if not splits:
        raise PublishError(f"{path} has no entity scores for any split; a model card needs an evaluation")
    if (model_dir / RELATIONS_DIR).is_dir():
        missing = [s for s in splits if not all(v in metrics[s].get("relations", {}) for v in RELATION_VIEWS)]
        if missing:
            raise PublishError(
                f"{model_dir} has a relation model but {METRICS_FILE} has no relation scores for {missing}; "
                "re-train or re-evaluate it with train.py"
            )
    return {s: metrics[s] for s in splits}


def _check_model_dir(model_dir: Path) -> dict:
    try:
        check_model_dir(model_dir)
    except FileNotFoundError as exc:
        raise PublishError(str(exc)) from None
    if not has_weights(model_dir):
        raise PublishError(f"{model_dir}: no safetensors weights (model.safetensors)")
    config = read_config(model_dir)
    labels = set((config.get("id2label") or {}).values())
    if labels != set(IOB2_LABELS) or set(config.get("label2id") or {}) != set(IOB2_LABELS):
        raise PublishError(
            f"{model_dir}/config.json: id2label/label2id are {sorted(labels)}, expected the IOB2 labels "
            f"{list(IOB2_LABELS)}"
        )
    return config


# -- writing the directory -----------------------------------------------------------------------


def _verify(folder: Path) -> None:
    """Load the checkpoint with transformers alone: labels and weights must come back."""
    from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer

    config = AutoConfig.from_pretrained(folder)
    AutoTokenizer.from_pretrained(folder)
    AutoModelForTokenClassification.from_pretrained(folder)
    labels = set(config.id2label.values())
    if labels != set(IOB2_LABELS):
        raise PublishError(f"{folder}: transformers reads labels {sorted(labels)}")


def _inside(a: Path, b: Path) -> bool:
    try:
        a.relative_to(b)
        return True
    except ValueError:
        return False


def publish(
    model_dir: str | Path,
    publish_dir: str | Path,
    options: CardOptions | None = None,
    overwrite: bool = False,
    root: str | Path | None = None,
) -> Path:
    """Write ``model_dir`` as a self-contained checkpoint with a model card to ``publish_dir``.

    Refused (:class:`PublishError`) without an evaluation in ``metrics.json``, without the IOB2 labels in
    ``config.json``, with a file of the model that cannot be read, and when ``publish_dir`` exists unless
    ``overwrite``. ``root`` (the project root) makes the paths recorded in ``indonews.json`` relative.
    Regular files are copied (:func:`indonews.checkpoint.copy_model_dir`); what is left out, such as a link
    leading out of ``model_dir``, is logged as a warning. Nothing is half-written: the checkpoint is built
    in a staging sibling of ``publish_dir`` that only this run uses, and renamed into place.
    """
    model_dir, publish_dir = Path(model_dir).resolve(), Path(publish_dir).resolve()
    options = options or CardOptions()
    if not model_dir.is_dir():
        raise PublishError(f"{model_dir}: no such model directory")
    if _inside(publish_dir, model_dir) or _inside(model_dir, publish_dir):
        raise PublishError(f"publish_dir {publish_dir} must be outside model_dir {model_dir} (and not contain it)")
    if publish_dir.exists() and not overwrite:
        raise PublishError(f"{publish_dir} exists; pass overwrite=true to replace it")
    if options.model_name is None:
        options = replace(options, model_name=publish_dir.name)
    try:
        _check_model_dir(model_dir)  # refused before anything is copied, naming the model's own files
        load_evaluation(model_dir)
        read_settings(model_dir)
        with atomic_dir(publish_dir) as staging:
            # the ONNX export is copied as it is: a stale one (other weights or library versions) carries a
            # fingerprint that does not match, and the Extractor never reads it
            skipped = copy_model_dir(model_dir, staging, skip=SKIP_FILES, subdirs=(RELATIONS_DIR, EXPORT_DIR))
            for note in skipped:
                log.warning("%s", note)
            try:
                _check_model_dir(staging)  # what was left out may be what the model needs
            except PublishError as exc:
                reason = str(exc).removeprefix(f"{staging}: ")
                raise PublishError(f"{model_dir} without the files left out (see the warnings): {reason}") from None
            metrics = load_evaluation(staging)  # the card quotes the evaluation it ships
            settings = read_settings(staging)
            if settings:
                write_settings(staging, portable_paths(settings, Path(root) if root else None))
            _verify(staging)
            card = build_card(staging, metrics, options, root=root, settings=settings)
            (staging / CARD_FILE).write_text(card, encoding="utf-8")
    except CheckpointError as exc:
        raise PublishError(str(exc)) from None
    return publish_dir


# -- the Hub -------------------------------------------------------------------------------------


def upload_plan(folder: str | Path) -> list[tuple[str, int]]:
    """``(path in the repo, size in bytes)`` of every file an upload of ``folder`` sends (:func:`push_to_hub`
    refuses a folder with links leading out of it)."""
    folder = Path(folder)
    return [
        (p.relative_to(folder).as_posix(), p.stat().st_size)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]


def push_to_hub(
    folder: str | Path,
    repo_id: str,
    dry_run: bool = True,
    private: bool | None = None,
    commit_message: str | None = None,
    token: str | None = None,
) -> list[tuple[str, int]]:
    """Upload a published ``folder`` to the Hub model repo ``repo_id`` (created if missing).

    With ``dry_run`` (the default) nothing leaves the machine and no Hub client is made: the return
    value, the files and their sizes, is what would be sent.
    """
    folder = Path(folder)
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo_id or ""):
        raise PublishError(f"hub.repo_id must look like org/name, got {repo_id!r}")
    if not (folder / CARD_FILE).exists() or not (folder / CONFIG_FILE).exists():
        raise PublishError(f"{folder} is not a published checkpoint (no README.md or config.json); publish it first")
    leaving = links_leaving(folder)
    if leaving:
        names = ", ".join(f"{p.relative_to(folder)} -> {p.resolve()}" for p in leaving)
        raise PublishError(
            f"{folder} has links leading out of it ({names}); an upload would send what they point to. "
            "Remove them, or publish the model again (publish copies regular files only)"
        )
    plan = upload_plan(folder)
    if dry_run:
        return plan
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
    api.upload_folder(
        repo_id=repo_id,
        folder_path=str(folder),
        repo_type="model",
        commit_message=commit_message or f"Upload {folder.name} (indonews)",
        ignore_patterns=[".*"],
    )
    return plan
