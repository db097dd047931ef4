"""Feed exporters that write records, not pages: a page item may carry several records.

Registered in FEED_EXPORTERS for jsonlines, json and csv, so `-o out.csv` and the default
records.jsonl both get one line or row per record. Items without `records` pass through as is.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exporters import CsvItemExporter, JsonItemExporter, JsonLinesItemExporter

from dataops_spiders.exports.tabular import cell_value
from dataops_spiders.exports.writers import csv_cell


def records_of(item: Any) -> list[Any]:
    adapter = ItemAdapter(item)
    if "records" in adapter.field_names() or "records" in adapter:
        return list(adapter.get("records") or [])
    return [item]


def flat_record(record: dict[str, Any]) -> dict[str, Any]:
    """One spreadsheet row: identity columns, then each field's value and confidence, every
    cell neutralised against formula injection as in dataset exports."""
    row = {
        "source_url": csv_cell(record.get("source_url")),
        "record_key": csv_cell(record.get("record_key")),
        "record_confidence": record.get("record_confidence"),
    }
    for name, field in (record.get("fields") or {}).items():
        row[name] = csv_cell(cell_value(field.get("value"), field.get("type")))
        row[f"{name}_confidence"] = field.get("confidence")
    return row


class RecordJsonLinesExporter(JsonLinesItemExporter):
    def export_item(self, item: Any) -> None:
        for record in records_of(item):
            super().export_item(record)


class RecordJsonExporter(JsonItemExporter):
    def export_item(self, item: Any) -> None:
        for record in records_of(item):
            super().export_item(record)


class RecordCsvExporter(CsvItemExporter):
    def export_item(self, item: Any) -> None:
        for record in records_of(item):
            super().export_item(flat_record(record) if isinstance(record, dict) else record)
