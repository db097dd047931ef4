"""IntentSpider: the one generic spider. A template says what to crawl; pipelines do the rest.

    scrapy crawl intent -a template=generic_product -a start_urls=https://shop.example/
    scrapy crawl intent -a template=templates/shop.yml -a max_pages=200 -a strategy=navigation

Arguments: template (path or name, required), start_urls (comma-separated), urls_file (one URL per
line), max_pages, max_depth, strategy (full | navigation | pagination_only | direct_item),
run_dir (where records, graph and summary go; default runs/<template>/<UTC time>), dataset
(the dataset this run versions; default: the template name), template_version (a template
stored through the control API: which version; default its latest), task (the control API's
task this crawl runs: the TaskProgress extension reports to it), fetch (static | browser | auto;
default the template's fetch.strategy).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap
from w3lib.url import canonicalize_url

from dataops_spiders import signals
from dataops_spiders.fetching.browser import BrowserUnavailable, browser_settings, find_executable
from dataops_spiders.fetching.plan import CHOICE_META, VIA_META, FetchPlan, section_of, site_of
from dataops_spiders.fetching.traps import query_growth, trap_reason
from dataops_spiders.items import PageItem
from dataops_spiders.links import (
    PAGE_NUMBER_URL,
    Link,
    discover_links,
    normalize_url,
    roles_to_follow,
)
from dataops_spiders.spiders.arguments import parse_arguments

HTML_TYPES = (b"text/html", b"application/xhtml+xml")
MAX_SITEMAP_DEPTH = 3
MAX_QUERY_GROWTH = 3  # links in a row that each add query parameters: facets without end


class IntentSpider(scrapy.Spider):
    name = "intent"

    def __init__(
        self,
        template: str | None = None,
        start_urls: str | None = None,
        urls_file: str | None = None,
        max_pages=None,
        max_depth=None,
        strategy: str | None = None,
        run_dir: str | None = None,
        dataset: str | None = None,
        task=None,
        template_version=None,
        fetch: str | None = None,
        *args,
        store_url: str | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        arguments = parse_arguments(
            template,
            start_urls,
            urls_file,
            max_pages,
            max_depth,
            strategy,
            run_dir,
            dataset,
            task=task,
            template_version=template_version,
            store_url=store_url,
            fetch=fetch,
        )
        self.template = arguments.template
        self.template_version = arguments.template_version
        self.task_id = arguments.task
        self.start_urls = arguments.start_urls
        self.strategy = arguments.strategy
        self.max_pages = arguments.max_pages
        self.max_depth = arguments.max_depth
        self.run_dir = arguments.run_dir
        self.dataset = arguments.dataset
        crawl = self.template.crawl
        # Host names only: Scrapy's offsite filter compares hosts without their port.
        self.allowed_domains = [d.lower() for d in self.template.allowed_domains] or sorted(
            {urlsplit(u).hostname for u in self.start_urls if urlsplit(u).hostname}
        )
        self._allow = [re.compile(p) for p in crawl.allow]
        self._deny = [re.compile(p) for p in crawl.deny]
        self._scheduled: set[str] = set()
        self._per_site: dict[
            str, int
        ] = {}  # pages scheduled per site (DATAOPS_MAX_PAGES_PER_DOMAIN)
        self.fetch_plan = FetchPlan(arguments.fetch, self.template.fetch, self.template.intent)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        # Stored templates are read from the store this crawl writes to.
        kwargs["store_url"] = crawler.settings.get("DATAOPS_DATABASE_URL") or None
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Settings stay writable until from_crawler returns: give this run's choices to the
        # components built after it (feeds, crawl graph, run summary, task progress).
        settings = crawler.settings
        settings.set("DATAOPS_RUN_DIR", spider.run_dir, priority="spider")
        if spider.task_id is not None:
            settings.set("DATAOPS_TASK", spider.task_id, priority="spider")
        # Depth is ours to count (pagination does not make a page deeper): Scrapy's would cut
        # page 7 of a long category listing.
        settings.set("DEPTH_LIMIT", 0, priority="spider")
        if spider.template.crawl.sitemaps and spider.strategy != "direct_item":
            crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        spider._configure_fetching(settings)
        return spider

    def _configure_fetching(self, settings) -> None:
        """The template's politeness limits, and the browser when the fetch strategy may need
        it (a static crawl never loads Playwright)."""
        fetch = self.template.fetch
        if fetch.download_delay is not None:
            settings.set("DOWNLOAD_DELAY", fetch.download_delay, priority="spider")
        if fetch.concurrency_per_domain is not None:
            settings.set(
                "CONCURRENT_REQUESTS_PER_DOMAIN", fetch.concurrency_per_domain, priority="spider"
            )
        self._max_per_site = settings.getint("DATAOPS_MAX_PAGES_PER_DOMAIN") or None
        self._trap_detection = settings.getbool("DATAOPS_TRAP_DETECTION", True)
        if self.fetch_plan.strategy == "static":
            return
        try:
            executable = find_executable(settings.get("DATAOPS_BROWSER_EXECUTABLE"))
        except BrowserUnavailable as exc:
            self.fetch_plan.give_up_browser(str(exc))
            # auto only needs the browser for some pages: a warning; browser asked for it.
            log = self.logger.warning if self.fetch_plan.strategy == "auto" else self.logger.error
            log("%s. Crawling with static HTTP only.", exc)
            return
        browser = browser_settings(
            executable,
            navigation_timeout=fetch.page_timeout,
            block=fetch.block,
            pages=settings.getint("DATAOPS_BROWSER_PAGES", 8),
        )
        settings.setdict(browser, priority="spider")

    def is_allowed_host(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    # ------------------------------------------------------------------ start

    async def start(self):
        if self.fetch_plan.strategy == "auto" and self.fetch_plan.uses_browser:
            for site, sections in self._known_browser_sections().items():
                self.fetch_plan.known(site, sections)
        for url in self.start_urls:
            request = self._request(normalize_url(url), "start", "", None, depth=0)
            if request is not None:
                if self.strategy == "direct_item":
                    # The page itself is wanted, wherever it redirects (example.com to
                    # www.example.com); redirects copy the meta, links are not followed.
                    request.meta["allow_offsite"] = True
                yield request

    def _known_browser_sections(self) -> dict[str, list[str]]:
        """Sections of the start URLs' sites that earlier crawls rendered in the browser."""
        if not self.settings.getbool("DATAOPS_STORE", True):
            return {}
        from sqlalchemy.orm import Session

        from dataops_spiders.store.config import database_url
        from dataops_spiders.store.db import make_engine
        from dataops_spiders.store.sources import browser_sections

        sites = sorted({site_of(url) for url in self.start_urls})
        engine = make_engine(self.settings.get("DATAOPS_DATABASE_URL") or database_url())
        try:
            with Session(engine) as session:
                known = browser_sections(session, sites)
        except Exception as exc:  # the versioning pipeline reports a store that is down
            self.logger.debug("Source profiles not read: %s", exc)
            return {}
        finally:
            engine.dispose()
        for site, sections in known.items():
            self.logger.info("Known to need the browser: %s %s", site, ", ".join(sections))
        return known

    # ------------------------------------------------------------------ pages

    def parse(self, response):
        arrived_as = response.meta.get("dataops_link", {}).get("kind", "start")
        if not isinstance(response, TextResponse) or not self._is_html(response):
            self.crawler.stats.inc_value("dataops/non_html_skipped")
            self.logger.info(
                "Not HTML, nothing to extract: %s (%s)",
                response.url,
                response.headers.get("Content-Type", b"?").decode("latin-1"),
            )
            return
        verdict = self.fetch_plan.needs_rerender(response)
        if verdict is not None:
            yield self._rerender(response, verdict.reason)
            return
        self.crawler.stats.inc_value(f"dataops/fetch/{response.meta.get(VIA_META, 'static')}")
        yield self._page_item(response, arrived_as)
        roles = roles_to_follow(self.strategy, arrived_as)
        if not roles:
            return
        for link in discover_links(response, self.template):
            if link.role in roles:
                request = self._follow(response, link)
                if request is not None:
                    yield request

    def _rerender(self, response, reason: str) -> scrapy.Request:
        """The same page again, through the browser; its site goes to the browser from now on."""
        self.crawler.stats.inc_value("dataops/fetch/rerendered")
        if self.fetch_plan.learn(response.url):
            site, section = site_of(response.url), section_of(response.url)
            self.logger.info(
                "%s looks rendered by JavaScript (%s): fetching it, and %s%s from now on, in "
                "the browser",
                response.url,
                reason,
                site,
                section,
            )
            self.crawler.signals.send_catch_log(
                signal=signals.browser_needed, site=site, section=section
            )
        return scrapy.Request(
            response.url,
            callback=self.parse,
            errback=self.on_error,
            meta=_refetch_meta(response.meta, "browser"),
            dont_filter=True,  # the same URL again, on purpose
            priority=1,
        )

    def _page_item(self, response, arrived_as: str) -> PageItem:
        return PageItem(
            url=response.url,
            status=response.status,
            headers={
                k.decode("latin-1"): v[0].decode("latin-1")
                for k, v in response.headers.items()
                if v
            },
            body=response.body,
            encoding=None,  # the cleaning layer detects it (header, meta, BOM, content)
            depth=response.meta.get("dataops_depth", 0),
            referer=response.meta.get("dataops_link", {}).get("from"),
            fetched_via=response.meta.get(VIA_META, "static"),
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            timings={"download_latency": response.meta.get("download_latency")},
            page_kind=self._known_kind(response.url, arrived_as),
        )

    def _known_kind(self, url: str, arrived_as: str) -> str | None:
        """The page's kind when the template or the strategy already says; None: classify it."""
        kind = self.template.crawl.kind_of_url(url)
        if kind is not None:
            return kind
        if self.strategy == "direct_item" and arrived_as == "start":
            return "item"
        return None

    @staticmethod
    def _is_html(response) -> bool:
        content_type = response.headers.get("Content-Type", b"text/html").lower()
        return any(t in content_type for t in HTML_TYPES)

    # ------------------------------------------------------------------ following

    def _follow(self, response, link: Link):
        depth = response.meta.get("dataops_depth", 0)
        chain = response.meta.get("dataops_pagination", 0)
        # Pagination is free of depth only when the URL says it is a page number: a "next
        # month" link of an endless calendar is pagination-like but must stay bounded by depth.
        if link.role == "pagination" and PAGE_NUMBER_URL.search(link.url):
            chain += 1
            limit = self.template.crawl.max_pagination
            if limit is not None and chain > limit:
                self._skip(link.url, response.url, "max_pagination", depth, link.role, link.anchor)
                return None
        else:
            depth, chain = depth + 1, 0
        growth = response.meta.get("dataops_query_growth", 0)
        growth = growth + 1 if query_growth(response.url, link.url) else 0
        if self._trap_detection and growth > MAX_QUERY_GROWTH:
            detail = f"trap: query grew along {growth} links"
            self._skip(link.url, response.url, "trap", depth, link.role, link.anchor, detail)
            return None
        request = self._request(link.url, link.role, link.anchor, response.url, depth, chain)
        if request is not None:
            request.meta["dataops_query_growth"] = growth
        return request

    def _skip(
        self,
        url: str,
        referer: str | None,
        reason: str,
        depth: int,
        kind: str,
        anchor: str,
        detail: str | None = None,
    ):
        """Record a URL not taken: counted by ``reason``, in the graph with ``detail`` if any."""
        self.crawler.stats.inc_value(f"dataops/skipped/{reason}")
        self.crawler.signals.send_catch_log(
            signal=signals.url_skipped,
            url=url,
            referer=referer,
            reason=detail or reason,
            depth=depth,
            kind=kind,
            anchor=anchor,
        )

    def _request(
        self, url: str, kind: str, anchor: str, referer: str | None, depth: int, chain: int = 0
    ):
        if self.allowed_domains and not self.is_allowed_host(url):
            self._skip(url, referer, "offsite", depth, kind, anchor)
            return None
        if kind != "start":
            if self._deny and any(p.search(url) for p in self._deny):
                self._skip(url, referer, "denied_by_pattern", depth, kind, anchor)
                return None
            if self._allow and not any(p.search(url) for p in self._allow):
                self._skip(url, referer, "not_allowed_by_pattern", depth, kind, anchor)
                return None
            if self.max_depth is not None and depth > self.max_depth:
                self._skip(url, referer, "max_depth", depth, kind, anchor)
                return None
            trap = trap_reason(url) if self._trap_detection else None
            if trap is not None:
                self._skip(url, referer, "trap", depth, kind, anchor, trap)
                return None
        fingerprint = canonicalize_url(url)
        if fingerprint not in self._scheduled:
            if self.max_pages is not None and len(self._scheduled) >= self.max_pages:
                self._skip(url, referer, "max_pages", depth, kind, anchor)
                return None
            site = site_of(url)
            if self._max_per_site is not None and self._per_site.get(site, 0) >= self._max_per_site:
                self._skip(url, referer, "max_pages_per_domain", depth, kind, anchor)
                return None
            self._per_site[site] = self._per_site.get(site, 0) + 1
            self._scheduled.add(fingerprint)
        # Already scheduled URLs still go to the scheduler: its dupefilter drops them, and the
        # crawl graph records the edge from this page.
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            meta={
                "dataops_link": {"kind": kind, "anchor": anchor, "from": referer},
                "dataops_depth": depth,
                "dataops_pagination": chain,
                CHOICE_META: "plan",  # static or browser: decided when it is downloaded
            },
            # pagination first keeps the frontier small: listings before the items they list
            priority=1 if kind == "pagination" else 0,
        )

    # ------------------------------------------------------------------ sitemaps

    def robots_parsed(self, netloc: str, sitemaps: list[str], crawl_delay):
        """The robots middleware read a host's robots.txt: crawl the sitemaps it lists."""
        for url in sitemaps:
            if not self.is_allowed_host(url):
                continue
            self.crawler.engine.crawl(
                scrapy.Request(
                    url,
                    callback=self.parse_sitemap,
                    errback=self.on_error,
                    priority=5,
                    meta={
                        "dataops_link": {
                            "kind": "sitemap",
                            "anchor": "",
                            "from": f"http://{netloc}/robots.txt",
                        },
                        "sitemap_depth": 0,
                    },
                )
            )

    def parse_sitemap(self, response):
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception as exc:  # corrupt or too large: say so, crawl the rest
                self.logger.warning("Unreadable sitemap %s: %s", response.url, exc)
                return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # lxml raises XMLSyntaxError and friends on broken sitemaps
            self.logger.warning("Unreadable sitemap %s: %s", response.url, exc)
            return
        depth = response.meta.get("sitemap_depth", 0)
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                if depth < MAX_SITEMAP_DEPTH:
                    yield scrapy.Request(
                        loc,
                        callback=self.parse_sitemap,
                        errback=self.on_error,
                        meta={
                            "dataops_link": {"kind": "sitemap", "anchor": "", "from": response.url},
                            "sitemap_depth": depth + 1,
                        },
                    )
                continue
            self.crawler.stats.inc_value("dataops/sitemap_urls")
            request = self._request(normalize_url(loc), "sitemap", "", response.url, depth=1)
            if request is not None:
                yield request

    # ------------------------------------------------------------------ failures

    def on_error(self, failure):
        request = failure.request
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            # Robots, SSRF and offsite skips are recorded by those who refused; the graph keeps
            # their reason. Anything else ignored (a response over DOWNLOAD_MAXSIZE once
            # inflated, say) is recorded as this failure.
            self.crawler.stats.inc_value("dataops/pages_ignored")
            self.crawler.signals.send_catch_log(
                signal=signals.page_failed, request=request, failure=failure
            )
            return
        if request.meta.get(VIA_META) == "browser" and _browser_launch_failed(failure):
            yield from self._browser_failed(request, failure)
            return
        self.crawler.stats.inc_value("dataops/pages_failed")
        self.logger.warning("Could not fetch %s: %s", request.url, failure.getErrorMessage())
        self.crawler.signals.send_catch_log(
            signal=signals.page_failed, request=request, failure=failure
        )

    def _browser_failed(self, request, failure):
        """Chromium would not start or died: say so once, naming the setting, and go on with
        static HTTP (this page included)."""
        if self.fetch_plan.give_up_browser(failure.getErrorMessage()):
            self.crawler.stats.set_value("dataops/fetch/browser_failed", 1)
            self.logger.error(
                "The browser failed (%s). Check DATAOPS_BROWSER_EXECUTABLE=%s. Crawling with "
                "static HTTP only.",
                failure.getErrorMessage().splitlines()[0][:300],
                self.settings.get("DATAOPS_BROWSER_EXECUTABLE") or "(found on PATH)",
            )
        yield scrapy.Request(
            request.url,
            callback=self.parse,
            errback=self.on_error,
            meta=_refetch_meta(request.meta, "static"),
            dont_filter=True,
        )


def _refetch_meta(meta: dict, choice: str) -> dict:
    """The meta of a page fetched again, ``choice`` ("browser" or "static") this time: its
    crawl context (link, depth, offsite permission) without the first fetch's own keys."""
    kept = {k: v for k, v in meta.items() if k.startswith(("dataops_", "allow_"))}
    kept.pop(VIA_META, None)
    return {**kept, CHOICE_META: choice}


def _browser_launch_failed(failure) -> bool:
    """Playwright could not launch or lost Chromium (not: the page itself failed)."""
    message = failure.getErrorMessage()
    return any(
        marker in message
        for marker in (
            "Failed to launch",
            "Browser closed",
            "browser has been closed",
            "Target page, context or browser has been closed",
            "Executable doesn't exist",
        )
    )
