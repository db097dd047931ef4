"""The one item the spider yields: a fetched page. The pipelines add cleaned text and records."""

from __future__ import annotations

import scrapy


class PageItem(scrapy.Item):
    # set by the spider
    url = scrapy.Field()
    status = scrapy.Field()
    headers = scrapy.Field()  # dict of str -> str (first value of each header)
    body = scrapy.Field()  # raw bytes; the cleaning layer decodes it and drops it
    encoding = scrapy.Field()  # the encoding Scrapy decoded the response with, if any
    depth = scrapy.Field()
    referer = scrapy.Field()
    fetched_via = scrapy.Field()  # "static" or "browser"
    fetched_at = scrapy.Field()  # ISO 8601, UTC
    timings = scrapy.Field()  # {"download_latency": seconds}
    page_kind = scrapy.Field()  # "item" | "listing" | "other"
    page_kind_reason = scrapy.Field()
    # set by the cleaning layer
    html = scrapy.Field()
    cleaned_html = scrapy.Field()
    main_text = scrapy.Field()
    # set by the extraction layer, scored by the confidence layer
    records = scrapy.Field()
