"""Alembic environment of the store: the URL comes from the caller, else from DATABASE_URL."""

from __future__ import annotations

from alembic import context

from dataops_spiders.store.db import make_engine
from dataops_spiders.store.models import Base

config = context.config


def _run(connection) -> None:
    # Batch mode: SQLite alters a table by copying it; later migrations then work on both.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("the store's migrations run against a database, not in offline mode")
run_online()
