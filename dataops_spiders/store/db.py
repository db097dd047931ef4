"""Engines and sessions for SQLite (the default) and PostgreSQL (through psycopg 3).

SQLite runs in WAL mode, so readers (the CLI, the API) never wait for a crawl that is writing,
with foreign keys on and a busy timeout so that two writers queue instead of failing. Write
transactions start with ``BEGIN IMMEDIATE``: a deferred transaction that reads, then writes,
fails at once when another writer committed in between, instead of waiting its turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dataops_spiders.store.config import database_url, mask_url
from dataops_spiders.store.errors import StoreError, StoreUnavailable

CONNECT_TIMEOUT_SECONDS = 5
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_PAGE_SIZE = 16_384
# The WAL file is cut back to this size after a checkpoint instead of keeping its peak size.
SQLITE_WAL_SIZE_LIMIT = 64 * 1024 * 1024
_WRITE_OPTION = "dataops_write"


def normalise_url(url: str) -> URL:
    """A SQLAlchemy URL; plain ``postgresql://`` and ``postgres://`` mean psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {mask_url(url)} ({exc})") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """An engine for ``url`` (default: ``database_url()``) set up for the store."""
    parsed = normalise_url(url or database_url())
    if parsed.get_backend_name() == "sqlite":
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = create_engine(parsed, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    connect_args: dict = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        # No server-side prepared statements: psycopg prepares a query after 5 runs, and the
        # generic plan PostgreSQL then keeps was made while the version's tables were small
        # (sequential scans), which made writing 100k records 20 times slower.
        connect_args["prepare_threshold"] = None
    # pre-ping: a connection the server dropped between two batches is replaced, not used.
    return create_engine(parsed, connect_args=connect_args, pool_pre_ping=True, **kwargs)


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # The driver's own transaction handling is off: _sqlite_on_begin emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # Takes effect when the file is created: records of 1-4 KB then share pages instead of
    # taking a 4 KB page each (no effect on an existing database).
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; WAL keeps it safe
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_SIZE_LIMIT}")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    writing = connection.get_execution_options().get(_WRITE_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reading (and for small writes that need no ordering with other writers)."""
    return sessionmaker(engine, expire_on_commit=False)


def make_write_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose transactions take SQLite's write lock first (no effect on PostgreSQL)."""
    return sessionmaker(engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False)


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back if it raises."""
    with make_write_session_factory(engine).begin() as session:
        yield session


def describe_error(exc: BaseException) -> str:
    """The driver's own message, first line, without SQLAlchemy's SQL and background links."""
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


def is_unavailable_error(exc: BaseException) -> bool:
    """True when the database itself is gone or refusing work, as opposed to a bad statement."""
    from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | DisconnectionError)


def check_connection(engine: Engine) -> None:
    """Raise StoreUnavailable, naming the URL (password masked), if the database is unreachable."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as exc:
        url = mask_url(engine.url.render_as_string(hide_password=False))
        raise StoreUnavailable(f"database unreachable at {url}: {describe_error(exc)}") from None
