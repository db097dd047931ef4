"""Version and diff exports, read back the way a user would open them."""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import tempfile
import tracemalloc
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from dataops_spiders.exports import ExportError, export_diff, export_version
from dataops_spiders.exports.xlsx import XlsxTable

UNICODE_TITLE = "Café crème – 東京 – Ünïcødé 🎉"


def field_entry(value: Any, confidence: float = 0.9) -> dict[str, Any]:
    return {
        "value": value,
        "confidence": confidence,
        "source": "jsonld:offers.price",
        "valid": True,
        "reasons": [],
        "alternatives": [],
    }


def make_record(key: str, url: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "record_key": key,
        "source_url": url or f"http://shop.test/product/{key.lower()}.html",
        "canonical_url": url or f"http://shop.test/product/{key.lower()}.html",
        "template": "demo_catalogue",
        "intent": "product",
        "page_kind": "item",
        "fetched_at": "2026-11-27T22:26:20+00:00",
        "record_confidence": 0.93,
        "low_confidence_fields": ["sku"],
        "fields": {name: field_entry(*spec) for name, spec in fields.items()},
    }


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return [
        make_record(
            "KIT-00000",
            title=(UNICODE_TITLE, 0.95),
            price=("49.90", 0.97),
            authors=(["Ana Núñez", "Bo Li"], 0.8),
            sku=("=cmd|' /C calc'!A0", 0.41),
        ),
        # missing fields: no authors, no sku; a None value
        make_record("KIT-00001", title=("Plain kettle", 0.9), price=(None, 0.0)),
        make_record(
            "KIT-00002",
            url="javascript:alert(document.cookie)",
            title=("-2+3+cmd|' /C calc'!A0", 0.5),
            price=("-5", 0.6),
            authors=([], 0.0),
            sku=("#N/A", 0.9),
        ),
    ]


PRICE_IS_NUMERIC = {"price": "price"}


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def open_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data))


def export_bytes(records, fmt, **options) -> tuple[int, bytes]:
    out = io.BytesIO()
    count = export_version(records, fmt, out, **options)
    return count, out.getvalue()


# ---------------------------------------------------------------------------------------------
# CSV


def test_csv_columns_values_and_neutralised_cells(records):
    count, data = export_bytes(records, "csv", field_types=PRICE_IS_NUMERIC)
    assert count == 3
    assert data.startswith(codecs.BOM_UTF8)  # Excel needs it to read UTF-8
    rows = read_csv(data)
    assert list(rows[0]) == ["record_key", "source_url", "title", "price", "authors", "sku"]
    first, second, third = rows
    assert first["source_url"] == "http://shop.test/product/kit-00000.html"
    assert first["title"] == UNICODE_TITLE
    assert first["price"] == "49.90"
    assert first["authors"] == "Ana Núñez; Bo Li"
    assert first["sku"] == "'=cmd|' /C calc'!A0"
    assert second == {
        "record_key": "KIT-00001",
        "source_url": "http://shop.test/product/kit-00001.html",
        "title": "Plain kettle",
        "price": "",
        "authors": "",
        "sku": "",
    }
    assert third["title"] == "'-2+3+cmd|' /C calc'!A0"
    assert third["price"] == "-5"  # a number in a price column, not a formula
    assert third["source_url"] == "javascript:alert(document.cookie)"  # text, never a link


def test_csv_negative_number_in_an_untyped_field_is_escaped(records):
    _, data = export_bytes(records, "csv")
    assert read_csv(data)[2]["price"] == "'-5"


def test_csv_with_confidences_puts_each_score_after_its_field(records):
    _, data = export_bytes(records, "csv", confidences=True, fields=["price", "title"])
    rows = read_csv(data)
    assert list(rows[0]) == [
        "record_key",
        "source_url",
        "record_confidence",
        "price",
        "price_confidence",
        "title",
        "title_confidence",
    ]
    assert rows[0]["record_confidence"] == "0.93"
    assert rows[0]["price_confidence"] == "0.97"
    assert rows[1]["price_confidence"] == "0.0"


def test_csv_columns_come_from_the_first_record_and_later_fields_are_reported(caplog):
    later = make_record("B", title=("b", 0.9), colour=("red", 0.9))
    with caplog.at_level(logging.WARNING, logger="dataops_spiders.exports"):
        _, data = export_bytes([make_record("A", title=("a", 0.9)), later], "csv")
    rows = read_csv(data)
    assert list(rows[0]) == ["record_key", "source_url", "title"]
    assert "colour" in caplog.text and "fields=" in caplog.text


def test_csv_of_no_records_is_a_header():
    count, data = export_bytes([], "csv", fields=["title"])
    assert count == 0
    assert data.decode("utf-8-sig").splitlines() == ["record_key,source_url,title"]


# ---------------------------------------------------------------------------------------------
# JSON and JSON lines


def test_json_keeps_the_record_shape_and_plain_values(records):
    count, data = export_bytes(records, "json")
    assert count == 3
    exported = json.loads(data)
    first = exported[0]
    assert first["record_key"] == "KIT-00000"
    assert first["source_url"] == "http://shop.test/product/kit-00000.html"
    assert first["fetched_at"] == "2026-11-27T22:26:20+00:00"
    assert first["fields"] == {
        "title": UNICODE_TITLE,
        "price": "49.90",
        "authors": ["Ana Núñez", "Bo Li"],
        "sku": "=cmd|' /C calc'!A0",  # JSON is data, not a spreadsheet: nothing to escape
    }
    assert "confidence" not in first and "record_confidence" not in first
    assert exported[1]["fields"]["authors"] is None  # missing field: null, same keys
    assert UNICODE_TITLE.encode() in data  # written as UTF-8, not \u escapes


def test_json_with_confidences_and_fields_appended_as_they_appear():
    rows = [
        make_record("A", title=("a", 0.9)),
        make_record("B", title=("b", 0.8), colour=("red", 0.4)),
        make_record("C", title=("c", 0.7)),
    ]
    _, data = export_bytes(rows, "json", confidences=True)
    exported = json.loads(data)
    assert list(exported[0]["fields"]) == ["title"]
    assert list(exported[1]["fields"]) == ["title", "colour"]
    assert exported[2]["fields"] == {"title": "c", "colour": None}
    assert exported[1]["confidence"] == {"title": 0.8, "colour": 0.4}
    assert exported[1]["record_confidence"] == 0.93
    assert exported[1]["low_confidence_fields"] == ["sku"]


def test_json_always_carries_source_url_and_honours_fields():
    record = {"record_key": "X", "fields": {"a": {"value": 1}, "b": {"value": 2}}}
    _, data = export_bytes([record], "json", fields=["b"])
    assert json.loads(data) == [{"record_key": "X", "source_url": None, "fields": {"b": 2}}]


def test_json_of_no_records_is_an_empty_array():
    count, data = export_bytes([], "json")
    assert count == 0
    assert json.loads(data) == []


def test_jsonl_is_one_record_per_line(records):
    count, data = export_bytes(records, "jsonl", confidences=True)
    lines = data.decode("utf-8").splitlines()
    assert count == len(lines) == 3
    parsed = [json.loads(line) for line in lines]
    assert [p["record_key"] for p in parsed] == ["KIT-00000", "KIT-00001", "KIT-00002"]
    assert parsed[0]["confidence"]["sku"] == 0.41


# ---------------------------------------------------------------------------------------------
# XLSX


def test_xlsx_source_urls_are_working_links_and_cells_are_safe(records):
    count, data = export_bytes(records, "xlsx", confidences=True, field_types=PRICE_IS_NUMERIC)
    assert count == 3
    sheet = open_xlsx(data)["records"]
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["record_key", "source_url", "record_confidence", "title"]
    column = {name: index for index, name in enumerate(header)}
    first, second, third = (list(row) for row in sheet.iter_rows(min_row=2))

    link = first[column["source_url"]]
    assert link.value == "http://shop.test/product/kit-00000.html"
    assert link.hyperlink.target == "http://shop.test/product/kit-00000.html"
    assert link.style == "Hyperlink"

    assert first[column["title"]].value == UNICODE_TITLE
    assert first[column["authors"]].value == "Ana Núñez; Bo Li"
    assert first[column["sku"]].value == "'=cmd|' /C calc'!A0"
    assert first[column["sku"]].data_type == "s"
    assert first[column["sku_confidence"]].value == 0.41
    price = first[column["price"]]
    assert (price.data_type, price.value, price.number_format) == ("n", 49.9, "0.00")

    assert second[column["authors"]].value is None
    assert second[column["price"]].value is None

    unsafe = third[column["source_url"]]
    assert unsafe.hyperlink is None  # javascript: never becomes a link
    assert unsafe.value == "javascript:alert(document.cookie)"
    assert third[column["title"]].value == "'-2+3+cmd|' /C calc'!A0"
    assert third[column["price"]].value == -5
    sku = third[column["sku"]]
    assert (sku.value, sku.data_type) == ("#N/A", "s")  # text, not an error cell

    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.freeze_panes == "A2"


def test_xlsx_refuses_a_value_larger_than_a_cell_and_leaves_no_file(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"  # where openpyxl spools sheet rows
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    too_long = make_record("HUGE-1", description=("x" * 40_000, 0.9))
    target = tmp_path / "out" / "version.xlsx"
    target.parent.mkdir()
    with pytest.raises(ExportError, match=r"HUGE-1.*description.*40,000.*32,767"):
        export_version([make_record("OK", description=("fine", 0.9)), too_long], "xlsx", target)
    assert list(target.parent.iterdir()) == []
    assert list(scratch.iterdir()) == []


def test_xlsx_rolls_over_to_a_new_sheet_before_excel_link_limit():
    table = XlsxTable(["record_key", "source_url"], rows_per_sheet=3, link_column=2)
    for i in range(7):
        table.append([f"K{i}", _link(f"https://shop.test/{i}")], f"K{i}")
    out = io.BytesIO()
    table.save(out)
    workbook = open_xlsx(out.getvalue())
    assert workbook.sheetnames == ["records", "records (2)", "records (3)"]
    keys, targets = [], []
    for sheet in workbook:
        assert [cell.value for cell in sheet[1]] == ["record_key", "source_url"]
        for key, url in sheet.iter_rows(min_row=2):
            keys.append(key.value)
            targets.append(url.hyperlink.target)
    assert keys == [f"K{i}" for i in range(7)]
    assert targets == [f"https://shop.test/{i}" for i in range(7)]


def _link(url):
    from dataops_spiders.exports.tabular import Link

    return Link(url)


# ---------------------------------------------------------------------------------------------
# Destinations and errors


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx"])
def test_export_to_a_path_and_to_an_open_stream(tmp_path, records, fmt):
    target = tmp_path / f"version.{fmt}"
    assert export_version(records, fmt, target) == 3
    assert target.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no partial file left over

    stream = io.BytesIO()
    export_version(records, fmt, stream)
    assert not stream.closed  # the caller's stream stays theirs
    assert stream.getvalue() == target.read_bytes() or fmt == "xlsx"  # xlsx embeds a timestamp


def test_a_failed_export_keeps_the_previous_file(tmp_path):
    target = tmp_path / "version.csv"
    target.write_text("previous export\n")

    def failing():
        yield make_record("A", title=("a", 0.9))
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError):
        export_version(failing(), "csv", target)
    assert target.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["version.csv"]


def test_unknown_formats_are_refused(records):
    with pytest.raises(ValueError, match="csv, json, jsonl, xlsx"):
        export_version(records, "parquet", io.BytesIO())
    with pytest.raises(ValueError, match="csv, xlsx"):
        export_diff(VersionDiff("shop", 1, 2), "json", io.BytesIO())


# ---------------------------------------------------------------------------------------------
# Streaming


def big_records(count: int):
    body = "Lorem ipsum dolor sit amet. " * 150  # ~4 KB of text per record
    for i in range(count):
        yield make_record(
            f"KIT-{i:05d}",
            title=(f"Item {i}", 0.9),
            description=(body + str(i), 0.8),
            price=(f"{i % 500}.99", 0.97),
            authors=(["A", "B"], 0.7),
        )


def traced_peak(action) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def memory_of_all_records() -> int:
    return traced_peak(lambda: list(big_records(10_000)))


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx"])
def test_a_10000_record_export_streams(tmp_path, fmt, memory_of_all_records):
    target = tmp_path / f"big.{fmt}"
    counted = []

    def export():
        counted.append(export_version(big_records(10_000), fmt, target, confidences=True))

    peak = traced_peak(export)
    assert counted == [10_000]
    assert memory_of_all_records > 40_000_000
    if fmt == "xlsx":
        # openpyxl keeps about 1 KB of bookkeeping per hyperlink until the sheet is written
        assert peak < 15_000_000
    else:
        assert peak < 2_000_000
    assert peak < memory_of_all_records / 3

    if fmt == "csv":
        with target.open(encoding="utf-8-sig", newline="") as handle:
            assert sum(1 for _ in csv.reader(handle)) == 10_001
    elif fmt == "json":
        assert len(json.loads(target.read_bytes())) == 10_000
    elif fmt == "jsonl":
        assert len(target.read_bytes().splitlines()) == 10_000
    else:
        sheet = load_workbook(target, read_only=True)["records"]
        assert sum(1 for _ in sheet.iter_rows(values_only=True)) == 10_001


# ---------------------------------------------------------------------------------------------
# Diff exports


@dataclass
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass
class ChangedRecord:
    record_key: str
    source_url: str
    changes: list[FieldChange]


@dataclass
class VersionDiff:
    dataset: str
    a: int
    b: int
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[ChangedRecord] = field(default_factory=list)


@pytest.fixture
def diff() -> VersionDiff:
    return VersionDiff(
        "demo_catalogue",
        1,
        2,
        added=[make_record("KIT-00100", title=("New kettle", 0.9))],
        removed=[make_record("KIT-00007", title=("Gone", 0.9))],
        changed=[
            ChangedRecord(
                "KIT-00001",
                "http://shop.test/product/kit-00001.html",
                [
                    FieldChange("price", "49.90", "44.90"),
                    FieldChange("authors", ["A"], ["A", "B"]),
                    FieldChange("title", "Kettle", '=HYPERLINK("http://evil.test","x")'),
                    FieldChange("sku", None, "K-1"),
                ],
            )
        ],
    )


EXPECTED_DIFF_ROWS = [
    ["KIT-00100", "http://shop.test/product/kit-00100.html", "added", "", "", ""],
    ["KIT-00007", "http://shop.test/product/kit-00007.html", "removed", "", "", ""],
    ["KIT-00001", "http://shop.test/product/kit-00001.html", "changed", "price", "49.90", "44.90"],
    ["KIT-00001", "http://shop.test/product/kit-00001.html", "changed", "authors", "A", "A; B"],
    [
        "KIT-00001",
        "http://shop.test/product/kit-00001.html",
        "changed",
        "title",
        "Kettle",
        '\'=HYPERLINK("http://evil.test","x")',
    ],
    ["KIT-00001", "http://shop.test/product/kit-00001.html", "changed", "sku", "", "K-1"],
]


def test_diff_csv_has_one_row_per_changed_field(diff):
    out = io.BytesIO()
    assert export_diff(diff, "csv", out) == 6
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))
    assert rows[0] == ["record_key", "source_url", "change", "field", "old", "new"]
    assert rows[1:] == EXPECTED_DIFF_ROWS


def test_diff_xlsx_has_the_same_rows_with_links(diff, tmp_path):
    target = tmp_path / "diff.xlsx"
    assert export_diff(diff, "xlsx", target) == 6
    workbook = load_workbook(target)
    assert workbook.properties.title == "demo_catalogue v1 to v2"
    sheet = workbook.active
    assert sheet.title == "v1 to v2"
    rows = [[cell.value or "" for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert rows == EXPECTED_DIFF_ROWS
    links = [row[1].hyperlink.target for row in sheet.iter_rows(min_row=2)]
    assert links == [row[1] for row in EXPECTED_DIFF_ROWS]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_an_empty_diff_is_a_header_only(tmp_path):
    target = tmp_path / "diff.csv"
    assert export_diff(VersionDiff("shop", 3, 4), "csv", target) == 0
    assert Path(target).read_text(encoding="utf-8-sig").strip() == (
        "record_key,source_url,change,field,old,new"
    )


def test_decimal_values_in_json_are_exact_strings():
    record = {"record_key": "D", "source_url": "http://a.test/", "fields": {"p": Decimal("1.10")}}
    _, data = export_bytes([record], "json")
    assert json.loads(data)[0]["fields"]["p"] == "1.10"


def test_xlsx_keeps_numbers_excel_would_round_as_text():
    record = make_record(
        "BIG",
        product_id=(1234567890123456789, 0.9),
        stock=(12, 0.9),
        weight=(Decimal("NaN"), 0.1),
    )
    _, data = export_bytes([record], "xlsx")
    sheet = open_xlsx(data).active
    header = [cell.value for cell in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert (row["product_id"].value, row["product_id"].data_type) == ("1234567890123456789", "s")
    assert (row["stock"].value, row["stock"].data_type) == (12, "n")
    assert row["weight"].value == "NaN"


def test_diff_accepts_added_records_as_objects_carrying_a_record(tmp_path):
    @dataclass
    class Added:
        record_key: str
        record: dict

    added = Added("KIT-9", make_record("KIT-9", url="https://shop.test/9", title=("t", 0.9)))
    target = tmp_path / "diff.csv"
    export_diff(VersionDiff("shop", 1, 2, added=[added]), "csv", target)
    rows = read_csv(target.read_bytes())
    assert list(rows[0].values()) == ["KIT-9", "https://shop.test/9", "added", "", "", ""]
