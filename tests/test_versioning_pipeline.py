"""The versioning pipeline: a crawl ends in a committed dataset version, or in none at all.

Three levels: its plain functions; the pipeline through a real crawler object; and real
`scrapy crawl` runs against the fixture site (two editions, a SIGKILL halfway, an unreachable
database, a database that goes away). Store tests run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, text

from dataops_spiders.demo_site import content
from dataops_spiders.items import PageItem
from dataops_spiders.spiders.intent import IntentSpider
from dataops_spiders.store import (
    DatasetBusy,
    StoreError,
    VersionWriter,
    diff_versions,
    get_version,
    iter_records,
    list_versions,
    make_engine,
    make_session_factory,
)
from dataops_spiders.store.graph import summarize_graph
from dataops_spiders.store.models import FAILED, OPEN, DatasetVersion, Run, StagedRecord
from dataops_spiders.store.sources import list_sources
from pipelines.versioning import (
    EXCEL_CELL_LIMIT,
    MARKER_FILE,
    VersioningPipeline,
    clear_scrapy_state,
    close_decision,
    oversized_field,
    plan_resume,
    read_marker,
    run_settings,
    write_marker,
)
from tests.crawling import ROOT, crawl

PIPELINES = {
    "pipelines.cleaning.CleaningPipeline": 100,
    "pipelines.extraction.ExtractionPipeline": 200,
    "pipelines.confidence.ConfidencePipeline": 300,
    "pipelines.versioning.VersioningPipeline": 400,
}
DATASET = "demo_catalogue"  # the template's name: the dataset when -a dataset= is not given

# ------------------------------------------------------------------------------ fixtures


# postgres, store_url and engine come from tests/conftest.py


def read(engine):
    return make_session_factory(engine)()


def record(key: str, **values) -> dict:
    return {
        "record_key": key,
        "source_url": f"https://shop.example/p/{key}",
        "record_confidence": 0.8,
        "low_confidence_fields": [],
        "fields": {name: {"value": value, "confidence": 0.8} for name, value in values.items()},
    }


# ------------------------------------------------------------------------------ functions


def test_a_value_longer_than_a_spreadsheet_cell_is_found():
    fits = "x" * EXCEL_CELL_LIMIT
    assert oversized_field(record("a", name="ok", description=fits)) is None
    assert oversized_field(record("a", name="ok", description=fits + "x")) == "description"
    assert oversized_field(record("a", tags=["y" * 20_000, "z" * 20_000])) == "tags"


@pytest.mark.parametrize(
    ("reason", "jobdir", "decision"),
    [
        ("finished", None, "commit"),
        ("closespider_itemcount", None, "commit"),
        ("closespider_pagecount", "/job", "commit"),
        ("closespider_timeout", None, "commit"),
        ("closespider_errorcount", None, "fail"),
        ("shutdown", "/job", "pause"),
        ("cancelled", "/job", "pause"),
        ("shutdown", None, "fail"),
        ("cancelled", None, "fail"),
        ("store_unavailable", "/job", "fail"),
    ],
)
def test_what_a_finish_reason_makes_of_the_version(reason, jobdir, decision):
    assert close_decision(reason, jobdir) == decision


def test_run_settings_keep_what_was_chosen_and_mask_secrets():
    from scrapy.settings import Settings

    settings = Settings({"DOWNLOAD_DELAY": 2}, priority="project")
    settings.set("DATAOPS_DATABASE_URL", "postgresql://bob:s3cret@db/x", priority="cmdline")
    settings.set("SCRAPYD_PASSWORD", "s3cret", priority="cmdline")
    settings.set("ITEM_PIPELINES", {"a.B": 1}, priority="cmdline")
    chosen = run_settings(settings)
    assert chosen["DOWNLOAD_DELAY"] == 2
    assert chosen["DATAOPS_DATABASE_URL"] == "postgresql://bob:***@db/x"
    assert chosen["SCRAPYD_PASSWORD"] == "***"
    assert chosen["ITEM_PIPELINES"] == {"a.B": 1}
    assert "CONCURRENT_ITEMS" not in chosen  # a Scrapy default nobody chose
    assert "s3cret" not in json.dumps(chosen)


def test_clearing_scrapy_state_leaves_our_marker(tmp_path):
    (tmp_path / "requests.queue").mkdir()
    (tmp_path / "requests.queue" / "active.json").write_text("{}")
    (tmp_path / "requests.seen").write_text("abc\n")
    write_marker(tmp_path, dataset="shop", state="open")
    assert clear_scrapy_state(tmp_path) == ["requests.queue", "requests.seen"]
    assert [p.name for p in tmp_path.iterdir()] == [MARKER_FILE]
    assert read_marker(tmp_path)["state"] == "open"


def _marker(**changes) -> dict:
    return {
        "dataset": "shop",
        "version": 1,
        "run_id": None,
        "database": "db",
        "state": "open",
        "host": "elsewhere",
        "pid": 1,
        **changes,
    }


def test_resume_plans(engine):
    writer = VersionWriter(engine)
    writer.open("shop")
    writer.add([record("a", price="1")])
    with read(engine) as session:
        assert plan_resume(session, None, "shop", "db").version is None

        killed = plan_resume(session, _marker(), "shop", "db")
        assert (killed.version, killed.restart_crawl) == (1, True)
        assert "keeping the 1 records already stored" in killed.why

        paused = plan_resume(session, _marker(state="paused"), "shop", "db")
        assert (paused.version, paused.restart_crawl) == (1, False)

        for other in (
            _marker(dataset="journal"),
            _marker(database="other"),
            _marker(state="committed"),
        ):
            plan = plan_resume(session, other, "shop", "db")
            assert (plan.version, plan.restart_crawl) == (None, True)

        import socket

        sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            live = _marker(host=socket.gethostname(), pid=sleeper.pid)
            with pytest.raises(DatasetBusy, match=f"pid {sleeper.pid}"):
                plan_resume(session, live, "shop", "db")
        finally:
            sleeper.kill()
            sleeper.wait()

    writer.fail("gone")
    with read(engine) as session:
        plan = plan_resume(session, _marker(), "shop", "db")
        assert (plan.version, plan.restart_crawl) == (None, True)
        assert "version 1 of 'shop' is failed" in plan.why


# ------------------------------------------------------------------------------ crawler object


class EngineStub:
    """Stands for the engine: records the reason the pipeline asks it to close with.

    Synchronous, unlike the engine's coroutine, so that no reactor is needed to run it."""

    def __init__(self):
        self.close_reasons: list[str] = []

    def close_spider_async(self, *, reason: str) -> None:
        self.close_reasons.append(reason)


def build_pipeline(store_url, tmp_path, **settings) -> VersioningPipeline:
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(
        IntentSpider,
        {"DATAOPS_DATABASE_URL": store_url, "DATAOPS_STORE_BATCH_SIZE": 2, **settings},
    )
    crawler.spider = IntentSpider(
        template="demo_catalogue",
        start_urls="https://shop.example/",
        run_dir=str(tmp_path / "run"),
        dataset="shop",
    )
    crawler.engine = EngineStub()
    crawler.stats.open_spider()
    return VersioningPipeline.from_crawler(crawler)


def feed(pipeline, *records) -> None:
    pipeline.process_item(PageItem(url="https://shop.example/", records=list(records)))


def test_the_pipeline_commits_a_finished_crawl(store_url, engine, tmp_path):
    pipeline = build_pipeline(store_url, tmp_path)
    pipeline.open_spider()
    feed(pipeline, record("a", price="1"), record("b", price="2"))
    feed(pipeline, record("a", price="9"), record("c", price="3"))
    pipeline.close_spider()
    pipeline.spider_closed(pipeline.crawler.spider, "finished")

    stats = pipeline.crawler.stats
    assert stats.get_value("dataops/store_version") == 1
    assert stats.get_value("dataops/records_stored") == 3
    assert stats.get_value("dataops/duplicate_keys") == 1
    with read(engine) as session:
        (version,) = list_versions(session, "shop")
        assert version.summary["records"] == 3 and version.summary["duplicate_keys"] == 1
        run = session.get(Run, version.run_id)
        assert (run.status, run.finish_reason, run.template_name) == (
            "finished",
            "finished",
            "demo_catalogue",
        )
        assert "records:" in run.template_text and len(run.template_sha256) == 64
        assert run.arguments["dataset"] == "shop"
        assert run.stats["dataops/records_stored"] == 3


def test_a_record_too_large_for_a_cell_is_refused_by_name(store_url, engine, tmp_path, caplog):
    pipeline = build_pipeline(store_url, tmp_path)
    pipeline.open_spider()
    with caplog.at_level(logging.WARNING, logger="pipelines.versioning"):
        feed(pipeline, record("big", description="x" * 40_000), record("ok", description="fine"))
    pipeline.close_spider()
    pipeline.spider_closed(pipeline.crawler.spider, "finished")

    assert "Refused record big" in caplog.text and "'description'" in caplog.text
    assert pipeline.crawler.stats.get_value("dataops/records_refused") == 1
    with read(engine) as session:
        assert [r["record_key"] for r in iter_records(session, "shop")] == ["ok"]


def test_records_keyed_by_url_for_want_of_a_key_field_are_reported(store_url, tmp_path, caplog):
    pipeline = build_pipeline(store_url, tmp_path)
    pipeline.open_spider()
    fallback = record("https://shop.example/p/x", price="1")
    fallback["key_source"] = "url (key field missing: sku)"
    keyed = record("SKU-1", price="2")
    keyed["key_source"] = "fields:sku"
    feed(pipeline, fallback, keyed)
    pipeline.close_spider()
    with caplog.at_level(logging.WARNING, logger="pipelines.versioning"):
        pipeline.spider_closed(pipeline.crawler.spider, "finished")
    assert pipeline.crawler.stats.get_value("dataops/records_keyed_by_url") == 1
    assert "1 record(s) had no value for key field(s) sku" in caplog.text


def test_a_crawl_without_records_commits_nothing(store_url, engine, tmp_path):
    pipeline = build_pipeline(store_url, tmp_path)
    pipeline.open_spider()
    pipeline.close_spider()
    pipeline.spider_closed(pipeline.crawler.spider, "finished")
    with read(engine) as session:
        assert list_versions(session, "shop") == []
        version = get_version(session, "shop", 1, include_uncommitted=True)
        assert version.status == FAILED and "no records were stored" in version.note


def test_a_shutdown_with_a_jobdir_keeps_the_version_open_to_resume(store_url, engine, tmp_path):
    jobdir = tmp_path / "job"
    pipeline = build_pipeline(store_url, tmp_path, JOBDIR=str(jobdir))
    pipeline.open_spider()
    assert read_marker(jobdir)["state"] == "open"
    feed(pipeline, record("a", price="1"), record("b", price="2"))
    pipeline.close_spider()
    pipeline.spider_closed(pipeline.crawler.spider, "shutdown")
    assert read_marker(jobdir)["state"] == "paused"

    resumed = build_pipeline(store_url, tmp_path, JOBDIR=str(jobdir))
    assert (resumed.plan.version, resumed.plan.restart_crawl) == (1, False)
    resumed.open_spider()
    feed(resumed, record("b", price="2"), record("c", price="3"))
    resumed.close_spider()
    resumed.spider_closed(resumed.crawler.spider, "finished")
    assert resumed.crawler.stats.get_value("dataops/records_already_stored") == 1
    assert read_marker(jobdir)["state"] == "committed"
    with read(engine) as session:
        (version,) = list_versions(session, "shop")
        assert (version.number, version.summary["records"]) == (1, 3)
        assert len(session.scalars(select(Run)).all()) == 1  # the resumed run is the same run


def test_a_shutdown_without_a_jobdir_fails_the_version(store_url, engine, tmp_path):
    pipeline = build_pipeline(store_url, tmp_path)
    pipeline.open_spider()
    feed(pipeline, record("a", price="1"), record("b", price="2"))
    pipeline.close_spider()
    pipeline.spider_closed(pipeline.crawler.spider, "shutdown")
    with read(engine) as session:
        version = get_version(session, "shop", 1, include_uncommitted=True)
        assert version.status == FAILED and "shutdown" in version.note
        assert session.scalar(select(func.count()).select_from(StagedRecord)) == 0


def test_a_store_failure_mid_run_closes_the_spider_and_keeps_the_version_open(
    store_url, engine, tmp_path, caplog
):
    from sqlalchemy.exc import OperationalError

    pipeline = build_pipeline(store_url, tmp_path)
    pipeline.open_spider()
    feed(pipeline, record("a", price="1"), record("b", price="2"))

    def gone(records):
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    pipeline.writer.add = gone
    with caplog.at_level(logging.ERROR, logger="pipelines.versioning"):
        feed(pipeline, record("c", price="3"), record("d", price="4"))
        feed(pipeline, record("e", price="5"), record("f", price="6"))  # ignored once broken
    assert pipeline.crawler.engine.close_reasons == ["store_unavailable"]
    assert "stays open and invisible" in caplog.text and "server closed" in caplog.text
    pipeline.close_spider()
    pipeline.spider_closed(pipeline.crawler.spider, "store_unavailable")
    with read(engine) as session:
        assert list_versions(session, "shop") == []
        assert get_version(session, "shop", 1, include_uncommitted=True).status == OPEN


def test_an_unusable_dataset_name_is_refused(store_url, tmp_path):
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(IntentSpider, {"DATAOPS_DATABASE_URL": store_url})
    spider = IntentSpider(template="demo_catalogue", start_urls="https://shop.example/")
    spider.dataset = "../etc"  # a spider that names its dataset itself, badly
    crawler.spider = spider
    with pytest.raises(StoreError, match=r"dataset name '\.\./etc' is not usable"):
        VersioningPipeline.from_crawler(crawler)


# ------------------------------------------------------------------------------ real crawls


def crawl_settings(store_url: str, **extra) -> dict:
    return {
        "ITEM_PIPELINES": json.dumps(PIPELINES),
        "DATAOPS_DATABASE_URL": store_url,
        **extra,
    }


def slug(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1].removesuffix(".html")


def product_urls(site_url: str) -> set[str]:
    expected = content.expected_products(base_url=site_url.rstrip("/"))
    return {product["url"] for product in expected.values()}


def test_two_crawls_of_two_editions_differ_exactly_by_the_edition_diff(
    store_url, engine, fixture_site, tmp_path
):
    settings = crawl_settings(
        store_url, DATAOPS_GRAPH_WRITER="pipelines.versioning.StoreGraphWriter"
    )
    first = crawl(DATASET, tmp_path / "v1", start_urls=fixture_site.url, settings=settings)
    assert first.returncode == 0, first.log[-3000:]
    fixture_site.set_edition(2)
    try:
        second = crawl(DATASET, tmp_path / "v2", start_urls=fixture_site.url, settings=settings)
    finally:
        fixture_site.set_edition(1)
    assert second.returncode == 0, second.log[-3000:]
    assert "Committed version 2 of dataset demo_catalogue" in second.log

    expected = content.edition_diff()
    with read(engine) as session:
        assert [v.number for v in list_versions(session, DATASET)] == [1, 2]
        diff = diff_versions(session, DATASET, 1, 2)
        assert sorted(slug(r.record["source_url"]) for r in diff.added) == expected["added"]
        assert sorted(slug(r.record["source_url"]) for r in diff.removed) == expected["removed"]
        changed = {
            slug(c.source_url): {f.field: (f.old, f.new) for f in c.changes} for c in diff.changed
        }
        assert changed == expected["changed"]
        summary = get_version(session, DATASET, 2).summary
        assert (summary["added"], summary["removed"], summary["changed"]) == (
            len(expected["added"]),
            len(expected["removed"]),
            len(expected["changed"]),
        )
        # the crawl graph and the source profile went to the store with the run
        graph = summarize_graph(session, summary["run_id"])
        assert graph["nodes"] > 300 and graph["status"]["200"] > 300
        (source,) = list_sources(session)
        assert source.domain == urlsplit(fixture_site.url).netloc
        assert source.pages == 2 * graph["status"]["200"]
        assert source.sitemaps and source.mean_latency is not None


def crawl_command(store_url: str, run_dir, jobdir, site_url: str) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "intent"]
    command += ["-a", f"template={DATASET}", "-a", f"start_urls={site_url}"]
    command += ["-a", f"run_dir={run_dir}"]
    settings = crawl_settings(store_url, JOBDIR=str(jobdir), DATAOPS_STORE_BATCH_SIZE=10)
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def staged_count(engine) -> int:
    with read(engine) as session:
        return session.scalar(select(func.count()).select_from(StagedRecord)) or 0


def test_a_killed_crawl_shows_no_version_and_resumes_to_the_full_one(
    store_url, engine, fixture_site, tmp_path
):
    jobdir = tmp_path / "job"
    log = (tmp_path / "killed.log").open("w")
    process = subprocess.Popen(
        crawl_command(store_url, tmp_path / "killed", jobdir, fixture_site.url),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,  # its worker processes die with it below
    )
    try:
        deadline = time.monotonic() + 120
        while staged_count(engine) < 100:
            assert process.poll() is None, (tmp_path / "killed.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the crawl stored nothing in 2 minutes"
            time.sleep(0.1)
    finally:
        process.kill()  # SIGKILL: no close, no flush, no cleanup
        process.wait()
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
    stored_before = staged_count(engine)
    assert stored_before < len(product_urls(fixture_site.url))  # killed halfway

    with read(engine) as session:
        assert list_versions(session, DATASET) == []
        assert get_version(session, DATASET, 1, include_uncommitted=True).status == OPEN

    resumed = crawl(
        DATASET,
        tmp_path / "resumed",
        start_urls=fixture_site.url,
        settings=crawl_settings(store_url, JOBDIR=str(jobdir), DATAOPS_STORE_BATCH_SIZE=10),
    )
    assert resumed.returncode == 0, resumed.log[-3000:]
    assert f"keeping the {stored_before} records already stored" in resumed.log
    with read(engine) as session:
        (version,) = list_versions(session, DATASET)
        records = list(iter_records(session, DATASET))
    urls = [r["source_url"] for r in records]
    assert version.number == 1 and version.summary["records"] == len(records)
    assert sorted(urls) == sorted(product_urls(fixture_site.url))  # all of them, each once
    assert version.summary["duplicate_keys"] == 0


def test_an_unreachable_database_stops_the_crawl_before_it_starts(fixture_site, tmp_path):
    url = "postgresql://crawler:s3cret@127.0.0.1:1/dataops"
    started = time.monotonic()
    result = crawl(
        DATASET, tmp_path / "run", start_urls=fixture_site.url, settings=crawl_settings(url)
    )
    assert time.monotonic() - started < 60
    assert result.returncode != 0
    assert "database unreachable at postgresql+psycopg://crawler:***@127.0.0.1:1/dataops" in (
        result.log
    )
    assert "s3cret" not in result.log
    assert not (tmp_path / "run" / "records.jsonl").exists()  # nothing was crawled


def test_a_database_gone_mid_run_fails_loudly_and_touches_nothing_committed(
    postgres, fixture_site, tmp_path
):
    """PostgreSQL only: a server that goes away has no SQLite equivalent."""
    url = postgres.create()
    engine = make_engine(url)
    committed = VersionWriter(engine)
    committed.open(DATASET)
    committed.add([record("kept", price="1")])
    committed.commit()

    name = engine.url.database
    log = (tmp_path / "crawl.log").open("w")
    process = subprocess.Popen(
        crawl_command(url, tmp_path / "run", tmp_path / "job", fixture_site.url),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    admin = make_engine(postgres.admin_url, isolation_level="AUTOCOMMIT")
    try:
        deadline = time.monotonic() + 120
        while staged_count(engine) < 50:
            assert process.poll() is None, (tmp_path / "crawl.log").read_text()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.1)
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
        assert process.wait(timeout=120) is not None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()

    output = (tmp_path / "crawl.log").read_text()
    assert "Store unavailable" in output and "stays open and invisible" in output
    assert "Closing spider (store_unavailable)" in output
    with read(engine) as session:
        assert [v.number for v in list_versions(session, DATASET)] == [1]
        assert [r["record_key"] for r in iter_records(session, DATASET)] == ["kept"]
        assert (
            session.scalar(select(DatasetVersion.status).where(DatasetVersion.number == 2)) == OPEN
        )
    engine.dispose()
