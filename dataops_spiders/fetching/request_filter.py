"""What Chromium may request by itself while it renders a page.

A rendered page fetches its scripts, data and frames, and may navigate itself elsewhere
(``location = …``), all inside Chromium, past Scrapy's downloader middlewares. scrapy-playwright
asks one predicate about each of those requests before it leaves (its route handler, which
intercepts every request anyway); this is that predicate. It refuses:

- the resource types a template blocks (images, fonts and media by default);
- when the crawl's SSRF guard is on (DATAOPS_SSRF_GUARD: scrape tasks fetch URLs a client
  gave), any URL the guard refuses: non-public addresses in any notation, metadata services,
  names that resolve to such addresses (DATAOPS_SSRF_ALLOW opens some). Without it a page
  could send the browser to http://169.254.169.254/ and hand back what it read.

Chromium would resolve names again itself, so a name whose DNS answer changes between this
check and its lookup (DNS rebinding) is caught by the guarded proxy Chromium connects through
(fetching/guard_proxy.py), not here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from dataops_spiders.netguard import Allowed, UnsafeURL, check_url

logger = logging.getLogger(__name__)

INTERNAL_SCHEMES = frozenset({"data", "blob", "about"})  # never leave the browser


class BrowserRequestFilter:
    def __init__(self, block: Iterable[str], guard: Allowed | None = None, stats=None):
        self.block = frozenset(block)
        self.guard = guard  # the SSRF allow-list when the guard is on
        self.stats = stats
        self._verdicts: dict[tuple[str, str], str | None] = {}  # (scheme, netloc) -> refusal

    async def __call__(self, request) -> bool:
        """True: abort ``request`` (a Playwright request) before it is sent."""
        if request.resource_type in self.block:
            return True
        if self.guard is None:
            return False
        refusal = await self.refusal(request.url)
        if refusal is None:
            return False
        if self.stats is not None:
            self.stats.inc_value("dataops/ssrf_refused")
            self.stats.inc_value("dataops/ssrf_refused/browser")
        return True

    async def refusal(self, url: str) -> str | None:
        """Why the SSRF guard refuses ``url``, or None. DNS answers are kept per host for the
        crawl (a page asks for the same few hosts again and again)."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme in INTERNAL_SCHEMES:
            return None
        key = (scheme, parts.netloc.lower())
        if key not in self._verdicts:
            try:
                # DNS in a thread: the crawl's event loop must not wait on it
                await asyncio.to_thread(check_url, url, self.guard)
                self._verdicts[key] = None
            except UnsafeURL as exc:
                self._verdicts[key] = str(exc)
                logger.warning("The browser was kept from %s (SSRF guard): %s", key[1], exc)
        return self._verdicts[key]
