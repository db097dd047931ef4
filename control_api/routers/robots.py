"""/api/robots: robots.txt verdicts for our crawler."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from control_api.deps import SessionDep, SettingsDep, Viewer
from control_api.errors import responses
from control_api.schemas.common import PRINTABLE
from control_api.schemas.robots import RobotsVerdict
from control_api.services import robots

router = APIRouter(prefix="/robots", tags=["robots"])

MAX_URL_CHARS = 4096


@router.get("", response_model=RobotsVerdict, responses=responses(400))
def robots_verdict(
    url: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_URL_CHARS,
            pattern=PRINTABLE,
            description="The URL to ask about.",
            examples=["https://shop.example/private/list.html"],
        ),
    ],
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    _key: Viewer,
    refresh: Annotated[bool, Query(description="Fetch robots.txt even if it is known.")] = False,
) -> RobotsVerdict:
    """Allowed or not for our user agent, the deciding rule, crawl-delay and sitemaps: from the
    source profile when robots.txt was fetched in the last 24 h, else fetched now (400 when the
    SSRF guard refuses the host, or a redirect's)."""
    write_sessions = request.app.state.write_sessions
    answer = robots.check(session, write_sessions, url, settings.scrape_allow_hosts, refresh)
    return RobotsVerdict(**answer.__dict__)
