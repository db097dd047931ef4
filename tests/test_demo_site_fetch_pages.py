"""The fixture site's fetch-behaviour pages do what the fetching tests rely on."""

from __future__ import annotations

import asyncio
import zlib

import httpx
import pytest

from dataops_spiders.demo_site.content import catalogue
from dataops_spiders.demo_site.fetch_pages import app_products
from tests.browsers import CHROMIUM, needs_chromium

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


@pytest.fixture
def site(fixture_site):
    with httpx.Client(base_url=fixture_site.url, timeout=30) as client:
        yield client


def test_an_app_product_page_holds_nothing_until_javascript_runs(site):
    product = app_products(catalogue())[0]
    shell = site.get(f"app/product/{product.slug}")
    assert shell.status_code == 200 and '<div id="root" data-mode="product"' in shell.text
    assert product.sku not in shell.text and str(product.price) not in shell.text
    data = site.get(f"app/api/product/{product.slug}.json").json()
    assert data["sku"] == product.sku and data["price"] == str(product.price)


def test_the_app_index_links_one_product_in_ten(site):
    index = site.get("app/").text
    shop = catalogue()
    assert index.count('href="/app/product/') == len(shop.products) // 10


def test_the_scroll_api_pages_through_48_products_then_stops(site):
    seen, number = [], 1
    while number is not None:
        answer = site.get("app/api/products", params={"page": number}).json()
        seen += [p["url"] for p in answer["products"]]
        number = answer["next"]
    assert len(seen) == len(set(seen)) == 48
    assert site.get("app/api/products", params={"page": 5}).status_code == 404


def test_a_throttled_page_answers_429_with_retry_after_once(site):
    first = site.get("throttled/fetch-pages-test")
    assert first.status_code == 429 and first.headers["Retry-After"] == "1"
    assert site.get("throttled/fetch-pages-test").status_code == 200


@pytest.mark.parametrize(
    ("user_agent", "status"),
    [
        (BROWSER_UA, 200),
        ("Scrapy/2.13 (+https://scrapy.org)", 403),
        ("python-httpx/0.28", 403),
        (f"{BROWSER_UA} dataops-spiders/0.1", 403),
    ],
)
def test_the_members_area_admits_browsers_only(site, user_agent, status):
    assert site.get("members/", headers={"User-Agent": user_agent}).status_code == status


def test_the_bomb_is_small_on_the_wire_and_huge_inflated(site):
    with site.stream("GET", "bomb.html", headers={"Accept-Encoding": "gzip"}) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        wire = b"".join(response.iter_raw())
    assert len(wire) < 1_000_000
    inflater, inflated = zlib.decompressobj(31), 0
    pending = wire
    while pending:
        inflated += len(inflater.decompress(pending, 16 << 20))
        pending = inflater.unconsumed_tail
    assert inflater.eof and inflated > 250 * 2**20


@needs_chromium
def test_chromium_renders_the_app_page_and_scrolls_the_list(fixture_site):
    from playwright.async_api import async_playwright

    product = app_products(catalogue())[0]

    async def render() -> tuple[str, int, int]:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM)
            page = await browser.new_page()
            await page.goto(f"{fixture_site.url}app/product/{product.slug}")
            text = await page.inner_text("article.product-view")
            await page.goto(f"{fixture_site.url}app/scroll/")
            await page.wait_for_selector("li.product-card")
            before = await page.locator("li.product-card").count()
            await page.mouse.wheel(0, 20000)
            await page.wait_for_function("document.querySelectorAll('li.product-card').length > 12")
            after = await page.locator("li.product-card").count()
            await browser.close()
            return text, before, after

    text, before, after = asyncio.run(render())
    assert product.sku in text and product.name in text
    assert before == 12 and after > before
