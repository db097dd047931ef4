"""Jobs and tasks against real Scrapyd nodes, on SQLite and PostgreSQL: a run reaches finished
and its dataset version is readable; cancel, retry, logs; Scrapyd down at run time (503, the task
waits queued and runs once a node answers); a node killed mid-run and a crawl that cannot start
both end their task failed, with the reason.

Each store gets one Scrapyd node for the module (its crawls write that store); the tests that
stop or start a node make their own. The dispatcher thread is off: the tests call
Dispatcher.run_once() while they wait.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest

from control_api.testing import ApiHarness
from dataops_spiders.demo_site.content import CATEGORY_SLUGS
from dataops_spiders.demo_site.process import start_in_subprocess
from dataops_spiders.runner.embedded import EmbeddedScrapyd, free_port
from dataops_spiders.runner.testing import project_egg, wait_for_log
from dataops_spiders.store.models import TASK_ENDED, TASK_QUEUED, TASK_RUNNING, Task, utcnow
from tests.browsers import needs_chromium

PROJECT, SPIDER = "dataops", "intent"
WAIT = 120  # seconds a crawl of a few pages may take on a busy machine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory):
    from dataops_spiders.store.testing import sqlite_url

    if request.param == "sqlite":
        return sqlite_url(tmp_path_factory.mktemp("store") / "store.sqlite3")
    return request.getfixturevalue("postgres").create()


def make_node(store, folder, data_dir, port=0) -> EmbeddedScrapyd:
    job_env = {"DATABASE_URL": store, "DATAOPS_DATA_DIR": str(data_dir)}
    # A short poll: Scrapyd starts a queued job within 0.2 s instead of 1 s.
    return EmbeddedScrapyd(folder, port, egg=project_egg(), job_env=job_env, poll_interval=0.2)


def harness(store, node: EmbeddedScrapyd, **settings) -> ApiHarness:
    return ApiHarness(
        store,
        scrapyd_urls=[f"http://127.0.0.1:{node.port or node.requested_port}/"],
        scrapyd_username=node.username,
        scrapyd_password=node.password,
        dispatch=False,
        **settings,
    )


@pytest.fixture(scope="module")
def module_node(store, tmp_path_factory, isolated_data_dir):
    """The module's node, on a port of its own, not started yet: the first test that needs it
    running starts it (see `node`); the Scrapyd-down test stops and starts it."""
    folder = tmp_path_factory.mktemp("scrapyd")
    node = make_node(store, folder, isolated_data_dir, port=free_port())
    yield node
    node.stop()


@pytest.fixture
def node(module_node):
    if module_node.client is None:
        module_node.start()
    return module_node


@pytest.fixture(scope="module")
def cluster(store, module_node):
    api = harness(store, module_node, scrape_allow_hosts=["127.0.0.1"])  # the fixture site
    yield api
    api.close()


@pytest.fixture(scope="module")
def slow_site():
    """The fixture site announcing Crawl-delay: 1 (a crawl of it runs for many seconds)."""
    with start_in_subprocess(crawl_delay=1.0) as site:
        yield site


def job(api, site, dataset: str, **changes) -> dict:
    """A job crawling one category of the shop: a listing page, then its products."""
    body = {
        "name": dataset,
        "template": "demo_catalogue",
        "start_urls": [f"{site.url}catalogue/{CATEGORY_SLUGS[0]}/"],
        "limits": {"max_pages": 25},
        "dataset": dataset,
    } | changes
    response = api.client.post("/api/jobs", json=body, headers=api.headers("operator"))
    assert response.status_code == 201, response.text
    return response.json()


def run(api, job_id: int) -> dict:
    response = api.client.post(f"/api/jobs/{job_id}/run", headers=api.headers("operator"))
    assert response.status_code == 202, response.text
    return response.json()


def task_of(api, task_id: int) -> dict:
    return api.client.get(f"/api/tasks/{task_id}", headers=api.headers()).json()


def wait_for(api, task_id: int, statuses=TASK_ENDED, timeout: float = WAIT) -> dict:
    """Run dispatcher passes until the task is in one of `statuses`."""
    deadline = time.monotonic() + timeout
    while True:
        api.app.state.dispatcher.run_once()
        task = task_of(api, task_id)
        if task["status"] in statuses:
            return task
        if time.monotonic() > deadline:
            raise TimeoutError(f"task {task_id} still {task['status']}: {task}")
        time.sleep(0.3)


def started(api, node: EmbeddedScrapyd, task: dict) -> dict:
    """Wait until the crawl has opened its spider (a signal sent earlier may go unheard)."""
    task = wait_for(api, task["id"], ("running", *TASK_ENDED))
    wait_for_log(node.client, PROJECT, SPIDER, task["scrapyd_job"], "Spider opened")
    return task


# -------------------------------------------- Scrapyd down, then back (the module node starts here)


def test_scrapyd_down_then_back_the_queued_task_runs(cluster, module_node, fixture_site):
    node = module_node
    node.stop()  # down (when an earlier test started it)
    created = job(cluster, fixture_site, "api_late")
    response = cluster.client.post(
        f"/api/jobs/{created['id']}/run", headers=cluster.headers("operator")
    )
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "scrapyd_unavailable"
    assert f"127.0.0.1:{node.requested_port}" in error["message"]
    task_id = error["details"]["task_id"]
    assert cluster.app.state.dispatcher.run_once().scheduled == []
    waiting = task_of(cluster, task_id)
    assert waiting["status"] == "queued" and "unreachable" in waiting["reason"]

    node.start()
    task = wait_for(cluster, task_id)
    assert task["status"] == "finished", task["reason"]
    assert task["node"] == node.url and task["dataset_version"] == 1


# ------------------------------------------------------------------------------ a run


def test_a_run_finishes_its_version_is_readable_and_a_retry_makes_the_next(
    cluster, node, fixture_site
):
    created = job(cluster, fixture_site, "api_run")
    accepted = run(cluster, created["id"])
    assert accepted["status"] in ("queued", "running")
    assert accepted["node"] == node.url and accepted["scrapyd_job"]
    assert node.password not in accepted["node"]

    task = wait_for(cluster, accepted["id"])
    assert task["status"] == "finished", task["reason"]
    assert task["reason"] is None and task["dataset"] == "api_run"
    assert task["finished_at"] >= task["created_at"]
    versions = cluster.client.get(
        "/api/datasets/api_run/versions", headers=cluster.headers()
    ).json()["items"]
    assert [v["number"] for v in versions] == [task["dataset_version"]]
    assert versions[0]["status"] == "committed" and versions[0]["records"] > 0
    exported = cluster.client.get(task["links"]["export"], headers=cluster.headers())
    assert exported.status_code == 200 and exported.text.count("\n") == versions[0]["records"]

    tail = cluster.client.get(f"/api/tasks/{task['id']}/log?tail=4000", headers=cluster.headers())
    assert tail.status_code == 200 and tail.headers["content-type"].startswith("text/plain")
    assert "Spider closed (finished)" in tail.text and len(tail.text.encode()) <= 4000
    whole = cluster.client.get(task["links"]["log_download"], headers=cluster.headers())
    assert whole.status_code == 200
    assert "attachment" in whole.headers["content-disposition"]
    assert "Spider opened" in whole.text and whole.text.endswith(tail.text)

    listed = cluster.client.get(f"/api/jobs/{created['id']}", headers=cluster.headers()).json()
    assert (listed["last_task_id"], listed["last_task_status"]) == (task["id"], "finished")

    # A retry is a new task with the same arguments: the next version of the dataset.
    response = cluster.client.post(
        f"/api/tasks/{task['id']}/retry", headers=cluster.headers("operator")
    )
    assert response.status_code == 202, response.text
    retry = wait_for(cluster, response.json()["id"])
    assert retry["status"] == "finished", retry["reason"]
    assert retry["retry_of"] == task["id"]
    assert retry["dataset_version"] == task["dataset_version"] + 1
    assert retry["arguments"] == task["arguments"]


def test_a_running_task_is_cancelled(cluster, node, slow_site):
    created = job(cluster, slow_site, "api_cancel", limits={"max_pages": 200})
    task = started(cluster, node, run(cluster, created["id"]))
    assert task["status"] == "running", task
    operator = cluster.headers("operator")
    assert cluster.client.delete(f"/api/tasks/{task['id']}", headers=operator).status_code == 409
    response = cluster.client.post(f"/api/tasks/{task['id']}/cancel", headers=operator)
    assert response.status_code == 202, response.text
    assert response.json()["cancel_requested"] is True
    ended = wait_for(cluster, task["id"])
    assert ended["status"] == "cancelled", ended
    versions = cluster.client.get("/api/datasets/api_cancel/versions", headers=cluster.headers())
    assert versions.status_code == 404 or versions.json()["items"] == []  # nothing committed
    assert cluster.client.delete(f"/api/tasks/{task['id']}", headers=operator).status_code == 204


def test_a_crawl_that_cannot_start_ends_failed(cluster, node):
    # A task whose template is gone by the time it runs: the crawl process stops at its
    # arguments, before any spider opens, so only Scrapyd's view and the store can tell.
    with cluster.app.state.write_sessions() as session:
        task = Task(
            template_name="vanished_template",
            dataset="vanished",
            arguments={"start_urls": ["http://127.0.0.1:9/"]},
            status=TASK_QUEUED,
        )
        session.add(task)
        session.commit()
        task_id = task.id
    ended = wait_for(cluster, task_id)
    assert ended["status"] == "failed", ended
    assert ended["reason"] == "the crawl process exited without finishing: see its log"
    assert ended["dataset_version"] is None


# ------------------------------------------------------------------------------ a node dies


def test_a_node_killed_mid_run_fails_its_task(store, slow_site, tmp_path, isolated_data_dir):
    node = make_node(store, tmp_path / "doomed", isolated_data_dir).start()
    api = harness(store, node, node_grace=1.0)
    try:
        created = job(api, slow_site, "api_doomed", limits={"max_pages": 200})
        task = started(api, node, run(api, created["id"]))
        os.killpg(node.pid, signal.SIGKILL)  # Scrapyd and its crawls die without a word
        ended = wait_for(api, task["id"])
        assert ended["status"] == "failed", ended
        assert ended["reason"] == f"node {node.url} stopped answering"
    finally:
        api.close()
        node.stop()


# ------------------------------------------------------------------------------ /api/scrape


def test_a_scrape_of_a_product_page_gives_its_record_with_confidences(cluster, node, fixture_site):
    from dataops_spiders.demo_site.content import catalogue

    product = next(p for p in catalogue().products if p.markup == "jsonld")
    url = fixture_site.url + product.path.lstrip("/")
    response = cluster.client.post(
        "/api/scrape", json={"url": url, "intent": "product"}, headers=cluster.headers("operator")
    )
    assert response.status_code == 202, response.text
    scrape_id = response.json()["id"]
    wait_for(cluster, scrape_id)
    result = cluster.client.get(
        f"/api/scrape/{scrape_id}", headers=cluster.headers("operator")
    ).json()
    assert result["status"] == "finished", result
    assert result["http_status"] == 200 and result["url"] == url
    (record,) = result["records"]
    assert record["fields"]["sku"]["value"] == product.sku
    assert 0.5 < record["fields"]["sku"]["confidence"] <= 1
    assert record["fields"]["name"]["reasons"]
    task = cluster.client.get(f"/api/tasks/{scrape_id}", headers=cluster.headers()).json()
    assert task["dataset_version"] is None and task["run_id"] is None  # no dataset version


def test_a_job_scrapyd_forgot_fails_once_its_crawl_falls_silent(cluster, node, monkeypatch):
    # As after a Scrapyd restart with in-memory history: the task runs, no node lists its job.
    from control_api.services import dispatcher

    monkeypatch.setattr(dispatcher, "MISSING_GRACE", timedelta(0))
    now = utcnow()
    with cluster.app.state.write_sessions() as session:
        task = Task(
            template_name="demo_catalogue",
            status=TASK_RUNNING,
            node=node.url,
            scrapyd_job="f" * 32,
            scheduled_at=now,
            started_at=now,
            heartbeat_at=now,  # its crawl reported a moment ago: still alive somewhere
        )
        session.add(task)
        session.commit()
        task_id = task.id
    cluster.app.state.dispatcher.run_once()
    assert task_of(cluster, task_id)["status"] == "running"

    with cluster.app.state.write_sessions() as session:
        session.get(Task, task_id).heartbeat_at = now - timedelta(hours=1)
        session.commit()
    assert cluster.app.state.dispatcher.run_once().ended == {task_id: "failed"}
    ended = task_of(cluster, task_id)
    assert ended["reason"] == f"Scrapyd no longer knows job {'f' * 32} on {node.url} (restarted?)"


# ------------------------------------------------------------------------------ the browser


@needs_chromium
def test_javascript_only_pages_give_complete_records_through_scrapyd(cluster, node, fixture_site):
    """A job whose pages need JavaScript (render: auto) and a scrape of such a page both come
    back with the values only the browser can see."""
    from dataops_spiders.demo_site.content import catalogue
    from dataops_spiders.demo_site.fetch_pages import app_product_path, app_products

    products = app_products(catalogue())[:2]
    urls = [fixture_site.url + app_product_path(p.slug).lstrip("/") for p in products]
    created = job(
        cluster, fixture_site, "js_run", template="generic_product", start_urls=urls,
        limits={}, fetch={"strategy": "direct_item", "render": "auto"},
    )  # fmt: skip
    task = wait_for(cluster, run(cluster, created["id"])["id"])
    assert task["status"] == "finished", task["reason"]
    exported = cluster.client.get(task["links"]["export"], headers=cluster.headers()).text
    assert all(p.sku in exported and str(p.price) in exported for p in products)

    response = cluster.client.post(
        "/api/scrape",
        json={"url": urls[0], "intent": "product"},
        headers=cluster.headers("operator"),
    )
    scrape_id = response.json()["id"]
    wait_for(cluster, scrape_id)
    result = cluster.client.get(
        f"/api/scrape/{scrape_id}", headers=cluster.headers("operator")
    ).json()
    assert result["status"] == "finished", result
    assert result["records"][0]["fields"]["sku"]["value"] == products[0].sku
