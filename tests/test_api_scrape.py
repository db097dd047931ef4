"""/api/scrape without a Scrapyd node: the SSRF guard refuses internal addresses in every
spelling (400, no task made, nothing fetched), bodies are validated, and an allowed URL becomes
a queued scrape task. (A scrape that runs on Scrapyd is in test_api_dispatcher.py.)

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest


def scrape(api, body: dict):
    return api.client.post("/api/scrape", json=body, headers=api.headers("operator"))


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://2130706433/",  # 127.0.0.1 in decimal
        "http://0177.0.0.1/",  # in octal
        "http://[::ffff:127.0.0.1]/",  # IPv6-mapped
        "http://localhost:8000/admin",
        "http://10.0.0.5/",
        "http://[::1]/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://user:pass@example.com/",
    ],
)
def test_internal_addresses_are_refused_before_anything_runs(shared_api, url):
    api = shared_api
    response = scrape(api, {"url": url, "intent": "product"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "unsafe_url" and "SSRF" in error["message"]
    assert api.client.get("/api/tasks", headers=api.headers()).json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://shop.example/p/1"}, "body"),  # neither template nor intent
        ({"url": "https://shop.example/p/1", "intent": "product", "template": "x"}, "body"),
        ({"url": "https://shop.example/p/1", "intent": "recipe"}, "body.intent"),
        ({"url": "https://shop.example/p/1", "template": "no_such"}, "body.template"),
        ({"intent": "product"}, "body.url"),
    ],
)
def test_a_bad_scrape_request_names_the_field(shared_api, body, field):
    api = shared_api
    response = scrape(api, body)
    assert response.status_code == 422, response.text
    fields = {f["field"] for f in response.json()["error"]["details"]["fields"]}
    assert field in fields


def test_an_allowed_url_waits_queued_when_no_node_answers(api):
    response = scrape(api, {"url": "http://93.184.215.14/product/1.html", "intent": "article"})
    assert response.status_code == 503
    scrape_id = response.json()["error"]["details"]["task_id"]
    result = api.client.get(f"/api/scrape/{scrape_id}", headers=api.headers("operator")).json()
    assert result["status"] == "queued" and result["records"] == []
    assert result["template"] == "generic_article"
    assert result["url"] == "http://93.184.215.14/product/1.html"
    task = api.client.get(f"/api/tasks/{scrape_id}", headers=api.headers()).json()
    assert task["kind"] == "scrape" and task["dataset"] is None
    assert task["arguments"]["strategy"] == "direct_item" and task["arguments"]["max_pages"] == 1
    scrapes = api.client.get("/api/tasks?kind=scrape", headers=api.headers()).json()
    assert [t["id"] for t in scrapes["items"]] == [scrape_id]


def test_scrape_results_need_the_operator_role_and_a_scrape_id(api):
    assert api.client.get("/api/scrape/1", headers=api.headers("viewer")).status_code == 403
    missing = api.client.get("/api/scrape/41", headers=api.headers("operator"))
    assert missing.status_code == 404 and "41" in missing.json()["error"]["message"]
