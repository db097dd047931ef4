"""The download handler of crawls that may render pages: plain HTTP until a request asks for
the browser.

Scrapy makes a scheme's handler with the crawl's first request for it. scrapy-playwright's
handler would import Playwright then (a quarter of a second the whole crawl waits for) and
start its driver (a Node process) and Chromium at engine start. An `auto` crawl may never
render a page: this handler downloads requests without ``meta["playwright"]`` itself, as
Scrapy's HTTP/1.1 handler, and makes the browser handler (fetching/browser_handler.py) when
the first request asks for the browser, importing it off the event loop so the crawl goes on
meanwhile. A crawl that renders nothing never imports Playwright.
"""

from __future__ import annotations

import asyncio
import importlib

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

BROWSER_HANDLER = "dataops_spiders.fetching.browser_handler"


class OnDemandPlaywrightHandler(HTTP11DownloadHandler):
    lazy = True

    def __init__(self, crawler):
        super().__init__(crawler)
        self._browser: asyncio.Future | None = None

    async def download_request(self, request, spider=None):
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        if self._browser is None:
            self._browser = asyncio.ensure_future(self._make_browser_handler())
        # Every browser request waits for the same handler (and sees its failure, if any).
        handler = await asyncio.shield(self._browser)
        return await handler.download_request(request)

    async def _make_browser_handler(self):
        module = await asyncio.to_thread(importlib.import_module, BROWSER_HANDLER)
        return module.BrowserDownloadHandler.from_crawler(self._crawler)

    async def close(self) -> None:
        await super().close()
        if self._browser is None:
            return
        if not self._browser.done():
            await asyncio.wait([self._browser])
        if not self._browser.cancelled() and self._browser.exception() is None:
            await self._browser.result().close()
