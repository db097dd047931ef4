"""Which database the store uses, and how to show its URL without giving the password away."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SQLITE_FILE = "dataops.sqlite3"


def data_dir() -> Path:
    """The project's data directory: DATAOPS_DATA_DIR, else ./data (created on first use)."""
    path = Path(os.environ.get("DATAOPS_DATA_DIR") or "data")
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def database_url() -> str:
    """DATABASE_URL, else a SQLite file in the data directory."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{data_dir() / SQLITE_FILE}"


# libpq also takes the password as a query parameter: ?password=...
_QUERY_PASSWORD = re.compile(r"([?&](?:password|passwd|pwd)=)[^&]*", re.IGNORECASE)


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, safe for logs and error messages."""
    try:
        rendered = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"
    return _QUERY_PASSWORD.sub(r"\1***", rendered)
