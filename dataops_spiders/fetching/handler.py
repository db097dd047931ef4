"""scrapy-playwright's download handler, started on first use.

The stock handler starts Playwright's driver (a Node process) when the engine starts, and
Scrapy builds one handler per scheme, so an http + https crawl starts two drivers before it
fetches anything. An `auto` crawl may never render a page: this handler starts its driver
when the first request asks for the browser, and a handler no request asks never starts one.
Requests without ``meta["playwright"]`` go over plain HTTP as before. What Chromium requests
by itself is filtered (fetching/request_filter.py): the resource types DATAOPS_BROWSER_BLOCK
lists, and addresses the SSRF guard refuses when DATAOPS_SSRF_GUARD is on; with the guard on,
Chromium also connects only through the guarded proxy (fetching/guard_proxy.py).
"""

from __future__ import annotations

import asyncio
import logging

from scrapy import signals
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from dataops_spiders.fetching.guard_proxy import GuardedProxy
from dataops_spiders.fetching.request_filter import BrowserRequestFilter
from dataops_spiders.middlewares.proxies import configured_proxies
from dataops_spiders.netguard import Allowed, allow_list


def _no_own_dns(settings) -> str:
    """The Chromium switch by which it resolves no host name itself, so nothing goes around
    the guarded proxy; the guarded proxy (127.0.0.1) and configured proxies are exempt."""
    hosts = ["127.0.0.1", *(proxy.host for proxy in configured_proxies(settings))]
    exclusions = "".join(f" , EXCLUDE {host}" for host in dict.fromkeys(hosts))
    return f"--host-resolver-rules=MAP * ~NOTFOUND{exclusions}"


class OnDemandPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        for receiver in (self._maybe_launch_in_thread, self._engine_started):
            crawler.signals.disconnect(receiver, signal=signals.engine_started)
        self._started: asyncio.Task | None = None
        settings = crawler.settings
        # scrapy-playwright logs every browser request and response when its logger's level
        # allows DEBUG; Scrapy's LOG_LEVEL filters at the handler, after the records are made.
        logging.getLogger("scrapy-playwright").setLevel(settings.get("LOG_LEVEL", "DEBUG"))
        guard = None
        if settings.getbool("DATAOPS_SSRF_GUARD"):
            guard = Allowed(allow_list(settings.get("DATAOPS_SSRF_ALLOW")))
        # Set here rather than as PLAYWRIGHT_ABORT_REQUEST: settings stay plain data (a run
        # keeps its settings as JSON).
        block = settings.getlist("DATAOPS_BROWSER_BLOCK")
        if (block or guard) and self.abort_request is None:
            self.abort_request = BrowserRequestFilter(block, guard, crawler.stats)
        # With the guard on, Chromium reaches the web only through the guarded proxy (contexts
        # without a proxy of their own get it), and resolves no name itself.
        self._guard_proxy = None
        if guard is not None:
            self._guard_proxy = GuardedProxy(guard, stats=crawler.stats)
            options = self.config.launch_options
            options["args"] = [*options.get("args", ()), _no_own_dns(settings)]

    async def _download_request(self, request, spider=None):
        if self._started is None:
            self._started = asyncio.ensure_future(self._launch())
        # Every request waits for the same start (and sees its failure, if it failed).
        await asyncio.shield(self._started)
        return await super()._download_request(request, spider)

    async def _launch(self) -> None:
        if self._guard_proxy is not None:
            await self._guard_proxy.start()
        await super()._launch()

    async def _create_browser_context(self, name, context_kwargs, spider=None):
        if self._guard_proxy is not None and not (context_kwargs or {}).get("proxy"):
            context_kwargs = {**(context_kwargs or {}), "proxy": {"server": self._guard_proxy.url}}
        return await super()._create_browser_context(name, context_kwargs, spider)

    async def _close(self) -> None:
        if self._started is None:
            return  # never started: nothing to close
        if not self._started.done():
            await asyncio.wait([self._started])
        await super()._close()
        if self._guard_proxy is not None:
            await self._guard_proxy.close()
