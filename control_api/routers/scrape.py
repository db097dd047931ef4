"""/api/scrape: one URL, fetched behind the SSRF guard and extracted as a one-page task."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from control_api.deps import Operator, SessionDep, SettingsDep, WriteSessionDep
from control_api.errors import ApiError, responses
from control_api.routers.tasks import reread, submit
from control_api.schemas.common import MAX_INT
from control_api.schemas.scrape import ScrapeAccepted, ScrapeRequest, ScrapeResult
from control_api.services import tasks
from dataops_spiders.netguard import UnsafeURL, check_url
from dataops_spiders.store.models import SCRAPE_TASK, Task

router = APIRouter(prefix="/scrape", tags=["scrape"])

ScrapeId = Annotated[int, Path(ge=1, le=MAX_INT, description="The scrape's id.")]


class UnsafeTarget(ApiError):
    status_code, code = 400, "unsafe_url"


def _result(task: Task) -> ScrapeResult:
    result = task.result or {}
    urls = (task.arguments or {}).get("start_urls") or [None]
    return ScrapeResult(
        id=task.id,
        status=task.status,
        url=result.get("url") or urls[0],
        template=task.template_name,
        reason=task.reason,
        created_at=task.created_at,
        finished_at=task.finished_at,
        http_status=result.get("status"),
        records=result.get("records") or [],
    )


@router.post(
    "",
    response_model=ScrapeAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(400, 422, 503),
)
def scrape(
    body: ScrapeRequest,
    request: Request,
    session: WriteSessionDep,
    settings: SettingsDep,
    key: Operator,
) -> ScrapeAccepted:
    """Fetch one page and extract its record; answers at once with the scrape's id.

    The URL must be http(s) and reach a public address (loopback, private, link-local and
    metadata addresses are refused with 400, in every spelling, before anything is fetched)."""
    # The DNS lookup before the write transaction (SQLite's lock would wait on the resolver);
    # its verdict after the template's, so a bad template is a 422 whatever the URL.
    try:
        check_url(body.url, settings.scrape_allow_hosts)
        refusal = None
    except UnsafeURL as exc:
        refusal = exc
    task = tasks.create_scrape_task(session, body.url, body.template_name, key)
    if refusal is not None:
        session.rollback()  # no task, no audit entry: nothing happened
        raise UnsafeTarget(f"refused to fetch {body.url!r}: {refusal} (SSRF guard)")
    session.commit()
    submit(request, task.id)
    task = reread(request, task.id)
    return ScrapeAccepted(
        id=task.id,
        status=task.status,
        links={"self": f"/api/scrape/{task.id}", "task": f"/api/tasks/{task.id}"},
    )


@router.get("/{scrape_id}", response_model=ScrapeResult, responses=responses(404))
def scrape_result(scrape_id: ScrapeId, session: SessionDep, _key: Operator) -> ScrapeResult:
    """The scrape's status; once finished, the page's records with per-field confidences."""
    return _result(tasks.get_task(session, scrape_id, kind=SCRAPE_TASK))
