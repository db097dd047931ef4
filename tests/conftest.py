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
