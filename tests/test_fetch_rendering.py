"""Which statically fetched pages need a browser: JavaScript shells yes, server-rendered pages
(thin or not) no. Judged on the framework shells' conventions and on real shop pages."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from dataops_spiders.demo_site.content import catalogue
from dataops_spiders.demo_site.fetch_pages import app_shell
from dataops_spiders.fetching.rendering import rendering_verdict

DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devsets" / "product-pages"
BUNDLE = "<script>" + "window.__d=[" + "1," * 6000 + "0];" + "</script>"

SHELLS = {
    "react": "<html><head><title>Shop</title></head><body><noscript>You need to enable "
    'JavaScript to run this app.</noscript><div id="root"></div></body></html>',
    "angular": '<html><head><base href="/"></head><body><app-root></app-root>'
    '<script src="main.js" type="module"></script></body></html>',
    "next": f'<html><head></head><body><div id="__next"></div>{BUNDLE}</body></html>',
    "nuxt": '<html><body><div id="__nuxt"></div><script src="/_nuxt/entry.js"></script>'
    "</body></html>",
    "bundle only": f"<html><body><p>Loading…</p>{BUNDLE}</body></html>",
}


@pytest.mark.parametrize("name", SHELLS)
def test_a_javascript_shell_needs_the_browser(name):
    verdict = rendering_verdict(SHELLS[name])
    assert verdict.needs_browser, verdict.reason


def test_the_fixture_site_app_page_needs_the_browser_and_says_why():
    product = catalogue().products[0]
    html = app_shell(product.name, "product", "http://shop", "/app/product/x", "/x.json")
    verdict = rendering_verdict(html)
    assert verdict.needs_browser
    assert "empty #root" in verdict.reason and "noscript" in verdict.reason


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html><body><h1>Not found</h1><p>No such page.</p></body></html>",  # thin, no app
        # a server-rendered page that also mounts a widget in an empty #root
        '<html><body><div id="root"></div><main>'
        + "<p>Real article text.</p>" * 40
        + "</main></body></html>",
        "%PDF-1.4 binary",
    ],
    ids=["empty", "thin 404", "rendered with a widget root", "not html"],
)
def test_server_rendered_pages_do_not_need_the_browser(html):
    assert not rendering_verdict(html).needs_browser


@pytest.mark.skipif(not DEVSET.is_dir(), reason="the product-pages devset is not next to the repo")
def test_no_real_shop_page_of_the_devset_is_taken_for_a_shell():
    pages = sorted((DEVSET / "html").glob("*.html.gz"))
    flagged = [
        page.name
        for page in pages
        if rendering_verdict(
            gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
        ).needs_browser
    ]
    assert len(pages) > 50 and flagged == []
