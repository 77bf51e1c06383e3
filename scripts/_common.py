"""What every script shares: the project root for Hydra's paths and logging set-up."""

from __future__ import annotations

import logging
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = str(ROOT / "configs")
os.environ.setdefault("PROJECT_ROOT", str(ROOT))


def plain(cfg) -> dict:
    """A config node as plain Python values (library code never sees a DictConfig)."""
    from omegaconf import OmegaConf

    return OmegaConf.to_container(cfg, resolve=True)


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def clean_errors(fn):
    """Turn the errors a user can fix (bad input, missing model) into one line and exit status 1.

    Hydra would print a stack trace for them; SystemExit passes through it untouched.
    """
    import functools

    from indonews.backbone import BackboneUnavailable
    from indonews.schema import CorpusError

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (BackboneUnavailable, CorpusError, FileNotFoundError, NotADirectoryError) as exc:
            raise SystemExit(f"error: {exc}") from None

    return wrapper


def read_json(path, default=None):
    """A JSON file's content, or ``default`` when the file does not exist."""
    import json

    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default
