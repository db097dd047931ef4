"""API keys as clients create and see them: the plain key only in the answer to its creation."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["viewer", "operator", "admin"]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "dashboard", "role": "viewer"}]}
    )

    name: str = Field(
        max_length=100,
        pattern=r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$",
        description="Who or what uses the key: printable, not blank.",
    )
    role: Role = Field(
        description="viewer reads; operator also runs and edits; admin also manages keys."
    )


class ApiKeyPublic(BaseModel):
    id: int
    name: str
    role: Role
    prefix: str = Field(description="The key's first characters, to recognise it in a listing.")
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The key itself: shown this once, stored only as a hash.")
