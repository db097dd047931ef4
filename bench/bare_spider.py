"""Baseline of bench/crawl_throughput.py: plain Scrapy following every link, extracting nothing."""

import json
import time
from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse
from scrapy.linkextractors import LinkExtractor


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start_url: str, stats_file: str, **kwargs):
        super().__init__(**kwargs)
        self.start_url = start_url
        self.stats_file = stats_file
        self.allowed_domains = [urlsplit(start_url).hostname]
        # the calendar is an endless trap; depth-bounded in the intent crawl, skipped here
        self.links = LinkExtractor(deny=r"/calendar/")  # offsite: Scrapy filters by host

    async def start(self):
        self.started = time.monotonic()
        yield scrapy.Request(self.start_url)

    def parse(self, response):
        if not isinstance(response, TextResponse):
            return
        for link in self.links.extract_links(response):
            yield scrapy.Request(link.url)

    def closed(self, reason):
        stats = self.crawler.stats.get_stats()
        with open(self.stats_file, "w") as out:
            json.dump(
                {
                    "pages": stats.get("response_received_count", 0),
                    "elapsed": time.monotonic() - self.started,
                },
                out,
            )
