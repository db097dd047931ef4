"""Source intelligence: which sections of a site need the browser, pages rendered there, and
how often the site turned us away.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_profiles") as table:
        table.add_column(sa.Column("browser_sections", sa.JSON(), nullable=True))
        table.add_column(
            sa.Column("browser_pages", sa.BigInteger(), nullable=False, server_default="0")
        )
        table.add_column(sa.Column("blocked", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("source_profiles") as table:
        table.drop_column("blocked")
        table.drop_column("browser_pages")
        table.drop_column("browser_sections")
