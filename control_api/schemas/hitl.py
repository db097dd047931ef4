"""Human review (/api/hitl): low-confidence fields waiting for a decision, and decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ReviewStatus = Literal["pending", "approved", "corrected", "superseded"]
MAX_NOTE_CHARS = 2000


class ReviewPublic(BaseModel):
    id: int
    dataset: str
    version: int = Field(description="The version the field was found in.")
    key: str = Field(description="The record's key.")
    field: str
    value: Any = Field(description="The value extracted.")
    confidence: float | None
    reasons: list[str] | None = Field(description="Why the value scored what it did.")
    source_url: str | None
    status: ReviewStatus
    corrected_value: Any = Field(description="A correction's value.")
    decided_by: str | None
    decided_at: datetime | None
    note: str | None
    applied_in_version: int | None = Field(
        description="The first version that carried the decision (none yet: the next one will, "
        "if the site still gives the value reviewed)."
    )


class ApproveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)


class CorrectBody(BaseModel):
    """The right value of the field, checked against the field's type (a price is a number)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"value": "19.99", "note": "checked"}]}
    )

    value: Any = Field(description="The right value.")
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)
