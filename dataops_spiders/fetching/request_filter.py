"""What Chromium may request by itself while it renders a page, when the SSRF guard is on.

A rendered page fetches its scripts, data and frames, and may navigate itself elsewhere
(``location = …``), all inside Chromium, past Scrapy's downloader middlewares. With the crawl's
SSRF guard on (DATAOPS_SSRF_GUARD: scrape tasks fetch URLs a client gave), every browser request
goes through scrapy-playwright's route, which asks this predicate before the request leaves. It
refuses URLs whose host the guard refuses as written: non-public addresses in any notation and
metadata services (DATAOPS_SSRF_ALLOW opens some). Without it a page could send the browser to
http://169.254.169.254/ and hand back what it read there. (Blocked resource types are kept out
inside Chromium: fetching/blocking.py.)

Host names are judged where they are resolved: by the guarded proxy Chromium connects through
(fetching/guard_proxy.py), which connects to the address it checked. Requests of a context
that goes through a configured proxy are resolved by that proxy, as Scrapy's own are.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from dataops_spiders.netguard import Allowed, UnsafeURL, check_url

logger = logging.getLogger(__name__)

INTERNAL_SCHEMES = frozenset({"data", "blob", "about"})  # never leave the browser


class BrowserRequestFilter:
    def __init__(self, guard: Allowed, stats=None, also: Callable | None = None):
        self.guard = guard  # the SSRF allow-list
        self.stats = stats
        self.also = also  # a predicate of the user's (PLAYWRIGHT_ABORT_REQUEST), asked after
        self._told: set[str] = set()  # hosts already named in a warning

    async def __call__(self, request) -> bool:
        """True: abort ``request`` (a Playwright request) before it is sent."""
        if self._refuses(request):
            return True
        if self.also is None:
            return False
        verdict = self.also(request)
        return bool(await verdict if inspect.isawaitable(verdict) else verdict)

    def _refuses(self, request) -> bool:
        if urlsplit(request.url).scheme.lower() in INTERNAL_SCHEMES:
            return False
        try:
            check_url(request.url, self.guard, resolve=None)
        except UnsafeURL as exc:
            self._refused(urlsplit(request.url).netloc, exc)
            return True
        return False

    def _refused(self, host: str, why: UnsafeURL) -> None:
        if self.stats is not None:
            self.stats.inc_value("dataops/ssrf_refused")
            self.stats.inc_value("dataops/ssrf_refused/browser")
        if host not in self._told:
            self._told.add(host)
            logger.warning("The browser was kept from %s (SSRF guard): %s", host, why)
