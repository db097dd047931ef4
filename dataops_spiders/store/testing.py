"""Throw-away databases for the store's tests and benchmarks.

PostgreSQL: a migrated template database is made once, and each ``create()`` copies it
(``CREATE DATABASE ... TEMPLATE``), which is much faster than migrating every time. Every
database made here is dropped by ``close()``. The server is DATAOPS_TEST_POSTGRES_URL, default
``postgresql://postgres@127.0.0.1:5432/postgres`` (trust auth, as in CI).
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from sqlalchemy import Engine, text

from dataops_spiders.store.db import check_connection, make_engine, normalise_url
from dataops_spiders.store.errors import StoreUnavailable
from dataops_spiders.store.migrate import upgrade
from dataops_spiders.store.versions import process_alive

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    return os.environ.get("DATAOPS_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def sqlite_url(path: str | Path, migrate: bool = True) -> str:
    url = f"sqlite:///{Path(path).resolve()}"
    if migrate:
        upgrade(url)
    return url


class TemporaryPostgres:
    """Creates migrated databases on a PostgreSQL server, and drops them all on close().

    Names are ``<prefix>_p<pid>_<random>_<n>``: databases left behind by a test session that
    was killed (no close()) are dropped by the next one, once their process is gone.
    """

    def __init__(self, admin_url: str | None = None, prefix: str = "dataops_test"):
        self.admin_url = admin_url or postgres_admin_url()
        self.base_prefix = prefix
        self.prefix = f"{prefix}_p{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._admin: Engine | None = None
        self._template: str | None = None
        self._count = 0
        self._made: list[str] = []
        self._reaped = False

    def _reap_orphans(self) -> None:
        """Drop databases of earlier sessions on this machine whose process has died."""
        self._reaped = True
        pattern = re.compile(rf"^{re.escape(self.base_prefix)}_p(\d+)_[0-9a-f]{{6}}_")
        with self._admin_engine().connect() as connection:
            names = connection.execute(text("SELECT datname FROM pg_database")).scalars().all()
        for name in names:
            match = pattern.match(name)
            if match and not process_alive(int(match.group(1))):
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def unreachable_reason(self) -> str | None:
        """None if the server answers, else why not (for a skip message)."""
        try:
            check_connection(self._admin_engine())
        except StoreUnavailable as exc:
            return str(exc)
        return None

    def _admin_engine(self) -> Engine:
        if self._admin is None:
            self._admin = make_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        return self._admin

    def url_of(self, name: str) -> str:
        return (
            normalise_url(self.admin_url).set(database=name).render_as_string(hide_password=False)
        )

    def _execute(self, statement: str) -> None:
        with self._admin_engine().connect() as connection:
            connection.execute(text(statement))

    def create(self, migrate: bool = True) -> str:
        """A new database (migrated to the current schema unless ``migrate=False``); its URL."""
        if not self._reaped:
            self._reap_orphans()
        self._count += 1
        name = f"{self.prefix}_{self._count}"
        if migrate:
            if self._template is None:
                template = f"{self.prefix}_template"
                self._execute(f'CREATE DATABASE "{template}"')
                self._made.append(template)
                upgrade(self.url_of(template))
                self._template = template
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
        else:
            self._execute(f'CREATE DATABASE "{name}"')
        self._made.append(name)
        return self.url_of(name)

    def drop(self, url: str) -> None:
        name = normalise_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self._made:
            self._made.remove(name)

    def close(self) -> None:
        for name in reversed(self._made):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._made.clear()
        if self._admin is not None:
            self._admin.dispose()
            self._admin = None
