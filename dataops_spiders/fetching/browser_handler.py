"""scrapy-playwright's download handler as our crawls use it: started by its first request,
rendering without routes where it can.

The dispatcher (fetching/handler.py) makes it when the first request asks for the browser. The
stock handler starts Playwright's driver (a Node process) from the engine_started signal, which
has fired by then: this one starts it with that first request, and every browser request waits
for the same start.

Blocked resource types (DATAOPS_BROWSER_BLOCK) are kept out inside Chromium
(fetching/blocking.py), and a plain GET renders without scrapy-playwright's route
(fetching/unrouted.py): no round trip to this process for each request the page makes, and
Chromium's HTTP cache keeps the site's scripts between renders. With DATAOPS_SSRF_GUARD on,
every request goes through the route, whose predicate refuses addresses the guard refuses
(fetching/request_filter.py), and Chromium connects only through the guarded proxy
(fetching/guard_proxy.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref

from playwright.async_api import Page
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy_playwright._utils import (
    _attach_page_event_handlers,
    _maybe_execute_page_init_callback,
)
from scrapy_playwright.handler import DEFAULT_CONTEXT_NAME, ScrapyPlaywrightDownloadHandler
from scrapy_playwright.headers import use_scrapy_headers

from dataops_spiders.fetching.blocking import block_on_page, paused_types, with_switches
from dataops_spiders.fetching.guard_proxy import GuardedProxy
from dataops_spiders.fetching.page_scripts import NETWORK_TRACKER
from dataops_spiders.fetching.request_filter import BrowserRequestFilter
from dataops_spiders.fetching.unrouted import page_wide_headers
from dataops_spiders.middlewares.proxies import configured_proxies
from dataops_spiders.netguard import Allowed, allow_list
from dataops_spiders.store.config import data_dir

ROUTED = object()  # a page's last render went through scrapy-playwright's route


def _no_own_dns(settings) -> str:
    """The Chromium switch by which it resolves no host name itself, so nothing goes around
    the guarded proxy; the guarded proxy (127.0.0.1) and configured proxies are exempt."""
    hosts = ["127.0.0.1", *(proxy.host for proxy in configured_proxies(settings))]
    exclusions = "".join(f" , EXCLUDE {host}" for host in dict.fromkeys(hosts))
    return f"--host-resolver-rules=MAP * ~NOTFOUND{exclusions}"


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        for receiver in (self._maybe_launch_in_thread, self._engine_started):
            crawler.signals.disconnect(receiver, signal=signals.engine_started)
        self._started: asyncio.Task | None = None
        self._closed = False
        settings = crawler.settings
        # scrapy-playwright logs every browser request and response when its logger's level
        # allows DEBUG; Scrapy's LOG_LEVEL filters at the handler, after the records are made.
        logging.getLogger("scrapy-playwright").setLevel(settings.get("LOG_LEVEL", "DEBUG"))
        guard = None
        if settings.getbool("DATAOPS_SSRF_GUARD"):
            guard = Allowed(allow_list(settings.get("DATAOPS_SSRF_ALLOW")))
        block = settings.getlist("DATAOPS_BROWSER_BLOCK")
        self._paused_types = paused_types(block)
        options = self.config.launch_options
        args = with_switches(list(options.get("args", ())), block)
        # Set here rather than as PLAYWRIGHT_ABORT_REQUEST: settings stay plain data (a run
        # keeps its settings as JSON). A user's own predicate is asked too.
        self._guard_proxy = None
        if guard is not None:
            self.abort_request = BrowserRequestFilter(guard, crawler.stats, self.abort_request)
            # Chromium reaches the web only through the guarded proxy (contexts without a
            # proxy of their own get it), and resolves no name itself.
            self._guard_proxy = GuardedProxy(guard, stats=crawler.stats)
            args.append(_no_own_dns(settings))
        options["args"] = args
        # Requests are routed when something must see each of them: the guard's predicate (or
        # one a user set), or a user's PLAYWRIGHT_PROCESS_REQUEST_HEADERS.
        self._route_all = (
            self.abort_request is not None or self.process_request_headers is not use_scrapy_headers
        )
        # page -> how its last render went: ROUTED, or the identity headers it was given
        self._last_render: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    async def _download_request(self, request, spider=None):
        if self._closed:  # a request that waited for this handler while the crawl closed
            raise IgnoreRequest("the browser is closed: the crawl is shutting down")
        if self._started is None:
            self._started = asyncio.ensure_future(self._launch())
        # Every request waits for the same start (and sees its failure, if it failed).
        await asyncio.shield(self._started)
        return await super()._download_request(request, spider)

    async def _launch(self) -> None:
        # Playwright's driver is Node loading a 3.6 MB bundle, about a second of CPU in a busy
        # crawl; Node's compile cache (kept with our data) cuts a quarter of it. The driver
        # inherits this process's environment.
        if "NODE_COMPILE_CACHE" not in os.environ:
            os.environ["NODE_COMPILE_CACHE"] = str(data_dir() / "cache" / "node")
        if self._guard_proxy is not None:
            await self._guard_proxy.start()
        await super()._launch()

    async def _create_browser_context(self, name, context_kwargs, spider=None):
        if self._guard_proxy is not None and not (context_kwargs or {}).get("proxy"):
            context_kwargs = {**(context_kwargs or {}), "proxy": {"server": self._guard_proxy.url}}
        return await super()._create_browser_context(name, context_kwargs, spider)

    async def _create_page(self, request, spider):
        page = await super()._create_page(request, spider)
        try:
            # Before the page's own scripts run: what the settle wait counts (page_scripts.py).
            await page.add_init_script(NETWORK_TRACKER)
            await block_on_page(page, self._paused_types, self.stats)
        except Exception:
            await page.close()  # it holds one of the context's page slots
            raise
        return page

    async def _download_request_with_retry(self, request, spider):
        headers = None if self._route_all else page_wide_headers(request)
        if headers is None:
            page = request.meta.get("playwright_page")
            if isinstance(page, Page) and self._last_render.get(page, ROUTED) is not ROUTED:
                # an unrouted render gave this page another request's identity
                await page.set_extra_http_headers({})
            try:
                return await super()._download_request_with_retry(request, spider)
            finally:
                page = request.meta.get("playwright_page")
                if isinstance(page, Page):
                    self._last_render[page] = ROUTED
        return await self._render_unrouted(request, spider, headers)

    async def _render_unrouted(self, request, spider, headers: dict[str, str]):
        """scrapy-playwright's ``_download_request_with_retry`` without its route: the page
        gets the request's identity headers, the navigation its Referer."""
        page = request.meta.get("playwright_page")
        if not isinstance(page, Page) or page.is_closed():
            page = await self._create_page(request=request, spider=spider)
        elif self._last_render.get(page) is ROUTED:
            await page.unroute("**")
        context_name = request.meta.setdefault("playwright_context", DEFAULT_CONTEXT_NAME)
        _attach_page_event_handlers(
            page=page, request=request, spider=spider, context_name=context_name
        )
        if self._last_render.get(page) != headers:
            await page.set_extra_http_headers(headers)
        self._last_render[page] = headers
        referer = request.headers.get("Referer")
        if referer:
            goto = request.meta.get("playwright_page_goto_kwargs") or {}
            referer = referer.decode("latin-1")
            request.meta["playwright_page_goto_kwargs"] = {**goto, "referer": referer}
        await _maybe_execute_page_init_callback(
            page=page, request=request, context_name=context_name, spider=spider
        )
        self.stats.inc_value("dataops/browser/unrouted")
        try:
            return await self._download_request_with_page(request, page, spider)
        except Exception:
            if not request.meta.get("playwright_include_page") and not page.is_closed():
                await page.close()
                self.stats.inc_value("playwright/page_count/closed")
            raise

    async def _close(self) -> None:
        self._closed = True
        if self._started is None:
            return  # never started: nothing to close
        if not self._started.done():
            await asyncio.wait([self._started])
        await super()._close()
        if self._guard_proxy is not None:
            await self._guard_proxy.close()
