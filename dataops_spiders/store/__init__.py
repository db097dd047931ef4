"""The store: versioned, content-addressed datasets, runs, crawl graphs and source profiles.

SQLAlchemy 2.0 over SQLite (default, a file in the data directory) or PostgreSQL
(``DATABASE_URL``). No Scrapy import anywhere in this package: the CLI and the API use it
directly. Start with ``make_engine()``; ``migrate.upgrade()`` creates or updates the schema.
"""

from dataops_spiders.store.config import data_dir, database_url, mask_url
from dataops_spiders.store.db import (
    check_connection,
    make_engine,
    make_session_factory,
    write_session,
)
from dataops_spiders.store.diff import (
    ChangedRecord,
    FieldChange,
    KeyedRecord,
    VersionDiff,
    diff_versions,
)
from dataops_spiders.store.errors import (
    DatasetBusy,
    DatasetNotFound,
    SchemaOutdated,
    StoreError,
    StoreUnavailable,
    VersionConflict,
    VersionNotCommitted,
    VersionNotFound,
)
from dataops_spiders.store.models import COMMITTED, FAILED, OPEN, QUARANTINED
from dataops_spiders.store.versions import (
    AddResult,
    DatasetInfo,
    VersionWriter,
    get_version,
    iter_records,
    latest_committed,
    list_datasets,
    list_versions,
)

__all__ = [
    "COMMITTED",
    "FAILED",
    "OPEN",
    "QUARANTINED",
    "AddResult",
    "ChangedRecord",
    "DatasetBusy",
    "DatasetInfo",
    "DatasetNotFound",
    "FieldChange",
    "KeyedRecord",
    "SchemaOutdated",
    "StoreError",
    "StoreUnavailable",
    "VersionConflict",
    "VersionDiff",
    "VersionNotCommitted",
    "VersionNotFound",
    "VersionWriter",
    "check_connection",
    "data_dir",
    "database_url",
    "diff_versions",
    "get_version",
    "iter_records",
    "latest_committed",
    "list_datasets",
    "list_versions",
    "make_engine",
    "make_session_factory",
    "mask_url",
    "write_session",
]
