"""Signals of our own, sent through the crawler's SignalManager like Scrapy's.

url_skipped(url, referer, reason, depth, kind, anchor): a URL was found but will not be fetched.
    When the spider decides not to follow a link (offsite, deny pattern, max depth, max pages,
    trap) it sends ``crawler.signals.send_catch_log(signal=signals.url_skipped, url=...,
    referer=..., reason=..., depth=..., kind=..., anchor=...)``; ``reason`` is a short word such as
    "offsite", "deny", "depth", "max_pages", "trap"; ``kind`` and ``anchor`` are those of the
    link (see the spider's ``request.meta["dataops_link"]``), ``referer`` the page it was found
    on (None for a start URL). The robots middleware sends it with reason "robots" for every
    request robots.txt forbids. The crawl graph records each one.

page_failed(request, failure): the spider's errback received ``failure`` for ``request``
    (download error, timeout, HTTP error status). The crawl graph stores it as the node's error.

robots_parsed(netloc, sitemaps, crawl_delay): the robots middleware resolved robots.txt for
    ``netloc`` ("host" or "host:port"). ``sitemaps`` is the list of absolute sitemap URLs it
    declares (empty when robots.txt was missing or unreachable), ``crawl_delay`` the Crawl-delay
    in seconds for our user agent as robots.txt states it, or None. Sent once per netloc, so the
    spider can discover sitemaps without fetching robots.txt a second time.
"""

url_skipped = object()
page_failed = object()
robots_parsed = object()
