"""RobotsMiddleware through a real crawler object (robots.txt downloads are faked)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from unittest import mock

import pytest
from scrapy import Request
from scrapy import signals as scrapy_signals
from scrapy.core.downloader import Downloader, Slot
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError

from dataops_spiders import signals
from dataops_spiders.middlewares.robots import RobotsMiddleware, find_robots_middleware

ROBOTS = b"""\
User-agent: *
Disallow: /private/
Crawl-delay: 2
Sitemap: https://site.test/sitemap.xml
Sitemap: /news-sitemap.xml

User-agent: FastBot
Disallow: /private/
Crawl-delay: 0.5
"""

SETTINGS = {
    "ROBOTSTXT_OBEY": True,
    "ROBOTSTXT_PARSER": "scrapy.robotstxt.ProtegoRobotParser",
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "dataops_spiders.middlewares.robots.RobotsMiddleware": 100,
    },
}


def robots_response(body: bytes = ROBOTS, status: int = 200) -> TextResponse:
    return TextResponse("https://site.test/robots.txt", body=body, status=status)


class Harness:
    """A crawler whose engine answers robots.txt requests with ``answer``; records our signals."""

    def __init__(self, answer: TextResponse | Exception, **settings: object):
        self.crawler = get_crawler(settings_dict={**SETTINGS, **settings})
        self.crawler.engine = mock.MagicMock()
        # The real downloader: its slots are what Crawl-delay must change.
        self.crawler.engine.downloader = Downloader(self.crawler)
        if isinstance(answer, Exception):
            self.crawler.engine.download_async = mock.AsyncMock(side_effect=answer)
        else:
            self.crawler.engine.download_async = mock.AsyncMock(return_value=answer)
        self.skipped: list[dict] = []
        self.parsed: list[dict] = []
        self.crawler.signals.connect(self._on_skipped, signal=signals.url_skipped)
        self.crawler.signals.connect(self._on_parsed, signal=signals.robots_parsed)
        self.middleware = build_from_crawler(RobotsMiddleware, self.crawler)

    def _on_skipped(self, **kwargs):
        kwargs.pop("signal"), kwargs.pop("sender")
        self.skipped.append(kwargs)

    def _on_parsed(self, **kwargs):
        kwargs.pop("signal"), kwargs.pop("sender")
        self.parsed.append(kwargs)

    @property
    def downloader(self) -> Downloader:
        return self.crawler.engine.downloader

    @property
    def robots_fetches(self) -> int:
        return self.crawler.engine.download_async.await_count

    async def verdict(self, url: str, **meta: object) -> str | None:
        """The verdict for ``url``; IgnoreRequest propagates."""
        request = Request(url, meta=dict(meta))
        try:
            await self.middleware.process_request(request)
        except IgnoreRequest:
            assert request.meta["dataops_robots"] == "disallowed"
            raise
        return request.meta.get("dataops_robots")


def run(make_coro):
    """Build and drive everything inside one asyncio loop, as Scrapy's handlers require."""
    return asyncio.run(make_coro())


@pytest.mark.parametrize(
    ("answer", "url", "verdict"),
    [
        (robots_response(), "https://site.test/shop/1", "allowed"),
        (robots_response(), "https://site.test/private/x", "disallowed"),
        # A 404 page is no robots.txt, even when its HTML happens to say "Disallow: /".
        (
            robots_response(b"<p>Not found. Disallow: /</p>", status=404),
            "https://site.test/",
            "allowed",
        ),
        (
            robots_response(b"User-agent: *\nDisallow: /", status=503),
            "https://site.test/",
            "unavailable",
        ),
        (DNSLookupError("site.test"), "https://site.test/", "unavailable"),
    ],
    ids=["allowed", "disallowed", "404-allows-all", "503-unavailable", "unreachable"],
)
def test_verdict_recorded_in_meta(answer, url, verdict):
    async def scenario():
        harness = Harness(answer)
        if verdict == "disallowed":
            with pytest.raises(IgnoreRequest):
                await harness.verdict(url)
        else:
            assert await harness.verdict(url) == verdict

    run(scenario)


def test_forbidden_url_is_counted_and_reported_as_skipped():
    async def scenario():
        harness = Harness(robots_response())
        link = {"kind": "navigate", "anchor": "Members", "from": "https://site.test/"}
        with pytest.raises(IgnoreRequest):
            # IntentSpider counts depth itself (dataops_depth); Scrapy's "depth" also counts pages.
            await harness.verdict(
                "https://site.test/private/a", dataops_link=link, dataops_depth=2, depth=5
            )
        await harness.verdict("https://site.test/public")
        stats = harness.crawler.stats
        assert stats.get_value("dataops/robots_forbidden") == 1
        assert harness.skipped == [
            {
                "url": "https://site.test/private/a",
                "referer": "https://site.test/",
                "reason": "robots",
                "depth": 2,
                "kind": "navigate",
                "anchor": "Members",
            }
        ]

    run(scenario)


def test_robots_fetched_once_and_profile_kept_per_netloc():
    async def scenario():
        harness = Harness(robots_response())
        for path in ("/a", "/b", "/private/c", "/d"):
            with contextlib.suppress(IgnoreRequest):
                await harness.verdict("https://site.test" + path)
        assert harness.robots_fetches == 1
        profile = harness.middleware.profile("site.test")
        assert profile.available and profile.status == 200
        assert profile.sitemaps == (
            "https://site.test/sitemap.xml",
            "https://site.test/news-sitemap.xml",
        )
        assert profile.crawl_delay == 2.0
        assert harness.middleware.profile("other.test") is None
        assert harness.parsed == [
            {
                "netloc": "site.test",
                "sitemaps": ["https://site.test/sitemap.xml", "https://site.test/news-sitemap.xml"],
                "crawl_delay": 2.0,
                "rules": ROBOTS.decode(),  # the source profile keeps the text as fetched
                "status": 200,
            }
        ]

    run(scenario)


def test_unreachable_robots_still_announced_without_sitemaps():
    async def scenario():
        harness = Harness(DNSLookupError("site.test"))
        await harness.verdict("https://site.test/")
        assert harness.parsed == [
            {
                "netloc": "site.test",
                "sitemaps": [],
                "crawl_delay": None,
                "rules": None,  # nothing fetched: the source profile keeps what it had
                "status": None,
            }
        ]
        assert harness.middleware.profile("site.test").available is False

    run(scenario)


def test_dont_obey_robotstxt_skips_the_check():
    async def scenario():
        harness = Harness(robots_response())
        assert (
            await harness.verdict("https://site.test/private/x", dont_obey_robotstxt=True) is None
        )
        assert harness.robots_fetches == 0

    run(scenario)


def test_crawl_delay_raises_existing_slot_delay_and_survives_autothrottle():
    async def scenario():
        harness = Harness(robots_response())
        slot = harness.downloader.slots["site.test"] = Slot(concurrency=8, delay=0.25, jitter=0.5)
        await harness.verdict("https://site.test/a")
        # Randomised gaps are delay * (1 ± jitter): the shortest must still be the crawl-delay.
        assert slot.delay * (1 - slot.jitter) >= 2.0
        # AutoThrottle lowers the delay after a fast response; the floor comes back.
        slot.delay = 0.1
        request = Request("https://site.test/a", meta={"download_slot": "site.test"})
        harness.crawler.signals.send_catch_log(
            signal=scrapy_signals.response_downloaded,
            response=TextResponse(request.url, body=b"ok"),
            request=request,
            spider=None,
        )
        assert slot.delay * (1 - slot.jitter) >= 2.0

    run(scenario)


def test_crawl_delay_applies_to_slot_created_later():
    async def scenario():
        harness = Harness(robots_response(), DOWNLOAD_DELAY_JITTER=0)
        await harness.verdict("https://site.test/a")
        assert "site.test" not in harness.downloader.slots
        # The downloader builds the slot from DOWNLOAD_SLOTS-style settings when it needs it.
        assert harness.downloader.per_slot_settings["site.test"]["delay"] == 2.0

    run(scenario)


def test_crawl_delay_for_our_user_agent():
    async def scenario():
        harness = Harness(robots_response(), ROBOTSTXT_USER_AGENT="FastBot")
        slot = harness.downloader.slots["site.test"] = Slot(concurrency=8, delay=0, jitter=0)
        await harness.verdict("https://site.test/a")
        assert harness.middleware.profile("site.test").crawl_delay == 0.5
        assert slot.delay == 0.5

    run(scenario)


def test_crawl_delay_is_capped_and_the_cap_logged(caplog):
    async def scenario():
        body = b"User-agent: *\nCrawl-delay: 3600\n"
        harness = Harness(robots_response(body), DATAOPS_ROBOTS_MAX_CRAWL_DELAY=10)
        slot = harness.downloader.slots["site.test"] = Slot(concurrency=8, delay=0, jitter=0)
        with caplog.at_level(logging.WARNING, logger="dataops_spiders.middlewares.robots"):
            await harness.verdict("https://site.test/a")
        assert slot.delay == 10
        profile = harness.middleware.profile("site.test")
        assert (profile.crawl_delay, profile.applied_delay) == (3600, 10)
        assert "capped at 10.0 s" in caplog.text

    run(scenario)


def test_crawl_delay_can_be_switched_off():
    async def scenario():
        harness = Harness(robots_response(), DATAOPS_ROBOTS_CRAWL_DELAY=False)
        slot = harness.downloader.slots["site.test"] = Slot(concurrency=8, delay=0.25, jitter=0)
        await harness.verdict("https://site.test/a")
        assert slot.delay == 0.25
        assert harness.middleware.profile("site.test").crawl_delay == 2.0  # still learned

    run(scenario)


def test_not_configured_without_robotstxt_obey():
    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": False})
    with pytest.raises(NotConfigured):
        build_from_crawler(RobotsMiddleware, crawler)


def test_spider_can_find_the_middleware_of_its_crawl():
    async def scenario():
        harness = Harness(robots_response())
        found = find_robots_middleware(harness.crawler)
        assert isinstance(found, RobotsMiddleware)
        # Scrapy's own middleware is replaced, not run a second time.
        names = [type(m).__name__ for m in harness.downloader.middleware.middlewares]
        assert "RobotsTxtMiddleware" not in names

    run(scenario)


def test_html_robots_error_page_does_not_declare_sitemaps():
    async def scenario():
        page = HtmlResponse(
            "https://site.test/robots.txt",
            status=404,
            body=b"<pre>\nSitemap: https://site.test/wrong.xml\n</pre>",
        )
        harness = Harness(page)
        await harness.verdict("https://site.test/")
        assert harness.middleware.profile("site.test").sitemaps == ()

    run(scenario)
