"""Static HTTP or the browser, decided when a page is about to be downloaded.

The intent spider marks each page request with ``meta["dataops_fetch"]``: "plan" (let the
crawl's fetch plan decide), "browser" (a JavaScript shell to render again) or "static" (the
browser failed; fetch it plainly). Deciding here rather than when the request is made means
that once `auto` learns a section needs the browser, the section's pages already waiting in
the scheduler go straight to it instead of being fetched statically first; and scheduled
requests carry a plain string, which a disk queue (JOBDIR) can store.

A browser page holds its download slot for the whole render (a second or so, nearly all of it
Chromium's work, not the site's), so browser pages get a slot of their own per site, and the
site's static pages are not kept waiting behind them. That slot keeps the site's pace: its
delay follows the site's slot (AutoThrottle adapts that one), so the site sees at most twice
the concurrency AutoThrottle aims at while both kinds of page are fetched. Where a pace is
imposed (robots.txt Crawl-delay, DOWNLOAD_DELAY or the template's download_delay) browser pages
share the site's slot instead, so the site as a whole gets no more than the pace allows.

Requests without the mark (robots.txt, sitemaps, other spiders') are left alone, and so are
requests already decided (retries and redirects keep their choice).
"""

from __future__ import annotations

from scrapy.utils.httpobj import urlparse_cached

from dataops_spiders.fetching.plan import CHOICE_META, VIA_META
from dataops_spiders.middlewares.robots import RobotsMiddleware

BROWSER_SLOT = "{} (browser)"


class FetchRoutingMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.download_delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        self._robots: RobotsMiddleware | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        choice = request.meta.get(CHOICE_META)
        plan = getattr(self.crawler.spider, "fetch_plan", None)
        if choice is None or plan is None or VIA_META in request.meta:
            return None
        request.meta.update(plan.meta_for(request.url, choice))
        if request.meta.get("playwright") and "download_slot" not in request.meta:
            self._use_browser_slot(request)
        return None

    def _use_browser_slot(self, request) -> None:
        if self._paced(request):
            return
        downloader = self.crawler.engine.downloader
        site_key = downloader.get_slot_key(request)
        key = BROWSER_SLOT.format(site_key)
        request.meta["download_slot"] = key
        site_slot, slot = downloader.slots.get(site_key), downloader.slots.get(key)
        if site_slot is not None and slot is not None:
            slot.delay = site_slot.delay

    def _paced(self, request) -> bool:
        if self.download_delay > 0:  # the template's download_delay is set by now too
            return True
        robots = self._robots_middleware()
        profile = robots.profile(urlparse_cached(request).netloc) if robots else None
        return bool(profile is not None and profile.applied_delay)

    def _robots_middleware(self) -> RobotsMiddleware | None:
        if self._robots is None:
            middlewares = self.crawler.engine.downloader.middleware.middlewares
            self._robots = next((m for m in middlewares if isinstance(m, RobotsMiddleware)), None)
        return self._robots
