"""Scrape tasks seen from the crawl: one page, no dataset version, the records in task.result.

Each test runs `scrapy crawl` as the control API schedules a scrape on Scrapyd (strategy
direct_item, max_pages=1, DATAOPS_STORE=False, the SSRF guard on with the fixture site allowed)
and reads the task row back, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from dataops_spiders.demo_site import SiteProcess, content
from dataops_spiders.store.models import SCRAPE_TASK, TASK_FAILED, TASK_FINISHED
from tests.crawling import crawl
from tests.task_rows import new_task, read_task


def scrape(store_url: str, task_id: int, url: str, run_dir, allow=("127.0.0.1",)):
    return crawl(
        "demo_catalogue",
        run_dir,
        f"task={task_id}",
        "strategy=direct_item",
        "max_pages=1",
        start_urls=url,
        settings={
            "DATAOPS_DATABASE_URL": store_url,
            "DATAOPS_STORE": "False",
            "DATAOPS_SSRF_GUARD": "True",
            "DATAOPS_SSRF_ALLOW": json.dumps(list(allow)),
        },
    )


@pytest.fixture(scope="module")
def elsewhere():
    """A second site on 127.0.0.2, which scrape tasks are not allowed to reach."""
    with SiteProcess("--host", "127.0.0.2") as site:
        yield site


def a_product(markup: str) -> content.Product:
    return next(p for p in content.catalogue("small", 1).products if p.markup == markup)


def test_a_scrape_task_ends_with_the_page_records_and_their_confidences(
    store_url, fixture_site, tmp_path
):
    product = a_product("jsonld")
    url = fixture_site.url.rstrip("/") + product.path
    task_id = new_task(store_url, kind=SCRAPE_TASK)

    done = scrape(store_url, task_id, url, tmp_path / "run")

    assert done.returncode == 0, done.log[-3000:]
    task = read_task(store_url, task_id)
    assert task.status == TASK_FINISHED, task.reason
    assert task.started_at is not None and task.finished_at is not None
    assert task.dataset_version is None and task.run_id is None  # nothing versioned
    assert task.result["url"] == url and task.result["status"] == 200
    (record,) = task.result["records"]
    fields = record["fields"]
    assert fields["price"]["value"] == str(product.price)
    assert fields["sku"]["value"] == product.sku
    assert fields["name"]["value"] == product.name
    for field in fields.values():
        assert 0.0 <= field["confidence"] <= 1.0
    assert fields["price"]["reasons"] and fields["price"]["valid"] is True
    assert task.progress["pages"] == 1 and task.progress["records"] == 1
    assert task.stats["response_received_count"] >= 1


def test_a_page_that_answers_404_fails_the_task_with_its_status(store_url, fixture_site, tmp_path):
    url = fixture_site.url + "product/retro-enamel-bread-bin.html"  # the site's 404
    task_id = new_task(store_url, kind=SCRAPE_TASK)

    done = scrape(store_url, task_id, url, tmp_path / "run")

    assert done.returncode == 0, done.log[-3000:]
    task = read_task(store_url, task_id)
    assert task.status == TASK_FAILED
    assert "HTTP 404" in task.reason
    assert task.result["status"] == 404 and task.result["records"] == []
    assert "HTTP 404" in task.result["error"]


def test_a_redirect_to_a_refused_address_fails_the_task_and_is_never_fetched(
    store_url, fixture_site, elsewhere, tmp_path
):
    elsewhere.reset_log()
    target = elsewhere.url + "about/"
    url = f"{fixture_site.url}out?to={quote(target, safe='')}"
    task_id = new_task(store_url, kind=SCRAPE_TASK)

    done = scrape(store_url, task_id, url, tmp_path / "run")

    assert done.returncode == 0, done.log[-3000:]
    task = read_task(store_url, task_id)
    assert task.status == TASK_FAILED
    assert "refused by the SSRF guard" in task.reason and "loopback" in task.reason
    assert task.result["records"] == [] and "SSRF" in task.result["error"]
    assert elsewhere.requests() == []


def test_a_host_that_does_not_resolve_fails_the_task_saying_so(store_url, tmp_path):
    task_id = new_task(store_url, kind=SCRAPE_TASK)

    done = scrape(store_url, task_id, "http://no-such-host.invalid/", tmp_path / "run")

    assert done.returncode == 0, done.log[-3000:]
    task = read_task(store_url, task_id)
    assert task.status == TASK_FAILED
    assert task.reason.startswith("could not fetch http://no-such-host.invalid/")
    assert task.result["status"] is None and task.result["records"] == []
