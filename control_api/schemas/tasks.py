"""Tasks as clients read them: one run of a job (or of /api/scrape) on a Scrapyd node."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class TaskLinks(BaseModel):
    self: str
    log: str = Field(description="The end of the crawl's log (text).")
    log_download: str = Field(description="The whole log, as a file.")
    job: str | None = None
    dataset_versions: str | None = Field(None, description="The versions of its dataset.")
    export: str | None = Field(None, description="The version it produced, exported.")


class TaskPublic(BaseModel):
    """A task in a list: where it runs, how far it got."""

    id: int
    kind: str = Field(description="crawl | scrape")
    job_id: int | None
    status: str = Field(description="queued | running | finished | failed | cancelled")
    template: str
    template_version: int | None
    dataset: str | None
    node: str | None = Field(description="The Scrapyd node's URL.")
    scrapyd_job: str | None
    created_at: datetime
    created_by: str | None
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    duration_seconds: float | None = Field(description="From start to end (or to now).")
    progress: dict[str, Any] = Field(
        description="pages, records, errors, bytes, robots_skipped, pages_per_minute, at"
    )
    run_id: int | None
    dataset_version: int | None
    reason: str | None = Field(description="Why it failed, or why it is still queued.")
    cancel_requested: bool
    retry_of: int | None
    links: TaskLinks


class TaskDetail(TaskPublic):
    """A task with the arguments it was scheduled with and the crawl's final stats."""

    arguments: dict[str, Any]
    stats: dict[str, Any] | None
    result: dict[str, Any] | None
