"""`dataops serve` as a user runs it: a real process with an embedded Scrapyd, on SQLite and
PostgreSQL. The admin key is printed once, the API answers with it, and a stop signal leaves
no Scrapyd or crawl process behind."""

from __future__ import annotations

import configparser
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from control_api.serve import KEY_LINE
from dataops_spiders.runner.client import ScrapydClient
from dataops_spiders.runner.embedded import USERNAME, EmbeddedScrapyd, free_port
from tests.serving import ROOT, ServeProcess, group_members, process_running

PROJECT = "dataops"


def embedded_client(data_dir: Path) -> ScrapydClient:
    """A client of the embedded Scrapyd, with the password serve wrote to its scrapyd.conf."""
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(data_dir / "scrapyd" / "scrapyd.conf")
    url = f"http://127.0.0.1:{conf['scrapyd']['http_port']}/"
    return ScrapydClient(url, USERNAME, conf["scrapyd"]["password"])


def wait_for_running_crawl(client: ScrapydClient, job: str, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in client.listjobs(PROJECT)["running"]:
            if entry["id"] == job and entry.get("pid"):
                return entry["pid"]
        time.sleep(0.3)
    raise AssertionError(f"job {job} never ran")


def test_serve_prints_one_admin_key_serves_with_it_and_stops_everything(
    store_url, tmp_path, fixture_site
):
    data = tmp_path / "data"
    with ServeProcess(store_url, data) as first:
        key = first.key
        assert key and key.startswith("dok_")
        assert sum(line.startswith(KEY_LINE) for line in first.lines) == 1
        base = first.url

        ready = httpx.get(base + "health/readiness", trust_env=False)
        assert ready.status_code == 200, ready.text
        components = ready.json()["components"]
        assert components["store"]["status"] == "ok"
        nodes = [name for name in components if name.startswith("scrapyd http://127.0.0.1:")]
        assert len(nodes) == 1 and components[nodes[0]]["status"] == "ok"

        templates = httpx.get(base + "api/templates", headers={"X-API-Key": key}, trust_env=False)
        assert templates.status_code == 200
        assert "demo_catalogue" in {item["name"] for item in templates.json()["items"]}
        assert httpx.get(base + "api/templates", trust_env=False).status_code == 401

        # A crawl running on the embedded node when the stop comes must end with it.
        scrapyd_pid = first.scrapyd_pid
        with embedded_client(data) as client:
            assert client.listversions(PROJECT)  # the project is deployed
            job = client.schedule(
                PROJECT,
                "intent",
                args={"template": "demo_catalogue", "start_urls": fixture_site.url},
                settings={"DOWNLOAD_DELAY": 5, "DATAOPS_STORE": False},
            )
            crawl_pid = wait_for_running_crawl(client, job)
        assert process_running(scrapyd_pid) and process_running(crawl_pid)

        assert first.stop(signal.SIGTERM) == 0
    assert not process_running(scrapyd_pid)
    assert not process_running(crawl_pid)
    assert group_members(scrapyd_pid) == []
    assert "embedded Scrapyd stopped" in first.lines
    assert "Traceback" not in first.stderr
    # shown once: not in the server's log nor in any file it or Scrapyd wrote
    assert key not in first.stderr
    for path in data.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path

    with ServeProcess(store_url, data) as second:
        assert second.key is None  # the store has its admin key: nothing printed
        ready = httpx.get(second.url + "health/readiness", trust_env=False)
        assert ready.status_code == 200
        keys = httpx.get(second.url + "api/keys", headers={"X-API-Key": key}, trust_env=False)
        assert keys.status_code == 200  # the first start's key still works
        # the same node URL as before: tasks name their node by it
        assert second.scrapyd_url == first.scrapyd_url
        scrapyd_pid = second.scrapyd_pid
        assert second.stop(signal.SIGINT) == 0  # Ctrl-C
    assert group_members(scrapyd_pid) == []


def test_a_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        serve = ServeProcess(
            f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path / "data", "--port", str(port)
        )
        with serve.start(wait_for=None):
            assert serve.wait() == 1
    assert f"port {port} on 127.0.0.1 is in use" in serve.stderr
    assert "Traceback" not in serve.stderr
    # said before anything else: no Scrapyd started, and the store's one showing of a new
    # admin key is kept for a start that works
    assert serve.lines == []


def test_an_unreachable_store_is_named_without_its_password(tmp_path):
    url = f"postgresql://dataops:s3cret-pw@127.0.0.1:{free_port()}/nowhere"
    with ServeProcess(url, tmp_path / "data").start(wait_for=None) as serve:
        assert serve.wait() == 1
    assert "database unreachable at postgresql+psycopg://dataops:***@127.0.0.1" in serve.stderr
    assert "s3cret-pw" not in serve.stderr + "\n".join(serve.lines)
    assert "Traceback" not in serve.stderr


def test_configured_nodes_that_do_not_answer_are_named_and_serve_still_starts(tmp_path):
    node = f"http://127.0.0.1:{free_port()}/"
    with ServeProcess(
        f"sqlite:///{tmp_path / 'store.sqlite3'}",
        tmp_path / "data",
        "--host",
        "0.0.0.0",
        DATAOPS_SCRAPYD_URLS=node,
    ) as serve:
        assert f"Scrapyd node {node} does not answer" in serve.stderr
        assert "the API listens on 0.0.0.0, reachable from other machines" in serve.stderr
        assert serve.line("embedded Scrapyd") is None  # nodes are configured: none of ours
        port = serve.url.rsplit(":", 1)[1].rstrip("/")
        ready = httpx.get(f"http://127.0.0.1:{port}/health/readiness", trust_env=False)
        assert ready.status_code == 503
        assert ready.json()["components"][f"scrapyd {node}"]["status"] == "down"
        assert serve.stop() == 0


LOADED = (
    "import json, sys; {imports}; "
    "print(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}})))"
)


def loaded_by(imports: str) -> set[str]:
    probe = subprocess.run(
        [sys.executable, "-c", LOADED.format(imports=imports)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    return set(json.loads(probe.stdout.splitlines()[-1]))


def test_serve_loads_no_crawl_stack_and_the_crawl_cli_no_api_stack():
    serving = loaded_by(
        "import dataops_spiders.cli, control_api.serve, uvicorn; "
        "from control_api.app import create_app; create_app()"
    )
    assert "uvicorn" in serving and "fastapi" in serving  # the probe did load the server
    assert not serving & {"scrapy", "twisted", "scrapyd", "playwright", "great_expectations"}
    assert not loaded_by("import dataops_spiders.cli") & {"fastapi", "uvicorn", "starlette"}


def test_a_scrapyd_left_by_a_killed_serve_is_named_with_its_pid(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    killed = ServeProcess(url, tmp_path / "data").start()
    orphan = killed.scrapyd_pid
    try:
        killed.stop(signal.SIGKILL)  # no chance to stop its Scrapyd
        assert process_running(orphan)
        with ServeProcess(url, tmp_path / "data").start(wait_for=None) as again:
            assert again.wait() == 1
        assert f"a Scrapyd still runs on {tmp_path / 'data' / 'scrapyd'} (pid {orphan})" in (
            again.stderr
        )
        assert "Traceback" not in again.stderr
    finally:
        os.killpg(orphan, signal.SIGKILL)


def test_a_configured_node_without_the_project_is_named_and_used_for_readiness(tmp_path):
    with EmbeddedScrapyd(tmp_path / "node", job_env={}, deploy=False) as node:
        with ServeProcess(
            f"sqlite:///{tmp_path / 'store.sqlite3'}",
            tmp_path / "data",
            DATAOPS_SCRAPYD_URLS=node.url,
            DATAOPS_SCRAPYD_USERNAME=node.username,
            DATAOPS_SCRAPYD_PASSWORD=node.password,
        ) as serve:
            assert (
                f"Scrapyd node {node.url} answers, but no 'dataops' project deployed: run "
                "scrapyd-deploy"
            ) in serve.stderr
            ready = httpx.get(serve.url + "health/readiness", trust_env=False)
            assert ready.status_code == 200  # it answers, with the credentials configured
            assert ready.json()["components"][f"scrapyd {node.url}"]["status"] == "ok"
            assert serve.stop() == 0
        assert node.client.daemonstatus()["status"] == "ok"  # not ours to stop
