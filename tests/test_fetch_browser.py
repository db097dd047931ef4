"""The browser strategy's building blocks through real Scrapy + scrapy-playwright + Chromium:
JavaScript-only content appears, page actions (scroll, load more) load more, blocked resource
types are never requested, and a missing Chromium is a clear error naming the setting."""

from __future__ import annotations

import pytest

from dataops_spiders.demo_site.content import catalogue
from dataops_spiders.demo_site.fetch_pages import app_products
from dataops_spiders.fetching.browser import (
    EXECUTABLE_SETTING,
    BrowserUnavailable,
    find_executable,
)
from tests.browsers import CHROMIUM, needs_chromium
from tests.probe import run_spider

SPIDER = """
import json, scrapy
from dataops_spiders.fetching.browser import browser_meta, browser_settings
from dataops_spiders.templates import FetchSpec

class Probe(scrapy.Spider):
    name = "probe"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        crawler.settings.setdict(browser_settings({executable!r}), priority="spider")
        return super().from_crawler(crawler, *args, **kwargs)

    async def start(self):
        for url, fetch in {pages!r}:
            meta = browser_meta(FetchSpec.model_validate(fetch)) if fetch is not None else {{}}
            yield scrapy.Request(url, meta=meta, dont_filter=True)

    def parse(self, response):
        yield {{
            "url": response.url,
            "browser": "playwright" in response.flags,
            "cards": len(response.css("li.product-card")),
            "text": " ".join(response.css("article ::text").getall()),
        }}
"""


def run_probe(tmp_path, pages, executable=CHROMIUM, settings=None):
    source = SPIDER.format(executable=executable, pages=pages)
    run = run_spider(tmp_path, source=source, settings=settings)
    return run.by_path(), run


@needs_chromium
def test_the_browser_renders_what_static_http_cannot_see(fixture_site, tmp_path):
    product = app_products(catalogue())[0]
    url = f"{fixture_site.url}app/product/{product.slug}"
    fixture_site.reset_log()
    items, result = run_probe(tmp_path, [(url, {"strategy": "browser"})])
    rendered = items[f"app/product/{product.slug}"]
    assert rendered["browser"], result.log[-2000:]
    assert product.sku in rendered["text"] and product.name in rendered["text"]
    # the page's own script fetched its data; nothing asked for images or fonts
    paths = fixture_site.requests()
    assert f"/app/api/product/{product.slug}.json" in paths
    assert not [p for p in paths if p.startswith("/static/img/")]


@needs_chromium
def test_scroll_and_load_more_bring_in_more_items(fixture_site, tmp_path):
    items, result = run_probe(
        tmp_path,
        [
            (f"{fixture_site.url}app/scroll/", {"strategy": "browser", "scroll": 10}),
            (
                f"{fixture_site.url}app/more/",
                {"strategy": "browser", "load_more": {"css": "button.load-more"}},
            ),
            (f"{fixture_site.url}app/scroll/?plain", None),
        ],
    )
    assert items["app/scroll/"]["cards"] == 48, result.log[-2000:]
    assert items["app/more/"]["cards"] == 48
    assert items["app/scroll/?plain"]["cards"] == 0 and not items["app/scroll/?plain"]["browser"]


@needs_chromium
def test_the_browser_waits_for_data_that_answers_late(fixture_site, tmp_path):
    # The page is quiet for a second before its data arrives: a wait for a quiet DOM alone
    # would return the empty shell.
    product = app_products(catalogue())[1]
    url = f"{fixture_site.url}app/product/{product.slug}?delay=1"
    items, result = run_probe(tmp_path, [(url, {"strategy": "browser"})])
    rendered = items[f"app/product/{product.slug}?delay=1"]
    assert product.sku in rendered["text"], result.log[-2000:]


@needs_chromium
def test_a_page_whose_render_failed_is_not_lent_again_and_the_crawl_goes_on(fixture_site, tmp_path):
    # One browser page for the whole crawl: the render that times out must give its slot
    # back (with its page closed), or the other requests would wait for it for ever.
    products = app_products(catalogue())[:3]
    urls = [f"{fixture_site.url}app/product/{p.slug}" for p in products]
    pages = [(f"{fixture_site.url}slow/5", {"strategy": "browser", "page_timeout": 1})]
    pages += [(url, {"strategy": "browser"}) for url in urls]
    pool = {"dataops_spiders.middlewares.browser_pages.BrowserPagePoolMiddleware": 990}
    settings = {"DOWNLOADER_MIDDLEWARES": pool, "DATAOPS_BROWSER_PAGES": 1}
    items, result = run_probe(tmp_path, pages, settings=settings)
    assert result.returncode == 0, result.log[-2000:]
    for product in products:
        assert product.sku in items[f"app/product/{product.slug}"]["text"], result.log[-2000:]
    assert "slow/5" not in items
    assert result.stats["playwright/page_count/max_concurrent"] == 1
    assert result.stats["dataops/browser/pages_reused"] >= 1


def test_the_headless_shell_is_preferred_on_path(tmp_path, monkeypatch):
    for name in ("chromium", "chromium-headless-shell"):
        program = tmp_path / name
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_executable() == str(tmp_path / "chromium-headless-shell")
    (tmp_path / "chromium-headless-shell").unlink()
    assert find_executable() == str(tmp_path / "chromium")


def test_a_missing_chromium_is_an_error_naming_the_setting(tmp_path):
    with pytest.raises(BrowserUnavailable, match=EXECUTABLE_SETTING):
        find_executable(str(tmp_path / "no-such-chromium"))
