"""Layer 6 (DESIGN §4): every crawl writes one version of its dataset in the store.

The dataset is ``-a dataset=NAME``, else the template's name. At spider open the pipeline opens
version N+1 (or resumes an interrupted one, see below), records the run (template, its hash and
text, arguments, settings), then streams each page's records into the version in batches of
DATAOPS_STORE_BATCH_SIZE. At spider close it commits the version when the crawl finished (or
stopped at a CLOSESPIDER_* limit), in one transaction: readers never see half a version. Any
other ending fails the version, except a shutdown with a JOBDIR, which leaves it open to resume.

Resuming with Scrapy's JOBDIR. Scrapy saves its request queue and spider.state only when a crawl
stops cleanly; a killed process leaves just the fingerprints of requests it had scheduled, so a
plain resume would skip those pages and end at once with half the records. The pipeline
therefore keeps its own marker, ``JOBDIR/dataops_store.json``, written when the version opens
("open") and at close ("paused", "committed", "failed"). At the next start with the same JOBDIR:
"paused" resumes the version and Scrapy's queue as they are; "open" (the process died) resumes
the version but clears Scrapy's JOBDIR state first, so the crawl starts over and the records
already stored are kept, not duplicated; a finished marker starts a new version afresh.

Refused records: a field value longer than an Excel cell (32,767 characters) is refused with a
warning naming the key and field (stat ``dataops/records_refused``). Database unreachable at
start: the crawl does not start, and says where it tried (password masked). Database gone
during the crawl: an ERROR, the spider closes with reason ``store_unavailable``, the version
stays open and invisible, and nothing already committed is touched.

Stats: dataops/store_version, dataops/store_run, dataops/store_state (open, paused, committed,
failed), dataops/records_stored, dataops/duplicate_keys, dataops/records_already_stored (kept
from before a resume), dataops/records_refused, dataops/records_keyed_by_url (a template key
field had no value: keyed by canonical URL, with one warning per missing field at close).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shutil
import socket
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from dataops_spiders.fetching.blocks import block_reason
from dataops_spiders.fetching.plan import site_of
from dataops_spiders.store.config import database_url, mask_url
from dataops_spiders.store.db import (
    check_connection,
    describe_error,
    is_unavailable_error,
    make_engine,
    make_session_factory,
    write_session,
)
from dataops_spiders.store.errors import DatasetBusy, StoreError, StoreUnavailable
from dataops_spiders.store.graph import add_edges, add_nodes, clear_graph
from dataops_spiders.store.migrate import ensure_schema
from dataops_spiders.store.models import (
    FINISHED,
    INTERRUPTED,
    OPEN,
    RUN_FAILED,
    Dataset,
    DatasetVersion,
    StagedRecord,
)
from dataops_spiders.store.runs import create_run, finish_run, reclaim_run
from dataops_spiders.store.sources import update_source_profile
from dataops_spiders.store.versions import VersionWriter, process_alive

logger = logging.getLogger(__name__)

EXCEL_CELL_LIMIT = 32_767
DEFAULT_BATCH_SIZE = 500
# Finish reasons after which the version is complete: the crawl ran out of work, or stopped
# at a limit the user set. closespider_errorcount is not one: it stops because things broke.
COMMIT_REASONS = frozenset(
    {"finished", "closespider_timeout", "closespider_itemcount", "closespider_pagecount"}
)
# Stopped on purpose before the end: resumable when Scrapy keeps the crawl's state in a JOBDIR.
PAUSE_REASONS = frozenset({"shutdown", "cancelled"})
STORE_UNAVAILABLE = "store_unavailable"
STORE_ERROR = "store_error"
MARKER_FILE = "dataops_store.json"
# The extraction layer's key_source for a record whose template key fields were missing.
KEY_FALLBACK = "url (key field missing: "
# What Scrapy keeps in a JOBDIR: the scheduler's queue, the dupefilter's fingerprints and
# the SpiderState extension's spider.state.
SCRAPY_JOBDIR_STATE = ("requests.queue", "requests.seen", "spider.state")
GRAPH_BATCH_SIZE = 1000
# The same rule as the spider's -a dataset= check, for spiders that set `dataset` themselves.
DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SECRET_SETTING = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|CREDENTIAL", re.IGNORECASE)
_URL_SETTING = re.compile(r"URL|DSN", re.IGNORECASE)


# ------------------------------------------------------------------------------ records


def value_length(value: Any) -> int:
    """Characters the value takes in one spreadsheet cell (lists are joined with "; ")."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list | tuple):
        return len("; ".join(map(str, value)))
    return len(str(value))


def oversized_field(record: dict[str, Any], limit: int = EXCEL_CELL_LIMIT) -> str | None:
    """The first field whose value does not fit in a spreadsheet cell, or None."""
    for name, field in (record.get("fields") or {}).items():
        value = field.get("value") if isinstance(field, dict) else field
        if value_length(value) > limit:
            return name
    return None


def dataset_name(spider) -> str:
    """``-a dataset=NAME``, else the template's name."""
    name = getattr(spider, "dataset", None) or spider.template.name
    if not DATASET_NAME.match(str(name)):
        raise StoreError(
            f"dataset name {name!r} is not usable: letters, digits, '_', '.', '-' "
            "(at most 64, starting with a letter or digit)"
        )
    return str(name)


def close_decision(reason: str, jobdir: str | None) -> str:
    """What the version becomes at spider close: "commit", "pause" (kept open) or "fail"."""
    if reason in COMMIT_REASONS:
        return "commit"
    if reason in PAUSE_REASONS and jobdir:
        return "pause"
    return "fail"


def _plain(value: Any) -> Any:
    copy = getattr(value, "copy_to_dict", None)  # Scrapy's BaseSettings (ITEM_PIPELINES, ...)
    return copy() if callable(copy) else value


def run_settings(settings) -> dict[str, Any]:
    """The settings a run did not leave at Scrapy's defaults, with secrets masked."""
    chosen = {}
    for name, attribute in settings.attributes.items():
        if attribute.priority <= 0:
            continue
        value = _plain(attribute.value)
        if _SECRET_SETTING.search(name) and value:
            value = "***"
        elif _URL_SETTING.search(name) and isinstance(value, str) and "://" in value:
            value = mask_url(value)
        chosen[name] = value
    return dict(sorted(chosen.items()))


def spider_arguments(spider) -> dict[str, Any]:
    template = spider.template
    return {
        "template": template.name,
        "template_source": str(getattr(template, "source", "")),
        "start_urls": list(getattr(spider, "start_urls", [])),
        "strategy": getattr(spider, "strategy", None),
        "max_pages": getattr(spider, "max_pages", None),
        "max_depth": getattr(spider, "max_depth", None),
        "dataset": getattr(spider, "dataset", None),
        # the control API's task and the stored template's version, when it runs one
        "task": getattr(spider, "task_id", None),
        "template_version": getattr(spider, "template_version", None),
    }


def template_text(template) -> str:
    return template.text


# ------------------------------------------------------------------------------ JOBDIR


def read_marker(jobdir: str | Path) -> dict[str, Any] | None:
    path = Path(jobdir) / MARKER_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.warning("Ignoring unreadable %s: %s", path, exc)
        return None


def write_marker(jobdir: str | Path, **data: Any) -> None:
    """Write the marker atomically: a kill mid-write leaves the previous one."""
    path = Path(jobdir) / MARKER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.write_text(json.dumps(data, indent=2), encoding="utf-8")
    part.replace(path)


def clear_scrapy_state(jobdir: str | Path) -> list[str]:
    """Remove Scrapy's queue, fingerprints and spider.state from ``jobdir``; names removed."""
    removed = []
    for name in SCRAPY_JOBDIR_STATE:
        path = Path(jobdir) / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        removed.append(name)
    return removed


@dataclass(frozen=True)
class ResumePlan:
    version: int | None = None  # open version to resume, None: open a new one
    run_id: int | None = None  # run that wrote it
    restart_crawl: bool = False  # Scrapy's JOBDIR state cannot be trusted: clear it
    why: str = ""


def plan_resume(session, marker: dict[str, Any] | None, dataset: str, database: str) -> ResumePlan:
    """Decide, from the JOBDIR marker and the store, how this crawl starts."""
    if marker is None:
        return ResumePlan()
    if marker.get("dataset") != dataset or marker.get("database") != database:
        return ResumePlan(
            restart_crawl=True,
            why=f"JOBDIR last held a crawl of dataset {marker.get('dataset')!r} at "
            f"{marker.get('database')}; starting afresh",
        )
    state = marker.get("state")
    if state not in (OPEN, "paused"):
        return ResumePlan(
            restart_crawl=True, why=f"the crawl kept in JOBDIR already ended ({state})"
        )
    pid = marker.get("pid")
    if (
        state == OPEN
        and marker.get("host") == socket.gethostname()
        and isinstance(pid, int)
        and pid != os.getpid()
        and process_alive(pid)
    ):
        raise DatasetBusy(f"JOBDIR is in use by a running crawl (pid {pid})")
    number = marker.get("version")
    version = session.scalar(
        select(DatasetVersion)
        .join(Dataset, Dataset.id == DatasetVersion.dataset_id)
        .where(Dataset.name == dataset, DatasetVersion.number == number)
    )
    if version is None or version.status != OPEN:
        status = version.status if version is not None else "gone"
        return ResumePlan(
            restart_crawl=True,
            why=f"version {number} of {dataset!r} is {status} and cannot be resumed; "
            "starting a new version",
        )
    if state == OPEN:
        staged = session.scalar(select(func.count()).where(StagedRecord.version_id == version.id))
        return ResumePlan(
            version=number,
            run_id=marker.get("run_id"),
            restart_crawl=True,
            why=f"the crawl writing version {number} was killed, and Scrapy saves its request "
            f"queue only on a clean stop: crawling again from the start, keeping the "
            f"{staged} records already stored",
        )
    return ResumePlan(version=number, run_id=marker.get("run_id"))


# ------------------------------------------------------------------------------ sources


@dataclass
class _Source:
    pages: int = 0
    errors: int = 0
    latency_sum: float = 0.0
    latency_count: int = 0
    robots: dict[str, Any] | None = None  # crawl_delay and sitemaps, once robots.txt was read
    browser_pages: int = 0
    blocked: int = 0
    # sections (first path segments) whose pages needed the browser
    browser_sections: set[str] = dataclasses.field(default_factory=set)


class SourceObservations:
    """Per netloc ("host" or "host:port"), what this crawl saw: saved as source profiles."""

    def __init__(self):
        self.sources: dict[str, _Source] = {}

    def page(
        self, netloc: str, latency: float | None, browser: bool = False, blocked: bool = False
    ) -> None:
        source = self.sources.setdefault(netloc, _Source())
        source.pages += 1
        source.browser_pages += browser
        source.blocked += blocked
        if isinstance(latency, int | float):
            source.latency_sum += latency
            source.latency_count += 1

    def error(self, netloc: str) -> None:
        self.sources.setdefault(netloc, _Source()).errors += 1

    def robots(
        self,
        netloc: str,
        sitemaps: list[str],
        crawl_delay: float | None,
        rules: str | None = None,
        status: int | None = None,
    ) -> None:
        source = self.sources.setdefault(netloc, _Source())
        source.robots = {"sitemaps": list(sitemaps), "crawl_delay": crawl_delay}
        if status is not None:  # fetched: its text and status replace the profile's
            source.robots.update(robots_rules=rules or "", robots_status=status)

    def needs_browser(self, netloc: str, section: str) -> None:
        self.sources.setdefault(netloc, _Source()).browser_sections.add(section)

    def save(self, session) -> int:
        for netloc, seen in self.sources.items():
            update_source_profile(
                session,
                netloc,
                pages=seen.pages,
                errors=seen.errors,
                latency_sum=seen.latency_sum,
                latency_count=seen.latency_count,
                browser_pages=seen.browser_pages,
                blocked=seen.blocked,
                browser_sections=sorted(seen.browser_sections),
                **(seen.robots or {}),
            )
        return len(self.sources)


# ------------------------------------------------------------------------------ Scrapy


class VersioningPipeline:
    """Streams records into an open dataset version; commits it when the crawl finishes."""

    def __init__(self, crawler, url: str):
        self.crawler = crawler
        self.stats = crawler.stats
        self.url = url
        self.masked_url = mask_url(url)
        settings = crawler.settings
        self.batch_size = max(1, settings.getint("DATAOPS_STORE_BATCH_SIZE", DEFAULT_BATCH_SIZE))
        self.commit_empty = settings.getbool("DATAOPS_STORE_COMMIT_EMPTY", False)
        self.jobdir = settings.get("JOBDIR") or None
        self.dataset = dataset_name(crawler.spider)
        self.engine: Engine = make_engine(url)
        self.sessions = make_session_factory(self.engine)
        self.writer = VersionWriter(self.engine)
        self.plan = ResumePlan()
        self.run_id: int | None = None
        self.buffer: list[dict[str, Any]] = []
        self.broken: str | None = None  # close reason once the store failed mid-run
        self.sources = SourceObservations()
        self.key_fallbacks: Counter[str] = Counter()  # missing key field(s) -> records

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        from dataops_spiders import signals as dataops_signals

        settings = crawler.settings
        if not settings.getbool("DATAOPS_STORE", True):
            raise NotConfigured("DATAOPS_STORE is off")
        pipeline = cls(crawler, settings.get("DATAOPS_DATABASE_URL") or database_url())
        # Before the scheduler opens: it reads the JOBDIR state this may have to clear.
        pipeline.prepare()
        connect = crawler.signals.connect
        connect(pipeline.spider_closed, signal=signals.spider_closed)
        connect(pipeline.response_received, signal=signals.response_received)
        connect(pipeline.page_failed, signal=dataops_signals.page_failed)
        connect(pipeline.robots_parsed, signal=dataops_signals.robots_parsed)
        connect(pipeline.browser_needed, signal=dataops_signals.browser_needed)
        return pipeline

    def prepare(self) -> None:
        """Fail fast on an unreachable or outdated store; decide how the crawl starts."""
        try:
            check_connection(self.engine)
            if ensure_schema(self.engine):
                logger.info("Created the store's tables at %s", self.masked_url)
            if self.jobdir:
                with self.sessions() as session:
                    marker = read_marker(self.jobdir)
                    self.plan = plan_resume(session, marker, self.dataset, self.masked_url)
        except StoreError as exc:
            logger.error("Store: %s", exc)
            self.engine.dispose()
            raise
        except SQLAlchemyError as exc:
            self.engine.dispose()
            failure = self._failure(exc)
            logger.error("Store: %s", failure)
            raise failure from None
        if self.plan.restart_crawl:
            removed = clear_scrapy_state(self.jobdir)
            logger.warning(
                "JOBDIR %s: %s%s",
                self.jobdir,
                self.plan.why,
                f" (removed {', '.join(removed)})" if removed else "",
            )

    def _failure(self, exc: SQLAlchemyError) -> StoreError:
        """The database error as a StoreError a person reads (URL masked)."""
        if is_unavailable_error(exc):
            return StoreUnavailable(
                f"database unreachable at {self.masked_url}: {describe_error(exc)}"
            )
        return StoreError(f"store at {self.masked_url}: {describe_error(exc)}")

    def open_spider(self) -> None:
        spider = self.crawler.spider
        template = spider.template
        try:
            with write_session(self.engine) as session:
                if self.plan.version is not None and self.plan.run_id is not None:
                    run = reclaim_run(session, self.plan.run_id, getattr(spider, "run_dir", None))
                    if self.plan.restart_crawl:  # the graph of the killed attempt is redone
                        clear_graph(session, run.id)
                else:
                    run = create_run(
                        session,
                        self.dataset,
                        template_name=template.name,
                        template_sha256=template.content_hash,
                        template_text=template_text(template),
                        arguments=spider_arguments(spider),
                        settings=run_settings(self.crawler.settings),
                        run_dir=getattr(spider, "run_dir", None),
                        jobdir=str(Path(self.jobdir).resolve()) if self.jobdir else None,
                    )
                self.run_id = run.id
            if self.plan.version is not None:
                number = self.writer.resume(self.dataset, self.plan.version, self.run_id)
                logger.info(
                    "Resuming version %d of dataset %s (run %d, attempt %d) at %s",
                    number,
                    self.dataset,
                    self.run_id,
                    self.writer.attempt,
                    self.masked_url,
                )
            else:
                number = self.writer.open(self.dataset, self.run_id)
                logger.info(
                    "Writing version %d of dataset %s (run %d) at %s",
                    number,
                    self.dataset,
                    self.run_id,
                    self.masked_url,
                )
        except StoreError as exc:
            logger.error("Store: %s", exc)
            raise
        except SQLAlchemyError as exc:
            failure = self._failure(exc)
            logger.error("Store: %s", failure)
            raise failure from None
        self.stats.set_value("dataops/store_version", number)
        self.stats.set_value("dataops/store_run", self.run_id)
        self._mark(OPEN)

    def _mark(self, state: str) -> None:
        self.stats.set_value("dataops/store_state", state)  # the run summary reports it
        if not self.jobdir:
            return
        write_marker(
            self.jobdir,
            dataset=self.dataset,
            version=self.writer.number,
            run_id=self.run_id,
            database=self.masked_url,
            state=state,
            host=socket.gethostname(),
            pid=os.getpid(),
        )

    def response_received(self, response, request) -> None:
        if "dataops_link" in request.meta:  # a page of the crawl, not robots.txt
            self.sources.page(
                site_of(request.url),
                request.meta.get("download_latency"),
                browser=request.meta.get("dataops_fetched_via") == "browser",
                blocked=block_reason(response.status, response.body) is not None,
            )

    def page_failed(self, request, failure) -> None:
        self.sources.error(site_of(request.url))

    def browser_needed(self, site: str, section: str) -> None:
        self.sources.needs_browser(site, section)

    def robots_parsed(
        self, netloc: str, sitemaps: list[str], crawl_delay, rules=None, status=None
    ) -> None:
        self.sources.robots(netloc, sitemaps, crawl_delay, rules, status)

    def process_item(self, item):
        from itemadapter import ItemAdapter

        if self.broken:
            return item
        for record in ItemAdapter(item).get("records") or []:
            too_long = oversized_field(record)
            if too_long is not None:
                self.stats.inc_value("dataops/records_refused")
                logger.warning(
                    "Refused record %s (%s): field %r is longer than a spreadsheet cell "
                    "holds (%d characters)",
                    record.get("record_key"),
                    record.get("source_url"),
                    too_long,
                    EXCEL_CELL_LIMIT,
                )
                continue
            self._note_key_fallback(record)
            self.buffer.append(record)
        if len(self.buffer) >= self.batch_size:
            self._flush()
        return item

    def _note_key_fallback(self, record: dict[str, Any]) -> None:
        """Count records keyed by URL because a template key field had no value: such a record
        is a different record to the store once the field is found again."""
        source = str(record.get("key_source") or "")
        if source.startswith(KEY_FALLBACK):
            self.stats.inc_value("dataops/records_keyed_by_url")
            self.key_fallbacks[source.removeprefix(KEY_FALLBACK).rstrip(")")] += 1

    def _flush(self) -> None:
        batch, self.buffer = self.buffer, []
        if not batch or self.broken:
            return
        try:
            result = self.writer.add(batch)
        except (SQLAlchemyError, StoreError) as exc:
            self._store_failed(exc, len(batch))
            return
        self.stats.inc_value("dataops/records_stored", result.stored)
        if result.duplicates:
            self.stats.inc_value("dataops/duplicate_keys", result.duplicates)
        if result.already_stored:
            self.stats.inc_value("dataops/records_already_stored", result.already_stored)

    def _store_failed(self, exc: BaseException, lost: int) -> None:
        from scrapy.utils.defer import deferred_from_coro

        unavailable = isinstance(exc, StoreUnavailable) or is_unavailable_error(exc)
        self.broken = STORE_UNAVAILABLE if unavailable else STORE_ERROR
        logger.error(
            "Store %s at %s: %s. Version %s of dataset %s stays open and invisible (%d records "
            "not stored); nothing committed is touched. Closing the spider.",
            "unavailable" if unavailable else "failed",
            self.masked_url,
            describe_error(exc) if isinstance(exc, SQLAlchemyError) else exc,
            self.writer.number,
            self.dataset,
            lost,
        )
        # Not awaited: the engine waits for this item to leave the pipelines before closing.
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=self.broken))

    def close_spider(self) -> None:
        self._flush()

    def spider_closed(self, spider, reason: str) -> None:
        """Commit, keep open, or fail the version, now that the finish reason is known."""
        if self.writer.version_id is None:  # the version never opened
            self.engine.dispose()
            return
        for missing, count in self.key_fallbacks.items():
            logger.warning(
                "%d record(s) had no value for key field(s) %s: keyed by their canonical URL "
                "instead",
                count,
                missing,
            )
        try:
            if self.broken:
                self._finish_run_if_reachable(reason)
                return
            with write_session(self.engine) as session:
                self.sources.save(session)
            decision = close_decision(reason, self.jobdir)
            if decision == "commit":
                self._commit(reason)
            elif decision == "pause":
                self._mark("paused")
                self._finish_run(INTERRUPTED, reason)
                logger.info(
                    "Version %d of dataset %s stays open (%s): run the crawl again with "
                    "JOBDIR=%s to resume it",
                    self.writer.number,
                    self.dataset,
                    reason,
                    self.jobdir,
                )
            else:
                self._fail(f"the crawl ended with {reason!r}", reason)
        except (SQLAlchemyError, StoreError) as exc:
            logger.error(
                "Store failed at spider close (%s): version %s of dataset %s stays open and "
                "invisible; nothing committed is touched",
                describe_error(exc) if isinstance(exc, SQLAlchemyError) else exc,
                self.writer.number,
                self.dataset,
            )
        finally:
            self.engine.dispose()

    def _commit(self, reason: str) -> None:
        with self.sessions() as session:
            staged = session.scalar(
                select(func.count()).where(StagedRecord.version_id == self.writer.version_id)
            )
        if not staged and not self.commit_empty:
            self._fail(
                "no records were stored: an empty version would mark every record removed "
                "(DATAOPS_STORE_COMMIT_EMPTY=True commits it anyway)",
                reason,
            )
            return
        stats = self.stats.get_stats()
        summary = self.writer.commit(
            {
                "run_id": self.run_id,
                "finish_reason": reason,
                "pages": stats.get("response_received_count", 0),
                "duplicate_keys": stats.get("dataops/duplicate_keys", 0),
                "records_refused": stats.get("dataops/records_refused", 0),
            }
        )
        self._mark("committed")
        self._finish_run(FINISHED, reason)
        logger.info(
            "Committed version %d of dataset %s: %d records (%d added, %d removed, %d changed)",
            self.writer.number,
            self.dataset,
            summary["records"],
            summary["added"],
            summary["removed"],
            summary["changed"],
        )

    def _fail(self, why: str, reason: str) -> None:
        self.writer.fail(why)
        self._mark("failed")
        self._finish_run(RUN_FAILED, reason)
        logger.warning("Version %d of dataset %s failed: %s", self.writer.number, self.dataset, why)

    def _finish_run_if_reachable(self, reason: str) -> None:
        try:
            self._finish_run(RUN_FAILED, reason)
        except SQLAlchemyError as exc:  # the store is what failed: already said loudly
            logger.debug("Could not record the end of run %s: %s", self.run_id, exc)

    def _finish_run(self, status: str, reason: str) -> None:
        if self.run_id is None:
            return
        with write_session(self.engine) as session:
            finish_run(session, self.run_id, status, reason, self.stats.get_stats())


class StoreGraphWriter:
    """DATAOPS_GRAPH_WRITER that puts the crawl graph in the store, under this crawl's run.

    Built by the crawl graph extension at spider open, after this module's pipeline has
    recorded the run (stat ``dataops/store_run``). Edges go in batches as they come; nodes at
    close. If the store fails, the graph is dropped with one error: the crawl goes on.
    """

    def __init__(self, engine: Engine, run_id: int, batch_size: int = GRAPH_BATCH_SIZE):
        self.engine = engine
        self.run_id = run_id
        self.batch_size = batch_size
        self._edges: list[dict[str, Any]] = []
        self._failed = False

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        run_id = crawler.stats.get_value("dataops/store_run")
        if run_id is None:
            raise NotConfigured(
                "no run in the store to attach the graph to (is VersioningPipeline enabled?)"
            )
        url = crawler.settings.get("DATAOPS_DATABASE_URL") or database_url()
        return cls(make_engine(url), run_id)

    def _write(self, add, rows: list[dict[str, Any]]) -> None:
        if self._failed or not rows:
            return
        try:
            with write_session(self.engine) as session:
                add(session, self.run_id, rows)
        except SQLAlchemyError as exc:
            self._failed = True
            logger.error("Crawl graph of run %s not stored: %s", self.run_id, describe_error(exc))

    def add_edge(self, edge: dict[str, Any]) -> None:
        self._edges.append(edge)
        if len(self._edges) >= self.batch_size:
            edges, self._edges = self._edges, []
            self._write(add_edges, edges)

    def write_nodes(self, nodes) -> None:
        batch: list[dict[str, Any]] = []
        for node in nodes:
            batch.append(node)
            if len(batch) >= self.batch_size:
                self._write(add_nodes, batch)
                batch = []
        self._write(add_nodes, batch)

    def close(self) -> None:
        edges, self._edges = self._edges, []
        self._write(add_edges, edges)
        self.engine.dispose()
