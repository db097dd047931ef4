"""Exports of the difference between two versions: one row per changed field.

Columns: ``record_key``, ``source_url``, ``change`` (added, removed or changed), ``field``,
``old``, ``new``. A changed record gives one row per field that changed; an added or removed
record gives one row with ``field``, ``old`` and ``new`` empty (its source URL leads to it).
Rows come in that order: added records, removed records, then changed fields, each in the
order the diff lists them. Cells are flattened and neutralised as in version exports.

``diff`` is duck-typed on the store's ``VersionDiff``: ``dataset``, ``a``, ``b``, ``added`` and
``removed`` (record dicts), ``changed`` (objects with ``record_key``, ``source_url`` and
``changes``, each with ``field``, ``old`` and ``new``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dataops_spiders.exports.output import Destination
from dataops_spiders.exports.tabular import Link, field_value, flatten
from dataops_spiders.exports.writers import Row, write_csv, write_xlsx

DIFF_FORMATS = ("csv", "xlsx")
DIFF_HEADER = ["record_key", "source_url", "change", "field", "old", "new"]


def export_diff(diff: Any, fmt: str, out: Destination) -> int:
    """Write ``diff`` to ``out`` (a path or a binary stream) as ``fmt``; return rows written."""
    if fmt not in DIFF_FORMATS:
        raise ValueError(f"unknown diff format {fmt!r}: choose one of {', '.join(DIFF_FORMATS)}")
    rows = diff_rows(diff)
    if fmt == "csv":
        return write_csv(DIFF_HEADER, rows, out)
    title = f"{diff.dataset} v{diff.a} to v{diff.b}"
    return write_xlsx(DIFF_HEADER, rows, out, title=f"v{diff.a} to v{diff.b}", document_title=title)


def diff_rows(diff: Any) -> Iterator[Row]:
    """The rows of a diff export, as (record key, cell values)."""
    for change, records in (("added", diff.added), ("removed", diff.removed)):
        for record in records:
            key = _text(_attribute(record, "record_key"))
            yield key, [key, _link(_attribute(record, "source_url")), change, None, None, None]
    for record in diff.changed:
        key = _text(record.record_key)
        url = _link(record.source_url)
        for field_change in record.changes:
            old = flatten(field_value(field_change.old))
            new = flatten(field_value(field_change.new))
            yield key, [key, url, "changed", _text(field_change.field), old, new]


def _attribute(record: Any, name: str) -> Any:
    """``name`` of an added or removed record: a record dict, or an object carrying one."""
    if isinstance(record, Mapping):
        return record.get(name)
    value = getattr(record, name, None)
    inner = getattr(record, "record", None)
    if value is None and isinstance(inner, Mapping):
        return inner.get(name)
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _link(url: Any) -> Link | str | None:
    return Link(url) if isinstance(url, str) else _text(url) or None
