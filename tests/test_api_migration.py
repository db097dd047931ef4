"""Revisions 0002 and 0003 build exactly the control plane's tables (API keys, audit log,
templates, jobs, tasks, field reviews), on SQLite and PostgreSQL, and a downgrade to 0001
removes them again."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from control_api.models import ApiKey, AuditEntry
from dataops_spiders.store import make_engine
from dataops_spiders.store.migrate import alembic_config, upgrade
from dataops_spiders.store.models import (
    Base,
    FieldReview,
    Job,
    StoredTemplate,
    Task,
    TemplateVersion,
)

API_TABLES = {
    m.__tablename__
    for m in (ApiKey, AuditEntry, StoredTemplate, TemplateVersion, Job, Task, FieldReview)
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("postgres").create(migrate=False)


def api_objects(obj, name, type_, reflected, compare_to) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in API_TABLES


def test_the_migration_builds_exactly_the_api_models(empty_url):
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": api_objects}
            )
            assert compare_metadata(context, Base.metadata) == []
        assert set(inspect(engine).get_table_names()) >= API_TABLES
    finally:
        engine.dispose()


def test_a_downgrade_to_0001_removes_the_api_tables_only(empty_url):
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "0001")
    engine = make_engine(empty_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert tables.isdisjoint(API_TABLES) and "datasets" in tables
    finally:
        engine.dispose()
