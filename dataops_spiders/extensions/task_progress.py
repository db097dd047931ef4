"""A crawl run as a control-API task (``-a task=ID``) reports to its row in the store.

At spider open: status running, started_at, heartbeat_at and run_id (the store's run, when the
versioning pipeline is on). Every DATAOPS_PROGRESS_INTERVAL seconds: progress {pages, records,
errors, bytes, robots_skipped, pages_per_minute, at} and heartbeat_at, written from a thread so a
slow database never stalls the downloads. At the end (engine_stopped, after the pipeline's
commit): the final stats, the dataset version it produced, finished_at and the status:

- finished: the crawl ran out of work (or stopped at a CLOSESPIDER_* limit) and, when the store
  is on, its version was committed;
- cancelled: it was stopped (reason "shutdown" or "cancelled") and the task asks for a cancel;
- failed: anything else, with the reason in ``reason``.

A task whose row says cancel_requested is closed by this extension with reason "cancelled" at
the next progress write, so a cancel works even when Scrapyd's own signal is lost.

Scrape tasks (kind "scrape", one page) also get ``result``: {"url", "final_url", "status" (HTTP),
"records": [compact records: per field value, confidence, valid, reasons]}; a page that could not
be fetched (HTTP error, DNS, refused by robots.txt or the SSRF guard) fails the task and the
result says what happened ({"url", "status", "error", "records": []}).

A task id the store does not know: one ERROR, and the crawl runs without reporting (its records
still reach the store). The store unreachable: one WARNING, the crawl goes on, and the API's
dispatcher finds the task by its silence.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals as scrapy_signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet import task, threads
from twisted.python.failure import Failure

from dataops_spiders import signals
from dataops_spiders.store.config import database_url, mask_url
from dataops_spiders.store.db import describe_error, make_engine
from dataops_spiders.store.errors import StoreError
from dataops_spiders.store.models import (
    SCRAPE_TASK,
    TASK_CANCELLED,
    TASK_FAILED,
    TASK_FINISHED,
)
from dataops_spiders.store.tasks import TaskState, finish_task, start_task, write_progress

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

CANCEL_REASON = "cancelled"
# Reasons after which a crawl is complete: it ran out of work, or stopped at a limit the user
# set (the versioning pipeline commits after the same ones).
FINISH_REASONS = frozenset(
    {"finished", "closespider_timeout", "closespider_itemcount", "closespider_pagecount"}
)
STOP_REASONS = frozenset({"shutdown", CANCEL_REASON})
ERROR_MAX_CHARS = 500


def progress_of(stats: dict[str, Any], previous: dict[str, Any] | None, now: datetime) -> dict:
    """The task's progress from the crawl's stats; the rate is over the last interval."""
    # Pages of the crawl: every response but robots.txt.
    pages = stats.get("response_received_count", 0) - stats.get("robotstxt/response_count", 0)
    records = stats.get("dataops/records", stats.get("item_scraped_count", 0))
    errors = stats.get("log_count/ERROR", 0) + stats.get("dataops/pages_failed", 0)
    rate = 0.0
    since = (previous or {}).get("at") or stats.get("start_time")
    if isinstance(since, str):
        since = datetime.fromisoformat(since)
    if isinstance(since, datetime):
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        seconds = (now - since).total_seconds()
        done = pages - (previous or {}).get("pages", 0)
        rate = round(done * 60 / seconds, 1) if seconds > 0 else 0.0
    return {
        "pages": pages,
        "records": records,
        "errors": errors,
        "bytes": stats.get("downloader/response_bytes", 0),
        "robots_skipped": stats.get("dataops/robots_forbidden", 0),
        "pages_per_minute": rate,
        "at": now.isoformat(timespec="seconds"),
    }


def scrape_view(record: dict[str, Any]) -> dict[str, Any]:
    """A record as a scrape result shows it: per field its value, confidence, validity and the
    reasons behind the score (no alternatives or extractor sources)."""
    fields = {}
    for name, field in (record.get("fields") or {}).items():
        if isinstance(field, dict):
            fields[name] = {
                "value": field.get("value"),
                "confidence": field.get("confidence"),
                "valid": field.get("valid"),
                "reasons": list(field.get("reasons") or []),
            }
        else:
            fields[name] = {"value": field, "confidence": None, "valid": None, "reasons": []}
    return {
        "record_key": record.get("record_key"),
        "source_url": record.get("source_url"),
        "page_kind": record.get("page_kind"),
        "record_confidence": record.get("record_confidence"),
        "low_confidence_fields": list(record.get("low_confidence_fields") or []),
        "fields": fields,
    }


def crawl_outcome(
    reason: str, cancel_requested: bool, store_on: bool, version: int | None, state: str | None
) -> tuple[str, str | None]:
    """(status, reason) of a crawl task that ended with Scrapy's ``reason``."""
    if reason in STOP_REASONS and cancel_requested:
        return TASK_CANCELLED, "cancelled on request"
    if reason not in FINISH_REASONS:
        return TASK_FAILED, reason
    if store_on and state != "committed":
        return TASK_FAILED, (
            f"the crawl ended ({reason}) but dataset version {version} was not committed "
            f"({state or 'never opened'}): see the crawl's log"
        )
    return TASK_FINISHED, None


class ScrapeResult:
    """What became of the one page of a scrape task."""

    def __init__(self, url: str):
        self.url = url
        self.final_url: str | None = None
        self.status: int | None = None
        self.error: str | None = None
        self.records: list[dict[str, Any]] = []

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "records": self.records,
        }
        if self.error is not None:
            result["error"] = self.error
        return result

    def outcome(self, reason: str, cancel_requested: bool) -> tuple[str, str | None]:
        if reason in STOP_REASONS and cancel_requested:
            return TASK_CANCELLED, "cancelled on request"
        if self.error is not None:
            return TASK_FAILED, self.error
        if reason not in FINISH_REASONS:
            return TASK_FAILED, reason
        if self.status is None:
            return TASK_FAILED, f"{self.url} was not fetched"
        return TASK_FINISHED, None


class TaskProgress:
    def __init__(self, crawler: Crawler, task_id: int, url: str, interval: float):
        self.crawler = crawler
        self.task_id = task_id
        self.url = url
        self.interval = interval
        self.engine = make_engine(url)
        self.store_on = crawler.settings.getbool("DATAOPS_STORE", True)
        self.state: TaskState | None = None
        self.progress: dict[str, Any] | None = None
        self.reason: str | None = None
        self.scrape: ScrapeResult | None = None
        self._loop: task.LoopingCall | None = None
        self._writing = False
        self._warned = False
        self._cancelling = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TaskProgress:
        settings = crawler.settings
        task_id = settings.get("DATAOPS_TASK")
        if task_id in (None, ""):
            raise NotConfigured("no task (-a task=ID)")
        interval = settings.getfloat("DATAOPS_PROGRESS_INTERVAL", 5.0)
        if interval <= 0:
            raise NotConfigured(f"DATAOPS_PROGRESS_INTERVAL must be positive, got {interval}")
        url = settings.get("DATAOPS_DATABASE_URL") or database_url()
        extension = cls(crawler, int(task_id), url, interval)
        connect = crawler.signals.connect
        connect(extension.spider_opened, signal=scrapy_signals.spider_opened)
        connect(extension.spider_closed, signal=scrapy_signals.spider_closed)
        connect(extension.engine_stopped, signal=scrapy_signals.engine_stopped)
        connect(extension.response_received, signal=scrapy_signals.response_received)
        connect(extension.item_scraped, signal=scrapy_signals.item_scraped)
        connect(extension.page_failed, signal=signals.page_failed)
        connect(extension.url_skipped, signal=signals.url_skipped)
        return extension

    # ------------------------------------------------------------------ open

    async def spider_opened(self, spider) -> None:
        # Scrapy awaits this: the crawl starts once the task says running.
        run_id = self.crawler.stats.get_value("dataops/store_run")
        started = threads.deferToThread(start_task, self.engine, self.task_id, run_id)
        try:
            state = await maybe_deferred_to_future(started)
        except (SQLAlchemyError, StoreError) as exc:
            # The store is down: crawl anyway, and try again at every interval.
            self._store_failed(Failure(exc))
            self._start_loop()
            return
        self._started(state)

    def _start_loop(self) -> None:
        if self._loop is None:
            logger.info("Reporting to task %d every %g s", self.task_id, self.interval)
            self._loop = task.LoopingCall(self._tick)
            self._loop.start(self.interval, now=False)

    def _started(self, state: TaskState | None) -> None:
        if state is None:
            logger.error(
                "Task %d is not in the store at %s: crawling without reporting progress",
                self.task_id,
                mask_url(self.url),
            )
            self._stop_loop()
            return
        self.state = state
        if state.kind == SCRAPE_TASK:
            start_urls = list(getattr(self.crawler.spider, "start_urls", []) or [])
            self.scrape = ScrapeResult(start_urls[0] if start_urls else "")
        if state.cancel_requested:
            from twisted.internet import reactor  # the running one (installed by Scrapy)

            # Once the engine has started: a spider closed while it opens never stops cleanly.
            reactor.callLater(0, self._cancel)
            return
        if state.ended:
            logger.warning(
                "Task %d already ended (%s): its row is left as it is", self.task_id, state.status
            )
            self._stop_loop()
            return
        self._start_loop()

    def _stop_loop(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()

    # ------------------------------------------------------------------ while it runs

    def _tick(self) -> None:
        if self._writing:
            return  # the previous write is still waiting for the database
        self._writing = True
        if self.state is None:  # the store was down when the crawl opened: start the task now
            run_id = self.crawler.stats.get_value("dataops/store_run")
            written = threads.deferToThread(start_task, self.engine, self.task_id, run_id)
            written.addCallbacks(self._started, self._store_failed)
        else:
            self.progress = progress_of(
                self.crawler.stats.get_stats(), self.progress, datetime.now(UTC)
            )
            written = threads.deferToThread(
                write_progress, self.engine, self.task_id, self.progress
            )
            written.addCallbacks(self._progress_written, self._store_failed)
        written.addBoth(self._write_done)

    def _write_done(self, _) -> None:
        self._writing = False

    def _progress_written(self, state: TaskState | None) -> None:
        if state is None:
            return
        self.state = state
        if state.cancel_requested:
            self._cancel()

    def _cancel(self) -> None:
        if self._cancelling:
            return
        self._cancelling = True
        logger.info("Task %d: cancel requested, closing the spider", self.task_id)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=CANCEL_REASON))

    def _store_failed(self, failure: Failure) -> None:
        error = failure.value
        if not isinstance(error, SQLAlchemyError | StoreError):
            logger.error("Task %d: progress not written: %s", self.task_id, error)
            return
        if not self._warned:  # once: a store that is down would say it every interval
            self._warned = True
            logger.warning(
                "Task %d: store at %s unreachable, progress not written (%s); the crawl goes on",
                self.task_id,
                mask_url(self.url),
                describe_error(error),
            )

    # ------------------------------------------------------------------ scrape tasks

    def response_received(self, response: Response, request: Request) -> None:
        if self.scrape is not None and "dataops_link" in request.meta:
            self.scrape.status = response.status
            self.scrape.final_url = response.url

    def item_scraped(self, item) -> None:
        if self.scrape is None:
            return
        from itemadapter import ItemAdapter

        records = ItemAdapter(item).get("records") or []
        self.scrape.records.extend(scrape_view(record) for record in records)

    def page_failed(self, request: Request, failure: Failure) -> None:
        if self.scrape is None or self.scrape.error is not None:
            return
        response = getattr(failure.value, "response", None)
        if response is not None:  # an HTTP error status
            self.scrape.status = response.status
            self.scrape.final_url = response.url
            self.scrape.error = f"{response.url} answered HTTP {response.status}"
        else:
            message = failure.getErrorMessage() or type(failure.value).__name__
            self.scrape.error = f"could not fetch {request.url}: {message}"[:ERROR_MAX_CHARS]

    def url_skipped(self, url: str, referer, reason: str, detail: str | None = None, **_) -> None:
        if self.scrape is None or self.scrape.error is not None:
            return
        why = {"ssrf": "refused by the SSRF guard", "robots": "disallowed by robots.txt"}
        if reason in why:
            self.scrape.error = f"{url} {why[reason]}" + (f": {detail}" if detail else "")
            self.scrape.error = self.scrape.error[:ERROR_MAX_CHARS]

    # ------------------------------------------------------------------ close

    def spider_closed(self, spider, reason: str) -> None:
        self.reason = reason
        self._stop_loop()

    def engine_stopped(self) -> None:
        """After every spider_closed handler: the version's commit (or failure) is known."""
        try:
            if self.state is not None and not self.state.ended:
                self._finish()
        finally:
            self.engine.dispose()

    def _finish(self) -> None:
        stats = dict(self.crawler.stats.get_stats())
        reason = self.reason or stats.get("finish_reason") or "unknown"
        progress = progress_of(stats, self.progress, datetime.now(UTC))
        try:
            # The cancel may have come after the last progress write.
            state = write_progress(self.engine, self.task_id, progress) or self.state
            if self.scrape is not None:
                status, why = self.scrape.outcome(reason, state.cancel_requested)
                result = self.scrape.as_dict()
                version = None
            else:
                version = stats.get("dataops/store_version")
                version_state = stats.get("dataops/store_state")
                status, why = crawl_outcome(
                    reason, state.cancel_requested, self.store_on, version, version_state
                )
                result = None
                if version_state != "committed":
                    version = None
            written = finish_task(
                self.engine,
                self.task_id,
                status,
                reason=why,
                progress=progress,
                stats=stats,
                dataset_version=version,
                result=result,
            )
        except (SQLAlchemyError, StoreError) as exc:
            logger.warning(
                "Task %d: store at %s unreachable, the task's end is not recorded (%s)",
                self.task_id,
                mask_url(self.url),
                describe_error(exc) if isinstance(exc, SQLAlchemyError) else exc,
            )
            return
        if written:
            logger.info("Task %d %s%s", self.task_id, status, f": {why}" if why else "")
        else:
            logger.info("Task %d had already ended: its row is left as it is", self.task_id)
