"""scrapy-playwright's download handler, started on first use.

The stock handler starts Playwright's driver (a Node process) when the engine starts, and
Scrapy builds one handler per scheme, so an http + https crawl starts two drivers before it
fetches anything. An `auto` crawl may never render a page: this handler starts its driver
when the first request asks for the browser, and a handler no request asks never starts one.
Requests without ``meta["playwright"]`` go over plain HTTP as before. What Chromium requests
by itself is filtered (fetching/request_filter.py): the resource types DATAOPS_BROWSER_BLOCK
lists, and addresses the SSRF guard refuses when DATAOPS_SSRF_GUARD is on.
"""

from __future__ import annotations

import asyncio
import logging

from scrapy import signals
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from dataops_spiders.fetching.request_filter import BrowserRequestFilter
from dataops_spiders.netguard import Allowed, allow_list


class OnDemandPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        for receiver in (self._maybe_launch_in_thread, self._engine_started):
            crawler.signals.disconnect(receiver, signal=signals.engine_started)
        self._started: asyncio.Task | None = None
        # Set here rather than as PLAYWRIGHT_ABORT_REQUEST: settings stay plain data (a run
        # keeps its settings as JSON).
        settings = crawler.settings
        # scrapy-playwright logs every browser request and response when its logger's level
        # allows DEBUG; Scrapy's LOG_LEVEL filters at the handler, after the records are made.
        logging.getLogger("scrapy-playwright").setLevel(settings.get("LOG_LEVEL", "DEBUG"))
        block = settings.getlist("DATAOPS_BROWSER_BLOCK")
        guard = None
        if settings.getbool("DATAOPS_SSRF_GUARD"):
            guard = Allowed(allow_list(settings.get("DATAOPS_SSRF_ALLOW")))
        if (block or guard) and self.abort_request is None:
            self.abort_request = BrowserRequestFilter(block, guard, crawler.stats)

    async def _download_request(self, request, spider=None):
        if self._started is None:
            self._started = asyncio.ensure_future(self._launch())
        # Every request waits for the same start (and sees its failure, if it failed).
        await asyncio.shield(self._started)
        return await super()._download_request(request, spider)

    async def _close(self) -> None:
        if self._started is None:
            return  # never started: nothing to close
        if not self._started.done():
            await asyncio.wait([self._started])
        await super()._close()
