"""Signals of our own, sent through the crawler's SignalManager like Scrapy's.

url_skipped(url, referer, reason, depth, kind, anchor): a URL was found but will not be fetched.
    When the spider decides not to follow a link (offsite, deny pattern, max depth, max pages,
    trap) it sends ``crawler.signals.send_catch_log(signal=signals.url_skipped, url=...,
    referer=..., reason=..., depth=..., kind=..., anchor=...)``; ``reason`` is a short word such as
    "offsite", "deny", "depth", "max_pages", "trap"; ``kind`` and ``anchor`` are those of the
    link (see the spider's ``request.meta["dataops_link"]``), ``referer`` the page it was found
    on (None for a start URL). The robots middleware sends it with reason "robots" for every
    request robots.txt forbids, and the SSRF guard with reason "ssrf" (and ``detail=``, why the
    address was refused) for every request it refuses. The crawl graph records each one.
    Receivers take only the arguments they name: ``detail`` (optional) is never required.

page_failed(request, failure): the spider's errback received ``failure`` for ``request``
    (download error, timeout, HTTP error status). The crawl graph stores it as the node's error.

robots_parsed(netloc, sitemaps, crawl_delay, rules, status): the robots middleware resolved
    robots.txt for ``netloc`` ("host" or "host:port"). ``sitemaps`` is the list of absolute
    sitemap URLs it declares (empty when robots.txt was missing or unreachable), ``crawl_delay``
    the Crawl-delay in seconds for our user agent as robots.txt states it, or None. ``rules`` is
    the robots.txt text as fetched (at most ROBOTS_TEXT_LIMIT characters; "" when it answered
    4xx/5xx, None when it could not be fetched) and ``status`` its HTTP status (None: not
    fetched). Sent once per netloc, so the spider can discover sitemaps without fetching
    robots.txt a second time, and the store can keep the rules in the source profile.

browser_needed(site, section): the spider found a page of ``site`` ("host" or "host:port") in
    ``section`` (its first path segment, "/app") that only a browser can render (auto fetch
    strategy), and sends the section's later pages to the browser. The versioning pipeline
    records it in the site's source profile, so the next crawl goes straight to the browser
    there.
"""

ROBOTS_TEXT_LIMIT = 64 * 1024  # characters of robots.txt kept (Google reads 500 KiB; rules fit)

url_skipped = object()
page_failed = object()
robots_parsed = object()
browser_needed = object()
