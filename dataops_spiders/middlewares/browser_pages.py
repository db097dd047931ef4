"""Browser pages reused from one request to the next.

scrapy-playwright opens a page (a tab, with its renderer process) for every request and closes
it afterwards; opening one costs Chromium about as much CPU as rendering a simple page (in the
fetch bench, reusing pages took 0.4 s off an `auto` crawl of 5.3 s). This pool
lends each browser request an idle page of its context, or lets the handler open a new one while
fewer than DATAOPS_BROWSER_PAGES are open, or waits for one to come back. A page goes back to
the pool when its response comes in, and is closed instead after a failure (its state is
unknown) or after PAGE_USES requests: a reused tab's renderer grows by a few MB per page it
loads (measured: a 200-page browser crawl peaked at 1.4 GB with 100 uses per page, 1.1 GB with
10, 0.7 GB with none), while the CPU saved is in not opening pages, mostly at the start.

It sits next to the download handler (990), so it is the first to see a response or a failure
and takes the page out of the request's meta before retries copy it or the spider sees it.
Other spiders' requests that manage their own pages (``playwright_include_page``) are left alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

logger = logging.getLogger(__name__)

POOLED = "dataops_pooled_page"  # set on requests whose page this pool lends and takes back
PAGE_USES = 10
DEFAULT_CONTEXT = "default"  # scrapy-playwright's name for the context a request doesn't name


class PagePool:
    """Idle pages per browser context, at most ``limit`` open over all contexts."""

    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self.open = 0  # pages lent, idle, or being opened by the handler
        self.idle: dict[str, list] = defaultdict(list)
        self.uses: dict[object, int] = {}
        self._returned = asyncio.Event()

    async def borrow(self, context: str):
        """An idle page of ``context``, or None when the caller may open a new one."""
        while True:
            while self.idle[context]:
                page = self.idle[context].pop()
                if not page.is_closed():
                    return page
                await self._close(page)  # the browser went away (and came back) meanwhile
            if self.open < self.limit:
                self.open += 1
                return None
            spare = next((pages for pages in self.idle.values() if pages), None)
            if spare:  # the limit is reached with pages idle in another context: swap one
                await self._close(spare.pop())
                self.open += 1
                return None
            self._returned.clear()
            await self._returned.wait()

    async def give_back(self, context: str, page, reusable: bool) -> None:
        if page is not None and reusable and not page.is_closed():
            self.uses[page] = self.uses.get(page, 0) + 1
            if self.uses[page] < PAGE_USES:
                self.idle[context].append(page)
                self._returned.set()
                return
        if page is not None:
            await self._close(page)
        else:
            self.open -= 1  # the handler failed before it opened one
        self._returned.set()

    async def _close(self, page) -> None:
        self.open -= 1
        self.uses.pop(page, None)
        if not page.is_closed():
            try:
                await page.close()
            except Exception as exc:  # the browser may be gone already
                logger.debug("Closing a browser page failed: %s", exc)


class BrowserPagePoolMiddleware:
    def __init__(self, crawler):
        self.pool = PagePool(crawler.settings.getint("DATAOPS_BROWSER_PAGES", 8))
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request, spider=None):
        meta = request.meta
        if not meta.get("playwright") or meta.get("playwright_include_page"):
            return None
        page = await self.pool.borrow(meta.get("playwright_context", DEFAULT_CONTEXT))
        meta[POOLED] = True
        meta["playwright_include_page"] = True  # the handler leaves it open for us
        if page is not None:
            meta["playwright_page"] = page
            self.stats.inc_value("dataops/browser/pages_reused")
        return None

    async def process_response(self, request, response, spider=None):
        await self._take_back(request, reusable=True)
        return response

    async def process_exception(self, request, exception, spider=None):
        await self._take_back(request, reusable=False)
        return None

    async def _take_back(self, request, reusable: bool) -> None:
        meta = request.meta
        if not meta.pop(POOLED, False):
            return
        meta.pop("playwright_include_page", None)
        page = meta.pop("playwright_page", None)
        await self.pool.give_back(meta.get("playwright_context", DEFAULT_CONTEXT), page, reusable)
