"""The download handler of crawls that may render pages: plain HTTP until a request asks for
the browser.

Scrapy makes a scheme's handler with the crawl's first request for it. scrapy-playwright's
handler would import Playwright then (a quarter of a second the whole crawl waits for) and
start its driver (a Node process) and Chromium at engine start, one of each per scheme. An
`auto` crawl may never render a page: this handler downloads requests without
``meta["playwright"]`` itself, as Scrapy's HTTP/1.1 handler, and the first request that asks
for the browser makes the crawl's one browser handler (fetching/browser_handler.py), shared by
http and https, importing it off the event loop so the crawl goes on meanwhile. A crawl that
renders nothing never imports Playwright.
"""

from __future__ import annotations

import asyncio
import importlib
import weakref

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

BROWSER_HANDLER = "dataops_spiders.fetching.browser_handler"

# crawler -> the future of its browser handler, made by whichever scheme's handler asks first
_BROWSERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class OnDemandPlaywrightHandler(HTTP11DownloadHandler):
    lazy = True

    async def download_request(self, request, spider=None):
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        browser = _BROWSERS.get(self._crawler)
        if browser is None:
            browser = asyncio.ensure_future(_make_browser_handler(self._crawler))
            _BROWSERS[self._crawler] = browser
        # Every browser request waits for the same handler (and sees its failure, if any).
        handler = await asyncio.shield(browser)
        return await handler.download_request(request)

    async def close(self) -> None:
        await super().close()
        browser = _BROWSERS.pop(self._crawler, None)  # the first scheme closed closes it
        if browser is None:
            return
        if not browser.done():
            await asyncio.wait([browser])
        if not browser.cancelled() and browser.exception() is None:
            await browser.result().close()


async def _make_browser_handler(crawler):
    module = await asyncio.to_thread(importlib.import_module, BROWSER_HANDLER)
    return module.BrowserDownloadHandler.from_crawler(crawler)
