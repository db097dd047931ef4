"""/api/sources shows what crawls learnt about each site, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataops_spiders.store.db import write_session
from dataops_spiders.store.sources import update_source_profile


def learn(api, domain: str, **observed) -> None:
    with write_session(api.engine) as session:
        update_source_profile(session, domain, **observed)


def test_sources_list_what_crawls_learnt(api):
    learn(api, "spa.example", pages=10, browser_pages=10, browser_sections=["*"])
    learn(api, "shop.example:8080", pages=40, browser_pages=4, browser_sections=["/app"],
          errors=2, blocked=4, latency_sum=2.0, latency_count=40, crawl_delay=1.5)  # fmt: skip
    learn(api, "blog.example", pages=5)
    answer = api.client.get("/api/sources", headers=api.headers("viewer"))
    assert answer.status_code == 200
    by_domain = {s["domain"]: s for s in answer.json()["items"]}
    assert answer.json()["total"] == 3
    assert by_domain["spa.example"]["best_strategy"] == "browser"
    shop = by_domain["shop.example:8080"]
    assert shop["best_strategy"] == "auto" and shop["browser_sections"] == ["/app"]
    assert (shop["error_rate"], shop["block_rate"], shop["mean_latency"]) == (0.05, 0.1, 0.05)
    assert shop["crawl_delay"] == 1.5
    assert by_domain["blog.example"]["best_strategy"] == "static"


def test_a_second_crawl_adds_to_a_site_s_profile(api):
    learn(api, "shop.example", pages=10, browser_sections=["/app"], browser_pages=1)
    learn(api, "shop.example", pages=10, browser_sections=["/m"], browser_pages=1, blocked=2)
    shop = api.client.get("/api/sources/shop.example", headers=api.headers("viewer")).json()
    assert shop["pages"] == 20 and shop["browser_sections"] == ["/app", "/m"]
    assert shop["blocked"] == 2 and shop["block_rate"] == 0.1


def test_an_unknown_source_is_404_and_a_key_is_required(api):
    missing = api.client.get("/api/sources/nowhere.example", headers=api.headers("viewer"))
    assert missing.status_code == 404 and "nowhere.example" in missing.json()["error"]["message"]
    assert api.client.get("/api/sources").status_code == 401
