"""Collecting an intent's candidates per field, in the order its extractors find them.

Each candidate's source reads "<intent>:<kind>:<how>" (e.g. "product:jsonld:offers.price"), so
the confidence layer can tell independent extractors apart. The two collectors differ in what
counts as a repeat: `Found` keeps a value once per kind of source, `FoundBySource` once per
source (the product intent weighs two JSON-LD paths giving one price as two findings).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.records import Candidate


class Found:
    """Candidates per field in the order found, without repeating a value from the same kind."""

    def __init__(self, intent: str):
        self.intent = intent
        self.fields: dict[str, list[Candidate]] = defaultdict(list)

    def add(self, name: str, value: Any, kind: str, how: str) -> None:
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            return
        if any(c.value == value and c.kind == kind for c in self.fields[name]):
            return
        self.fields[name].append(Candidate(value, f"{self.intent}:{kind}:{how}", kind))

    def add_all(self, name: str, values: Iterable[Any], kind: str, how: str) -> None:
        for value in values:
            self.add(name, value, kind, how)

    def take(self, candidates: dict[str, list[Candidate]], renames: dict[str, str]) -> None:
        """Adopt another extractor's candidates under this intent's field names."""
        for theirs, mine in renames.items():
            for candidate in candidates.get(theirs, []):
                if candidate not in self.fields[mine]:
                    self.fields[mine].append(candidate)

    def result(self, names: Iterable[str]) -> dict[str, list[Candidate]]:
        return {name: self.fields.get(name, []) for name in names}


@dataclass
class FoundBySource:
    """Candidates per field as text, whitespace collapsed, deduplicated by (value, source)."""

    intent: str
    by_field: dict[str, list[Candidate]] = field(default_factory=dict)

    def add(self, name: str, value: Any, source: str, kind: str) -> None:
        value = collapse_whitespace(str(value)) if value is not None else ""
        if not value:
            return
        source = f"{self.intent}:{kind}:{source}"
        items = self.by_field.setdefault(name, [])
        if not any(c.value == value and c.source == source for c in items):
            items.append(Candidate(value=value, source=source, kind=kind))

    def first(self, name: str) -> Candidate | None:
        return next(iter(self.by_field.get(name, [])), None)
