"""A crawl run as a task (`-a task=ID`) reports to its task row: running, progress while it
crawls, and how it ended, through real `scrapy crawl` processes on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dataops_spiders.demo_site import content
from dataops_spiders.extensions.task_progress import crawl_outcome, progress_of
from dataops_spiders.store import make_engine, make_session_factory
from dataops_spiders.store.models import (
    TASK_CANCELLED,
    TASK_FAILED,
    TASK_FINISHED,
    TASK_QUEUED,
    TASK_RUNNING,
    Run,
    SourceProfile,
)
from tests.crawling import ROOT, crawl
from tests.task_rows import new_task, read_task, set_task

DATASET = "demo_catalogue"
# Slow enough to be seen crawling: one request at a time, 0.1 s apart.
SLOW = {"CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.1", "DOWNLOAD_DELAY_JITTER": "0"}
PATIENCE = 120  # seconds a test waits for a crawl to reach a state before giving up


def start_crawl(store_url: str, task_id: int, site_url: str, run_dir, **settings):
    command = [sys.executable, "-m", "scrapy", "crawl", "intent"]
    command += ["-a", f"template={DATASET}", "-a", f"start_urls={site_url}"]
    command += ["-a", f"run_dir={run_dir}", "-a", f"task={task_id}", "-a", "max_pages=120"]
    values = {
        "DATAOPS_DATABASE_URL": store_url,
        "DATAOPS_PROGRESS_INTERVAL": "1",
        "LOG_LEVEL": "INFO",
        **SLOW,
        **settings,
    }
    for name, value in values.items():
        command += ["-s", f"{name}={value}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def wait_for(condition, process, what: str):
    """Poll the task until ``condition(task)`` holds; fail if the crawl ends first."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        task = condition()
        if task is not None:
            return task
        if process.poll() is not None:
            pytest.fail(f"the crawl ended before {what}:\n{process.stderr.read()[-3000:]}")
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"no {what} within {PATIENCE} s")


def test_a_task_shows_its_progress_while_the_crawl_runs_and_its_end(
    store_url, fixture_site, tmp_path
):
    task_id = new_task(store_url)
    assert read_task(store_url, task_id).status == TASK_QUEUED
    process = start_crawl(store_url, task_id, fixture_site.url, tmp_path / "run")
    try:

        def progressing():
            task = read_task(store_url, task_id)
            return task if task.progress.get("pages", 0) > 0 else None

        first = wait_for(progressing, process, "a first progress write")
        assert first.status == TASK_RUNNING and first.started_at is not None
        assert first.run_id is not None

        def moved_on():
            task = read_task(store_url, task_id)
            if task.status == TASK_RUNNING and task.progress["pages"] > first.progress["pages"]:
                return task
            return None

        later = wait_for(moved_on, process, "progress that changed")
        assert later.heartbeat_at > first.heartbeat_at
        assert set(later.progress) == {
            "pages",
            "records",
            "errors",
            "bytes",
            "robots_skipped",
            "pages_per_minute",
            "at",
        }
        assert later.progress["bytes"] > first.progress["bytes"]
        assert later.progress["pages_per_minute"] > 0
        _, log = process.communicate(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, log[-3000:]

    task = read_task(store_url, task_id)
    assert task.status == TASK_FINISHED, task.reason
    assert task.reason is None and task.finished_at >= task.started_at
    assert task.dataset_version == 1
    assert task.stats["finish_reason"] == "finished"
    assert task.progress["pages"] == task.stats["response_received_count"] - 1  # robots.txt
    assert task.progress["records"] == task.stats["dataops/records"] > 0
    assert task.progress["robots_skipped"] == task.stats["dataops/robots_forbidden"] > 0
    engine = make_engine(store_url)
    try:
        with make_session_factory(engine)() as session:
            run = session.get(Run, task.run_id)
            assert run.template_name == DATASET and run.status == "finished"
            assert run.arguments["task"] == task_id  # what the API's dispatcher looks for
    finally:
        engine.dispose()


def test_a_cancel_requested_in_the_store_stops_the_crawl(store_url, fixture_site, tmp_path):
    task_id = new_task(store_url)
    process = start_crawl(store_url, task_id, fixture_site.url, tmp_path / "run")
    try:

        def crawling():
            task = read_task(store_url, task_id)
            return task if task.progress.get("pages", 0) > 0 else None

        wait_for(crawling, process, "the crawl to start")
        set_task(store_url, task_id, cancel_requested=True)
        _, log = process.communicate(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, log[-3000:]
    assert "cancel requested, closing the spider" in log

    task = read_task(store_url, task_id)
    assert task.status == TASK_CANCELLED
    assert task.stats["finish_reason"] == "cancelled"
    assert task.dataset_version is None  # the version of a cancelled crawl is not committed
    assert task.progress["pages"] < 120


def test_a_task_cancelled_before_its_crawl_started_is_left_as_it_is(
    store_url, fixture_site, tmp_path
):
    ended = datetime.now(UTC) - timedelta(minutes=1)
    task_id = new_task(store_url, status=TASK_CANCELLED, cancel_requested=True, finished_at=ended)
    done = crawl(
        DATASET,
        tmp_path / "run",
        f"task={task_id}",
        start_urls=fixture_site.url,
        settings={"DATAOPS_DATABASE_URL": store_url},
    )
    assert done.returncode == 0, done.log[-3000:]
    assert done.summary["finish_reason"] == "cancelled"
    assert done.summary["pages_fetched"] <= 2  # closed at once
    task = read_task(store_url, task_id)
    assert task.status == TASK_CANCELLED and task.started_at is None
    assert task.finished_at == ended


def a_product_url(site_url: str) -> str:
    return site_url.rstrip("/") + content.catalogue("small", 1).products[0].path


def test_an_unknown_task_is_reported_and_the_crawl_still_runs(store_url, fixture_site, tmp_path):
    done = crawl(
        DATASET,
        tmp_path / "run",
        "task=9999",
        "strategy=direct_item",
        start_urls=a_product_url(fixture_site.url),
        settings={"DATAOPS_DATABASE_URL": store_url},
    )
    assert done.returncode == 0, done.log[-3000:]
    assert "ERROR: Task 9999 is not in the store at" in done.log
    assert done.summary["dataset_version_state"] == "committed"


def test_an_unreachable_store_is_one_warning_and_the_crawl_goes_on(fixture_site, tmp_path):
    products = content.catalogue("small", 1).products[:20]
    urls = ",".join(fixture_site.url.rstrip("/") + product.path for product in products)
    done = crawl(
        DATASET,
        tmp_path / "run",
        "task=1",
        "strategy=direct_item",
        start_urls=urls,
        settings={
            "DATAOPS_STORE": "False",  # the task's store only: records still reach the feed
            "DATAOPS_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
            "DATAOPS_PROGRESS_INTERVAL": "0.5",
            **SLOW,  # several intervals long: each one tries the store again, quietly
        },
    )
    assert done.returncode == 0, done.log[-3000:]
    assert done.log.count("progress not written") == 1
    assert "Task 1: store at postgresql://nobody@127.0.0.1:9/none unreachable" in done.log
    assert len(done.records) == 20


@pytest.mark.parametrize("value", ["abc", "-3", "0"])
def test_a_bad_task_argument_stops_before_the_crawl(value, tmp_path):
    done = crawl(DATASET, tmp_path / "run", f"task={value}")
    assert done.returncode == 2
    assert "-a task=" in done.log.strip().splitlines()[-1]


def test_robots_txt_text_and_status_reach_the_source_profile(store_url, fixture_site, tmp_path):
    done = crawl(
        DATASET,
        tmp_path / "run",
        "max_pages=3",
        start_urls=fixture_site.url,
        settings={"DATAOPS_DATABASE_URL": store_url},
    )
    assert done.returncode == 0, done.log[-3000:]
    engine = make_engine(store_url)
    try:
        with make_session_factory(engine)() as session:
            (profile,) = session.scalars(select(SourceProfile)).all()
    finally:
        engine.dispose()
    assert profile.robots_status == 200
    assert "Disallow: /private/" in profile.robots_rules
    assert f"Sitemap: {fixture_site.url}sitemap.xml" in profile.robots_rules


# ------------------------------------------------------------------ how an ending is named


@pytest.mark.parametrize(
    ("reason", "cancel", "state", "status"),
    [
        ("finished", False, "committed", TASK_FINISHED),
        ("closespider_pagecount", False, "committed", TASK_FINISHED),
        ("finished", False, "failed", TASK_FAILED),  # nothing usable came of it
        ("shutdown", True, "failed", TASK_CANCELLED),
        ("cancelled", True, "failed", TASK_CANCELLED),
        ("shutdown", False, "failed", TASK_FAILED),  # stopped, but nobody asked
        ("store_unavailable", False, "open", TASK_FAILED),
    ],
)
def test_a_crawl_ending_becomes_a_task_status(reason, cancel, state, status):
    assert crawl_outcome(reason, cancel, True, 3, state)[0] == status


def test_progress_counts_pages_without_robots_txt_and_its_rate():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    stats = {
        "start_time": start,
        "response_received_count": 31,
        "robotstxt/response_count": 1,
        "dataops/records": 12,
        "log_count/ERROR": 1,
        "dataops/pages_failed": 2,
        "downloader/response_bytes": 4096,
        "dataops/robots_forbidden": 4,
    }
    first = progress_of(stats, None, start + timedelta(seconds=30))
    assert first == {
        "pages": 30,
        "records": 12,
        "errors": 3,
        "bytes": 4096,
        "robots_skipped": 4,
        "pages_per_minute": 60.0,
        "at": "2026-01-01T00:00:30+00:00",
    }
    later = progress_of(
        {**stats, "response_received_count": 41}, first, start + timedelta(seconds=90)
    )
    assert later["pages"] == 40 and later["pages_per_minute"] == 10.0
    assert json.loads(json.dumps(later)) == later
