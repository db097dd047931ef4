"""Tasks: one run on a Scrapyd node, of a job or of /api/scrape.

The task row is the truth about a run. The API creates it (queued), schedules it, and asks for
its cancellation; the crawl process marks it running, reports progress and writes how it ended;
the dispatcher ends the tasks whose crawl could not say so itself (see services.dispatcher).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from control_api.errors import Conflict, NotFound
from control_api.identity import Principal
from control_api.services import audit
from control_api.services.jobs import resolve_template
from dataops_spiders.store.models import (
    CRAWL_TASK,
    SCRAPE_TASK,
    TASK_CANCELLED,
    TASK_ENDED,
    TASK_QUEUED,
    TASK_RUNNING,
    Job,
    Task,
    utcnow,
)

WAITING = "waiting for a Scrapyd node"


def get_task(session: Session, task_id: int, kind: str | None = None) -> Task:
    task = session.get(Task, task_id)
    if task is None or (kind is not None and task.kind != kind):
        what = "scrape" if kind == SCRAPE_TASK else "task"
        raise NotFound(f"no {what} {task_id}", {"id": task_id})
    return task


def job_arguments(job: Job) -> dict:
    """The spider arguments a job's task carries (besides task, template and dataset)."""
    limits, fetch = job.limits or {}, job.fetch or {}
    arguments = {
        "start_urls": list(job.start_urls or []),
        "max_pages": limits.get("max_pages"),
        "max_depth": limits.get("max_depth"),
        "strategy": fetch.get("strategy"),
        "fetch": fetch.get("render"),
    }
    return {name: value for name, value in arguments.items() if value not in (None, [])}


def create_job_task(session: Session, job: Job, actor: Principal) -> Task:
    """A queued task running ``job`` now (its template must still exist: 422 otherwise)."""
    resolved = resolve_template(session, job.template_name, job.template_version, job.start_urls)
    task = Task(
        kind=CRAWL_TASK,
        job_id=job.id,
        status=TASK_QUEUED,
        template_name=resolved.name,
        template_version=resolved.version,
        dataset=job.dataset or resolved.name,
        arguments=job_arguments(job),
        created_by=actor.name,
        reason=WAITING,
    )
    session.add(task)
    session.flush()
    audit.record(
        session, actor, "job.run", "job", job.id, {"task": task.id, "version": resolved.version}
    )
    return task


def create_scrape_task(session: Session, url: str, template: str, actor: Principal) -> Task:
    resolved = resolve_template(session, template, None, [url])
    task = Task(
        kind=SCRAPE_TASK,
        status=TASK_QUEUED,
        template_name=resolved.name,
        template_version=resolved.version,
        dataset=None,
        arguments={"start_urls": [url], "strategy": "direct_item", "max_pages": 1},
        created_by=actor.name,
        reason=WAITING,
    )
    session.add(task)
    session.flush()
    audit.record(session, actor, "scrape.create", "task", task.id, {"url": url})
    return task


@dataclass(frozen=True)
class TaskFilter:
    status: str | None = None
    job_id: int | None = None
    kind: str | None = None
    created_after: datetime | None = None  # inclusive
    created_before: datetime | None = None  # exclusive

    def conditions(self) -> list:
        exact = {Task.status: self.status, Task.job_id: self.job_id, Task.kind: self.kind}
        conditions = [column == value for column, value in exact.items() if value is not None]
        if self.created_after is not None:
            conditions.append(Task.created_at >= self.created_after)
        if self.created_before is not None:
            conditions.append(Task.created_at < self.created_before)
        return conditions


def list_tasks(
    session: Session, where: TaskFilter, limit: int, offset: int
) -> tuple[list[Task], int]:
    """Matching tasks, newest first, and how many match in all."""
    conditions = where.conditions()
    total = session.scalar(select(func.count()).select_from(Task).where(*conditions)) or 0
    tasks = session.scalars(
        select(Task).where(*conditions).order_by(Task.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(tasks), total


def cancel_queued(session: Session, task_id: int, reason: str) -> bool:
    """End a task that never reached Scrapyd; False if it was scheduled meanwhile."""
    changed = session.execute(
        update(Task)
        .where(Task.id == task_id, Task.status == TASK_QUEUED, Task.scrapyd_job.is_(None))
        .values(status=TASK_CANCELLED, finished_at=utcnow(), reason=reason, cancel_requested=True)
    ).rowcount
    return bool(changed)


def request_cancel(session: Session, task_id: int) -> None:
    """Mark the cancellation asked for: the crawl (or the dispatcher) ends the task."""
    session.execute(
        update(Task)
        .where(Task.id == task_id, Task.status.in_((TASK_QUEUED, TASK_RUNNING)))
        .values(cancel_requested=True)
    )


def end_cancelled(session: Session, task_id: int, reason: str) -> None:
    """Scrapyd removed the job before it started: cancelled now."""
    session.execute(
        update(Task)
        .where(Task.id == task_id, Task.status.in_((TASK_QUEUED, TASK_RUNNING)))
        .values(status=TASK_CANCELLED, finished_at=utcnow(), reason=reason)
    )


def refuse_unless_ended(task: Task, action: str) -> None:
    if task.status not in TASK_ENDED:
        raise Conflict(
            f"task {task.id} is {task.status}: only an ended task can be {action}"
            + (" (cancel it first)" if action == "deleted" else ""),
            {"id": task.id, "status": task.status},
        )


def delete_task(session: Session, task: Task, actor: Principal) -> None:
    refuse_unless_ended(task, "deleted")
    # Retries of it keep existing: they no longer point at it.
    session.execute(update(Task).where(Task.retry_of == task.id).values(retry_of=None))
    session.delete(task)
    audit.record(
        session, actor, "task.delete", "task", task.id, {"status": task.status, "job": task.job_id}
    )
    session.flush()


def retry_task(session: Session, task: Task, actor: Principal) -> Task:
    """A new queued task with the same template version and arguments as an ended one."""
    refuse_unless_ended(task, "retried")
    start_urls = (task.arguments or {}).get("start_urls") or []
    resolve_template(session, task.template_name, task.template_version, start_urls)
    retry = Task(
        kind=task.kind,
        job_id=task.job_id,
        status=TASK_QUEUED,
        template_name=task.template_name,
        template_version=task.template_version,
        dataset=task.dataset,
        arguments=dict(task.arguments or {}),
        created_by=actor.name,
        reason=WAITING,
        retry_of=task.id,
    )
    session.add(retry)
    session.flush()
    audit.record(session, actor, "task.retry", "task", task.id, {"retry": retry.id})
    return retry
