"""Initial schema: datasets, versions as validity intervals, runs, crawl graph, source profiles.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KEY_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
WHEN = sa.DateTime(timezone=True)
CURRENT = sa.text("to_version IS NULL")


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dataset_id", sa.Integer(), sa.ForeignKey("datasets.id"), nullable=False),
        sa.Column("template_name", sa.String(200), nullable=False),
        sa.Column("template_sha256", sa.String(64), nullable=False),
        sa.Column("template_text", sa.Text(), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("finish_reason", sa.String(100), nullable=True),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("run_dir", sa.Text(), nullable=True),
        sa.Column("jobdir", sa.Text(), nullable=True),
        sa.Column("hostname", sa.String(255), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
    )
    op.create_index("ix_runs_dataset_id", "runs", ["dataset_id"])
    op.create_table(
        "dataset_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dataset_id", sa.Integer(), sa.ForeignKey("datasets.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("committed_at", WHEN, nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.UniqueConstraint("dataset_id", "number"),
    )
    op.create_index("ix_dataset_versions_run_id", "dataset_versions", ["run_id"])
    op.create_table(
        "record_keys",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("dataset_id", sa.Integer(), sa.ForeignKey("datasets.id"), nullable=False),
        sa.Column("key", KEY_TEXT, nullable=False),
        sa.UniqueConstraint("dataset_id", "key"),
    )
    op.create_table(
        "record_bodies",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("dataset_id", sa.Integer(), sa.ForeignKey("datasets.id"), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_in", sa.Integer(), sa.ForeignKey("dataset_versions.id"), nullable=False),
        sa.UniqueConstraint("dataset_id", "content_hash"),
    )
    op.create_index("ix_record_bodies_created_in", "record_bodies", ["created_in"])
    op.create_table(
        "memberships",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("dataset_id", sa.Integer(), sa.ForeignKey("datasets.id"), nullable=False),
        sa.Column("key_id", sa.BigInteger(), sa.ForeignKey("record_keys.id"), nullable=False),
        sa.Column("body_id", sa.BigInteger(), sa.ForeignKey("record_bodies.id"), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=True),
    )
    op.create_index("ix_memberships_from", "memberships", ["dataset_id", "from_version"])
    op.create_index("ix_memberships_to", "memberships", ["dataset_id", "to_version"])
    op.create_index("ix_memberships_key", "memberships", ["key_id", "from_version"])
    op.create_index(
        "ux_memberships_current",
        "memberships",
        ["key_id"],
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )
    op.create_table(
        "staged_records",
        sa.Column(
            "version_id", sa.Integer(), sa.ForeignKey("dataset_versions.id"), primary_key=True
        ),
        sa.Column("key_id", sa.BigInteger(), sa.ForeignKey("record_keys.id"), primary_key=True),
        sa.Column("body_id", sa.BigInteger(), sa.ForeignKey("record_bodies.id"), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("low_confidence", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "crawl_nodes",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=True),
        sa.Column("fetched_via", sa.String(20), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("latency", sa.Float(), nullable=True),
        sa.Column("robots", sa.String(20), nullable=True),
        sa.Column("skip_reason", sa.String(100), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_index("ix_crawl_nodes_run_id", "crawl_nodes", ["run_id"])
    op.create_table(
        "crawl_edges",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("from_url", sa.Text(), nullable=False),
        sa.Column("to_url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("anchor", sa.Text(), nullable=False),
    )
    op.create_index("ix_crawl_edges_run_id", "crawl_edges", ["run_id"])
    op.create_table(
        "source_profiles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("domain", sa.String(255), nullable=False, unique=True),
        sa.Column("robots_rules", sa.Text(), nullable=True),
        sa.Column("robots_status", sa.Integer(), nullable=True),
        sa.Column("crawl_delay", sa.Float(), nullable=True),
        sa.Column("sitemaps", sa.JSON(), nullable=True),
        sa.Column("needs_js", sa.Boolean(), nullable=True),
        sa.Column("pages", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.Column("mean_latency", sa.Float(), nullable=True),
        sa.Column("latency_samples", sa.BigInteger(), nullable=False),
        sa.Column("last_crawl_at", WHEN, nullable=True),
    )


def downgrade() -> None:
    for table in (
        "source_profiles",
        "crawl_edges",
        "crawl_nodes",
        "staged_records",
        "memberships",
        "record_bodies",
        "record_keys",
        "dataset_versions",
        "runs",
        "datasets",
    ):
        op.drop_table(table)
