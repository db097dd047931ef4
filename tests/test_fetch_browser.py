"""The browser strategy's building blocks through real Scrapy + scrapy-playwright + Chromium:
JavaScript-only content appears, page actions (scroll, load more) load more, blocked resource
types are never requested, plain GETs render without a route (headers still reach the site,
scripts come from Chromium's cache), and a missing Chromium is a clear error naming the
setting."""

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
        for url, fetch, *extra in {pages!r}:
            meta = browser_meta(FetchSpec.model_validate(fetch)) if fetch is not None else {{}}
            options = extra[0] if extra else {{}}
            yield scrapy.Request(url, meta=meta, dont_filter=True, **options)

    def parse(self, response):
        yield {{
            "url": response.url,
            "browser": "playwright" in response.flags,
            "cards": len(response.css("li.product-card")),
            "text": " ".join(response.css("article ::text").getall()),
            "scripted": response.css("p.scripted::text").get(),
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


GALLERY_RESOURCES = {
    "stylesheet": "/static/css/site.css",
    "font": "/static/fonts/brand.woff2",
    "image": "/static/img/gallery/photo.png",
    "css background": "/static/img/gallery/hero.png",
    "video": "/static/media/tour.mp4",
    "audio": "/static/media/jingle.mp3",
}


def requested(paths: list[str]) -> set[str]:
    return {name for name, path in GALLERY_RESOURCES.items() if path in paths}


@needs_chromium
def test_blocked_resource_types_are_never_requested(fixture_site, tmp_path):
    url = f"{fixture_site.url}app/gallery/"
    fixture_site.reset_log()
    items, result = run_probe(tmp_path / "default", [(url, {"strategy": "browser"})])
    # Images and fonts are switched off in Chromium, media paused and failed over CDP.
    assert requested(fixture_site.requests()) == {"stylesheet"}, result.log[-2000:]
    assert result.stats["dataops/browser/blocked"] == 2  # the video and the audio
    assert result.stats["dataops/browser/unrouted"] == 1
    # Turning images off must not turn the desktop browser into a touch device.
    assert items["app/gallery/"]["scripted"] == "Pointer: mouse"

    fixture_site.reset_log()
    settings = {"DATAOPS_BROWSER_BLOCK": "stylesheet"}
    items, result = run_probe(tmp_path / "css", [(url, {"strategy": "browser"})], settings=settings)
    loaded = requested(fixture_site.requests())
    assert "stylesheet" not in loaded, result.log[-2000:]
    assert {"font", "image", "css background", "video"} <= loaded
    assert items["app/gallery/"]["scripted"] == "Pointer: mouse"


@needs_chromium
def test_renders_take_the_sites_scripts_from_the_browser_cache(fixture_site, tmp_path):
    # Playwright turns Chromium's cache off on a page with a route: unrouted, the second
    # product page of the app runs the scripts the first one downloaded.
    products = app_products(catalogue())[2:4]
    pages = [(f"{fixture_site.url}app/product/{p.slug}", {"strategy": "browser"}) for p in products]
    pool = {"dataops_spiders.middlewares.browser_pages.BrowserPagePoolMiddleware": 990}
    settings = {"DOWNLOADER_MIDDLEWARES": pool, "DATAOPS_BROWSER_PAGES": 1}
    fixture_site.reset_log()
    items, result = run_probe(tmp_path, pages, settings=settings)
    for product in products:
        assert product.sku in items[f"app/product/{product.slug}"]["text"], result.log[-2000:]
    paths = fixture_site.requests()
    assert paths.count("/static/js/vendor.js") == 1, paths
    assert paths.count("/static/js/storefront.js") == 1


@needs_chromium
def test_what_the_site_sees_with_and_without_a_route(fixture_site, tmp_path):
    # One browser page for three requests in turn: unrouted, routed, unrouted again.
    desktop = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"
    gallery = f"{fixture_site.url}app/gallery/"
    first, second = app_products(catalogue())[4:6]
    referer = f"{fixture_site.url}app/"
    identity = {"User-Agent": desktop, "Referer": referer, "Accept-Language": "de-DE"}
    browser = {"strategy": "browser"}
    pages = [
        # identity headers only: unrouted, the whole page speaks with the request's identity
        (gallery, browser, {"headers": identity, "priority": 2}),
        # a custom header is for the page alone, not every host it loads from: routed
        (f"{fixture_site.url}app/product/{first.slug}", browser,
         {"headers": {"X-Probe": "routed"}, "priority": 1}),
        (f"{fixture_site.url}app/product/{second.slug}", browser, {"priority": 0}),
    ]  # fmt: skip
    pool = {"dataops_spiders.middlewares.browser_pages.BrowserPagePoolMiddleware": 990}
    settings = {"DOWNLOADER_MIDDLEWARES": pool, "DATAOPS_BROWSER_PAGES": 1}
    fixture_site.reset_log()
    items, result = run_probe(tmp_path, pages, settings=settings)
    for product in (first, second):
        assert product.sku in items[f"app/product/{product.slug}"]["text"], result.log[-2000:]
    assert result.stats["dataops/browser/unrouted"] == 2
    assert result.stats["dataops/browser/pages_reused"] == 2
    log = fixture_site.request_log()
    gallery_page, stylesheet = (next(e for e in log if e["path"] == p) for p in (
        "/app/gallery/", "/static/css/site.css"))  # fmt: skip
    assert (gallery_page["user_agent"], gallery_page["referer"]) == (desktop, referer)
    assert (stylesheet["user_agent"], stylesheet["accept_language"]) == (desktop, "de-DE")
    routed = [e for e in log if e["path"] == f"/app/product/{first.slug}"]
    assert [e["x_headers"] for e in routed] == [{"X-Probe": "routed"}]
    # The routed render's own requests no longer speak with the gallery's identity.
    scripts = [e for e in log if e["path"] == "/static/js/vendor.js"]
    assert scripts and all(e["x_headers"] == {} for e in scripts)
    assert scripts[0]["accept_language"] != "de-DE"
