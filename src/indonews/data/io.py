"""Reading articles to predict on: a JSONL file with "text" (and optional "id"), or a folder of .txt files.

Readers stream: one document at a time, so memory does not grow with the input. A run can take one
shard of the input, a contiguous block in input order (:func:`check_shard`, :func:`shard_bounds`), so
shard outputs concatenate to the unsharded one.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from pathlib import Path

from indonews.schema import CorpusError, Document, iter_json_lines

REPEATS_NAMED = 5  # repeated ids warned about one by one; the rest are counted at the end
log = logging.getLogger(__name__)


def count_input(path: str | Path) -> int:
    """How many documents :func:`iter_input` yields, without parsing or reading them (a cheap first pass)."""
    path = Path(path)
    if path.is_dir():
        return len(_txt_files(path))
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    with open(path, encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip())  # the lines iter_json_lines reads


def check_shard(index: object, count: object) -> tuple[int, int]:
    """``(index, count)`` if they name a shard: ``count`` an integer >= 1, ``index`` one in ``0..count-1``.

    Else ValueError with one line naming the bad value as ``scripts/predict.py`` takes it
    (``shard.index``, ``shard.count``); values come from the command line, so strings and booleans are refused.

    >>> check_shard(3, 3)
    Traceback (most recent call last):
    ...
    ValueError: shard.index=3: must be an integer in 0..2 (shard.count=3)
    """
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"shard.count={count!r}: must be an integer >= 1")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < count:
        raise ValueError(f"shard.index={index!r}: must be an integer in 0..{count - 1} (shard.count={count})")
    return index, count


def shard_bounds(n_docs: int, index: int, count: int) -> tuple[int, int]:
    """``[start, stop)`` of shard ``index`` of ``count`` (:func:`check_shard`): contiguous blocks in input order,
    sizes within one, so the shards' outputs concatenated in order are the whole input's.

    >>> [shard_bounds(5, k, 3) for k in range(3)]
    [(0, 1), (1, 3), (3, 5)]
    """
    check_shard(index, count)
    return index * n_docs // count, (index + 1) * n_docs // count


def iter_input(path: str | Path, start: int = 0, stop: int | None = None) -> Iterator[Document]:
    """Stream documents ``[start, stop)`` to annotate; a malformed line raises CorpusError naming file, line and field.

    Ids do not depend on the slice: a line without "id" is ``line-<n>`` by its line number in the file,
    a .txt file is its path under the folder. Lines before ``start`` are still parsed (and checked). An id
    that repeats one already read is kept as it is, with a warning: the output would repeat it too, and the
    annotation format (``scripts/validate.py``) wants ids unique.
    """
    path = Path(path)
    if path.is_dir():
        for f in _txt_files(path)[start:stop]:
            try:
                text = f.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise CorpusError(str(f), "<file>", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
            yield Document(id=str(f.relative_to(path).with_suffix("")), text=text)
        return
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    yield from itertools.islice(_iter_jsonl_input(path), start, stop)


def _txt_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.rglob("*.txt") if p.is_file())
    if not files:
        raise CorpusError(str(folder), "<folder>", "no .txt files found")
    return files


def _iter_jsonl_input(path: Path) -> Iterator[Document]:
    first: dict[str, int] = {}  # id -> its line; a few bytes an id, so memory stays small next to the model's
    repeats = 0
    for n, where, obj in iter_json_lines(path):
        if not isinstance(obj, dict):
            raise CorpusError(where, "<line>", "expected a JSON object")
        text = obj.get("text")
        if not isinstance(text, str):
            raise CorpusError(where, "text", "missing or not a string")
        doc_id = obj.get("id", f"line-{n}")
        if not isinstance(doc_id, (str, int)):
            raise CorpusError(where, "id", f"must be a string, got {type(doc_id).__name__}")
        meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
        doc_id = str(doc_id)
        if doc_id in first:
            repeats += 1
            if repeats <= REPEATS_NAMED:
                log.warning(
                    "%s: id %r repeats line %d's; its prediction keeps it, so the output repeats it too "
                    "(give each document its own id, or leave ids out to number them by line)",
                    where,
                    doc_id,
                    first[doc_id],
                )
        else:
            first[doc_id] = n
        yield Document(id=doc_id, text=text, meta=meta)
    if repeats > REPEATS_NAMED:
        log.warning("%s: %d documents in all repeat an id read before", path, repeats)
