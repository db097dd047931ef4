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
    browser_pages: int = 0,
    blocked: int = 0,
    browser_sections: list[str] | None = None,
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
    by the number of measured pages, sections that needed the browser accumulate, robots facts
    and sitemaps are replaced when given (robots_status given: the run fetched robots.txt, and
    robots_fetched_at says when)."""
    domain = domain.lower()
    profile = session.scalar(select(SourceProfile).where(SourceProfile.domain == domain))
    if profile is None:
        profile = SourceProfile(
            domain=domain, pages=0, errors=0, latency_samples=0, browser_pages=0, blocked=0
        )
        session.add(profile)
    if latency_count:
        total = (profile.mean_latency or 0.0) * profile.latency_samples + latency_sum
        profile.latency_samples += latency_count
        profile.mean_latency = round(total / profile.latency_samples, 4)
    profile.pages += pages
    profile.errors += errors
    profile.browser_pages = (profile.browser_pages or 0) + browser_pages
    profile.blocked = (profile.blocked or 0) + blocked
    if browser_sections:
        known = set(profile.browser_sections or ())
        profile.browser_sections = sorted(known | set(browser_sections))
        profile.needs_js = True
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
    if robots_status is not _UNSET:  # this run fetched robots.txt: its rules date from now
        profile.robots_fetched_at = profile.last_crawl_at
    session.flush()
    return profile


def list_sources(session: Session) -> list[SourceProfile]:
    return list(session.scalars(select(SourceProfile).order_by(SourceProfile.domain)))


def browser_sections(session: Session, sites: list[str]) -> dict[str, list[str]]:
    """{site: sections} of ``sites`` (host[:port]) where earlier crawls needed the browser
    ("*": the whole site, for a profile that says needs_js without naming sections)."""
    wanted = [site.lower() for site in sites]
    if not wanted:
        return {}
    rows = session.execute(
        select(SourceProfile.domain, SourceProfile.browser_sections).where(
            SourceProfile.domain.in_(wanted), SourceProfile.needs_js.is_(True)
        )
    )
    return {domain: list(sections or ["*"]) for domain, sections in rows}


def best_strategy(profile: SourceProfile) -> str | None:
    """The fetch strategy this site's history suggests: static when no page needed the
    browser, browser when (nearly) every page did, auto when some sections did; None before
    any page was fetched."""
    if not profile.pages:
        return None
    if not profile.needs_js:
        return "static"
    if "*" in (profile.browser_sections or ()) or profile.browser_pages >= 0.9 * profile.pages:
        return "browser"
    return "auto"


def rate(part: int | None, whole: int | None) -> float | None:
    """part / whole rounded to 4 places; None when nothing was counted."""
    return round((part or 0) / whole, 4) if whole else None


def source_report(profile: SourceProfile) -> dict[str, Any]:
    """What the crawls learnt about one site, as the CLI and the API show it."""
    return {
        "domain": profile.domain,
        "pages": profile.pages,
        "best_strategy": best_strategy(profile),
        "needs_browser": bool(profile.needs_js),
        "browser_sections": list(profile.browser_sections or []),
        "browser_pages": profile.browser_pages or 0,
        "mean_latency": profile.mean_latency,
        "errors": profile.errors,
        "error_rate": rate(profile.errors, profile.pages),
        "blocked": profile.blocked or 0,
        "block_rate": rate(profile.blocked, profile.pages),
        "crawl_delay": profile.crawl_delay,
        "sitemaps": list(profile.sitemaps or []),
        "robots_status": profile.robots_status,
        "robots_bytes": len(profile.robots_rules) if profile.robots_rules is not None else None,
        "last_crawl_at": profile.last_crawl_at,
    }


def get_source(session: Session, domain: str) -> SourceProfile | None:
    return session.scalar(select(SourceProfile).where(SourceProfile.domain == domain.lower()))
