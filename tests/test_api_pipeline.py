"""/api/pipeline: the crawl's cleaning → extraction → confidence layers on posted HTML."""

from __future__ import annotations

import re

import httpx
import pytest

TEMPLATE_TEXT = """name: try_kettles
intent: custom
min_confidence: 0.9
fields:
  title:
    type: string
    extract:
      - css: "main h1::text"
  price:
    type: price
    extract:
      - regex: "([0-9]+[.][0-9]{2})"
        in: html
"""


@pytest.fixture(scope="module")
def product_page(fixture_site) -> tuple[str, str]:
    """(url, html) of a product page of the fixture site that has schema.org markup."""
    category = httpx.get(fixture_site.url + "catalogue/kitchen/").text
    for path in dict.fromkeys(re.findall(r'href="(/product/[a-z0-9-]+\.html)"', category)):
        url = fixture_site.url + path.lstrip("/")
        page = httpx.get(url)
        if page.status_code == 200 and '"@type": "Product"' in page.text:
            return url, page.text
    pytest.fail("the fixture site's kitchen category has no product page with JSON-LD")


def run(api, body: dict, role: str = "operator") -> httpx.Response:
    return api.client.post("/api/pipeline", headers=api.headers(role), json=body)


def test_a_shipped_template_reads_the_posted_page(api, product_page):
    url, html = product_page
    answer = run(api, {"url": url, "html": html, "template": "demo_catalogue"})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["template"] == "demo_catalogue" and found["page"]["kind"] == "item"
    assert found["cleaned"]["title"].endswith("Harbor & Pine Supply Co.")
    [record] = found["records"]
    sku = re.search(r'"sku": "([^"]+)"', html).group(1)
    assert record["record_key"] == sku
    price = record["fields"]["price"]
    assert price["source"].endswith("jsonld:Product.offers.price")
    assert price["confidence"] > 0.9 and "validated" in price["reasons"]
    assert re.fullmatch(r"\d+\.\d{2}", price["value"])


def test_an_intent_alone_classifies_and_extracts(api, product_page):
    url, html = product_page
    found = run(api, {"url": url, "html": html, "intent": "article"}).json()
    assert found["intent"] == "article"
    assert found["cleaned"]["main_text_chars"] > 0, "the article intent reads the main text"
    product = run(api, {"url": url, "html": html, "intent": "product"}).json()
    assert product["page"]["kind"] == "item" and product["records"]


def test_a_template_text_is_tried_without_storing_it(api):
    html = "<html><body><main><h1>Kettle</h1><p>Now 19.99 only</p></main></body></html>"
    found = run(
        api, {"url": "https://shop.example/k", "html": html, "template_text": TEMPLATE_TEXT}
    ).json()
    [record] = found["records"]
    assert record["fields"]["title"]["value"] == "Kettle"
    assert record["fields"]["price"]["value"] == "19.99"
    assert "price" in record["low_confidence_fields"], "a regex on HTML scores under 0.9"
    assert "try_kettles" not in api.client.get("/api/templates", headers=api.headers()).text


def test_a_broken_template_text_is_422_with_lines(api):
    broken = "name: x\nfields:\n  price:\n    type: money\n"
    answer = run(api, {"url": "https://a.example/", "html": "<p>", "template_text": broken})
    assert answer.status_code == 422
    [problem] = answer.json()["error"]["details"]["problems"]
    assert problem["line"] == 4 and problem["path"] == "fields.price.type"


@pytest.mark.parametrize(
    "body, status, needle",
    [
        ({"template": "nope"}, 404, "nope"),
        ({}, 422, "exactly one of"),
        ({"template": "demo_catalogue", "intent": "product"}, 422, "exactly one of"),
        ({"intent": "recipe"}, 422, "body.intent"),
        ({"intent": "custom"}, 422, "body.intent"),
        ({"intent": "product", "url": "file:///etc/passwd"}, 422, "body.url"),
        ({"intent": "product", "html": "x" * (5 * 1024 * 1024 + 1)}, 422, "body.html"),
    ],
)
def test_refusals_name_what_is_wrong(api, body, status, needle):
    answer = run(api, {"url": "https://a.example/", "html": "<p>hi</p>", **body})
    assert answer.status_code == status, answer.text
    assert needle in answer.text


def test_a_body_too_large_to_read_is_413(api):
    huge = '{"url": "https://a.example/", "intent": "product", "html": "' + "x" * (33 << 20)
    answer = api.client.post(
        "/api/pipeline",
        headers={**api.headers("operator"), "Content-Type": "application/json"},
        content=huge + '"}',
    )
    assert answer.status_code == 413
    assert "at most" in answer.json()["error"]["message"]


def test_viewers_cannot_spend_the_cpu(api):
    answer = run(api, {"url": "https://a.example/", "html": "<p>", "intent": "product"}, "viewer")
    assert answer.status_code == 403


def test_a_stored_template_runs_by_name(api):
    created = api.client.post(
        "/api/templates", headers=api.headers("operator"), json={"yaml": TEMPLATE_TEXT}
    )
    assert created.status_code == 201, created.text
    html = "<html><body><main><h1>Teapot</h1><p>Now 7.50</p></main></body></html>"
    found = run(api, {"url": "https://shop.example/t", "html": html, "template": "try_kettles"})
    assert found.status_code == 200, found.text
    assert found.json()["records"][0]["fields"]["title"]["value"] == "Teapot"


PROBE = """
import json, sys, tempfile
from pathlib import Path
from control_api.testing import ApiHarness
from dataops_spiders.store.testing import sqlite_url

with tempfile.TemporaryDirectory() as folder:
    api = ApiHarness(sqlite_url(Path(folder) / "store.sqlite3"))
    idle = sorted({name.split(".")[0] for name in sys.modules})
    for intent in ("product", "article", "job_posting", "listing"):
        answer = api.client.post("/api/pipeline", headers=api.headers("operator"), json={
            "url": "https://a.example/p", "intent": intent,
            "html": "<html><head><title>K</title></head><body><h1>K</h1></body></html>"})
        assert answer.status_code == 200, answer.text
    api.close()
print(json.dumps({"idle": idle, "after": sorted({name.split(".")[0] for name in sys.modules})}))
"""


def test_the_layers_load_on_first_use_and_never_pull_the_crawl_stack():
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    heavy = {"pipelines", "trafilatura", "extruct"}
    assert heavy.isdisjoint(loaded["idle"]), "the idle API must not hold the parsing layers"
    assert {"pipelines", "trafilatura"} <= set(loaded["after"])
    crawl_stack = {"scrapy", "twisted", "playwright", "great_expectations", "scrapyd"}
    assert crawl_stack.isdisjoint(loaded["after"])
