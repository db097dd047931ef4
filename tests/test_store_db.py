"""Where the store lives, how it fails when it cannot be reached, and its schema migrations."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from dataops_spiders.store import (
    SchemaOutdated,
    StoreUnavailable,
    check_connection,
    database_url,
    make_engine,
    mask_url,
)
from dataops_spiders.store.migrate import current_revision, ensure_schema, head_revision, upgrade
from dataops_spiders.store.models import STORE_TABLES, Base


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """A database without any table."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("postgres").create(migrate=False)


# ------------------------------------------------------------------------------ where


def test_default_store_is_a_sqlite_file_in_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(tmp_path / "data"))
    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'dataops.sqlite3'}"
    assert (tmp_path / "data").is_dir()


def test_database_url_from_the_environment_wins(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.internal/dataops")
    assert database_url() == "postgresql://app@db.internal/dataops"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://bob:s3cret@db:5432/x", "postgresql://bob:***@db:5432/x"),
        ("postgresql+psycopg://bob:p%40ss%3Aw0rd@db/x", "postgresql+psycopg://bob:***@db/x"),
        (
            "postgresql://db/x?sslmode=require&password=s3cret",
            "postgresql://db/x?password=***&sslmode=require",
        ),
        ("postgresql://bob@db/x", "postgresql://bob@db/x"),
        ("sqlite:////var/data/dataops.sqlite3", "sqlite:////var/data/dataops.sqlite3"),
        ("not a url at all s3cret", "<unparseable database URL>"),
    ],
)
def test_mask_url_never_shows_a_password(url, shown):
    assert mask_url(url) == shown
    assert "s3cret" not in mask_url(url) and "p%40ss" not in mask_url(url)


# ------------------------------------------------------------------------------ unreachable


def test_an_unreachable_server_fails_fast_naming_the_url_without_its_password():
    engine = make_engine("postgresql://bob:s3cret@127.0.0.1:1/dataops")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        check_connection(engine)
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert message.startswith(
        "database unreachable at postgresql+psycopg://bob:***@127.0.0.1:1/dataops: "
    )
    assert "s3cret" not in message


def test_a_wrong_password_is_not_repeated_in_the_error(postgres):
    url = postgres.url_of("no_such_database_here").replace("postgres@", "postgres:s3cret@")
    with pytest.raises(StoreUnavailable) as caught:
        check_connection(make_engine(url))
    assert "no_such_database_here" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_a_sqlite_file_in_a_missing_directory_is_reported(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing' / 'store.sqlite3'}"
    with pytest.raises(StoreUnavailable, match="unable to open database file"):
        check_connection(make_engine(url))


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000


# ------------------------------------------------------------------------------ schema


def store_objects(obj, name, type_, reflected, compare_to) -> bool:
    """Only the store's own tables: other parts of the project add theirs to the schema."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in STORE_TABLES


def test_migrations_build_exactly_the_models_schema(empty_url):
    upgrade(empty_url)
    upgrade(empty_url)  # a second upgrade is a no-op
    engine = make_engine(empty_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": store_objects}
        )
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_an_empty_database_gets_the_schema_on_first_use(empty_url):
    engine = make_engine(empty_url)
    assert ensure_schema(engine) is True
    assert ensure_schema(engine) is False
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_database_with_other_tables_is_not_migrated_behind_your_back(empty_url):
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE something_else (id INTEGER)"))
    with pytest.raises(SchemaOutdated, match="run `dataops db upgrade`"):
        ensure_schema(engine)
    engine.dispose()


def test_databases_of_a_killed_test_session_are_dropped_by_the_next(postgres):
    from dataops_spiders.store.testing import TemporaryPostgres

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    killed = TemporaryPostgres(postgres.admin_url, prefix="dataops_reaptest")
    killed.prefix = f"dataops_reaptest_p{child.pid}_abcdef"  # as if made by that process
    left_behind = killed.create(migrate=False)  # ... and never closed

    following = TemporaryPostgres(postgres.admin_url, prefix="dataops_reaptest")
    try:
        following.create(migrate=False)
        with pytest.raises(StoreUnavailable, match="does not exist"):
            check_connection(make_engine(left_behind))
    finally:
        following.close()
        killed._made.clear()
        killed.close()
