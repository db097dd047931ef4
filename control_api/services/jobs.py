"""Jobs: what to crawl. A job names a template (it must exist: shipped or stored), start URLs,
limits and fetch options; running it makes a task (services.tasks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from control_api.errors import Conflict, NotFound, Unprocessable
from control_api.identity import Principal
from control_api.schemas.jobs import JobCreate, JobUpdate
from control_api.services import audit, templates
from dataops_spiders.store.models import TASK_QUEUED, TASK_RUNNING, Job, Task, utcnow
from dataops_spiders.templates import IntentTemplate, TemplateError


@dataclass(frozen=True)
class ResolvedTemplate:
    name: str
    version: int | None  # the stored version; None for a shipped template
    template: IntentTemplate


def _unprocessable(field: str, message: str) -> Unprocessable:
    return Unprocessable(f"{field}: {message}", {"fields": [{"field": field, "message": message}]})


def resolve_template(
    session: Session, name: str, version: int | None, start_urls: list[str]
) -> ResolvedTemplate:
    """The template a job runs (422 when it is gone, or when nothing gives it start URLs)."""
    try:
        info = templates.get_template(session, name, version)
    except NotFound as exc:
        field = "body.template_version" if version is not None else "body.template"
        raise _unprocessable(field, exc.message) from None
    try:
        parsed = templates.validate(info.text or "")
    except TemplateError as exc:  # stored before a rule changed, say
        message = f"template {name!r} no longer validates: {exc}"
        raise _unprocessable("body.template", message) from None
    if not start_urls and not parsed.start_urls:
        raise _unprocessable(
            "body.start_urls", f"template {name!r} has no start URLs: give the job start_urls"
        )
    return ResolvedTemplate(info.name, info.version, parsed)


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}", {"id": job_id})
    return job


@dataclass(frozen=True)
class JobFilter:
    template: str | None = None
    dataset: str | None = None
    name: str | None = None  # a part of the name, any case

    def conditions(self) -> list:
        conditions = []
        if self.template is not None:
            conditions.append(Job.template_name == self.template)
        if self.dataset is not None:
            conditions.append(Job.dataset == self.dataset)
        if self.name is not None:
            escaped = self.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(func.lower(Job.name).like(f"%{escaped.lower()}%", escape="\\"))
        return conditions


def list_jobs(session: Session, where: JobFilter, limit: int, offset: int) -> tuple[list[Job], int]:
    """Matching jobs, newest first, and how many match in all."""
    conditions = where.conditions()
    total = session.scalar(select(func.count()).select_from(Job).where(*conditions)) or 0
    jobs = session.scalars(
        select(Job).where(*conditions).order_by(Job.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(jobs), total


def last_tasks(session: Session, job_ids: list[int]) -> dict[int, Task]:
    """The latest task of each job that has one."""
    if not job_ids:
        return {}
    latest = (
        select(func.max(Task.id)).where(Task.job_id.in_(job_ids)).group_by(Task.job_id)
    ).scalar_subquery()
    return {task.job_id: task for task in session.scalars(select(Task).where(Task.id.in_(latest)))}


def _as_row(values: dict[str, Any]) -> dict[str, Any]:
    """Schema names → column names."""
    renamed = {"template": "template_name"}
    return {renamed.get(name, name): value for name, value in values.items()}


def create_job(session: Session, body: JobCreate, actor: Principal) -> Job:
    resolve_template(session, body.template, body.template_version, body.start_urls)
    job = Job(
        created_by=actor.name,
        **_as_row(body.model_dump(mode="json", exclude_none=False)),
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor,
        "job.create",
        "job",
        job.id,
        {"name": job.name, "template": job.template_name, "version": body.template_version},
    )
    return job


def update_job(session: Session, job_id: int, body: JobUpdate, actor: Principal) -> Job:
    """Change the fields the body sets; the template must still exist afterwards."""
    job = get_job(session, job_id)
    changes = _as_row(body.model_dump(mode="json", exclude_unset=True))
    if "name" in changes and changes["name"] is None:
        raise _unprocessable("body.name", "a job keeps a name")
    if "template_name" in changes and changes["template_name"] is None:
        raise _unprocessable("body.template", "a job keeps a template")
    if "template_name" in changes and "template_version" not in changes:
        changes["template_version"] = None  # a version pinned for another template means nothing
    for column, default in (("start_urls", []), ("limits", {}), ("fetch", {})):
        if column in changes and changes[column] is None:
            changes[column] = default
    before = {column: getattr(job, column) for column in changes}
    resolve_template(
        session,
        changes.get("template_name", job.template_name),
        changes.get("template_version", job.template_version),
        changes.get("start_urls", job.start_urls),
    )
    for column, value in changes.items():
        setattr(job, column, value)
    job.updated_at = utcnow()
    session.flush()
    changed = {c: {"from": before[c], "to": v} for c, v in changes.items() if before[c] != v}
    audit.record(session, actor, "job.update", "job", job.id, {"changed": changed})
    return job


def active_tasks(session: Session, job_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Task.id).where(
                Task.job_id == job_id, Task.status.in_((TASK_QUEUED, TASK_RUNNING))
            )
        )
    )


def delete_job(session: Session, job_id: int, actor: Principal) -> None:
    """Delete a job; its ended tasks stay (without their job). Refused while one is active."""
    job = get_job(session, job_id)
    active = active_tasks(session, job_id)
    if active:
        raise Conflict(
            f"job {job_id} has {len(active)} queued or running task(s): cancel them first",
            {"tasks": active},
        )
    session.execute(update(Task).where(Task.job_id == job_id).values(job_id=None))
    session.delete(job)
    details = {"name": job.name, "template": job.template_name}
    audit.record(session, actor, "job.delete", "job", job_id, details)
    session.flush()
