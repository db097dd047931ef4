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
    # When /api/robots last fetched robots.txt itself (a crawl's fetch is its last_crawl_at).
    robots_fetched_at: Mapped[datetime | None]
    crawl_delay: Mapped[float | None] = mapped_column(Float)
    sitemaps: Mapped[list[str] | None] = mapped_column(JSON)
    needs_js: Mapped[bool | None] = mapped_column(Boolean)
    # Path sections (first segment, "/app") whose pages needed the browser; "*": all of them.
    browser_sections: Mapped[list[str] | None] = mapped_column(JSON)
    pages: Mapped[int] = mapped_column(BigInteger, default=0)
    browser_pages: Mapped[int] = mapped_column(BigInteger, default=0)  # rendered in Chromium
    errors: Mapped[int] = mapped_column(BigInteger, default=0)
    # Answers that turned us away: 403, 429, or a CAPTCHA/challenge page.
    blocked: Mapped[int] = mapped_column(BigInteger, default=0)
    mean_latency: Mapped[float | None] = mapped_column(Float)
    latency_samples: Mapped[int] = mapped_column(BigInteger, default=0)  # pages it averages
    last_crawl_at: Mapped[datetime | None]


class StoredTemplate(Base):
    """An intent template created through the API, by name; every crawl process can load it
    from the store (`-a template=NAME`), on whichever node it runs."""

    __tablename__ = "templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    latest_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))


class TemplateVersion(Base):
    """Every text a stored template had; the highest number is the current one."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    # From the parsed text, so listing templates needs no parsing.
    intent: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))


# Task statuses. A task is queued until its crawl process starts (waiting for Scrapyd, or in
# Scrapyd's pending queue), running while it crawls, then ends in one of the last three.
TASK_QUEUED = "queued"
TASK_RUNNING = "running"
TASK_FINISHED = "finished"
TASK_FAILED = "failed"
TASK_CANCELLED = "cancelled"
TASK_STATUSES = (TASK_QUEUED, TASK_RUNNING, TASK_FINISHED, TASK_FAILED, TASK_CANCELLED)
TASK_ENDED = (TASK_FINISHED, TASK_FAILED, TASK_CANCELLED)

CRAWL_TASK = "crawl"
SCRAPE_TASK = "scrape"  # one URL, one page, no dataset version: the record goes in `result`


class Job(Base):
    """What to crawl: a template, start URLs, limits and fetch options. Running it makes a
    task; a job can run many times."""

    __tablename__ = "jobs"
    # Ids are never reused on SQLite either: a deleted job's id in the audit log stays its own.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    template_name: Mapped[str] = mapped_column(String(64))
    # None: the template's latest version when a task starts; N: pinned to version N.
    template_version: Mapped[int | None]
    dataset: Mapped[str | None] = mapped_column(String(64))  # None: the template's name
    start_urls: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: the template's
    limits: Mapped[dict[str, Any]] = mapped_column(default=dict)  # max_pages, max_depth
    fetch: Mapped[dict[str, Any]] = mapped_column(default=dict)  # strategy, ...
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))


class Task(Base):
    """One run of a job (or one /api/scrape) on a Scrapyd node.

    Written by the API (created, scheduled, cancelled, reconciled with Scrapyd) and by the crawl
    process itself (running, progress every few seconds, how it ended)."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_status", "status", "id"),
        Index("ix_tasks_job", "job_id", "id"),
        Index("ix_tasks_created", "created_at"),
        # Ids are never reused on SQLite either: a crawl of a deleted task, or its audit
        # entries, must not be taken for a new task's.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default=CRAWL_TASK)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    status: Mapped[str] = mapped_column(String(20), default=TASK_QUEUED)
    template_name: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int | None]  # the stored version it runs; None: a shipped one
    dataset: Mapped[str | None] = mapped_column(String(64))
    # The spider arguments it is scheduled with (start_urls, max_pages, strategy, ...).
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    node: Mapped[str | None] = mapped_column(String(255))  # the Scrapyd URL, no credentials
    scrapyd_job: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))
    scheduled_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The crawl process's last sign of life (progress writes it): a task whose process is gone
    # is found by its silence together with Scrapyd's job list.
    heartbeat_at: Mapped[datetime | None]
    # pages, records, errors, bytes, robots_skipped, pages_per_minute, at
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stats: Mapped[dict[str, Any] | None]  # the crawl's final Scrapy stats
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    dataset_version: Mapped[int | None]
    result: Mapped[dict[str, Any] | None]  # scrape tasks: the records, with confidences
    reason: Mapped[str | None] = mapped_column(Text)  # why it failed / is still queued
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    retry_of: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))


REVIEW_PENDING = "pending"
REVIEW_APPROVED = "approved"
REVIEW_CORRECTED = "corrected"
REVIEW_SUPERSEDED = "superseded"  # a later version asked about the field again
REVIEW_STATUSES = (REVIEW_PENDING, REVIEW_APPROVED, REVIEW_CORRECTED, REVIEW_SUPERSEDED)


class FieldReview(Base):
    """A low-confidence field of a committed version, for a person to approve or correct.

    A decision holds for the value it was made about: while later crawls extract that same
    value for the record's field, an approval raises its confidence and a correction replaces it
    (both from the next version on); when the site's value changes, the decision lapses."""

    __tablename__ = "field_reviews"
    __table_args__ = (
        Index("ix_field_reviews_queue", "dataset_id", "status", "id"),
        Index("ix_field_reviews_record", "dataset_id", "key", "field"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    version: Mapped[int]  # the version number it was found in
    key: Mapped[str] = mapped_column(KeyText)
    field: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any | None] = mapped_column(JSON)  # the value extracted
    confidence: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[str] | None] = mapped_column(JSON)
    source_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=REVIEW_PENDING)
    corrected_value: Mapped[Any | None] = mapped_column(JSON)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    applied_in_version: Mapped[int | None]  # the first version that carried the decision


# The store's own tables (the control API adds its tables to the same metadata).
STORE_TABLES = frozenset(Base.metadata.tables)
