"""/api/sources: what the crawls learnt about each site."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from control_api.deps import Pagination, SessionDep, Viewer
from control_api.errors import NotFound, responses
from control_api.schemas.common import Page
from control_api.schemas.sources import SourcePublic
from dataops_spiders.store.sources import get_source, list_sources, source_report

router = APIRouter(prefix="/sources", tags=["sources"])


@router.get("", response_model=Page[SourcePublic])
def sources(session: SessionDep, _key: Viewer, page: Pagination) -> Page[SourcePublic]:
    """Every site crawled, by domain: best fetch strategy, sections that need the browser,
    latency, error and block rates, robots.txt facts."""
    profiles = list_sources(session)
    return Page(
        items=[SourcePublic(**source_report(p)) for p in page.slice(profiles)],
        total=len(profiles),
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{domain}", response_model=SourcePublic, responses=responses(404))
def source(
    domain: Annotated[str, Path(max_length=255, pattern=r"^[A-Za-z0-9.\-\[\]:]+$")],
    session: SessionDep,
    _key: Viewer,
) -> SourcePublic:
    """One site's profile (domain as host or host:port)."""
    profile = get_source(session, domain)
    if profile is None:
        raise NotFound(f"no source profile for {domain!r}: no crawl has fetched from it")
    return SourcePublic(**source_report(profile))
