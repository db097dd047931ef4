"""Retries that back off: Scrapy's RetryMiddleware, except that a 429 or 503 waits before the
retry goes out, for as long as the site's Retry-After asks (seconds or an HTTP date), or else
exponentially longer each time (DATAOPS_RETRY_BACKOFF_BASE × 2^attempt, at most
DATAOPS_RETRY_BACKOFF_MAX). A Retry-After longer than DATAOPS_RETRY_AFTER_MAX is not waited
for: the page is given up and the reason logged.

Replaces scrapy.downloadermiddlewares.retry.RetryMiddleware at the same place (550).

Stats: dataops/retry_backoff/count, dataops/retry_backoff/seconds, dataops/retry_after_too_long.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.task import deferLater

logger = logging.getLogger(__name__)

BACKOFF_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for; None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("DATAOPS_RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("DATAOPS_RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("DATAOPS_RETRY_AFTER_MAX", 120.0)

    def delay_for(self, request, response) -> float | None:
        """How long to wait before retrying; None: do not retry (Retry-After too long)."""
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None:
            if asked > self.retry_after_max:
                return None
            return asked
        attempt = request.meta.get("retry_times", 0)
        return min(self.backoff_base * 2**attempt, self.backoff_max)

    async def process_response(self, request, response, spider=None):
        if response.status not in BACKOFF_STATUSES or request.meta.get("dont_retry", False):
            return super().process_response(request, response)
        if response.status not in self.retry_http_codes:
            return response
        delay = self.delay_for(request, response)
        stats = self.crawler.stats
        if delay is None:
            stats.inc_value("dataops/retry_after_too_long")
            logger.warning(
                "Giving up %s: its %d asks to retry after %s s (DATAOPS_RETRY_AFTER_MAX is %g)",
                request.url,
                response.status,
                response.headers.get(b"Retry-After", b"").decode("latin-1"),
                self.retry_after_max,
            )
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response  # out of retries: RetryMiddleware logged it
        if delay > 0:
            from twisted.internet import reactor  # the one the crawler installed

            stats.inc_value("dataops/retry_backoff/count")
            stats.inc_value("dataops/retry_backoff/seconds", delay)
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
        return retry
