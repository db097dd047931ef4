"""Jobs, tasks (what ran on Scrapyd and how it went) and field reviews (human review).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KEY_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("template_name", sa.String(64), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("dataset", sa.String(64), nullable=True),
        sa.Column("start_urls", sa.JSON(), nullable=False),
        sa.Column("limits", sa.JSON(), nullable=False),
        sa.Column("fetch", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sqlite_autoincrement=True,  # ids never reused (see models.Job)
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("jobs.id"), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("template_name", sa.String(64), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("dataset", sa.String(64), nullable=True),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("node", sa.String(255), nullable=True),
        sa.Column("scrapyd_job", sa.String(64), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("scheduled_at", WHEN, nullable=True),
        sa.Column("started_at", WHEN, nullable=True),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("heartbeat_at", WHEN, nullable=True),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=True),
        sa.Column("dataset_version", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("retry_of", sa.Integer(), sa.ForeignKey("tasks.id"), nullable=True),
        sqlite_autoincrement=True,  # ids never reused (see models.Task)
    )
    op.create_index("ix_tasks_status", "tasks", ["status", "id"])
    op.create_index("ix_tasks_job", "tasks", ["job_id", "id"])
    op.create_index("ix_tasks_created", "tasks", ["created_at"])
    op.create_table(
        "field_reviews",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("dataset_id", sa.Integer(), sa.ForeignKey("datasets.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("key", KEY_TEXT, nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("corrected_value", sa.JSON(), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_at", WHEN, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("applied_in_version", sa.Integer(), nullable=True),
    )
    op.create_index("ix_field_reviews_queue", "field_reviews", ["dataset_id", "status", "id"])
    op.create_index("ix_field_reviews_record", "field_reviews", ["dataset_id", "key", "field"])
    # /api/robots keeps what it fetched in the source profile, with the time it fetched it.
    with op.batch_alter_table("source_profiles") as table:
        table.add_column(sa.Column("robots_fetched_at", WHEN, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_profiles") as table:
        table.drop_column("robots_fetched_at")
    for table in ("field_reviews", "tasks", "jobs"):
        op.drop_table(table)
