"""ScrapydClient against a real Scrapyd process on a free loopback port, the project deployed."""

from __future__ import annotations

import base64
import json
import logging

import httpx
import pytest

from dataops_spiders.runner.client import (
    ScrapydAuthError,
    ScrapydClient,
    ScrapydError,
    ScrapydUnavailable,
    split_credentials,
)
from dataops_spiders.runner.embedded import EmbeddedScrapyd, free_port
from dataops_spiders.runner.testing import (
    crawl_args,
    project_egg,
    summary_numbers,
    wait_for_log,
    wait_for_state,
)

PROJECT = "dataops"


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    data = tmp_path_factory.mktemp("scrapyd-client")
    job_env = {"DATAOPS_DATA_DIR": str(data / "store")}
    with EmbeddedScrapyd(data / "node", job_env=job_env, egg=project_egg()) as scrapyd:
        yield scrapyd


@pytest.fixture(scope="module")
def finished_crawl(node, fixture_site, tmp_path_factory):
    """One crawl of the fixture site with the shipped demo template, run to its end."""
    run_dir = tmp_path_factory.mktemp("run")
    job = node.client.schedule(
        PROJECT,
        "intent",
        args=crawl_args(fixture_site.url, run_dir, max_pages=20),
        settings={"LOG_LEVEL": "INFO"},
    )
    wait_for_state(node.client, job)
    return job, run_dir


def test_daemonstatus_reports_an_idle_node(node):
    status = node.client.daemonstatus()
    assert status["status"] == "ok"
    assert {"running", "pending", "finished"} <= status.keys()


def test_addversion_deploys_our_egg_with_the_intent_spider(node):
    answer = node.client.addversion(PROJECT, "2000000000-test", project_egg())
    assert answer["spiders"] == 1
    assert "2000000000-test" in node.client.listversions(PROJECT)
    assert node.client.listspiders(PROJECT) == ["intent"]


def test_a_scheduled_crawl_runs_and_its_log_shows_the_records(node, finished_crawl):
    job, run_dir = finished_crawl
    client = node.client
    finished = {j["id"]: j for j in client.listjobs(PROJECT)["finished"]}
    assert job in finished and finished[job]["spider"] == "intent"
    assert client.status(job) == "finished"
    assert client.status(job, project=PROJECT) == "finished"

    tail = client.log(PROJECT, "intent", job, tail_bytes=30000)
    numbers = summary_numbers(tail)
    assert numbers["pages fetched"] > 1
    assert numbers["records"] > 0
    # the records are where run_dir said, as many as the log counts
    lines = (run_dir / "records.jsonl").read_text().splitlines()
    assert len(lines) == numbers["records"]
    assert json.loads(lines[0])["source_url"].startswith("http://127.0.0.1")


def test_a_log_tail_starts_at_a_line_and_is_the_end_of_the_whole_log(node, finished_crawl):
    job, _ = finished_crawl
    whole = node.client.log(PROJECT, "intent", job)
    tail = node.client.log(PROJECT, "intent", job, tail_bytes=500)
    assert len(tail) < 500 and whole.endswith(tail)
    assert whole[: -len(tail)].endswith("\n")  # the tail begins at a line start
    # a tail longer than the log is the whole log
    assert node.client.log(PROJECT, "intent", job, tail_bytes=10_000_000) == whole


def test_the_log_of_an_unknown_job_is_none(node):
    assert node.client.log(PROJECT, "intent", "no-such-job") is None
    assert node.client.status("no-such-job") is None


def test_schedule_passes_arguments_settings_and_our_job_id(node, fixture_site, tmp_path):
    job = node.client.schedule(
        PROJECT,
        "intent",
        args=crawl_args(fixture_site.url, tmp_path, max_pages=1),
        settings={
            "LOG_LEVEL": "INFO",
            "USER_AGENT": "RunnerTest/1.0",
            # a dict setting travels as JSON, as Scrapy's -s expects it
            "FEEDS": {str(tmp_path / "feed.jsonl"): {"format": "jsonlines"}},
        },
        jobid="task-0001",
    )
    assert job == "task-0001"
    wait_for_state(node.client, job)
    log = node.client.log(PROJECT, "intent", job)
    assert "'USER_AGENT': 'RunnerTest/1.0'" in log  # Scrapy lists overridden settings
    summary = json.loads((tmp_path / "summary.json").read_text())  # run_dir= was passed
    assert summary["start_urls"] == [fixture_site.url]
    assert summary["pages_skipped"]["max_pages"] > 0  # max_pages=1 was passed
    assert (tmp_path / "feed.jsonl").exists()


def test_spider_arguments_that_are_schedule_parameters_are_refused(node):
    with pytest.raises(ValueError, match="priority"):
        node.client.schedule(PROJECT, "intent", args={"priority": "1"}, settings={})


def test_cancel_stops_a_running_crawl(node, fixture_site, tmp_path):
    slow = {"DOWNLOAD_DELAY": 5, "LOG_LEVEL": "INFO"}
    job = node.client.schedule(
        PROJECT, "intent", args=crawl_args(fixture_site.url, tmp_path), settings=slow
    )
    wait_for_log(node.client, PROJECT, "intent", job, "Spider opened")
    assert node.client.cancel(PROJECT, job) == "running"
    wait_for_state(node.client, job, timeout=60)  # a 5 s delay per page: it ended early
    log = node.client.log(PROJECT, "intent", job) or ""
    # Usually "Spider closed (shutdown)"; a SIGINT landing while the crawler is still starting
    # ends the process before it can log that. Either way the crawl did not run to its end.
    assert "Spider closed (finished)" not in log


def test_cancel_of_an_unknown_job_says_it_was_nowhere(node):
    assert node.client.cancel(PROJECT, "no-such-job") is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.schedule(PROJECT, "nospider", args={}, settings={}), "spider 'nospider'"),
        (lambda c: c.schedule("noproject", "intent", args={}, settings={}), "'noproject' not"),
        (lambda c: c.listjobs("noproject"), "project 'noproject' not found"),
        (lambda c: c.addversion(PROJECT, "1", b"not a zip"), "egg is not a ZIP file"),
    ],
)
def test_scrapyd_errors_carry_its_message(node, call, message):
    with pytest.raises(ScrapydError, match=message) as caught:
        call(node.client)
    assert caught.value.node == node.url
    assert not isinstance(caught.value, ScrapydUnavailable)


# ---------------------------------------------------------------- basic auth


@pytest.mark.parametrize("path", ["daemonstatus.json", "listjobs.json", "logs/"])
def test_without_credentials_every_endpoint_answers_401(node, path):
    assert httpx.get(node.url + path, trust_env=False).status_code == 401


def test_addversion_without_credentials_is_refused(node):
    response = httpx.post(
        node.url + "addversion.json",
        data={"project": "intruder", "version": "1"},
        files={"egg": ("x.egg", project_egg())},
        trust_env=False,
    )
    assert response.status_code == 401
    assert node.client.listversions("intruder") == []


def test_wrong_credentials_raise_an_auth_error_that_does_not_repeat_them(node):
    client = ScrapydClient(node.url, "dataops", "not-the-password")
    with pytest.raises(ScrapydAuthError) as caught:
        client.daemonstatus()
    assert "not-the-password" not in str(caught.value)
    assert caught.value.status_code == 401


def test_credentials_in_the_url_are_used_and_not_shown(node):
    client = ScrapydClient(f"http://{node.username}:{node.password}@127.0.0.1:{node.port}/")
    assert client.daemonstatus()["status"] == "ok"
    assert node.password not in client.url and node.password not in repr(client)


# ---------------------------------------------------------------- unreachable nodes


def test_a_node_that_is_down_is_unavailable_and_named_without_credentials(caplog):
    port = free_port()  # nothing listens there
    client = ScrapydClient(f"http://ops:s3cret-pw@127.0.0.1:{port}/", timeout=3)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ScrapydUnavailable) as caught:
        client.daemonstatus()
    message = str(caught.value)
    assert f"http://127.0.0.1:{port}/" in message
    assert "s3cret" not in message and "ops:" not in message
    assert caught.value.__cause__ is None  # nothing chained that could carry the request
    token = base64.b64encode(b"ops:s3cret-pw").decode()
    assert "s3cret" not in caplog.text and token not in caplog.text


def test_every_call_reports_an_unreachable_node_the_same_way():
    client = ScrapydClient(f"http://127.0.0.1:{free_port()}/", timeout=3)
    for call in (
        lambda: client.schedule(PROJECT, "intent", args={}, settings={}),
        lambda: client.listjobs(PROJECT),
        lambda: client.log(PROJECT, "intent", "job"),
        lambda: client.cancel(PROJECT, "job"),
    ):
        with pytest.raises(ScrapydUnavailable, match="unreachable"):
            call()


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("http://127.0.0.1:6800", "http://127.0.0.1:6800/"),
        ("http://u:p%40ss@scrapyd.internal:6800/", "http://scrapyd.internal:6800/"),
        ("https://nodes.example/scrapyd", "https://nodes.example/scrapyd/"),
        ("http://[::1]:6800/", "http://[::1]:6800/"),
    ],
)
def test_split_credentials_keeps_them_out_of_the_url(url, clean):
    assert split_credentials(url)[0] == clean


def test_split_credentials_decodes_them():
    assert split_credentials("http://u%3Ax:p%40ss@host/")[1:] == ("u:x", "p@ss")


@pytest.mark.parametrize("url", ["ftp://host/", "127.0.0.1:6800", "http://user:secret@/"])
def test_a_url_that_is_not_http_is_refused_without_echoing_it(url):
    with pytest.raises(ValueError) as caught:
        split_credentials(url)
    assert "secret" not in str(caught.value)
