"""Exports of one dataset version: CSV, JSON, JSON lines and XLSX, streamed record by record.

``export_version`` never holds the whole version: it reads ``records`` once, in order, and
writes each as it comes (the JSON array is written element by element, XLSX through
openpyxl's write-only mode). Every row or object carries the record's source URL.

Columns of CSV and XLSX: ``record_key``, ``source_url``, then one column per field (lists
joined with "; "); with ``confidences``, ``record_confidence`` follows ``source_url`` and a
``<field>_confidence`` column follows each field. The fields are ``fields`` when given (pass
the template's field names for a stable schema), else those of the first record: a stream
cannot add a column later, so fields only later records carry are left out and logged.
JSON and JSON lines keep the record's shape instead (see ``tabular.JsonShape``).

Formula injection: CSV and XLSX text cells that a spreadsheet could evaluate get a leading
apostrophe (``sanitize.neutralise``). Numbers stay numbers: Python numbers always, and number
literals such as "-5.00" in fields whose type (``field_types``, or a ``type`` key in the field
entries) is int, decimal or price. CSV is UTF-8 with a byte order mark, so that Excel reads
accents and CJK text correctly; JSON is plain UTF-8.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from dataops_spiders.exports.output import Destination, binary_destination, text_destination
from dataops_spiders.exports.sanitize import neutralise
from dataops_spiders.exports.tabular import Columns, JsonShape, Link
from dataops_spiders.exports.xlsx import XlsxTable

FORMATS = ("csv", "json", "jsonl", "xlsx")
CSV_ENCODING = "utf-8-sig"

Row = tuple[str, list[Any]]  # (label for error messages, cell values)


def export_version(
    records: Iterable[Mapping[str, Any]],
    fmt: str,
    out: Destination,
    *,
    confidences: bool = False,
    fields: list[str] | None = None,
    field_types: Mapping[str, str] | None = None,
) -> int:
    """Write ``records`` to ``out`` (a path or a binary stream) as ``fmt``; return rows written.

    ``field_types`` maps field names to template field types (string, int, price, ...); only
    the numeric ones matter, see the module docstring.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    stream = iter(records)
    if fmt in ("json", "jsonl"):
        shape = JsonShape.plan(fields, confidences)
        objects = (shape.export(record) for record in stream)
        return write_json(objects, out) if fmt == "json" else write_jsonl(objects, out)
    first = next(stream, None)
    columns = Columns.plan(first, fields, confidences, field_types)
    records_again = itertools.chain([first] if first is not None else [], stream)
    rows = ((str(record.get("record_key") or ""), columns.row(record)) for record in records_again)
    if fmt == "csv":
        written = write_csv(columns.header(), rows, out)
    else:
        written = write_xlsx(columns.header(), rows, out, title="records")
    columns.finish()
    return written


def csv_cell(value: Any) -> str:
    """One CSV field: text neutralised, numbers as written, booleans as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, Link):
        return neutralise(value.url)
    return neutralise(str(value))


def write_csv(header: list[str], rows: Iterable[Row], out: Destination) -> int:
    count = 0
    with text_destination(out, CSV_ENCODING) as stream:
        writer = csv.writer(stream)
        writer.writerow([csv_cell(name) for name in header])
        for _label, values in rows:
            writer.writerow([csv_cell(value) for value in values])
            count += 1
    return count


def write_xlsx(
    header: list[str],
    rows: Iterable[Row],
    out: Destination,
    *,
    title: str,
    document_title: str | None = None,
) -> int:
    link_column = header.index("source_url") + 1 if "source_url" in header else None
    table = XlsxTable(header, title=title, document_title=document_title, link_column=link_column)
    count = 0
    try:
        for label, values in rows:
            table.append(values, label)
            count += 1
    except BaseException:
        table.discard()
        raise
    # Rows are already in openpyxl's temporary sheet files; the destination opens only now, so
    # a failure above leaves nothing behind.
    with binary_destination(out) as stream:
        table.save(stream)
    return count


def _json_text(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str)


def write_json(objects: Iterator[Mapping[str, Any]], out: Destination) -> int:
    """A JSON array written one element at a time (one element per line)."""
    count = 0
    with text_destination(out, "utf-8") as stream:
        stream.write("[")
        for obj in objects:
            stream.write(",\n" if count else "\n")
            stream.write(_json_text(obj))
            count += 1
        stream.write("\n]\n" if count else "]\n")
    return count


def write_jsonl(objects: Iterator[Mapping[str, Any]], out: Destination) -> int:
    count = 0
    with text_destination(out, "utf-8") as stream:
        for obj in objects:
            stream.write(_json_text(obj))
            stream.write("\n")
            count += 1
    return count
