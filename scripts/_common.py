"""What every script shares: the project root for Hydra's paths and logging set-up."""

from __future__ import annotations

import functools
import logging
import os
import time
from pathlib import Path

from indonews.files import read_json  # noqa: F401  (the one JSON reader; train.py calls it as _common.read_json)

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = str(ROOT / "configs")
os.environ.setdefault("PROJECT_ROOT", str(ROOT))
RUN_STAMP_KEY = "indonews/run_stamp"

log = logging.getLogger("indonews")


def rank() -> int:
    """This process's global rank under torchrun / accelerate launch (0 when run alone)."""
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


@functools.cache
def run_stamp() -> str:
    """The time stamp in the run directory's name, the same on every process of one launch.

    Each rank composes its own Hydra config, so ``${now:...}`` could differ by a second between
    them and split one run over two directories. Under torchrun (and ``accelerate launch``, which
    runs torchrun) rank 0 publishes its stamp in the launcher's key-value store and the other ranks
    read it there. The store outlives a worker restart, so a restarted launch keeps its directory.
    ``INDONEWS_RUN_STAMP`` sets the stamp by hand (e.g. for ranks started by another launcher).
    """
    if os.environ.get("INDONEWS_RUN_STAMP"):
        return os.environ["INDONEWS_RUN_STAMP"]
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S")
    if world_size() == 1:
        return stamp
    if os.environ.get("TORCHELASTIC_USE_AGENT_STORE") != "True":
        log.warning(
            "rank %d: not started by torchrun, so ranks cannot agree on a run directory by themselves; "
            "set INDONEWS_RUN_STAMP or hydra.run.dir to the same value on every rank",
            rank(),
        )
        return stamp
    from datetime import timedelta

    from torch.distributed import TCPStore

    store = TCPStore(
        os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]), is_master=False, timeout=timedelta(minutes=10)
    )
    if rank() == 0:
        store.compare_set(RUN_STAMP_KEY, "", stamp)  # the first launch's stamp survives a restart
    return store.get(RUN_STAMP_KEY).decode()  # blocks until rank 0 has published it


def rank_suffix() -> str:
    """``""`` on rank 0, ``".rank<N>"`` elsewhere: per-rank names for files in the shared run directory."""
    return f".rank{rank()}" if rank() else ""


def _register_resolvers() -> None:
    from omegaconf import OmegaConf

    for name, fn in (("indonews.run_stamp", run_stamp), ("indonews.rank_suffix", rank_suffix)):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, fn)


_register_resolvers()


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
    from indonews.backbone import BackboneMismatch, BackboneUnavailable
    from indonews.checkpoint import CheckpointError
    from indonews.files import JSONFileError
    from indonews.ner.features import WindowError
    from indonews.outputs import OutputError
    from indonews.schema import CorpusError

    fixable = (
        BackboneUnavailable,
        BackboneMismatch,
        CheckpointError,
        CorpusError,
        JSONFileError,
        OutputError,
        WindowError,
    )

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (*fixable, FileNotFoundError, NotADirectoryError) as exc:
            raise SystemExit(f"error: {exc}") from None

    return wrapper


def refuse_renamed_overrides(renamed: dict[str, str], argv: list[str] | None = None) -> None:
    """Exit with one line naming the new key when a command-line override uses a key's former name.

    Hydra alone would only say that the key is not in the config. Call it before ``main()`` parses
    ``argv`` (``sys.argv[1:]`` by default).
    """
    import sys

    for arg in sys.argv[1:] if argv is None else argv:
        key, _, value = arg.lstrip("+~").partition("=")
        if key in renamed:
            raise SystemExit(f"error: {key} is called {renamed[key]} now: {renamed[key]}={value or '...'}")
