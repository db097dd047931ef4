"""The crawler's SSRF guard (DATAOPS_SSRF_GUARD): scrape tasks fetch URLs a client gave.

Every request is checked when it is scheduled and again when it reaches the downloader (this
middleware runs before the robots, offsite and redirect middlewares): start URLs, every redirect
hop (Scrapy schedules each hop as a new request) and robots.txt. A URL whose host is a non-public
address, in any notation (``127.0.0.1``, ``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]``), or a
cloud metadata name, is refused here, unless DATAOPS_SSRF_ALLOW opens it. Host names are checked
where they are resolved (``dataops_spiders.resolver.GuardedResolver``), on the address the
connection then uses; this middleware resolves each name through it before the download, so that
refusal is reported the same way.

A refusal is an IgnoreRequest saying why, counted as ``dataops/ssrf_refused``, and sent as
``url_skipped`` with reason "ssrf" (the crawl graph records the URL as skipped for it).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals as scrapy_signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.python import to_unicode
from twisted.internet.error import DNSLookupError

from dataops_spiders import signals
from dataops_spiders.extensions.crawl_graph import link_depth
from dataops_spiders.netguard import Allowed, UnsafeURL, allow_list, check_url, parse_ip
from dataops_spiders.resolver import AddressRefused, GuardedResolver

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

SKIP_REASON = "ssrf"
STAT = "dataops/ssrf_refused"


def parse_ip_or_none(host: str):
    """The address a literal host stands for; None for a name (or a malformed literal, which
    check_url has refused already)."""
    try:
        return parse_ip(host)
    except UnsafeURL:
        return None


class SsrfRefused(IgnoreRequest):
    """A request the SSRF guard refused; the message says why."""


class SsrfGuardMiddleware:
    def __init__(self, crawler: Crawler, allowed: Allowed):
        self.crawler = crawler
        self.allowed = allowed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SsrfGuardMiddleware:
        settings = crawler.settings
        if not settings.getbool("DATAOPS_SSRF_GUARD", False):
            raise NotConfigured("DATAOPS_SSRF_GUARD is off")
        resolver = settings.get("TWISTED_DNS_RESOLVER")
        if not (isinstance(resolver, type) and issubclass(resolver, GuardedResolver)) and (
            resolver != f"{GuardedResolver.__module__}.{GuardedResolver.__name__}"
        ):
            # Without it, host names would be fetched unchecked: refuse to run half a guard.
            raise ValueError(
                "DATAOPS_SSRF_GUARD needs TWISTED_DNS_RESOLVER = "
                f"'{GuardedResolver.__module__}.{GuardedResolver.__name__}', not {resolver!r}"
            )
        middleware = cls(crawler, Allowed(allow_list(settings.get("DATAOPS_SSRF_ALLOW"))))
        # Also when a request is scheduled, as Scrapy's offsite filter does: a redirect to a
        # refused address is dropped there, and reported as refused rather than as offsite.
        crawler.signals.connect(
            middleware.request_scheduled, signal=scrapy_signals.request_scheduled
        )
        return middleware

    def request_scheduled(self, request: Request) -> None:
        self._check_literal(request)

    async def process_request(self, request: Request) -> None:
        self._check_literal(request)
        host = urlparse_cached(request).hostname
        if host and parse_ip_or_none(host) is None:
            # Resolve through the reactor's resolver (GuardedResolver, cached) now, so that a
            # refused address is reported as such; the connection resolves it again, checked.
            from twisted.internet import reactor  # the running one (installed by Scrapy)

            try:
                await maybe_deferred_to_future(reactor.resolve(host))
            except AddressRefused as exc:
                raise self._refuse(request, str(exc)) from None
            except DNSLookupError:
                return  # does not resolve: the download fails and says so

    def _check_literal(self, request: Request) -> None:
        try:
            check_url(request.url, self.allowed, resolve=None)
        except UnsafeURL as exc:
            raise self._refuse(request, str(exc)) from None

    def _refuse(self, request: Request, why: str) -> SsrfRefused:
        self.crawler.stats.inc_value(STAT)
        logger.warning("SSRF guard refused %s: %s", request.url, why)
        link = request.meta.get("dataops_link") or {}
        # A redirect hop's edge is already in the graph (kind "redirect"): no second edge.
        referer = None if request.meta.get("redirect_urls") else link.get("from")
        if referer is None and not request.meta.get("redirect_urls"):
            header = request.headers.get(b"Referer")
            referer = to_unicode(header) if header else None
        self.crawler.signals.send_catch_log(
            signal=signals.url_skipped,
            url=request.url,
            referer=referer,
            reason=SKIP_REASON,
            depth=link_depth(request.meta),
            kind=link.get("kind"),
            anchor=link.get("anchor", ""),
            detail=why,
        )
        return SsrfRefused(f"SSRF guard: {why}")
