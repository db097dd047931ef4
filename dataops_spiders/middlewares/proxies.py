"""Proxy rotation with resting: each request goes out through one of the configured proxies;
a proxy that fails DATAOPS_PROXY_MAX_FAILURES times in a row rests for DATAOPS_PROXY_REST
seconds, then is tried again.

    DATAOPS_PROXIES            list of proxy URLs: http://[user:pass@]host:port, https://…,
                               socks5://host:port (socks5: browser requests only; Scrapy's own
                               HTTP client cannot speak it)
    DATAOPS_PROXY_FILE         a file with one proxy URL per line (# starts a comment)
    DATAOPS_PROXY_ROTATION     per_request (default) | per_domain (one proxy per site while it
                               works)

Static requests get ``meta["proxy"]`` for Scrapy's HttpProxyMiddleware (which turns the
credentials into a Proxy-Authorization header); browser requests get a Playwright context per
proxy. Proxies are named in logs, stats and the crawl graph as scheme://host:port only:
credentials never leave this module except towards the proxy.

Stats: dataops/proxy/requests, dataops/proxy/failures, dataops/proxy/rested.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

STATIC_SCHEMES = ("http", "https")
BROWSER_SCHEMES = ("http", "https", "socks5")
# The proxy a request went out through (its masked name), for the failure bookkeeping.
META_KEY = "dataops_proxy"


class ProxyConfigError(ValueError):
    pass


@dataclass
class Proxy:
    url: str  # as configured, credentials included: never log this
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None
    failures: int = 0
    resting_until: float = 0.0

    @property
    def name(self) -> str:
        """How the proxy is shown anywhere: no credentials."""
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def server(self) -> str:
        return self.name

    def available(self, now: float) -> bool:
        return self.resting_until <= now


def parse_proxy(url: str, position: int) -> Proxy:
    """A configured proxy; ProxyConfigError names it by position (the URL may hold a password)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ProxyConfigError(f"proxy {position}: {exc}") from None
    if parts.scheme not in BROWSER_SCHEMES or not parts.hostname:
        raise ProxyConfigError(
            f"proxy {position}: expected http://, https:// or socks5://host:port "
            f"(scheme {parts.scheme or 'missing'!r})"
        )
    default_port = {"http": 80, "https": 443, "socks5": 1080}[parts.scheme]
    return Proxy(
        url=url.strip(),
        scheme=parts.scheme,
        host=parts.hostname,
        port=port or default_port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _setting_list(settings, name: str) -> list[str]:
    """A list setting given as a list, a comma-separated string, or a JSON list (what
    `-s NAME=[...]` and Scrapyd's setting= pass)."""
    value = settings.get(name)
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ProxyConfigError(f"{name} is not a valid JSON list: {exc}") from None
    return [str(v) for v in value] if isinstance(value, list | tuple) else settings.getlist(name)


def configured_proxies(settings) -> list[Proxy]:
    """The proxies of DATAOPS_PROXIES and DATAOPS_PROXY_FILE; ProxyConfigError when one is
    malformed (a crawl must not silently go direct when it was meant to use proxies)."""
    urls = _setting_list(settings, "DATAOPS_PROXIES")
    path = settings.get("DATAOPS_PROXY_FILE")
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ProxyConfigError(f"DATAOPS_PROXY_FILE={path}: {exc.strerror}") from None
        urls += [line.split("#", 1)[0].strip() for line in lines]
    return [parse_proxy(url, n) for n, url in enumerate((u for u in urls if u), start=1)]


class ProxyPool:
    """Which proxy a request takes, and which are resting."""

    def __init__(self, proxies: list[Proxy], rotation: str, max_failures: int, rest: float):
        self.proxies = proxies
        self.rotation = rotation
        self.max_failures = max_failures
        self.rest = rest
        self._cycle = itertools.cycle(range(len(proxies)))

    def choose(self, host: str, browser: bool, now: float | None = None) -> Proxy | None:
        """A working proxy for a request to ``host``; None when every usable one is resting
        (the one resting shortest is then used rather than none at all)."""
        now = time.monotonic() if now is None else now
        schemes = BROWSER_SCHEMES if browser else STATIC_SCHEMES
        usable = [p for p in self.proxies if p.scheme in schemes]
        if not usable:
            return None
        working = [p for p in usable if p.available(now)]
        if not working:
            return min(usable, key=lambda p: p.resting_until)
        if self.rotation == "per_domain":
            return working[zlib.crc32(host.encode()) % len(working)]
        for _ in range(len(self.proxies)):
            candidate = self.proxies[next(self._cycle)]
            if candidate in working:
                return candidate
        return working[0]

    def failed(self, proxy: Proxy, now: float | None = None) -> bool:
        """Count a failure; True when it sent the proxy to rest."""
        now = time.monotonic() if now is None else now
        if not proxy.available(now):
            return False  # requests sent before it was rested, failing late: already resting
        proxy.failures += 1
        if proxy.failures >= self.max_failures:
            proxy.resting_until = now + self.rest
            proxy.failures = 0
            return True
        return False

    def worked(self, proxy: Proxy) -> None:
        proxy.failures = 0

    def by_name(self, name: str) -> Proxy | None:
        return next((p for p in self.proxies if p.name == name), None)


class ProxyMiddleware:
    """Downloader middleware, before Scrapy's HttpProxyMiddleware (750)."""

    def __init__(self, crawler, pool: ProxyPool):
        self.crawler = crawler
        self.stats = crawler.stats
        self.pool = pool

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        proxies = configured_proxies(settings)  # a malformed list stops the crawl
        if not proxies:
            raise NotConfigured("no proxies configured")
        rotation = settings.get("DATAOPS_PROXY_ROTATION", "per_request")
        if rotation not in ("per_request", "per_domain"):
            raise NotConfigured(f"DATAOPS_PROXY_ROTATION is per_request or per_domain: {rotation}")
        pool = ProxyPool(
            proxies,
            rotation,
            max_failures=settings.getint("DATAOPS_PROXY_MAX_FAILURES", 3),
            rest=settings.getfloat("DATAOPS_PROXY_REST", 60.0),
        )
        logger.info("Proxies: %s (%s)", ", ".join(p.name for p in proxies), rotation)
        return cls(crawler, pool)

    def process_request(self, request, spider=None):
        if "proxy" in request.meta and META_KEY not in request.meta:
            return None  # the request chose its own proxy
        browser = bool(request.meta.get("playwright"))
        proxy = self.pool.choose(urlsplit(request.url).hostname or "", browser)
        if proxy is None:
            return None  # none usable for this kind of request: go direct
        request.meta[META_KEY] = proxy.name
        self.stats.inc_value("dataops/proxy/requests")
        if browser:
            settings = {"server": proxy.server}
            if proxy.username:
                settings |= {"username": proxy.username, "password": proxy.password or ""}
            request.meta["playwright_context"] = f"proxy {proxy.name}"
            request.meta["playwright_context_kwargs"] = {"proxy": settings}
        else:
            request.meta["proxy"] = proxy.url
        return None

    def _proxy_of(self, request) -> Proxy | None:
        name = request.meta.get(META_KEY)
        return self.pool.by_name(name) if name else None

    def process_response(self, request, response, spider=None):
        proxy = self._proxy_of(request)
        if proxy is not None:
            if response.status == 407:
                self._failed(proxy, "refused our credentials (407)")
            else:
                self.pool.worked(proxy)
        return response

    def process_exception(self, request, exception, spider=None):
        proxy = self._proxy_of(request)
        if proxy is not None:
            self._failed(proxy, type(exception).__name__)
            # The retry picks a proxy afresh (process_request sees our marker).
            request.meta.pop("proxy", None)
        return None

    def _failed(self, proxy: Proxy, why: str) -> None:
        self.stats.inc_value("dataops/proxy/failures")
        if self.pool.failed(proxy):
            self.stats.inc_value("dataops/proxy/rested")
            logger.warning(
                "Proxy %s failed %d times in a row (last: %s); resting it for %g s",
                proxy.name,
                self.pool.max_failures,
                why,
                self.pool.rest,
            )
