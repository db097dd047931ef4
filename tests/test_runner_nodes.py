"""NodePool across two real Scrapyd nodes: where the next task goes, and nodes that are down."""

from __future__ import annotations

import pytest

from dataops_spiders.runner.client import ScrapydClient, ScrapydUnavailable
from dataops_spiders.runner.embedded import EmbeddedScrapyd, free_port
from dataops_spiders.runner.nodes import NodePool, configured_urls
from dataops_spiders.runner.testing import crawl_args, project_egg, wait_for_state

PROJECT = "dataops"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    data = tmp_path_factory.mktemp("scrapyd-nodes")
    job_env = {"DATAOPS_DATA_DIR": str(data / "store")}
    egg = project_egg()
    with (
        EmbeddedScrapyd(data / "a", job_env=job_env, egg=egg) as a,
        EmbeddedScrapyd(data / "b", job_env=job_env, egg=egg) as b,
    ):
        yield a, b


def client_of(node: EmbeddedScrapyd) -> ScrapydClient:
    return ScrapydClient(node.url, node.username, node.password)


def down_url() -> str:
    return f"http://127.0.0.1:{free_port()}/"


def test_idle_nodes_tie_and_the_first_listed_wins(nodes):
    a, b = nodes
    assert NodePool([client_of(a), client_of(b)]).least_loaded().url == a.url
    assert NodePool([client_of(b), client_of(a)]).least_loaded().url == b.url


def stop(client, job: str) -> None:
    """Cancel a job and wait until it is gone. A job cancelled while pending is dropped (no
    "finished" follows). A cancel can be lost: Scrapyd may be between taking the job off its
    queue and starting its process. And a heard one stops gracefully, which under
    DOWNLOAD_DELAY 5 means every request already in the downloader's slot still goes out, 5 s
    apart. So cancel again until the job is gone: Scrapy's second SIGINT forces the stop."""
    for _ in range(4):
        client.cancel(PROJECT, job)
        try:
            wait_for_state(client, job, ("finished", None), timeout=15)
            return
        except TimeoutError:
            continue
    wait_for_state(client, job, ("finished", None), timeout=30)


def test_a_busy_node_is_passed_over_for_an_idle_one(nodes, fixture_site, tmp_path):
    a, b = nodes
    slow = {"DOWNLOAD_DELAY": 5}
    job = a.client.schedule(
        PROJECT, "intent", args=crawl_args(fixture_site.url, tmp_path), settings=slow
    )
    try:
        pool = NodePool([client_of(a), client_of(b)])
        loads = {load.client.url: load.load for load in pool.loads()[0]}
        assert loads == {a.url: 1, b.url: 0}  # pending or running, it counts
        assert pool.least_loaded().url == b.url
    finally:
        stop(a.client, job)


def test_pending_jobs_count_as_load(nodes, fixture_site, tmp_path):
    a, b = nodes
    # two jobs on b: queued or already running, each one counts
    jobs = [
        b.client.schedule(
            PROJECT,
            "intent",
            args=crawl_args(fixture_site.url, tmp_path / str(i), max_pages=3),
            settings={"DOWNLOAD_DELAY": 5},
        )
        for i in range(2)
    ]
    try:
        pool = NodePool([client_of(b), client_of(a)])
        assert pool.least_loaded().url == a.url
    finally:
        for job in jobs:
            stop(b.client, job)


def test_a_node_that_is_down_is_skipped(nodes):
    a, _ = nodes
    down = ScrapydClient(down_url(), timeout=3)
    assert NodePool([down, client_of(a)]).least_loaded().url == a.url


def test_when_no_node_answers_the_error_names_each_node(nodes):
    a, _ = nodes
    first, second = down_url(), down_url()
    wrong_password = ScrapydClient(a.url, a.username, "wrong-password")
    pool = NodePool([ScrapydClient(first, timeout=3), ScrapydClient(second), wrong_password])
    with pytest.raises(ScrapydUnavailable) as caught:
        pool.least_loaded()
    message = str(caught.value)
    assert first in message and second in message
    assert a.url in message and "credentials" in message
    assert "wrong-password" not in message


# ---------------------------------------------------------------- configuration


def test_from_env_uses_the_shared_credentials(nodes):
    a, _ = nodes
    env = {
        "DATAOPS_SCRAPYD_URLS": f" {a.url}, ,{down_url()}",
        "DATAOPS_SCRAPYD_USERNAME": a.username,
        "DATAOPS_SCRAPYD_PASSWORD": a.password,
    }
    pool = NodePool.from_env(env)
    assert len(pool) == 2
    assert pool.least_loaded().url == a.url  # a accepts them; the other one is down


def test_from_env_takes_a_node_s_own_credentials_from_its_url(nodes):
    a, b = nodes
    own = f"http://{b.username}:{b.password}@127.0.0.1:{b.port}/"
    env = {
        "DATAOPS_SCRAPYD_URLS": own,
        "DATAOPS_SCRAPYD_USERNAME": a.username,
        "DATAOPS_SCRAPYD_PASSWORD": a.password,
    }
    pool = NodePool.from_env(env)
    chosen = pool.least_loaded()
    assert chosen.url == b.url and b.password not in chosen.url
    assert pool.node(own) is chosen  # a task's recorded node URL finds its client


def test_no_configured_url_means_embedded_mode():
    assert configured_urls({}) == []
    assert configured_urls({"DATAOPS_SCRAPYD_URLS": " , "}) == []
    with pytest.raises(ValueError, match="DATAOPS_SCRAPYD_URLS"):
        NodePool.from_env({})


def test_a_bad_entry_is_named_by_position_not_by_its_text():
    env = {"DATAOPS_SCRAPYD_URLS": "http://127.0.0.1:6800/,ftp://ops:hunter2@files/"}
    with pytest.raises(ValueError, match="entry 2") as caught:
        NodePool.from_env(env)
    assert "hunter2" not in str(caught.value)


def test_a_node_listed_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        NodePool.from_env({"DATAOPS_SCRAPYD_URLS": "http://h:6800,http://h:6800/"})


def test_an_unknown_node_url_is_a_key_error():
    pool = NodePool.from_env({"DATAOPS_SCRAPYD_URLS": "http://h:6800/"})
    with pytest.raises(KeyError, match="http://other:6800/"):
        pool.node("http://other:6800")
