"""Signals of our own, sent through the crawler's SignalManager like Scrapy's.

url_skipped(url, referer, reason, depth): the spider or a middleware decided not to fetch a URL
(robots, offsite, depth, page limit, deny pattern, trap...). The crawl graph records each one.
"""

url_skipped = object()
