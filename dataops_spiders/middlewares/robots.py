"""robots.txt compliance that remembers what it learned about each site.

Scrapy's RobotsTxtMiddleware decides allow/deny with Protego; this subclass also
- records the verdict in ``request.meta["dataops_robots"]``: "allowed", "disallowed", or
  "unavailable" (robots.txt unreachable or answering 5xx: Scrapy then allows everything);
- counts ``dataops/robots_forbidden`` and sends ``url_skipped`` (reason "robots") per forbidden URL;
- honours Crawl-delay by raising the downloader slot's delay (DATAOPS_ROBOTS_CRAWL_DELAY, capped by
  DATAOPS_ROBOTS_MAX_CRAWL_DELAY);
- keeps a RobotsProfile per netloc (``profile(netloc)``) and sends our ``robots_parsed`` signal.

A robots.txt answering 4xx means "no rules" (allow all), as RFC 9309 says; its body is ignored so
an HTML error page can never be read as rules.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from scrapy import exceptions as scrapy_exceptions
from scrapy import signals as scrapy_signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.python import to_unicode
from twisted.internet.defer import Deferred

from dataops_spiders import signals
from dataops_spiders.extensions.crawl_graph import link_depth

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

VERDICT_META = "dataops_robots"
_SITEMAP_LINE = re.compile(rb"^[ \t]*sitemap[ \t]*:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class RobotsProfile:
    """What robots.txt told us about one netloc."""

    netloc: str
    available: bool  # False: unreachable or 5xx, so every URL is allowed by default
    status: int | None  # HTTP status of robots.txt; None when it could not be fetched
    sitemaps: tuple[str, ...] = ()
    crawl_delay: float | None = None  # as robots.txt states it for our user agent
    applied_delay: float | None = None  # the slot delay floor we enforce (capped), if any
    rules: str | None = None  # robots.txt as fetched (capped); "" for 4xx/5xx; None: unfetched


# Network failures fetching robots.txt are expected on the open web; Scrapy logs each with a full
# traceback. The message alone ("Connection refused", "DNS lookup failed") says everything.
_NETWORK_ERRORS = (
    scrapy_exceptions.DownloadConnectionRefusedError,
    scrapy_exceptions.CannotResolveHostError,
    scrapy_exceptions.DownloadTimeoutError,
    scrapy_exceptions.DownloadFailedError,
    scrapy_exceptions.ResponseDataLossError,
)


class _NetworkErrorsOnOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], _NETWORK_ERRORS):
            record.exc_info = None
            record.exc_text = None
        return True


logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_NetworkErrorsOnOneLine())


class RobotsMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self._honour_crawl_delay = settings.getbool("DATAOPS_ROBOTS_CRAWL_DELAY", True)
        self._max_crawl_delay = settings.getfloat("DATAOPS_ROBOTS_MAX_CRAWL_DELAY", 30.0)
        self._profiles: dict[str, RobotsProfile] = {}
        # Fetched robots.txt waiting for Scrapy's robots_parsed: netloc -> (status, sitemaps,
        # text as kept in the source profile).
        self._fetched: dict[str, tuple[int, tuple[str, ...], str]] = {}
        self._slot_floors: dict[str, float] = {}  # downloader slot key -> minimum delay
        crawler.signals.connect(self._learn, signal=scrapy_signals.robots_parsed)
        # AutoThrottle lowers slot delays on each response; put the floor back after it.
        crawler.signals.connect(self._refloor_slot, signal=scrapy_signals.response_downloaded)

    def profile(self, netloc: str) -> RobotsProfile | None:
        """What robots.txt of ``netloc`` ("host" or "host:port") said, once it was fetched."""
        return self._profiles.get(netloc)

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt") or request.url.startswith(("data:", "file:")):
            return
        parser = await self.robot_parser(request)
        netloc = urlparse_cached(request).netloc
        profile = self._profiles.get(netloc)
        if parser is None or (profile is not None and not profile.available):
            request.meta[VERDICT_META] = "unavailable"
        else:
            try:
                self.process_request_2(parser, request)
            except IgnoreRequest:
                request.meta[VERDICT_META] = "disallowed"
                self._stats.inc_value("dataops/robots_forbidden")
                self._report_skipped(request)
                raise
            request.meta[VERDICT_META] = "allowed"
        if profile is not None and profile.applied_delay:
            self._enforce_delay(request, profile.applied_delay)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """Scrapy's, except that robots.txt of a page allowed off-site (a direct_item start URL
        that redirected to another host) is allowed off-site too: the offsite filter would
        drop it, and the host's rules would silently not apply."""
        netloc = urlparse_cached(request).netloc
        if netloc in self._parsers or not request.meta.get("allow_offsite"):
            return await super().robot_parser(request)
        self._parsers[netloc] = Deferred()
        parts = urlparse_cached(request)
        robots_request = Request(
            f"{parts.scheme}://{netloc}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True, "allow_offsite": True},
            callback=NO_CALLBACK,
        )
        try:
            response = await self.crawler.engine.download_async(robots_request)
            await self._parse_robots(response, netloc, request)
        except Exception as exc:  # as Scrapy's: any failure means "no rules known"
            if not isinstance(exc, IgnoreRequest):
                logger.error("Error downloading %s: %s", robots_request, exc)
            self._robots_error(exc, netloc)
        self._stats.inc_value("robotstxt/request_count")
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        sitemaps: tuple[str, ...] = ()
        if response.status >= 400:
            response = response.replace(body=b"")
        else:
            sitemaps = _declared_sitemaps(response.body, response.url)
        rules = to_unicode(response.body[: signals.ROBOTS_TEXT_LIMIT * 4], errors="replace")
        self._fetched[netloc] = (response.status, sitemaps, rules[: signals.ROBOTS_TEXT_LIMIT])
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        self._remember(RobotsProfile(netloc=netloc, available=False, status=None))
        super()._robots_error(exc, netloc)

    def _learn(self, robotparser: RobotParser, request: Request) -> None:
        """Scrapy's robots_parsed: runs before waiting requests get the parser."""
        netloc = urlparse_cached(request).netloc
        if netloc not in self._fetched:
            return  # parsed by another middleware instance, not ours
        status, sitemaps, rules = self._fetched.pop(netloc)
        if status >= 500:
            self._remember(
                RobotsProfile(netloc=netloc, available=False, status=status, rules=rules)
            )
            return
        declared = robotparser.crawl_delay(self._useragent(request))
        self._remember(
            RobotsProfile(
                netloc=netloc,
                available=True,
                status=status,
                sitemaps=sitemaps,
                crawl_delay=declared,
                applied_delay=self._delay_to_apply(netloc, declared),
                rules=rules,
            )
        )

    def _remember(self, profile: RobotsProfile) -> None:
        self._profiles[profile.netloc] = profile
        self.crawler.signals.send_catch_log(
            signal=signals.robots_parsed,
            netloc=profile.netloc,
            sitemaps=list(profile.sitemaps),
            crawl_delay=profile.crawl_delay,
            rules=profile.rules,
            status=profile.status,
        )

    def _delay_to_apply(self, netloc: str, declared: float | None) -> float | None:
        if not self._honour_crawl_delay or not declared or declared <= 0:
            return None
        if declared > self._max_crawl_delay:
            logger.warning(
                "robots.txt of %s asks for Crawl-delay %.1f s; capped at %.1f s "
                "(DATAOPS_ROBOTS_MAX_CRAWL_DELAY)",
                netloc,
                declared,
                self._max_crawl_delay,
            )
            return self._max_crawl_delay
        return declared

    def _useragent(self, request: Request) -> str:
        # Same choice as RobotsTxtMiddleware.process_request_2.
        useragent = self._robotstxt_useragent or request.headers.get(
            b"User-Agent", self._default_useragent
        )
        return to_unicode(useragent)

    def _report_skipped(self, request: Request) -> None:
        link = request.meta.get("dataops_link") or {}
        referer = link.get("from")
        if referer is None and request.headers.get(b"Referer"):
            referer = to_unicode(request.headers[b"Referer"])
        self.crawler.signals.send_catch_log(
            signal=signals.url_skipped,
            url=request.url,
            referer=referer,
            reason="robots",
            depth=link_depth(request.meta),
            kind=link.get("kind"),
            anchor=link.get("anchor", ""),
        )

    def _enforce_delay(self, request: Request, floor: float) -> None:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        self._slot_floors[key] = max(floor, self._slot_floors.get(key, 0.0))
        slot = downloader.slots.get(key)
        if slot is not None:
            _raise_slot_delay(slot, self._slot_floors[key])
            return
        # The slot does not exist yet (or was collected): create it with the floor.
        slot_settings = downloader.per_slot_settings.setdefault(key, {})
        jitter = min(
            float(
                slot_settings.get("jitter", self.crawler.settings.getfloat("DOWNLOAD_DELAY_JITTER"))
            ),
            _MAX_JITTER,
        )
        slot_settings["jitter"] = jitter
        slot_settings["delay"] = max(
            float(slot_settings.get("delay", 0.0)), _delay_for(self._slot_floors[key], jitter)
        )

    def _refloor_slot(self, response: Response, request: Request) -> None:
        key = request.meta.get("download_slot")
        floor = self._slot_floors.get(key) if key is not None else None
        if floor is None:
            return
        slot = self.crawler.engine.downloader.slots.get(key)
        if slot is not None:
            _raise_slot_delay(slot, floor)


# A slot's delay varies randomly by ±jitter; past this the shortest gap gets too close to zero.
_MAX_JITTER = 0.5


def _delay_for(floor: float, jitter: float) -> float:
    """The slot delay whose shortest randomised gap (delay * (1 - jitter)) is still ``floor``."""
    return floor / (1.0 - jitter)


def _raise_slot_delay(slot: Slot, floor: float) -> None:
    slot.jitter = min(slot.jitter, _MAX_JITTER)
    slot.delay = max(slot.delay, _delay_for(floor, slot.jitter))


def _declared_sitemaps(body: bytes, robots_url: str) -> tuple[str, ...]:
    found = (
        urljoin(robots_url, to_unicode(m, errors="ignore")) for m in _SITEMAP_LINE.findall(body)
    )
    return tuple(dict.fromkeys(found))


def find_robots_middleware(crawler: Crawler) -> RobotsMiddleware | None:
    """The running crawl's RobotsMiddleware (for the spider to read profiles), if enabled."""
    for middleware in crawler.engine.downloader.middleware.middlewares:
        if isinstance(middleware, RobotsMiddleware):
            return middleware
    return None
