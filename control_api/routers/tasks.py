"""/api/tasks: runs on Scrapyd, their status, progress, logs; cancel, delete, retry."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import PlainTextResponse, StreamingResponse

from control_api.deps import Operator, Pagination, SessionDep, TimeQuery, Viewer, WriteSessionDep
from control_api.errors import Conflict, NotFound, responses
from control_api.schemas.common import MAX_INT, Page
from control_api.schemas.tasks import TaskDetail, TaskLinks, TaskPublic
from control_api.services import audit, scheduling
from control_api.services import tasks as service
from dataops_spiders.runner.client import ScrapydClient, ScrapydError
from dataops_spiders.store.models import (
    TASK_QUEUED,
    TASK_RUNNING,
    TASK_STATUSES,
    Task,
    utcnow,
)

router = APIRouter(prefix="/tasks", tags=["tasks"])

TaskId = Annotated[int, Path(ge=1, le=MAX_INT, description="The task's id.")]
TaskStatus = Literal[TASK_STATUSES]  # type: ignore[valid-type]
DEFAULT_TAIL = 64 * 1024
MAX_TAIL = 16 * 1024 * 1024


def links(task: Task) -> TaskLinks:
    base = f"/api/tasks/{task.id}"
    versions = export = None
    if task.dataset and task.dataset_version is not None:
        versions = f"/api/datasets/{quote(task.dataset)}/versions"
        query = {"dataset": task.dataset, "version": task.dataset_version, "format": "jsonl"}
        export = f"/api/export?{urlencode(query)}"
    return TaskLinks(
        self=base,
        log=f"{base}/log",
        log_download=f"{base}/log/download",
        job=f"/api/jobs/{task.job_id}" if task.job_id is not None else None,
        dataset_versions=versions,
        export=export,
    )


def _duration(task: Task) -> float | None:
    if task.started_at is None:
        return None
    end = task.finished_at or utcnow()
    return round(max((end - task.started_at).total_seconds(), 0.0), 3)


def public(task: Task) -> TaskPublic:
    return TaskPublic(
        id=task.id,
        kind=task.kind,
        job_id=task.job_id,
        status=task.status,
        template=task.template_name,
        template_version=task.template_version,
        dataset=task.dataset,
        node=task.node,
        scrapyd_job=task.scrapyd_job,
        created_at=task.created_at,
        created_by=task.created_by,
        scheduled_at=task.scheduled_at,
        started_at=task.started_at,
        finished_at=task.finished_at,
        heartbeat_at=task.heartbeat_at,
        duration_seconds=_duration(task),
        progress=task.progress or {},
        run_id=task.run_id,
        dataset_version=task.dataset_version,
        reason=task.reason,
        cancel_requested=task.cancel_requested,
        retry_of=task.retry_of,
        links=links(task),
    )


def detail(task: Task) -> TaskDetail:
    return TaskDetail(
        **public(task).model_dump(),
        arguments=task.arguments or {},
        stats=task.stats,
        result=task.result,
    )


def submit(request: Request, task_id: int) -> None:
    """Schedule a task just committed as queued; 503 (it stays queued) when no node takes it."""
    state = request.app.state
    try:
        scheduling.schedule(state.write_sessions, state.nodes, state.settings, task_id)
    except scheduling.NotScheduled as exc:
        raise scheduling.NoNodeAvailable(
            f"task {task_id} is queued, but {exc.reason}; it will be scheduled when a node answers",
            {"task_id": task_id, "status": TASK_QUEUED},
        ) from None


def reread(request: Request, task_id: int) -> Task:
    with request.app.state.sessions() as session:
        task = service.get_task(session, task_id)
        session.expunge(task)
    return task


@router.get("", response_model=Page[TaskPublic])
def list_tasks(
    session: SessionDep,
    _key: Viewer,
    page: Pagination,
    status: Annotated[TaskStatus | None, Query(description="queued, running, ...")] = None,
    job_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    kind: Annotated[Literal["crawl", "scrape"] | None, Query()] = None,
    created_after: Annotated[TimeQuery, Query(description="Created at or after.")] = None,
    created_before: Annotated[TimeQuery, Query(description="Created before.")] = None,
) -> Page[TaskPublic]:
    """Tasks, newest first, filtered and paginated."""
    where = service.TaskFilter(status, job_id, kind, created_after, created_before)
    found, total = service.list_tasks(session, where, page.limit, page.offset)
    return Page(items=[public(t) for t in found], total=total, limit=page.limit, offset=page.offset)


@router.get("/{task_id}", response_model=TaskDetail, responses=responses(404))
def get_task(task_id: TaskId, session: SessionDep, _key: Viewer) -> TaskDetail:
    """A task: status, node, timings, live progress, final stats, the version it produced."""
    return detail(service.get_task(session, task_id))


@router.post(
    "/{task_id}/cancel",
    response_model=TaskDetail,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(404, 409),
)
def cancel_task(
    task_id: TaskId, request: Request, session: WriteSessionDep, key: Operator
) -> TaskDetail:
    """Cancel a task: a queued one ends at once; a running one is asked to stop and ends
    cancelled when its crawl closes."""
    task = service.get_task(session, task_id)
    if task.status not in (TASK_QUEUED, TASK_RUNNING):
        raise Conflict(
            f"task {task_id} already ended ({task.status})", {"id": task_id, "status": task.status}
        )
    audit.record(session, key, "task.cancel", "task", task_id, {"status": task.status})
    if service.cancel_queued(session, task_id, "cancelled on request before it was scheduled"):
        session.commit()
        return detail(reread(request, task_id))
    service.request_cancel(session, task_id)
    session.commit()
    task = reread(request, task_id)
    if task.node and task.scrapyd_job:
        try:
            previous = _client(request, task).cancel(scheduling.PROJECT, task.scrapyd_job)
        except ScrapydError as exc:
            raise scheduling.NoNodeAvailable(
                f"the cancellation of task {task_id} is recorded, but its node did not take it: "
                f"{exc}; the crawl stops at its next progress report, or ask again",
                {"task_id": task_id},
            ) from None
        if previous in ("pending", None):  # it never started (or Scrapyd forgot it)
            with request.app.state.write_sessions() as write:
                service.end_cancelled(write, task_id, "cancelled on request before it started")
                write.commit()
    return detail(reread(request, task_id))


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 409))
def delete_task(task_id: TaskId, session: WriteSessionDep, key: Operator) -> Response:
    """Delete an ended task (its dataset version stays)."""
    service.delete_task(session, service.get_task(session, task_id), key)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{task_id}/retry",
    response_model=TaskDetail,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(404, 409, 503),
)
def retry_task(
    task_id: TaskId, request: Request, session: WriteSessionDep, key: Operator
) -> TaskDetail:
    """Run an ended task again, with the same template version and arguments: a new task."""
    retry = service.retry_task(session, service.get_task(session, task_id), key)
    session.commit()
    submit(request, retry.id)
    return detail(reread(request, retry.id))


def _client(request: Request, task: Task) -> ScrapydClient:
    pool = request.app.state.nodes
    try:
        if pool is None:
            raise KeyError
        return pool.node(task.node)
    except KeyError:
        raise NotFound(
            f"task {task.id} ran on {task.node}, which is no longer a configured node",
            {"id": task.id, "node": task.node},
        ) from None


def _log_source(request: Request, session, task_id: int) -> tuple[Task, ScrapydClient]:
    task = service.get_task(session, task_id)
    if not task.node or not task.scrapyd_job:
        raise NotFound(
            f"task {task_id} has not reached a Scrapyd node: there is no log yet",
            {"id": task_id, "status": task.status},
        )
    return task, _client(request, task)


def _no_log(task: Task) -> NotFound:
    return NotFound(
        f"{task.node} has no log for task {task.id} (job {task.scrapyd_job}): the job has not "
        "started, or Scrapyd has rotated its log out",
        {"id": task.id, "node": task.node, "scrapyd_job": task.scrapyd_job},
    )


@router.get(
    "/{task_id}/log",
    # Response, not PlainTextResponse: errors stay documented as JSON, the log as text.
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}, **responses(404, 503)},
)
def task_log(
    task_id: TaskId,
    request: Request,
    session: SessionDep,
    _key: Viewer,
    tail: Annotated[
        int, Query(ge=1, le=MAX_TAIL, description="Bytes from the end of the log.")
    ] = DEFAULT_TAIL,
) -> PlainTextResponse:
    """The end of the crawl's log, from Scrapyd (starting at a line)."""
    task, client = _log_source(request, session, task_id)
    # No transaction held while Scrapyd answers (detached first: a rollback expires the task,
    # and reading it again would open a new one).
    session.expunge(task)
    session.rollback()
    try:
        text = client.log(scheduling.PROJECT, scheduling.SPIDER, task.scrapyd_job, tail)
    except ScrapydError as exc:  # down, refusing our credentials, or answering an error
        raise scheduling.NoNodeAvailable(str(exc), {"id": task_id}) from None
    if text is None:
        raise _no_log(task)
    return PlainTextResponse(text)


@router.get(
    "/{task_id}/log/download",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/plain": {}}}, **responses(404, 503)},
)
def download_task_log(
    task_id: TaskId, request: Request, session: SessionDep, _key: Viewer
) -> StreamingResponse:
    """The whole log of the crawl, streamed as a file."""
    task, client = _log_source(request, session, task_id)
    # No transaction held while Scrapyd answers (detached first: a rollback expires the task,
    # and reading it again would open a new one).
    session.expunge(task)
    session.rollback()
    try:
        chunks = client.log_stream(scheduling.PROJECT, scheduling.SPIDER, task.scrapyd_job)
    except ScrapydError as exc:  # down, refusing our credentials, or answering an error
        raise scheduling.NoNodeAvailable(str(exc), {"id": task_id}) from None
    if chunks is None:
        raise _no_log(task)
    filename = f"task-{task.id}-{task.scrapyd_job}.log"
    return StreamingResponse(
        chunks,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
