"""A DNS resolver that checks what it returns (TWISTED_DNS_RESOLVER), against DNS rebinding.

With DATAOPS_SSRF_GUARD on, every address a host name resolves to must be a public one (or be
opened by DATAOPS_SSRF_ALLOW): the check runs on the very address Twisted then connects to, so a
name that answers "public" to one lookup and "127.0.0.1" to the next gains nothing. Twisted does
not call the resolver for a dotted-quad IPv4 literal: the SSRF downloader middleware checks literal
hosts, and resolves names through this resolver before the download, so that a refusal is reported
as one (at connection time it can only look like a failed DNS lookup). With the guard off this is
Scrapy's CachingThreadedResolver, unchanged.

The resolver is built once per process from the process's settings (``-s`` options, Scrapyd's
``setting=``), not per crawler.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from dataops_spiders.netguard import Allowed, UnsafeURL, allow_list, check_resolved

if TYPE_CHECKING:
    from collections.abc import Sequence

    from twisted.internet.base import ReactorBase

logger = logging.getLogger(__name__)


class AddressRefused(DNSLookupError):
    """The SSRF guard refused the address a host name resolved to; the message says why.

    A DNSLookupError, so that Twisted treats it as a name that does not resolve (no traceback,
    no connection)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "address refused by the SSRF guard"


class GuardedResolver(CachingThreadedResolver):
    def __init__(
        self,
        reactor: ReactorBase,
        cache_size: int,
        timeout: float,
        guard: bool = False,
        allowed: Allowed | None = None,
    ):
        super().__init__(reactor, cache_size, timeout)
        self.guard = guard
        self.allowed = allowed or Allowed(())

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: ReactorBase) -> GuardedResolver:
        settings = crawler.settings
        resolver = super().from_crawler(crawler, reactor)
        resolver.guard = settings.getbool("DATAOPS_SSRF_GUARD", False)
        resolver.allowed = Allowed(allow_list(settings.get("DATAOPS_SSRF_ALLOW")))
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        resolved = super().getHostByName(name, timeout)
        if self.guard:
            # The cache keeps the answer, unchecked: every use of it is checked here.
            resolved.addCallback(self._check, name)
        return resolved

    def _check(self, address: str, name: str) -> str:
        try:
            check_resolved(name, [address], self.allowed)
        except UnsafeURL as exc:
            raise AddressRefused(str(exc)) from None
        return address
