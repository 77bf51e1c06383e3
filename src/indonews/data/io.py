"""Reading articles to predict on: a JSONL file with "text" (and optional "id"), or a folder of .txt files.

Readers stream: one document at a time, so memory does not grow with the input.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from indonews.schema import CorpusError, Document, iter_json_lines


def iter_input(path: str | Path) -> Iterator[Document]:
    """Stream documents to annotate; a malformed line raises CorpusError naming file, line and field."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.txt") if p.is_file())
        if not files:
            raise CorpusError(str(path), "<folder>", "no .txt files found")
        for f in files:
            try:
                text = f.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise CorpusError(str(f), "<file>", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
            yield Document(id=str(f.relative_to(path).with_suffix("")), text=text)
        return
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
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
        yield Document(id=str(doc_id), text=text, meta=meta)
