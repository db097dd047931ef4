"""Schema migrations (Alembic) run from code: `dataops db upgrade` calls `upgrade()`."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from dataops_spiders.store.config import database_url, mask_url
from dataops_spiders.store.db import make_engine
from dataops_spiders.store.errors import SchemaOutdated

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@cache
def script_location() -> str:
    """The migration scripts as a folder Alembic can read. Inside a zipped egg (how Scrapyd
    runs the project) there is no such folder: copy the scripts out once per process."""
    if MIGRATIONS.is_dir():
        return str(MIGRATIONS)
    target = Path(tempfile.mkdtemp(prefix="dataops-migrations-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    _copy_tree(resources.files("dataops_spiders.store") / "migrations", target)
    return str(target)


def _copy_tree(source, target: Path) -> None:
    for entry in source.iterdir():
        if entry.is_dir():
            (target / entry.name).mkdir()
            _copy_tree(entry, target / entry.name)
        elif entry.name.endswith((".py", ".mako")):
            (target / entry.name).write_bytes(entry.read_bytes())


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", script_location())
    if url:
        # configparser interpolation: a literal % in a password must be doubled
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the store has no migrations"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str | None = None, revision: str = "head") -> str:
    """Bring the database at ``url`` (default: DATABASE_URL or the SQLite file) to ``revision``.

    Returns the masked URL it upgraded, for the message the caller prints.
    """
    url = url or database_url()
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
    return mask_url(url)


def ensure_schema(engine: Engine, create_if_empty: bool = True) -> bool:
    """Check the schema is current. An empty database gets the schema (returns True then);
    an outdated one raises SchemaOutdated: migrating existing data is a deliberate step."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return False
    url = mask_url(engine.url.render_as_string(hide_password=False))
    if current is None and create_if_empty and not inspect(engine).get_table_names():
        upgrade(engine.url.render_as_string(hide_password=False))
        return True
    raise SchemaOutdated(
        f"the store at {url} is at schema revision {current or 'none'}, this code needs {head}: "
        "run `dataops db upgrade`"
    )
