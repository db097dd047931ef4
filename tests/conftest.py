"""Shared fixtures. `fixture_site`: the demo site served by a subprocess on 127.0.0.1, port 0."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # importable without `pip install -e .`
    sys.path.insert(0, str(PROJECT_ROOT))

from dataops_spiders.demo_site import SiteProcess  # noqa: E402 - needs the path above


@pytest.fixture(scope="session", autouse=True)
def isolated_data_dir(tmp_path_factory):
    """Crawls started by the tests keep their store (SQLite) and runs in a temporary data
    directory, never in the checkout's ./data or a database named by the environment."""
    path = tmp_path_factory.mktemp("data")
    saved = {name: os.environ.pop(name, None) for name in ("DATABASE_URL", "DATAOPS_DATA_DIR")}
    os.environ["DATAOPS_DATA_DIR"] = str(path)
    yield path
    for name, value in saved.items():
        os.environ.pop(name, None)
        if value is not None:
            os.environ[name] = value


@pytest.fixture(scope="session")
def fixture_site():
    """The fixture site for the whole session.

    `.url` (base URL with a trailing slash), `.requests()` (paths served since start or reset),
    `.request_log()`, `.reset_log()`, `.set_edition(n)`. A test that switches the edition must
    switch it back (try/finally): the site is shared by every test of the session.
    """
    with SiteProcess() as site:
        yield site


# ------------------------------------------------------------------ stores: SQLite and PostgreSQL


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server to make throw-away databases on (each dropped at the end)."""
    from dataops_spiders.store.testing import TemporaryPostgres

    server = TemporaryPostgres()
    reason = server.unreachable_reason()
    if reason:
        pytest.skip(f"PostgreSQL is unreachable, its half of the store tests cannot run: {reason}")
    yield server
    server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """Every store test runs twice: on a SQLite file, and on a fresh PostgreSQL database."""
    from dataops_spiders.store.testing import sqlite_url

    if request.param == "sqlite":
        return sqlite_url(tmp_path / "store.sqlite3")
    return request.getfixturevalue("postgres").create()


@pytest.fixture
def engine(store_url):
    from dataops_spiders.store import make_engine

    engine = make_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def api(store_url):
    """The control API over a fresh store, with a key per role (see control_api.testing)."""
    from control_api.testing import ApiHarness

    harness = ApiHarness(store_url)
    yield harness
    harness.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_api(request, tmp_path_factory):
    """One API per database for the tables of refused requests (a refusal changes nothing)."""
    from control_api.testing import ApiHarness
    from dataops_spiders.store.testing import sqlite_url

    if request.param == "sqlite":
        url = sqlite_url(tmp_path_factory.mktemp("refusals") / "store.sqlite3")
    else:
        url = request.getfixturevalue("postgres").create()
    harness = ApiHarness(url)
    yield harness
    harness.close()
