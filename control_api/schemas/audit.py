"""Audit log entries as clients read them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntryPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 42,
                    "at": "2026-11-28T09:15:02Z",
                    "actor": "ci-deploy",
                    "action": "template.update",
                    "entity_type": "template",
                    "entity_id": "shop_products",
                    "details": {"version": 3, "sha256": "9f2c…"},
                }
            ]
        },
    )

    id: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    details: dict[str, Any]
