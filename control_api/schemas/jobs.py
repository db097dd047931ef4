"""Jobs as clients create, update and read them: what to crawl (a template, start URLs,
limits, fetch options)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from control_api.schemas.common import MAX_INT, PRINTABLE
from dataops_spiders.templates import DATASET_NAME, STRATEGIES, TEMPLATE_NAME

MAX_START_URLS = 1000
MAX_URL_CHARS = 2000
CrawlStrategy = Literal[STRATEGIES]  # type: ignore[valid-type]


def _start_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("a start URL is an absolute http(s) URL")
    # The spider takes start URLs as one comma-separated argument.
    if "," in url or any(c.isspace() or not c.isprintable() for c in url):
        raise ValueError(
            "a start URL may not hold commas, spaces or control characters (percent-encode them)"
        )
    return url


StartUrl = Annotated[str, Field(min_length=1, max_length=MAX_URL_CHARS), AfterValidator(_start_url)]


class JobLimits(BaseModel):
    """Bounds of one run (default: the template's)."""

    model_config = ConfigDict(extra="forbid")

    max_pages: int | None = Field(None, ge=1, le=MAX_INT, description="Pages to fetch at most.")
    max_depth: int | None = Field(None, ge=0, le=10_000, description="Links away from a start URL.")


class JobFetch(BaseModel):
    """How pages are fetched and which links are followed."""

    model_config = ConfigDict(extra="forbid")

    strategy: CrawlStrategy | None = Field(  # type: ignore[valid-type]
        None, description="The crawl strategy (default: the template's)."
    )
    render: Literal["static", "browser", "auto"] | None = Field(
        None,
        description="static: plain HTTP; browser: every page in Chromium; auto: static, and "
        "Chromium for pages built by JavaScript (default: the template's fetch.strategy).",
    )


class _JobFields(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "shop nightly",
                    "template": "generic_product",
                    "start_urls": ["https://shop.example/"],
                    "limits": {"max_pages": 500, "max_depth": 4},
                    "fetch": {"strategy": "navigation"},
                    "dataset": "shop",
                }
            ]
        },
    )


class JobCreate(_JobFields):
    """A new job. The template must exist (shipped, or stored through /api/templates)."""

    name: str = Field(min_length=1, max_length=100, pattern=PRINTABLE)
    template: str = Field(pattern=TEMPLATE_NAME, description="A template's name.")
    template_version: int | None = Field(
        None, ge=1, le=MAX_INT, description="Pin a stored template's version (default: latest)."
    )
    start_urls: list[StartUrl] = Field(
        default_factory=list, max_length=MAX_START_URLS, description="Default: the template's."
    )
    limits: JobLimits = Field(default_factory=JobLimits)
    fetch: JobFetch = Field(default_factory=JobFetch)
    dataset: str | None = Field(
        None,
        pattern=DATASET_NAME,
        description="The dataset it versions (default: the template's name).",
    )


class JobUpdate(_JobFields):
    """The fields to change; the others keep their value. `null` clears an optional field."""

    name: str | None = Field(None, min_length=1, max_length=100, pattern=PRINTABLE)
    template: str | None = Field(None, pattern=TEMPLATE_NAME)
    template_version: int | None = Field(None, ge=1, le=MAX_INT)
    start_urls: list[StartUrl] | None = Field(None, max_length=MAX_START_URLS)
    limits: JobLimits | None = None
    fetch: JobFetch | None = None
    dataset: str | None = Field(None, pattern=DATASET_NAME)


class JobPublic(BaseModel):
    id: int
    name: str
    template: str
    template_version: int | None
    start_urls: list[str]
    limits: JobLimits
    fetch: JobFetch
    dataset: str | None
    created_at: datetime
    updated_at: datetime
    created_by: str | None
    last_task_id: int | None = None
    last_task_status: str | None = None
