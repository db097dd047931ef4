"""What the crawls learnt about each site (source profiles)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class SourcePublic(BaseModel):
    domain: str = Field(description="host[:port]", examples=["shop.example"])
    pages: int = Field(description="Pages fetched there, all crawls together.")
    best_strategy: Literal["static", "browser", "auto"] | None = Field(
        description="The fetch strategy its history suggests (None before any page)."
    )
    needs_browser: bool
    browser_sections: list[str] = Field(
        description='First path segments whose pages needed the browser ("*": all).',
        examples=[["/app"]],
    )
    browser_pages: int
    mean_latency: float | None = Field(description="Seconds per page, averaged.")
    errors: int
    error_rate: float | None
    blocked: int = Field(description="403, 429 or CAPTCHA/challenge answers.")
    block_rate: float | None
    crawl_delay: float | None = Field(description="robots.txt's Crawl-delay for our agent.")
    sitemaps: list[str]
    robots_status: int | None
    robots_bytes: int | None = Field(description="Size of robots.txt as last fetched.")
    last_crawl_at: datetime | None
