"""Datasets and their versions as clients read them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class DatasetPublic(BaseModel):
    name: str
    created_at: datetime
    versions: int = Field(description="Committed versions.")
    latest: int | None = Field(description="Number of the latest committed version.")
    records: int | None = Field(description="Records in the latest committed version.")


class VersionPublic(BaseModel):
    number: int
    status: Literal["open", "committed", "quarantined", "failed"]
    created_at: datetime
    committed_at: datetime | None
    records: int | None
    added: int | None
    removed: int | None
    changed: int | None
    mean_confidence: float | None
    low_confidence: int | None
    note: str | None = Field(description="Why a version failed or was quarantined.")


class KeyedRecordPublic(BaseModel):
    key: str
    record: dict[str, Any]


class FieldChangePublic(BaseModel):
    field: str
    old: Any
    new: Any


class ChangedRecordPublic(BaseModel):
    key: str
    source_url: str | None
    fields: list[FieldChangePublic]


class ChangeCounts(BaseModel):
    added: int
    removed: int
    changed: int


class VersionComparison(BaseModel):
    dataset: str
    from_version: int
    to_version: int
    counts: ChangeCounts
    added: list[KeyedRecordPublic]
    removed: list[KeyedRecordPublic]
    changed: list[ChangedRecordPublic]
