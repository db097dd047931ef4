"""/api/jobs: what to crawl; POST /api/jobs/{id}/run starts a task and answers at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from control_api.deps import Operator, Pagination, SessionDep, Viewer, WriteSessionDep
from control_api.errors import responses
from control_api.routers.tasks import detail, reread, submit
from control_api.schemas.common import MAX_INT, PRINTABLE, Page
from control_api.schemas.jobs import DATASET_NAME, TEMPLATE_NAME, JobCreate, JobPublic, JobUpdate
from control_api.schemas.tasks import TaskDetail
from control_api.services import jobs as service
from control_api.services import tasks
from dataops_spiders.store.models import Job, Task

router = APIRouter(prefix="/jobs", tags=["jobs"])

JobId = Annotated[int, Path(ge=1, le=MAX_INT, description="The job's id.")]


def public(job: Job, last: Task | None = None) -> JobPublic:
    return JobPublic(
        id=job.id,
        name=job.name,
        template=job.template_name,
        template_version=job.template_version,
        start_urls=job.start_urls or [],
        limits=job.limits or {},
        fetch=job.fetch or {},
        dataset=job.dataset,
        created_at=job.created_at,
        updated_at=job.updated_at,
        created_by=job.created_by,
        last_task_id=last.id if last else None,
        last_task_status=last.status if last else None,
    )


@router.get("", response_model=Page[JobPublic])
def list_jobs(
    session: SessionDep,
    _key: Viewer,
    page: Pagination,
    template: Annotated[str | None, Query(pattern=TEMPLATE_NAME)] = None,
    dataset: Annotated[str | None, Query(pattern=DATASET_NAME)] = None,
    name: Annotated[
        str | None, Query(max_length=100, pattern=PRINTABLE, description="A part of the name.")
    ] = None,
) -> Page[JobPublic]:
    """Jobs, newest first, with their latest task's status."""
    found, total = service.list_jobs(
        session, service.JobFilter(template, dataset, name), page.limit, page.offset
    )
    last = service.last_tasks(session, [job.id for job in found])
    return Page(
        items=[public(job, last.get(job.id)) for job in found],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "", response_model=JobPublic, status_code=status.HTTP_201_CREATED, responses=responses(422)
)
def create_job(body: JobCreate, session: WriteSessionDep, key: Operator) -> JobPublic:
    """A new job; its template must exist (422 otherwise)."""
    job = service.create_job(session, body, key)
    session.commit()
    return public(job)


@router.get("/{job_id}", response_model=JobPublic, responses=responses(404))
def get_job(job_id: JobId, session: SessionDep, _key: Viewer) -> JobPublic:
    """A job with its latest task's status."""
    job = service.get_job(session, job_id)
    return public(job, service.last_tasks(session, [job.id]).get(job.id))


@router.patch("/{job_id}", response_model=JobPublic, responses=responses(404))
def update_job(
    job_id: JobId, body: JobUpdate, session: WriteSessionDep, key: Operator
) -> JobPublic:
    """Change a job's fields (tasks already made keep the arguments they ran with)."""
    job = service.update_job(session, job_id, body, key)
    session.commit()
    return public(job)


@router.delete("/{job_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 409))
def delete_job(job_id: JobId, session: WriteSessionDep, key: Operator) -> Response:
    """Delete a job (refused while one of its tasks is queued or running)."""
    service.delete_job(session, job_id, key)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{job_id}/run",
    response_model=TaskDetail,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(404, 503),
)
def run_job(job_id: JobId, request: Request, session: WriteSessionDep, key: Operator) -> TaskDetail:
    """Start a task of the job on the least-loaded Scrapyd node; answers at once with it.

    503 when no node answers: the task stays queued (its id in the error's details) and the
    dispatcher schedules it when a node is back."""
    task = tasks.create_job_task(session, service.get_job(session, job_id), key)
    session.commit()
    submit(request, task.id)
    return detail(reread(request, task.id))
