"""Source profiles: what crawls learnt about each domain, merged run after run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataops_spiders.store.models import SourceProfile, utcnow

_UNSET: Any = object()


def update_source_profile(
    session: Session,
    domain: str,
    *,
    pages: int = 0,
    errors: int = 0,
    latency_sum: float = 0.0,
    latency_count: int = 0,
    robots_rules: str | None = _UNSET,
    robots_status: int | None = _UNSET,
    crawl_delay: float | None = _UNSET,
    sitemaps: list[str] | None = _UNSET,
    needs_js: bool | None = _UNSET,
    crawled_at: datetime | None = None,
) -> SourceProfile:
    """Add one run's observations of ``domain``: counts add up, the mean latency is weighted
    by the number of measured pages, robots facts and sitemaps are replaced when given."""
    domain = domain.lower()
    profile = session.scalar(select(SourceProfile).where(SourceProfile.domain == domain))
    if profile is None:
        profile = SourceProfile(domain=domain, pages=0, errors=0, latency_samples=0)
        session.add(profile)
    if latency_count:
        total = (profile.mean_latency or 0.0) * profile.latency_samples + latency_sum
        profile.latency_samples += latency_count
        profile.mean_latency = round(total / profile.latency_samples, 4)
    profile.pages += pages
    profile.errors += errors
    for name, value in (
        ("robots_rules", robots_rules),
        ("robots_status", robots_status),
        ("crawl_delay", crawl_delay),
        ("sitemaps", sitemaps),
        ("needs_js", needs_js),
    ):
        if value is not _UNSET:
            setattr(profile, name, value)
    profile.last_crawl_at = crawled_at or utcnow()
    session.flush()
    return profile


def list_sources(session: Session) -> list[SourceProfile]:
    return list(session.scalars(select(SourceProfile).order_by(SourceProfile.domain)))
