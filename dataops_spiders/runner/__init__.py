"""Scrapyd as the crawl runner: an HTTP client, a pool of nodes, the project egg, an embedded node.

Nothing here imports Scrapy or Twisted: the control API uses these modules and talks to Scrapyd
only over its JSON API.
"""

from dataops_spiders.runner.client import (
    ScrapydAuthError,
    ScrapydClient,
    ScrapydError,
    ScrapydUnavailable,
)

__all__ = ["ScrapydAuthError", "ScrapydClient", "ScrapydError", "ScrapydUnavailable"]
