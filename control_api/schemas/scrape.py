"""One URL, one page, one record: /api/scrape."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from control_api.schemas.jobs import TEMPLATE_NAME

INTENTS = ("product", "article", "job_posting")


class ScrapeRequest(BaseModel):
    """A page to fetch and extract, with a template or an intent (not both)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"url": "https://shop.example/product/42", "intent": "product"}]
        },
    )

    url: str = Field(min_length=1, max_length=2000, description="An http(s) URL.")
    template: str | None = Field(None, pattern=TEMPLATE_NAME, description="A template's name.")
    intent: Literal[INTENTS] | None = Field(  # type: ignore[valid-type]
        None, description="Use the shipped generic_<intent> template."
    )

    @model_validator(mode="after")
    def _template_or_intent(self) -> Self:
        if (self.template is None) == (self.intent is None):
            raise ValueError("give either a template or an intent (product, article, job_posting)")
        return self

    @property
    def template_name(self) -> str:
        return self.template or f"generic_{self.intent}"


class ScrapeAccepted(BaseModel):
    id: int
    status: str
    links: dict[str, str]


class ScrapeResult(BaseModel):
    """The task's status; when it finished, the page's records with per-field confidences."""

    id: int
    status: str
    url: str | None
    template: str
    reason: str | None
    created_at: datetime
    finished_at: datetime | None
    http_status: int | None = Field(description="The page's HTTP status, once fetched.")
    records: list[dict[str, Any]] = Field(
        description="Each record's fields, each with value, confidence and reasons."
    )
