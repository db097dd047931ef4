"""Records as rows and as export objects: which columns, in which order, holding what.

Pure functions over the record dicts our pipelines publish::

    {"record_key": ..., "source_url": ..., "record_confidence": 0.93,
     "fields": {"price": {"value": "49.99", "confidence": 0.97, ...}, ...}}

Values come out typed but unescaped; each writer renders them for its format (sanitize.py).
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dataops_spiders.exports.sanitize import number_literal

logger = logging.getLogger(__name__)

NUMERIC_TYPES = frozenset({"int", "decimal", "price"})
LIST_SEPARATOR = "; "

# Record-level keys a JSON export keeps: identity and provenance, not extraction internals.
JSON_RECORD_KEYS = (
    "record_key",
    "source_url",
    "canonical_url",
    "key_source",
    "template",
    "intent",
    "page_kind",
    "fetched_at",
)


@dataclass(frozen=True, slots=True)
class Link:
    """A source URL: a hyperlink where the format has them, text everywhere else."""

    url: str


def field_value(entry: Any) -> Any:
    """The value of one field entry (``{"value": ..., "confidence": ...}`` or a bare value)."""
    return entry.get("value") if isinstance(entry, Mapping) else entry


def confidence_value(value: Any) -> float | None:
    """A confidence as a plain finite number, else None (never a bool, NaN or text)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def field_confidence(entry: Any) -> float | None:
    return confidence_value(entry.get("confidence")) if isinstance(entry, Mapping) else None


def record_fields(record: Mapping[str, Any]) -> Mapping[str, Any]:
    fields = record.get("fields")
    return fields if isinstance(fields, Mapping) else {}


def flatten(value: Any) -> Any:
    """A value that fits one cell: lists joined with "; ", anything structured as JSON text."""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(flatten(v)) for v in value if v is not None)
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, float | Decimal) and not _finite(value):
        return str(value)  # spreadsheets have no NaN or infinity
    return value


def _finite(number: float | Decimal) -> bool:
    return number.is_finite() if isinstance(number, Decimal) else math.isfinite(number)


def cell_value(value: Any, field_type: str | None = None) -> Any:
    """``value`` flattened; in a numeric-typed field a number literal becomes a number."""
    value = flatten(value)
    if field_type in NUMERIC_TYPES and isinstance(value, str):
        number = number_literal(value.strip())
        if number is not None:
            return int(number) if field_type == "int" and number == number.to_integral() else number
    return value


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class Columns:
    """The columns of a CSV or XLSX export, fixed before the first row is written.

    A stream cannot grow a column it has already passed, so the columns are the given ``fields``
    or, failing that, the fields of the first record. Fields that only later records carry are
    left out; ``finish()`` logs them so that a caller knows to pass ``fields``.
    """

    fields: list[str]
    confidences: bool = False
    field_types: Mapping[str, str] = field(default_factory=dict)
    explicit: bool = False
    left_out: Counter = field(default_factory=Counter)
    _known: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._known = frozenset(self.fields)

    @classmethod
    def plan(
        cls,
        first: Mapping[str, Any] | None,
        fields: Iterable[str] | None,
        confidences: bool,
        field_types: Mapping[str, str] | None,
    ) -> Columns:
        explicit = fields is not None
        names = list(fields) if fields is not None else list(record_fields(first or {}))
        types = dict(field_types or {})
        for name, entry in record_fields(first or {}).items():
            if isinstance(entry, Mapping) and isinstance(entry.get("type"), str):
                types.setdefault(name, entry["type"])
        return cls(names, confidences, types, explicit)

    def header(self) -> list[str]:
        names = ["record_key", "source_url"]
        if self.confidences:
            names.append("record_confidence")
        for name in self.fields:
            names.append(name)
            if self.confidences:
                names.append(f"{name}_confidence")
        return names

    def row(self, record: Mapping[str, Any]) -> list[Any]:
        fields = record_fields(record)
        if not self.explicit:
            self.left_out.update(fields.keys() - self._known)
        url = record.get("source_url")
        cells: list[Any] = [_str_or_none(record.get("record_key"))]
        cells.append(Link(url) if isinstance(url, str) else _str_or_none(url))
        if self.confidences:
            cells.append(confidence_value(record.get("record_confidence")))
        for name in self.fields:
            entry = fields.get(name)
            cells.append(cell_value(field_value(entry), self.field_types.get(name)))
            if self.confidences:
                cells.append(field_confidence(entry))
        return cells

    def finish(self) -> None:
        """Log the fields that records carried but the columns did not."""
        if self.explicit:
            return
        for name, count in self.left_out.items():
            logger.warning(
                "field %r is missing from this export (%d records carry it): the columns were "
                "fixed by the first record; pass fields=[...] to include it",
                name,
                count,
            )


@dataclass
class JsonShape:
    """Export objects for JSON and JSON lines: the record's identity, then its field values.

    ``fields`` holds plain values (lists stay lists) in a running order: the given ``fields``,
    else the first record's, with fields first seen in later records appended; a field a record
    lacks is null. With ``confidences``, ``record_confidence``, ``confidence`` (per field) and
    ``low_confidence_fields`` follow.
    """

    confidences: bool = False
    order: list[str] = field(default_factory=list)
    fixed: bool = False

    @classmethod
    def plan(cls, fields: Iterable[str] | None, confidences: bool) -> JsonShape:
        return cls(confidences, list(fields or []), fields is not None)

    def export(self, record: Mapping[str, Any]) -> dict[str, Any]:
        fields = record_fields(record)
        if not self.fixed:
            known = set(self.order)
            self.order.extend(name for name in fields if name not in known)
        out = {key: record.get(key) for key in JSON_RECORD_KEYS if key in record}
        out.setdefault("source_url", None)
        out["fields"] = {name: _json_value(field_value(fields.get(name))) for name in self.order}
        if self.confidences:
            out["record_confidence"] = confidence_value(record.get("record_confidence"))
            out["confidence"] = {name: field_confidence(fields.get(name)) for name in self.order}
            out["low_confidence_fields"] = list(record.get("low_confidence_fields") or [])
        return out


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact, as the pipelines publish decimals
    if isinstance(value, float) and not _finite(value):
        return None  # JSON has no NaN or infinity
    return value
