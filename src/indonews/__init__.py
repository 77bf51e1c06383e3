"""indonews: leaders, venues, dates and who meets whom in Indonesian news."""

from indonews.schema import (
    ENTITY_LABELS,
    IOB2_LABELS,
    RELATION_LABELS,
    CorpusError,
    Document,
    Entity,
    Relation,
    read_jsonl,
    write_jsonl,
)

__all__ = [
    "ENTITY_LABELS",
    "IOB2_LABELS",
    "RELATION_LABELS",
    "CorpusError",
    "Document",
    "Entity",
    "Extractor",
    "Relation",
    "read_jsonl",
    "write_jsonl",
]
__version__ = "0.1.0"


def __getattr__(name):
    # Extractor pulls in torch and transformers; import it only when asked for.
    if name == "Extractor":
        from indonews.predict import Extractor

        return Extractor
    raise AttributeError(name)
