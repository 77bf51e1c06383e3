"""Small files the package reads, and the cache directory it keeps between runs.

:func:`read_json` is the one reader of a whole JSON file (a model directory's settings, a backbone's build
record, a cached lexicon): a missing file gives the caller's default, a broken one an error naming the
file and the problem. :func:`default_cache_dir` is the one place that says where downloads and exports are
cached. Nothing here imports from the rest of the package, so every module may use it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class JSONFileError(ValueError):
    """A JSON file that cannot be read; the message names the file and the problem."""


def json_problem(exc: json.JSONDecodeError | RecursionError) -> str:
    """What is wrong with a JSON text, in words: the decoder's message and column, or too deep a nesting.

    >>> try:
    ...     json.loads('["unterminated')
    ... except json.JSONDecodeError as exc:
    ...     print(json_problem(exc))
    Unterminated string starting at column 2
    """
    if isinstance(exc, RecursionError):  # the decoder recurses once per [ or {
        return "nested too deeply (more levels of [ and { than Python's recursion limit)"
    msg = exc.msg if exc.msg.endswith(" at") else f"{exc.msg} at"  # "Invalid control character at", ...
    return f"{msg} column {exc.colno}"


def read_json(path: str | os.PathLike, default: Any = None, error: type[Exception] = JSONFileError) -> Any:
    """A JSON file's content, ``default`` when it does not exist; ``error`` naming the file when it is not JSON.

    ``error`` lets an owner raise its own kind (:class:`indonews.checkpoint.CheckpointError` for a model
    directory), with the same message.

    >>> read_json("/nonexistent.json", {})
    {}
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return default
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise error(f"{path}: not valid JSON: {json_problem(exc)}") from None


def default_cache_dir(*parts: str) -> Path:
    """The package's cache, or ``parts`` inside it: ``$INDONEWS_CACHE``, else ``$XDG_CACHE_HOME/indonews``,
    else ``~/.cache/indonews``.

    An empty variable counts as unset, as the XDG specification says; so does a relative ``XDG_CACHE_HOME``.
    The Hydra configs' ``paths.cache_dir`` is null by default: this directory.
    """
    root = os.environ.get("INDONEWS_CACHE")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
        root = base / "indonews"
    return Path(root).expanduser().joinpath(*parts)
