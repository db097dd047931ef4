"""/api/robots: may our crawler fetch a URL, and what robots.txt says about its site."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class RobotsRule(BaseModel):
    directive: Literal["allow", "disallow"]
    pattern: str = Field(description="The rule's path pattern, as Protego normalised it.")
    user_agent: str = Field(description="The robots.txt group it belongs to ('*' or a token).")


class RobotsVerdict(BaseModel):
    url: str
    robots_url: str
    allowed: bool = Field(
        description="Whether our crawler may fetch the URL. robots.txt answering 4xx allows "
        "everything; 5xx or unreachable allows nothing (RFC 9309)."
    )
    user_agent: str = Field(description="The product token our crawler matches groups with.")
    rule: RobotsRule | None = Field(description="The Allow/Disallow line that decided, if any.")
    crawl_delay: float | None = Field(description="Crawl-delay for our user agent, seconds.")
    sitemaps: list[str]
    reason: str = Field(description="Why, in words.")
    source: Literal["profile", "fetched"] = Field(
        description="profile: robots.txt a crawl or a check fetched in the last 24 h; "
        "fetched: fetched for this answer."
    )
    fetched_at: datetime | None = Field(description="When robots.txt was fetched.")
    robots_status: int | None = Field(description="HTTP status of robots.txt (none: no answer).")
