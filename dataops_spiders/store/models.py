"""The store's tables (SQLAlchemy 2.0 declarative models).

Versioned datasets keep each record's content once and say which versions hold it with a
validity interval instead of one membership row per version:

    memberships(dataset, key, body, from_version, to_version)

means "this key had this body in versions from_version .. to_version - 1" (to_version NULL: still
current). An unchanged record costs nothing in a new version; a changed one closes its interval
and opens another; a removed one closes its interval. Version N is every row with
``from_version <= N < coalesce(to_version, infinity)``, and what changed between versions A and B
is every row whose from_version or to_version falls in (A, B]: indexes on both make that cost
follow the size of the change, not of the dataset.

While a version is open its records wait in ``staged_records``; the commit turns them into
intervals in one transaction, so readers never see half a version.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# BIGINT on PostgreSQL; INTEGER on SQLite, where only "INTEGER PRIMARY KEY" autoincrements.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# Record keys sort byte-wise on both databases ("C" collation), so exports list records in the
# same order whichever database holds them, and the key index serves range scans.
KeyText = Text().with_variant(Text(collation="C"), "postgresql")

OPEN = "open"
COMMITTED = "committed"
QUARANTINED = "quarantined"
FAILED = "failed"
VERSION_STATUSES = (OPEN, COMMITTED, QUARANTINED, FAILED)
# Statuses whose records are written as intervals: the next version is computed against them.
MATERIALIZED = (COMMITTED, QUARANTINED)

RUNNING = "running"
FINISHED = "finished"
RUN_FAILED = "failed"
INTERRUPTED = "interrupted"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite gives naive ones back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("the store takes timezone-aware datetimes only")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: UTCDateTime}


class Dataset(Base):
    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Run(Base):
    """One crawl process (a resumed crawl reuses the run it resumes)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    template_name: Mapped[str] = mapped_column(String(200))
    template_sha256: Mapped[str] = mapped_column(String(64))
    template_text: Mapped[str] = mapped_column(Text, default="")
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict)  # spider arguments
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)  # non-default settings
    stats: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(20), default=RUNNING)
    finish_reason: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    run_dir: Mapped[str | None] = mapped_column(Text)
    jobdir: Mapped[str | None] = mapped_column(Text)
    hostname: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None]


class DatasetVersion(Base):
    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    # Bumped on each resume, so a key stored before a crash is not counted as a duplicate.
    attempt: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    committed_at: Mapped[datetime | None]
    # records, added, removed, changed, mean_confidence, low_confidence (+ what the run adds)
    summary: Mapped[dict[str, Any] | None]
    note: Mapped[str | None] = mapped_column(Text)  # why it failed or was quarantined


class RecordKey(Base):
    __tablename__ = "record_keys"
    __table_args__ = (UniqueConstraint("dataset_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    key: Mapped[str] = mapped_column(KeyText)


class RecordBody(Base):
    """A record as stored, keyed by the hash of its content (see store.content)."""

    __tablename__ = "record_bodies"
    __table_args__ = (UniqueConstraint("dataset_id", "content_hash"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]]
    # The version that first stored it: a version that fails takes its new bodies with it.
    created_in: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id"), index=True)


class Membership(Base):
    """Key ``key_id`` had body ``body_id`` in versions from_version .. to_version - 1."""

    __tablename__ = "memberships"
    __table_args__ = (
        Index("ix_memberships_from", "dataset_id", "from_version"),
        Index("ix_memberships_to", "dataset_id", "to_version"),
        Index("ix_memberships_key", "key_id", "from_version"),
        # At most one current interval per key; also the lookup the commit uses.
        Index(
            "ux_memberships_current",
            "key_id",
            unique=True,
            sqlite_where=text("to_version IS NULL"),
            postgresql_where=text("to_version IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    key_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("record_keys.id"))
    body_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("record_bodies.id"))
    from_version: Mapped[int]
    to_version: Mapped[int | None]


class StagedRecord(Base):
    """A record of an open version, waiting for the commit; deleted when the version ends."""

    __tablename__ = "staged_records"

    version_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id"), primary_key=True)
    key_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("record_keys.id"), primary_key=True)
    body_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("record_bodies.id"))
    attempt: Mapped[int]
    confidence: Mapped[float | None] = mapped_column(Float)
    low_confidence: Mapped[bool] = mapped_column(Boolean, default=False)


class CrawlNode(Base):
    """A URL of a run's crawl graph and what became of it."""

    __tablename__ = "crawl_nodes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None]
    depth: Mapped[int | None]
    fetched_via: Mapped[str | None] = mapped_column(String(20))
    bytes: Mapped[int | None] = mapped_column(BigInteger)
    latency: Mapped[float | None] = mapped_column(Float)
    robots: Mapped[str | None] = mapped_column(String(20))
    skip_reason: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)


class CrawlEdge(Base):
    """A link of a run's crawl graph: from_url led to to_url."""

    __tablename__ = "crawl_edges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    from_url: Mapped[str] = mapped_column(Text)
    to_url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    anchor: Mapped[str] = mapped_column(Text, default="")


class SourceProfile(Base):
    """What the crawls learnt about one domain (host, or host:port)."""

    __tablename__ = "source_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    robots_rules: Mapped[str | None] = mapped_column(Text)  # robots.txt as last fetched
    robots_status: Mapped[int | None]
    crawl_delay: Mapped[float | None] = mapped_column(Float)
    sitemaps: Mapped[list[str] | None] = mapped_column(JSON)
    needs_js: Mapped[bool | None] = mapped_column(Boolean)
    pages: Mapped[int] = mapped_column(BigInteger, default=0)
    errors: Mapped[int] = mapped_column(BigInteger, default=0)
    mean_latency: Mapped[float | None] = mapped_column(Float)
    latency_samples: Mapped[int] = mapped_column(BigInteger, default=0)  # pages it averages
    last_crawl_at: Mapped[datetime | None]


# The store's own tables (the control API adds its tables to the same metadata).
STORE_TABLES = frozenset(Base.metadata.tables)
