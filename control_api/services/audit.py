"""The audit log: every write says who did it, what, when and to which entity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from control_api.identity import Principal
from control_api.models import AuditEntry


def record(
    session: Session,
    actor: Principal,
    action: str,
    entity_type: str,
    entity_id: str | int,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to the caller's transaction: it commits with the change it describes."""
    entry = AuditEntry(
        actor=actor.name,
        key_id=actor.key_id,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        details=details or {},
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def conditions(self) -> list:
        exact = {
            AuditEntry.actor: self.actor,
            AuditEntry.action: self.action,
            AuditEntry.entity_type: self.entity_type,
            AuditEntry.entity_id: self.entity_id,
        }
        conditions = [column == value for column, value in exact.items() if value is not None]
        if self.since is not None:
            conditions.append(AuditEntry.at >= self.since)
        if self.until is not None:
            conditions.append(AuditEntry.at < self.until)
        return conditions


def list_entries(
    session: Session, where: AuditFilter, limit: int, offset: int
) -> tuple[list[AuditEntry], int]:
    """Matching entries, newest first, and how many match in all."""
    conditions = where.conditions()
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    entries = session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(entries), total or 0
