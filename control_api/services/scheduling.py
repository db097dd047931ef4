"""Putting a queued task on a Scrapyd node: the arguments it runs with, the least-loaded node,
and a claim that keeps two dispatchers (or a request and a dispatcher) from scheduling it twice.

The claim is one guarded update: ``UPDATE tasks SET scrapyd_job=<new id> WHERE id=? AND
status='queued' AND scrapyd_job IS NULL``. Only the caller whose update changed the row calls
Scrapyd, and it passes that id as Scrapyd's ``jobid``, so a claim left behind by a process that
died mid-way can be looked up on the nodes (see dispatcher) instead of being scheduled again.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from control_api.config import ApiSettings
from control_api.errors import ApiError
from dataops_spiders.runner.client import ScrapydClient, ScrapydError, ScrapydUnavailable
from dataops_spiders.runner.nodes import NodePool
from dataops_spiders.store.models import SCRAPE_TASK, TASK_QUEUED, Task, utcnow

logger = logging.getLogger(__name__)

PROJECT = "dataops"
SPIDER = "intent"
NO_NODE = "no Scrapyd node is configured: set DATAOPS_SCRAPYD_URLS (or start `dataops serve`)"


@dataclass(frozen=True)
class Scheduled:
    task_id: int
    node: str
    scrapyd_job: str


class NoNodeAvailable(ApiError):
    """503: the task was created but no Scrapyd node took it; it stays queued."""

    status_code, code = 503, "scrapyd_unavailable"


class NotScheduled(Exception):
    """Scrapyd could not take the task: it stays queued, with the reason, for the dispatcher."""

    def __init__(self, task_id: int, reason: str):
        self.task_id = task_id
        self.reason = reason
        super().__init__(reason)


def spider_arguments(task: Task) -> dict[str, str]:
    """The spider's -a arguments, all text (the contract with the crawl process)."""
    args = {"task": str(task.id), "template": task.template_name}
    if task.template_version is not None:
        args["template_version"] = str(task.template_version)
    if task.dataset:
        args["dataset"] = task.dataset
    for name, value in (task.arguments or {}).items():
        if value is None or value == []:
            continue
        args[name] = ",".join(value) if isinstance(value, list) else str(value)
    return args


def crawl_settings(task: Task, settings: ApiSettings) -> dict[str, Any]:
    """The -s settings: a scrape writes no dataset version and fetches behind the SSRF guard,
    directly: a proxy would resolve the client's host name itself, where the guard cannot
    check the address it connects to."""
    if task.kind != SCRAPE_TASK:
        return {}
    return {
        "DATAOPS_STORE": False,
        "DATAOPS_SSRF_GUARD": True,
        "DATAOPS_SSRF_ALLOW": json.dumps(list(settings.scrape_allow_hosts)),
        "DATAOPS_PROXIES": "",
        "DATAOPS_PROXY_FILE": "",
    }


def claim(sessions: sessionmaker[Session], task_id: int) -> str | None:
    """A fresh Scrapyd job id, recorded on the task if nobody else has scheduled it; else None."""
    job = uuid.uuid4().hex
    with sessions() as session:
        changed = session.execute(
            update(Task)
            .where(
                Task.id == task_id,
                Task.status == TASK_QUEUED,
                Task.scrapyd_job.is_(None),
                Task.cancel_requested.is_(False),
            )
            .values(scrapyd_job=job, scheduled_at=utcnow())
        ).rowcount
        session.commit()
    return job if changed else None


def release(sessions: sessionmaker[Session], task_id: int, job: str, reason: str) -> None:
    """Give a claim back (Scrapyd did not take the job): queued again, with why."""
    with sessions() as session:
        session.execute(
            update(Task)
            .where(Task.id == task_id, Task.scrapyd_job == job, Task.status == TASK_QUEUED)
            .values(scrapyd_job=None, scheduled_at=None, node=None, reason=reason)
        )
        session.commit()


def schedule(
    sessions: sessionmaker[Session],
    pool: NodePool | None,
    settings: ApiSettings,
    task_id: int,
) -> Scheduled | None:
    """Schedule a queued task on the least-loaded node.

    None when it was not ours to schedule (already scheduled, ended or being cancelled);
    NotScheduled when no node took it (it stays queued, its reason says why)."""
    job = claim(sessions, task_id)
    if job is None:
        return None
    with sessions() as session:
        task = session.get(Task, task_id)
        args, crawl = spider_arguments(task), crawl_settings(task, settings)
    try:
        if pool is None:
            raise ScrapydUnavailable(NO_NODE)
        client: ScrapydClient = pool.least_loaded()
        client.schedule(PROJECT, SPIDER, args=args, settings=crawl, jobid=job)
    except ScrapydError as exc:
        reason = f"waiting for a Scrapyd node: {exc}"
        release(sessions, task_id, job, reason)
        logger.info("task %d stays queued: %s", task_id, exc)  # said again every pass
        raise NotScheduled(task_id, reason) from None
    except BaseException:
        release(sessions, task_id, job, "scheduling was interrupted; it will be tried again")
        raise
    with sessions() as session:
        session.execute(
            update(Task)
            .where(Task.id == task_id, Task.scrapyd_job == job)
            .values(node=client.url, reason=None)
        )
        session.commit()
    logger.info("task %d scheduled on %s as job %s", task_id, client.url, job)
    return Scheduled(task_id, client.url, job)
