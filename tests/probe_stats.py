"""Extension for tests/probe.py: writes the crawl's final stats to DATAOPS_PROBE_STATS."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import signals


class DumpStats:
    def __init__(self, crawler):
        self.crawler = crawler
        self.path = crawler.settings.get("DATAOPS_PROBE_STATS")

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason):
        Path(self.path).write_text(json.dumps(self.crawler.stats.get_stats(), default=str))
