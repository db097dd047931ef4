"""The API's own tables, on the store's declarative base (one schema, one Alembic history:
revision 0002 creates them).

    api_keys            who may call the API: a role, a lookup prefix and the key's sha256
    audit_log           every write: who (key name), what, when, to which entity

Templates, jobs, tasks and field reviews live with the store's models
(dataops_spiders.store.models): crawl processes read and write them too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dataops_spiders.store.models import Base, BigId, utcnow

VIEWER = "viewer"
OPERATOR = "operator"
ADMIN = "admin"
ROLES = (VIEWER, OPERATOR, ADMIN)  # each role can do what the ones before it can


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    # The first characters of the key's random part: finds the row without storing the key.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))  # the key's name, or "cli"
    key_id: Mapped[int | None]  # no foreign key: the log outlives what it mentions
    action: Mapped[str] = mapped_column(String(50))  # "template.update", "apikey.revoke", ...
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
