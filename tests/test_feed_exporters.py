"""Scrapy feed exporters write one row per record, formula-safe like dataset exports."""

from __future__ import annotations

import io

from dataops_spiders.exporters import RecordCsvExporter, RecordJsonLinesExporter
from dataops_spiders.items import PageItem

RECORD = {
    "record_key": '=HYPERLINK("http://evil")',
    "source_url": "https://shop.example/p/1",
    "record_confidence": 0.5,
    "fields": {
        "name": {"value": "@SUM(A1)", "type": "string", "confidence": 0.4},
        "price": {"value": "-5.00", "type": "price", "confidence": 0.9},
        "tags": {"value": ["a", "b"], "type": "list", "confidence": 0.7},
    },
}


def test_csv_feed_neutralises_formulas_and_keeps_numbers():
    out = io.BytesIO()
    exporter = RecordCsvExporter(out)
    exporter.start_exporting()
    exporter.export_item(PageItem(url="https://shop.example/p/1", records=[RECORD, RECORD]))
    exporter.finish_exporting()
    lines = out.getvalue().decode("utf-8").splitlines()
    assert len(lines) == 3  # header and one row per record
    assert "'=HYPERLINK" in lines[1] and "'@SUM(A1)" in lines[1]
    assert ",-5.00," in lines[1]  # a price stays a number
    assert "a; b" in lines[1]


def test_jsonlines_feed_writes_each_record():
    out = io.BytesIO()
    exporter = RecordJsonLinesExporter(out)
    exporter.start_exporting()
    exporter.export_item(PageItem(url="https://shop.example/p/1", records=[RECORD, RECORD]))
    exporter.finish_exporting()
    assert out.getvalue().count(b'"record_key"') == 2
