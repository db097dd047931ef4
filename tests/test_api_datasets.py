"""/api/datasets, /api/export and /api/audit/compare over versions committed with VersionWriter:
lists, streamed exports in every format (safe for spreadsheets), diffs as files and as JSON.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from dataops_spiders.store import VersionWriter


def record(key: str, price: str, title: str, confidence: float = 0.9) -> dict:
    return {
        "record_key": key,
        "source_url": f"https://shop.example/p/{key.lower()}",
        "fetched_at": "2026-11-28T10:00:00+00:00",
        "record_confidence": confidence,
        "low_confidence_fields": [],
        "fields": {
            "title": {"value": title, "confidence": confidence, "source": "css"},
            "price": {"value": price, "confidence": confidence, "source": "jsonld"},
        },
    }


V1 = [
    record("A-1", "10.00", "Kettle"),
    record("B-2", "20.00", '=HYPERLINK("http://evil.example")'),
    record("C-3", "30.00", "Teapot"),
]
V2 = [
    record("A-1", "12.00", "Kettle"),  # price changed
    record("B-2", "20.00", '=HYPERLINK("http://evil.example")'),
    record("D-4", "40.00", "Mug"),  # added; C-3 removed
]


@pytest.fixture
def shop(api):
    """Dataset "shop": versions 1 and 2 committed."""
    api.commit_version("shop", V1)
    api.commit_version("shop", V2)
    return api


def get(api, path: str, role: str = "viewer"):
    return api.client.get(path, headers=api.headers(role))


# ------------------------------------------------------------------------------ datasets


def test_datasets_list_with_their_latest_version(shop):
    api = shop
    api.commit_version("blog", [record("P", "0", "Post")])
    body = get(api, "/api/datasets").json()
    assert body["total"] == 2
    assert [(d["name"], d["versions"], d["latest"], d["records"]) for d in body["items"]] == [
        ("blog", 1, 1, 1),
        ("shop", 2, 2, 3),
    ]


def test_versions_list_what_changed_in_each(shop):
    items = get(shop, "/api/datasets/shop/versions").json()["items"]
    assert [(v["number"], v["status"], v["added"], v["removed"], v["changed"]) for v in items] == [
        (1, "committed", 3, 0, 0),
        (2, "committed", 1, 1, 1),
    ]


def test_an_open_version_is_listed_only_on_request(shop):
    writer = VersionWriter(shop.engine)
    writer.open("shop")
    assert [v["number"] for v in get(shop, "/api/datasets/shop/versions").json()["items"]] == [1, 2]
    every = get(shop, "/api/datasets/shop/versions?all=true").json()["items"]
    assert [(v["number"], v["status"]) for v in every][-1] == (3, "open")


def test_an_unknown_dataset_is_404_naming_it(api):
    response = get(api, "/api/datasets/nowhere/versions")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "nowhere" in response.json()["error"]["message"]


# ------------------------------------------------------------------------------ exports


def test_csv_export_streams_the_latest_version_safe_for_spreadsheets(shop):
    response = get(shop, "/api/export?dataset=shop&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="shop-v2.csv"' in response.headers["content-disposition"]
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "content-length" not in response.headers  # streamed in chunks, not buffered
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["record_key"], r["price"]) for r in rows] == [
        ("A-1", "12.00"),
        ("B-2", "20.00"),
        ("D-4", "40.00"),
    ]
    assert rows[0]["source_url"] == "https://shop.example/p/a-1"
    assert rows[1]["title"].startswith("'=")  # a formula is text, not a formula


def test_an_older_version_exports_by_number(shop):
    response = get(shop, "/api/export?dataset=shop&version=1&format=jsonl")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    assert 'filename="shop-v1.jsonl"' in response.headers["content-disposition"]
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["record_key"] for line in lines] == ["A-1", "B-2", "C-3"]


def test_json_export_is_one_array_with_source_urls(shop):
    response = get(shop, "/api/export?dataset=shop&format=json&confidences=true")
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert [d["source_url"] for d in data] == [
        "https://shop.example/p/a-1",
        "https://shop.example/p/b-2",
        "https://shop.example/p/d-4",
    ]


def test_xlsx_export_opens_with_links_and_neutralised_formulas(shop):
    response = get(shop, "/api/export?dataset=shop&format=xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="shop-v2.xlsx"' in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    link = rows["A-1"][header.index("source_url")]
    assert link.hyperlink.target == "https://shop.example/p/a-1"
    formula = rows["B-2"][header.index("title")]
    assert formula.data_type == "s" and not str(formula.value).startswith("=")


def test_a_large_export_arrives_whole(shop):
    many = [record(f"K-{i:05d}", f"{i}.00", f"Item {i}") for i in range(5000)]
    shop.commit_version("big", many)
    with shop.client.stream(
        "GET", "/api/export?dataset=big&format=csv", headers=shop.headers()
    ) as response:
        chunks = list(response.iter_bytes())
    body = b"".join(chunks)
    assert body.decode("utf-8-sig").count("\n") == 5001
    assert len(chunks) > 1


@pytest.mark.parametrize(
    ("query", "status", "needle"),
    [
        ("dataset=nowhere", 404, "nowhere"),
        ("dataset=shop&version=7", 404, "version 7"),
        ("dataset=shop&format=pdf", 422, "query.format"),
        ("dataset=shop&version=zero", 422, "query.version"),
        ("format=csv", 422, "query.dataset"),
    ],
)
def test_export_refusals_name_what_is_wrong(shop, query, status, needle):
    response = get(shop, f"/api/export?{query}")
    assert response.status_code == status
    assert needle in response.json()["error"]["message"]


# ------------------------------------------------------------------------------ diffs


def test_diff_export_has_a_row_per_change(shop):
    response = get(shop, "/api/export/diff?dataset=shop&a=1&b=2&format=csv")
    assert response.status_code == 200
    assert 'filename="shop-v1-to-v2.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["record_key"], r["change"], r["field"], r["old"], r["new"]) for r in rows] == [
        ("D-4", "added", "", "", ""),
        ("C-3", "removed", "", "", ""),
        ("A-1", "changed", "price", "10.00", "12.00"),
    ]
    assert rows[2]["source_url"] == "https://shop.example/p/a-1"


def test_diff_export_as_xlsx(shop):
    response = get(shop, "/api/export/diff?dataset=shop&a=1&b=2&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == [
        "record_key",
        "source_url",
        "change",
        "field",
        "old",
        "new",
    ]
    assert sheet.max_row == 4


def test_diff_export_takes_no_json(shop):
    response = get(shop, "/api/export/diff?dataset=shop&a=1&b=2&format=json")
    assert response.status_code == 422


def test_compare_gives_the_diff_as_json(shop):
    response = get(shop, "/api/audit/compare?dataset=shop&a=1&b=2")
    assert response.status_code == 200
    diff = response.json()
    assert diff["counts"] == {"added": 1, "removed": 1, "changed": 1}
    assert diff["changed"] == [
        {
            "key": "A-1",
            "source_url": "https://shop.example/p/a-1",
            "fields": [{"field": "price", "old": "10.00", "new": "12.00"}],
        }
    ]
    assert [r["key"] for r in diff["added"]] == ["D-4"]
    backwards = get(shop, "/api/audit/compare?dataset=shop&a=2&b=1").json()
    assert [r["key"] for r in backwards["added"]] == ["C-3"]


def test_compare_with_a_version_not_committed_is_409(shop):
    VersionWriter(shop.engine).open("shop")
    response = get(shop, "/api/audit/compare?dataset=shop&a=1&b=3")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "version_not_committed"


def test_compare_with_an_unknown_version_is_404(shop):
    response = get(shop, "/api/audit/compare?dataset=shop&a=1&b=9")
    assert response.status_code == 404
    assert "9" in response.json()["error"]["message"]
