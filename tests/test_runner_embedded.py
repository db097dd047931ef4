"""EmbeddedScrapyd: its configuration, auth, the environment its crawls get, history across a
restart, and a stop that leaves no process behind."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import httpx
import pytest

from dataops_spiders.runner.embedded import (
    EmbeddedScrapyd,
    EmbeddedScrapydError,
    absolute_database_url,
    job_environment,
)
from dataops_spiders.runner.testing import (
    crawl_args,
    project_egg,
    summary_numbers,
    wait_for_log,
    wait_for_state,
)
from tests.serving import process_running

PROJECT = "dataops"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def probe_templates(tmp_path) -> Path:
    """A template folder only the crawl's environment points to."""
    folder = tmp_path / "probe_templates"
    folder.mkdir()
    text = (ROOT / "templates" / "demo_catalogue.yml").read_text()
    (folder / "probe_catalogue.yml").write_text(
        text.replace("name: demo_catalogue", "name: probe_catalogue")
    )
    return folder


def test_the_config_binds_loopback_with_auth_and_sqlite_history(tmp_path):
    with EmbeddedScrapyd(tmp_path / "node", job_env={}, deploy=False) as scrapyd:
        conf_path = tmp_path / "node" / "scrapyd.conf"
        conf = conf_path.read_text()
        assert stat.S_IMODE(conf_path.stat().st_mode) == 0o600  # it holds the password
        assert "bind_address      = 127.0.0.1" in conf
        assert f"http_port         = {scrapyd.port}" in conf
        assert f"password          = {scrapyd.password}" in conf
        assert "jobstorage        = scrapyd.jobstorage.SqliteJobStorage" in conf
        assert "items_dir         =\n" in conf
        assert scrapyd.url == f"http://127.0.0.1:{scrapyd.port}/"
        assert len(scrapyd.password) >= 24
        # auth is on: addversion runs code, so other local users must not reach it
        anonymous = httpx.get(scrapyd.url + "daemonstatus.json", trust_env=False)
        assert anonymous.status_code == 401
        assert scrapyd.client.daemonstatus()["status"] == "ok"


def test_each_start_makes_a_new_password(tmp_path):
    first = EmbeddedScrapyd(tmp_path / "a", job_env={}, deploy=False)
    second = EmbeddedScrapyd(tmp_path / "b", job_env={}, deploy=False)
    assert first.password != second.password


def test_crawls_get_the_environment_and_history_survives_a_restart(
    tmp_path, fixture_site, probe_templates
):
    data = tmp_path / "node"
    job_env = {
        "DATAOPS_TEMPLATE_DIRS": str(probe_templates),
        "DATAOPS_DATA_DIR": str(tmp_path / "store"),
    }
    with EmbeddedScrapyd(data, job_env=job_env, egg=project_egg()) as scrapyd:
        assert scrapyd.client.listversions(PROJECT) == [scrapyd.version]
        # probe_catalogue exists only in the folder the environment names
        job = scrapyd.client.schedule(
            PROJECT,
            "intent",
            args=crawl_args(fixture_site.url, tmp_path / "run", "probe_catalogue", max_pages=20),
            settings={},
        )
        wait_for_state(scrapyd.client, job)
        log = scrapyd.client.log(PROJECT, "intent", job)
        assert "template          probe_catalogue" in log
        assert summary_numbers(log)["records"] > 0

    with EmbeddedScrapyd(data, job_env=job_env, deploy=False) as again:
        finished = [j["id"] for j in again.client.listjobs(PROJECT)["finished"]]
        assert job in finished  # SQLite job storage: the history outlived the process
        assert again.client.status(job) == "finished"
        assert again.client.listspiders(PROJECT) == ["intent"]  # the egg stayed deployed
        assert "probe_catalogue" in again.client.log(PROJECT, "intent", job)


def test_stopping_ends_scrapyd_and_the_crawls_it_started(tmp_path, fixture_site):
    scrapyd = EmbeddedScrapyd(tmp_path / "node", job_env={}, egg=project_egg())
    with scrapyd:
        job = scrapyd.client.schedule(
            PROJECT,
            "intent",
            args=crawl_args(fixture_site.url, tmp_path / "run"),
            settings={"DOWNLOAD_DELAY": 5},
        )
        wait_for_log(scrapyd.client, PROJECT, "intent", job, "Spider opened")
        running = scrapyd.client.listjobs(PROJECT)["running"]
        crawl_pid = next(j["pid"] for j in running if j["id"] == job)
        scrapyd_pid = scrapyd.pid
        assert process_running(crawl_pid) and process_running(scrapyd_pid)
        port = scrapyd.port
    assert not process_running(scrapyd_pid)
    assert not process_running(crawl_pid)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nobody listens any more
    log = (tmp_path / "node" / "logs" / PROJECT / "intent" / f"{job}.log").read_text()
    assert "Spider closed (shutdown)" in log  # the crawl was stopped, not killed


def test_a_taken_port_fails_with_scrapyd_s_own_reason(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        scrapyd = EmbeddedScrapyd(tmp_path / "node", port, job_env={}, deploy=False)
        with pytest.raises(EmbeddedScrapydError, match="Address already in use"):
            scrapyd.start()
    assert scrapyd.pid is None  # nothing left running


def test_a_failed_deploy_stops_scrapyd(tmp_path):
    scrapyd = EmbeddedScrapyd(tmp_path / "node", job_env={}, egg=b"not an egg")
    with pytest.raises(Exception, match="egg is not a ZIP file"):
        scrapyd.start()
    assert scrapyd.pid is None


# ---------------------------------------------------------------- the crawls' environment


def test_job_environment_points_crawls_at_the_api_s_store(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(tmp_path / "data"))
    env = job_environment()
    assert env["DATAOPS_DATA_DIR"] == str(tmp_path / "data")
    assert env["DATABASE_URL"] == f"sqlite:///{tmp_path / 'data' / 'dataops.sqlite3'}"


def test_job_environment_keeps_a_postgres_url_whole(monkeypatch, tmp_path):
    url = "postgresql+psycopg://ops:p%40ss@db.internal:5432/dataops"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(tmp_path))
    assert job_environment()["DATABASE_URL"] == url  # the password is not masked


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///store.db", "sqlite:///{cwd}/store.db"),
        ("sqlite:////abs/store.db", "sqlite:////abs/store.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
    ],
)
def test_a_relative_sqlite_file_becomes_absolute(monkeypatch, tmp_path, url, expected):
    monkeypatch.chdir(tmp_path)
    assert absolute_database_url(url) == expected.format(cwd=os.fspath(tmp_path))
