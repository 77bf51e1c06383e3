"""What an import left out or changed without failing, counted as the readers go and said for a person."""

from __future__ import annotations

import dataclasses
from collections import Counter


@dataclasses.dataclass
class ImportReport:
    """What an import left out or changed without failing; :meth:`lines` says it for a person.

    Readers add to one as they go (pass your own to see it); labels are counted as the input spells them.
    """

    dropped_spans: Counter[str] = dataclasses.field(default_factory=Counter)
    dropped_relations: Counter[str] = dataclasses.field(default_factory=Counter)
    orphans: int = 0  # relations on a mention that was dropped, or on a Label Studio region that was skipped
    # Label Studio: regions on another control than the text, by (result type, to_name)
    skipped_regions: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)
    unlabelled_relations: int = 0  # Label Studio: arrows drawn without a relation label
    multi_annotated: int = 0  # Label Studio: tasks with more than one annotation (not cancelled)
    ls_annotation: str = "first"  # Label Studio: which of them was read
    skipped_tasks: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # Label Studio: where, why
    # --trim: where, document id, the span before and after (None: nothing was left, the span was dropped)
    trims: list[tuple[str, str, str, str | None]] = dataclasses.field(default_factory=list)

    def lines(self) -> list[str]:
        """Each trimmed span, then one line per kind of change; empty when the import kept everything as it was."""
        out = []
        for where, doc_id, old, new in self.trims:
            out.append(f"trimmed {where} (document {doc_id!r}): {old!r} -> {'dropped' if new is None else repr(new)}")
        if self.trims:
            n_dropped = sum(new is None for *_, new in self.trims)
            out.append(f"--trim shrank {len(self.trims) - n_dropped} spans and dropped {n_dropped}")
        for what, counts in (("spans", self.dropped_spans), ("relations", self.dropped_relations)):
            for label, n in sorted(counts.items()):
                out.append(f"dropped {n} {what} labelled {label!r} (--drop-label)")
        for (kind, to_name), n in sorted(self.skipped_regions.items()):
            out.append(f"skipped {n} {kind} regions on {to_name!r}: not the text control (see --ls-to-name)")
        if self.unlabelled_relations:
            out.append(f"skipped {self.unlabelled_relations} relations without a label")
        if self.orphans:
            out.append(f"dropped {self.orphans} relations whose mention was dropped or skipped")
        if self.multi_annotated:
            choice = self.ls_annotation
            how = {
                "first": "read the first of each",
                "last": "read the last of each",
                "all-agree": "kept those whose annotations all agree",
            }.get(choice, f"read those of annotator {choice.partition('=')[2]}")
            out.append(f"{self.multi_annotated} tasks have more than one annotation: {how} (--ls-annotation {choice})")
        for where, why in self.skipped_tasks:
            out.append(f"skipped {where}: {why}")
        if self.skipped_tasks:
            out.append(f"skipped {len(self.skipped_tasks)} tasks (--ls-annotation {self.ls_annotation})")
        return out
