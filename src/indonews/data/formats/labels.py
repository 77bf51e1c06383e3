"""How an input's labels become ours: ``--label-map`` and ``--drop-label``, for every annotators' format."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from indonews.schema import ENTITY_LABELS, RELATION_LABELS, CorpusError

_OURS = {lab.casefold(): lab for lab in (*ENTITY_LABELS, *RELATION_LABELS)}


class LabelMap:
    """How an input's labels become ours: foreign labels mapped, labels dropped, and our own in any case.

    Matching ignores case. A label that is neither mapped, dropped nor ours is an error naming the input's
    field, so a typo in the map never turns into silently lost spans. One map serves entities and relations.

    >>> m = LabelMap({"PER": "leader", "meets": "MEET"}, drop=["MISC"])
    >>> [m.entity(x, "f", "tag") for x in ("Per", "date", "MISC")], m.relation("Meets", "f", "type")
    (['LEADER', 'DATE', None], 'MEET')
    """

    def __init__(self, mapping: Mapping[str, str] | Iterable[tuple[str, str]] = (), drop: Iterable[str] = ()):
        self.mapping: dict[str, str] = {}
        for foreign, ours in mapping.items() if isinstance(mapping, Mapping) else mapping:
            target = _OURS.get(str(ours).strip().casefold())
            if target is None:
                raise ValueError(f"{foreign}={ours}: {ours!r} is not one of {', '.join(_OURS.values())}")
            key = str(foreign).strip().casefold()
            if self.mapping.get(key, target) != target:
                raise ValueError(f"{foreign!r} is mapped to both {self.mapping[key]} and {target}")
            self.mapping[key] = target
        self.drop = frozenset(str(x).strip().casefold() for x in drop)  # wins over the map: one run's choice

    def entity(self, label: Any, where: str, field: str) -> str | None:
        """Our entity label for ``label``, None if it is dropped; CorpusError(where, field) if unknown."""
        return self._resolve(label, ENTITY_LABELS, "label", where, field)

    def relation(self, label: Any, where: str, field: str) -> str | None:
        """Our relation label for ``label``, None if it is dropped; CorpusError(where, field) if unknown."""
        return self._resolve(label, RELATION_LABELS, "relation", where, field)

    def _resolve(self, label: Any, ours: tuple[str, ...], kind: str, where: str, field: str) -> str | None:
        if not isinstance(label, str) or not label.strip():
            raise CorpusError(where, field, f"expected a {kind} name, got {label!r}")
        key = label.strip().casefold()
        if key in self.drop:
            return None
        target = self.mapping.get(key, _OURS.get(key))
        if target in ours:
            return target
        if target is not None:
            problem = f"{label!r} means {target}, which is not a {kind} (expected one of {', '.join(ours)})"
        else:
            problem = (
                f"unknown {kind} {label!r} (expected one of {', '.join(ours)}: "
                f"map it with --label-map '{label}=<{kind.upper()}>' or drop it with --drop-label '{label}')"
            )
        raise CorpusError(where, field, problem)


def load_label_map(specs: Iterable[str] = (), drops: Iterable[str] = ()) -> LabelMap:
    """A :class:`LabelMap` from command-line values; ValueError names the value or file and the problem.

    Each spec is a YAML file (a mapping ``FOREIGN: OURS``) or ``FOREIGN=OURS`` pairs joined by commas;
    each drop is a label or several joined by commas.

    >>> load_label_map(["PER=LEADER,LOC=VENUE"], ["MISC,ORG"]).mapping
    {'per': 'LEADER', 'loc': 'VENUE'}
    """
    pairs: list[tuple[str, str]] = []
    for spec in specs:
        if Path(spec).is_file():
            pairs.extend(_label_map_file(Path(spec)))
        elif "=" in spec:
            for item in filter(None, (x.strip() for x in spec.split(","))):
                foreign, sep, ours = item.partition("=")
                if not sep or not foreign.strip():
                    raise ValueError(f"--label-map: expected FOREIGN=OURS, got {item!r}")
                pairs.append((foreign.strip(), ours.strip()))
        else:
            raise ValueError(f"--label-map: {spec!r} is neither a file nor FOREIGN=OURS pairs")
    dropped = [x.strip() for d in drops for x in d.split(",") if x.strip()]
    try:
        return LabelMap(pairs, dropped)
    except ValueError as exc:
        raise ValueError(f"--label-map: {exc}") from None


def _label_map_file(path: Path) -> list[tuple[str, str]]:
    import yaml  # PyYAML; Hydra needs it too

    try:
        # BaseLoader keeps every value a string: YAML 1.1 would read the relation label ON as True
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=yaml.BaseLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a readable YAML file ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"{path}: expected a mapping of foreign labels to ours, one 'FOREIGN: OURS' a line")
    return [(k, v) for k, v in data.items()]
