"""/health, /health/liveness, /health/readiness: no key needed; 503 naming what is down (the
store, its schema, every Scrapyd node), against a real Scrapyd node for the Scrapyd half."""

from __future__ import annotations

import pytest

from control_api.testing import ApiHarness
from dataops_spiders.runner.embedded import EmbeddedScrapyd, free_port
from dataops_spiders.store.migrate import upgrade
from dataops_spiders.store.testing import sqlite_url


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    """A real Scrapyd node on loopback, with basic auth, nothing deployed."""
    with EmbeddedScrapyd(tmp_path_factory.mktemp("scrapyd"), job_env={}, deploy=False) as node:
        yield node


@pytest.fixture
def harness(tmp_path):
    made = []

    def make(url: str | None = None, **settings) -> ApiHarness:
        made.append(ApiHarness(url or sqlite_url(tmp_path / "store.sqlite3"), **settings))
        return made[-1]

    yield make
    for api in made:
        api.close()


def test_liveness_answers_without_checking_anything(harness, tmp_path):
    api = harness(f"sqlite:///{tmp_path / 'missing' / 'store.sqlite3'}")
    response = api.client.get("/health/liveness")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize("path", ["/health", "/health/readiness"])
def test_ready_with_a_current_store_and_no_scrapyd_configured(harness, path):
    response = harness().client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["components"] == {"store": {"status": "ok", "detail": ""}}
    assert body["version"]


@pytest.mark.parametrize("path", ["/health", "/health/readiness"])
def test_an_unreachable_store_is_503_naming_it(harness, tmp_path, path):
    api = harness(f"sqlite:///{tmp_path / 'missing' / 'store.sqlite3'}")
    response = api.client.get(path)
    assert response.status_code == 503
    store = response.json()["components"]["store"]
    assert store["status"] == "down" and "unable to open database file" in store["detail"]


def test_an_unreachable_postgres_is_503_without_its_password(harness):
    port = free_port()
    api = harness(f"postgresql://dataops:s3cret-pw@127.0.0.1:{port}/dataops")
    response = api.client.get("/health/readiness")
    assert response.status_code == 503
    assert "s3cret-pw" not in response.text
    assert str(port) in response.json()["components"]["store"]["detail"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_outdated_schema_is_503_saying_how_to_upgrade(harness, tmp_path, request, backend):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create(migrate=False)
    upgrade(url, "0001")
    response = harness(url).client.get("/health/readiness")
    assert response.status_code == 503
    assert "dataops db upgrade" in response.json()["components"]["store"]["detail"]


def test_ready_when_the_scrapyd_node_answers(harness, scrapyd):
    api = harness(
        scrapyd_urls=[scrapyd.url],
        scrapyd_username=scrapyd.username,
        scrapyd_password=scrapyd.password,
    )
    response = api.client.get("/health/readiness")
    assert response.status_code == 200, response.text
    node = response.json()["components"][f"scrapyd {scrapyd.url}"]
    assert node["status"] == "ok" and "running" in node["detail"]


def test_a_scrapyd_node_refusing_our_credentials_is_down(harness, scrapyd):
    api = harness(
        scrapyd_urls=[scrapyd.url], scrapyd_username=scrapyd.username, scrapyd_password="wrong-pw"
    )
    response = api.client.get("/health/readiness")
    assert response.status_code == 503
    assert "credentials" in response.json()["components"][f"scrapyd {scrapyd.url}"]["detail"]
    assert "wrong-pw" not in response.text


def test_one_node_down_of_two_is_degraded_but_ready(harness, scrapyd):
    dead = f"http://127.0.0.1:{free_port()}/"
    api = harness(
        scrapyd_urls=[scrapyd.url, dead],
        scrapyd_username=scrapyd.username,
        scrapyd_password=scrapyd.password,
    )
    response = api.client.get("/health/readiness")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"][f"scrapyd {dead}"]["status"] == "down"
    assert "unreachable" in body["components"][f"scrapyd {dead}"]["detail"]


def test_every_node_down_is_503_naming_each(harness):
    ports = {free_port()}
    while len(ports) < 2:
        ports.add(free_port())
    dead = [f"http://127.0.0.1:{port}/" for port in sorted(ports)]
    response = harness(scrapyd_urls=dead).client.get("/health/readiness")
    assert response.status_code == 503
    components = response.json()["components"]
    assert components["store"]["status"] == "ok"
    assert all(components[f"scrapyd {url}"]["status"] == "down" for url in dead)
