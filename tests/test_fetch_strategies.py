"""Fetch strategies through real crawls (`scrapy crawl intent`) of the fixture site: auto
renders JavaScript-only pages in Chromium and only those, remembers the section for the next
crawl, a static crawl never starts a browser, a missing or broken Chromium is a clear error
while static pages still crawl; and the guards (decompression bomb, slow page, traps, per-site
cap) record what they stopped in the crawl graph."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from dataops_spiders.demo_site.content import catalogue
from dataops_spiders.demo_site.fetch_pages import app_product_path, app_products
from dataops_spiders.demo_site.process import start_in_subprocess
from dataops_spiders.store.testing import sqlite_url
from tests.browsers import needs_chromium
from tests.crawling import crawl
from tests.forward_proxy import ForwardProxy


def mixed_urls(base: str, count: int = 3) -> tuple[list[str], list[str], list]:
    """``count`` JavaScript-only app pages and ``count`` server-rendered product pages."""
    shop = catalogue()
    js = app_products(shop)[:count]
    static = [p for p in shop.products if p not in js and p.markup == "jsonld"][:count]
    base = base.rstrip("/")
    return (
        [base + app_product_path(p.slug) for p in js],
        [base + p.path for p in static],
        js + static,
    )


def write_urls(tmp_path, urls: list[str]):
    path = tmp_path / "urls.txt"
    path.write_text("\n".join(urls))
    return path


def crawl_pages(run_dir, urls: list[str], fetch: str | None = None, **options):
    """The generic product template over exactly ``urls`` (each an item page), fetched the way
    ``fetch`` says (the template's own strategy when None)."""
    args = [f"fetch={fetch}"] if fetch else []
    start = f"start_urls={','.join(urls)}"
    return crawl("generic_product", run_dir, "strategy=direct_item", start, *args, **options)


def price_and_sku(record: dict) -> tuple:
    fields = record["fields"]
    price = fields["price"]["value"]
    return (Decimal(str(price)) if price is not None else None, fields["sku"]["value"])


@needs_chromium
def test_auto_renders_javascript_pages_in_the_browser_and_only_those(fixture_site, tmp_path):
    js_urls, static_urls, products = mixed_urls(fixture_site.url)
    urls_file = write_urls(tmp_path, js_urls + static_urls)
    own_store = {"DATAOPS_DATABASE_URL": sqlite_url(tmp_path / "store.sqlite3")}  # learns anew
    first = crawl(
        "generic_product", tmp_path / "first", "strategy=direct_item", f"urls_file={urls_file}",
        "fetch=auto", settings=own_store,
    )  # fmt: skip
    assert first.returncode == 0, first.log[-3000:]
    by_url = first.records_by_url()
    for url, product in zip(js_urls + static_urls, products, strict=True):
        assert price_and_sku(by_url[url]) == (product.price, product.sku), url
    nodes = first.nodes
    assert {nodes[u]["fetched_via"] for u in js_urls} == {"browser"}
    assert {nodes[u]["fetched_via"] for u in static_urls} == {"static"}
    fetching = first.summary["fetching"]
    assert fetching["browser"] == len(js_urls) and fetching["static"] == len(static_urls)
    assert 1 <= fetching["rerendered"] <= len(js_urls) and fetching["browsers_started"] == 1
    assert "looks rendered by JavaScript" in first.log and "/app from now on" in first.log

    # The next crawl knows the /app section needs the browser: no static attempt first.
    second = crawl(
        "generic_product", tmp_path / "second", "strategy=direct_item", f"urls_file={urls_file}",
        "fetch=auto", settings=own_store,
    )  # fmt: skip
    assert second.returncode == 0, second.log[-3000:]
    assert second.summary["fetching"]["rerendered"] == 0
    assert {second.nodes[u]["fetched_via"] for u in js_urls} == {"browser"}
    assert {second.nodes[u]["fetched_via"] for u in static_urls} == {"static"}


@needs_chromium
def test_auto_on_a_site_without_javascript_pages_never_starts_a_browser(fixture_site, tmp_path):
    _, static_urls, _ = mixed_urls(fixture_site.url)
    # Each process of the crawl writes down, as it exits, which of these modules it imported.
    hook, seen = tmp_path / "hook", tmp_path / "modules"
    hook.mkdir()
    seen.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import atexit, json, os, sys\n"
        f"path = os.path.join({str(seen)!r}, str(os.getpid()))\n"
        "atexit.register(lambda: open(path, 'w').write(json.dumps(\n"
        "    [m for m in sys.modules if 'playwright' in m or 'fetching.handler' in m])))\n"
    )
    result = crawl_pages(tmp_path / "run", static_urls, "auto", python_path=(hook,))
    assert result.returncode == 0, result.log[-3000:]
    assert len(result.records) == len(static_urls)
    fetching = result.summary["fetching"]
    assert fetching["browsers_started"] == 0 and fetching["browser"] == 0
    # Our handler fetched the pages; Playwright was never imported, let alone started: both
    # wait for a page that needs the browser.
    imported = {name for file in seen.iterdir() for name in json.loads(file.read_text())}
    assert imported == {"dataops_spiders.fetching.handler"}
    assert "Starting download handler" not in result.log


@needs_chromium
def test_auto_sends_queued_pages_of_a_learnt_section_straight_to_the_browser(
    fixture_site, tmp_path
):
    js_urls, static_urls, products = mixed_urls(fixture_site.url, 6)
    fixture_site.reset_log()
    result = crawl(
        "generic_product", tmp_path / "run", "strategy=direct_item",
        f"urls_file={write_urls(tmp_path, js_urls + static_urls)}", "fetch=auto",
        # One request at a time: every app page but the first is queued when /app is learnt.
        # No store: what earlier tests learnt about this site stays out of it.
        settings={"CONCURRENT_REQUESTS": 1, "DATAOPS_BROWSER_PAGES": 2, "DATAOPS_STORE": False},
    )  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    by_url = result.records_by_url()
    for url, product in zip(js_urls + static_urls, products, strict=True):
        assert price_and_sku(by_url[url]) == (product.price, product.sku), url
    fetching = result.summary["fetching"]
    # The first app page teaches the section; at most the one downloaded while it was being
    # parsed is fetched statically too. The rest (4 of 6) go straight to the browser.
    assert 1 <= fetching["rerendered"] <= 2 and fetching["browser"] == len(js_urls)
    served = [p for p in fixture_site.requests() if p.startswith("/app/product/")]
    assert len(served) == len(js_urls) + fetching["rerendered"]
    # Browser pages are reused, not opened per request.
    assert fetching["browser_pages_opened"] <= 2
    assert fetching["browser_pages_reused"] >= len(js_urls) - 2


@needs_chromium
def test_under_a_crawl_delay_browser_and_static_pages_share_the_pace(tmp_path):
    # Browser pages have a download slot of their own, except where robots.txt sets a pace:
    # then the site as a whole gets one page per Crawl-delay, rendered or not.
    with start_in_subprocess(crawl_delay=1.0) as site:
        js_urls, static_urls, _ = mixed_urls(site.url, 2)
        result = crawl_pages(
            tmp_path / "run", static_urls + js_urls, "auto", settings={"DATAOPS_STORE": False}
        )
        log = site.request_log()
    assert result.returncode == 0, result.log[-3000:]
    assert result.summary["fetching"]["browser"] == len(js_urls)
    pages = sorted(
        entry["time"] for entry in log if entry["path"].startswith(("/product/", "/app/product/"))
    )
    assert len(pages) >= len(js_urls) + len(static_urls)
    gaps = [later - earlier for earlier, later in itertools.pairwise(pages)]
    # At least 1 s apart as sent; the site stamps each request when it gets to it, which under
    # load can shorten a gap a little. Without the shared slot the gap was 0.02 s.
    assert min(gaps) >= 0.5, gaps


@needs_chromium
def test_browser_pages_go_through_each_proxy_with_its_credentials(fixture_site, tmp_path):
    js_urls, _, products = mixed_urls(fixture_site.url, 4)
    with (
        ForwardProxy(credentials="crawler:s3cr3t-pw") as first,
        ForwardProxy(credentials="crawler:s3cr3t-pw") as second,
    ):
        proxies = [f"http://crawler:s3cr3t-pw@127.0.0.1:{p.port}" for p in (first, second)]
        settings = {"DATAOPS_PROXIES": ",".join(proxies), "DATAOPS_STORE": False}
        result = crawl_pages(tmp_path / "run", js_urls, "browser", settings=settings)
    assert result.returncode == 0, result.log[-3000:]
    by_url = result.records_by_url()
    for url, product in zip(js_urls, products[: len(js_urls)], strict=True):
        assert price_and_sku(by_url[url]) == (product.price, product.sku), url
    # Each proxy (a browser context of its own) carried pages: neither waited for the other.
    for proxy in (first, second):
        assert any("/app/product/" in path for path in proxy.relayed), proxy.relayed
    assert "s3cr3t-pw" not in result.log


def test_a_static_crawl_does_not_load_playwright(fixture_site, tmp_path):
    _, static_urls, _ = mixed_urls(fixture_site.url, 1)
    result = crawl_pages(tmp_path / "run", static_urls, "static")
    assert result.returncode == 0 and len(result.records) == 1
    assert "scrapy-playwright" not in result.log and "playwright" not in result.log.lower()


@pytest.mark.parametrize(
    ("executable", "message"),
    [("/nonexistent/chromium", "is not an executable file"), ("/bin/false", "browser failed")],
    ids=["missing", "crashing"],
)
def test_without_a_working_chromium_static_pages_still_crawl(
    fixture_site, tmp_path, executable, message
):
    js_urls, static_urls, _ = mixed_urls(fixture_site.url, 2)
    settings = {"DATAOPS_BROWSER_EXECUTABLE": executable}
    result = crawl_pages(tmp_path / "run", static_urls + js_urls, "browser", settings=settings)
    assert result.returncode == 0, result.log[-3000:]
    assert "DATAOPS_BROWSER_EXECUTABLE" in result.log and message in result.log
    assert "Traceback" not in result.log
    by_url = result.records_by_url()
    assert all(by_url[u]["fields"]["price"]["value"] is not None for u in static_urls)
    assert {result.nodes[u]["fetched_via"] for u in static_urls + js_urls} == {"static"}


def test_a_gzip_bomb_is_stopped_at_the_size_limit_and_recorded(fixture_site, tmp_path):
    url = f"{fixture_site.url}bomb.html"
    result = crawl_pages(tmp_path / "run", [url], settings={"DOWNLOAD_MAXSIZE": 10 * 1024 * 1024})
    assert result.records == []
    node = result.nodes[url]
    assert node["error"] and "max" in node["error"].lower()


def test_a_page_that_never_finishes_hits_the_time_limit_and_is_recorded(fixture_site, tmp_path):
    url = f"{fixture_site.url}slow/30"
    result = crawl_pages(
        tmp_path / "run", [url], settings={"DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 0}
    )
    assert "TimeoutError" in (result.nodes[url]["error"] or ""), result.log[-2000:]
    assert result.summary["pages_failed"] == 1


def test_the_endless_calendar_is_cut_as_a_trap(fixture_site, tmp_path):
    start = f"{fixture_site.url}calendar/2026/11/"
    result = crawl(
        "generic_article", tmp_path / "run", f"start_urls={start}", "max_depth=200",
        "strategy=pagination_only", settings={"CLOSESPIDER_PAGECOUNT": 150},
    )  # fmt: skip
    nodes = result.nodes
    traps = [n for n in nodes.values() if (n["skip_reason"] or "").startswith("trap")]
    assert traps and all("calendar" in n["skip_reason"] for n in traps)
    fetched = [u for u, n in nodes.items() if "/calendar/" in u and n["status"] == 200]
    assert fetched and all(int(u.split("/calendar/")[1][:4]) <= 2028 for u in fetched)
    assert result.summary["pages_skipped"].get("trap", 0) >= 1


def test_pages_per_site_are_capped_and_the_rest_recorded(fixture_site, tmp_path):
    result = crawl(
        "generic_product", tmp_path / "run", f"start_urls={fixture_site.url}catalogue/",
        settings={"DATAOPS_MAX_PAGES_PER_DOMAIN": 5},
    )  # fmt: skip
    fetched = [n for n in result.nodes.values() if n["status"] is not None]
    capped = [n for n in result.nodes.values() if n["skip_reason"] == "max_pages_per_domain"]
    assert len(fetched) <= 5 and capped


def site_profile(url: str, store_url: str | None = None) -> dict:
    """The source profile of ``url``'s site as `dataops sources --json` shows it (from the
    store at ``store_url``, else the session's)."""
    env = {**os.environ, **({"DATABASE_URL": store_url} if store_url else {})}
    done = subprocess.run(
        [sys.executable, "-m", "dataops_spiders.cli", "sources", "--json"],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    site = urlsplit(url).netloc
    return next((row for row in json.loads(done.stdout) if row["domain"] == site), {})


@needs_chromium
def test_the_source_profile_learns_the_browser_section_and_the_best_strategy(
    fixture_site, tmp_path
):
    js_urls, static_urls, _ = mixed_urls(fixture_site.url, 2)
    store_url = sqlite_url(tmp_path / "store.sqlite3")  # nothing learnt by earlier tests
    assert site_profile(fixture_site.url, store_url) == {}
    settings = {"DATAOPS_DATABASE_URL": store_url}
    result = crawl_pages(tmp_path / "run", js_urls + static_urls, "auto", settings=settings)
    assert result.returncode == 0, result.log[-3000:]
    profile = site_profile(fixture_site.url, store_url)
    assert "/app" in profile["browser_sections"] and profile["needs_browser"]
    assert profile["best_strategy"] == "auto" and profile["browser_pages"] >= 2


def test_the_source_profile_counts_the_answers_that_turned_us_away(fixture_site, tmp_path):
    url = f"{fixture_site.url}members/"
    before = site_profile(url).get("blocked", 0)
    crawl_pages(
        tmp_path / "run", [url], settings={"DATAOPS_BROWSER_HEADERS": False, "RETRY_TIMES": 0}
    )
    assert site_profile(url)["blocked"] == before + 1


def test_a_malformed_proxy_list_stops_the_crawl_before_it_starts(fixture_site, tmp_path):
    log_file = tmp_path / "job.log"
    result = crawl(
        "generic_product", tmp_path / "run", f"start_urls={fixture_site.url}",
        settings={"DATAOPS_PROXIES": "ftp://user:hunter2@proxy.example:21", "LOG_FILE": log_file},
    )  # fmt: skip
    assert result.returncode == 2
    assert "proxies: proxy 1: expected http://, https:// or socks5://" in result.log
    assert "Traceback" not in result.log and "hunter2" not in result.log
    # under Scrapyd, stderr is not the job's log: the reason is in LOG_FILE too
    assert "the crawl did not start: proxies: proxy 1" in log_file.read_text()


@pytest.mark.parametrize("pages", ["0", "-2", "eight"])
def test_a_browser_page_count_that_cannot_work_stops_the_crawl_before_it_starts(
    fixture_site, tmp_path, pages
):
    result = crawl(
        "generic_product", tmp_path / "run", f"start_urls={fixture_site.url}", "fetch=browser",
        settings={"DATAOPS_BROWSER_PAGES": pages},
    )  # fmt: skip
    assert result.returncode == 2
    assert f"DATAOPS_BROWSER_PAGES must be a whole number >= 1, not '{pages}'" in result.log
    assert "Traceback" not in result.log
