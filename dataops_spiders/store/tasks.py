"""The crawl process's writes to its task row (the control API writes the rest).

Each write is one UPDATE guarded by ``status NOT IN (ended)``: a crawl never overwrites a task
that already ended (cancelled before the process started, or failed by the API's dispatcher),
and two writers never need a lock on the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update

from dataops_spiders.store.content import json_safe
from dataops_spiders.store.db import write_session
from dataops_spiders.store.models import TASK_ENDED, TASK_RUNNING, Task, utcnow


@dataclass(frozen=True)
class TaskState:
    """What the crawl needs to know about its task."""

    id: int
    kind: str
    status: str
    cancel_requested: bool

    @property
    def ended(self) -> bool:
        return self.status in TASK_ENDED


def _not_ended(task_id: int):
    return (Task.id == task_id) & Task.status.notin_(TASK_ENDED)


def _state(session, task_id: int) -> TaskState | None:
    row = session.execute(
        select(Task.id, Task.kind, Task.status, Task.cancel_requested).where(Task.id == task_id)
    ).first()
    return TaskState(*row) if row is not None else None


def start_task(
    engine: Engine, task_id: int, run_id: int | None, now: datetime | None = None
) -> TaskState | None:
    """Mark the task running (started_at, heartbeat_at, run_id); its state, None if no such task.
    A task that already ended is left as it is."""
    now = now or utcnow()
    with write_session(engine) as session:
        session.execute(
            update(Task)
            .where(_not_ended(task_id))
            .values(
                status=TASK_RUNNING, started_at=now, heartbeat_at=now, run_id=run_id, reason=None
            )
        )
        return _state(session, task_id)


def write_progress(
    engine: Engine, task_id: int, progress: dict[str, Any], now: datetime | None = None
) -> TaskState | None:
    """Store the progress and the heartbeat; the task's state (cancel_requested included)."""
    with write_session(engine) as session:
        session.execute(
            update(Task)
            .where(_not_ended(task_id))
            .values(progress=json_safe(progress), heartbeat_at=now or utcnow())
        )
        return _state(session, task_id)


def finish_task(
    engine: Engine,
    task_id: int,
    status: str,
    *,
    reason: str | None = None,
    progress: dict[str, Any] | None = None,
    stats: dict[str, Any] | None = None,
    dataset_version: int | None = None,
    result: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """End the task with ``status``; False when it had already ended (nothing written)."""
    now = now or utcnow()
    values: dict[str, Any] = {
        "status": status,
        "reason": reason,
        "finished_at": now,
        "heartbeat_at": now,
        "stats": json_safe(stats) if stats is not None else None,
        "dataset_version": dataset_version,
        "result": json_safe(result) if result is not None else None,
    }
    if progress is not None:
        values["progress"] = json_safe(progress)
    with write_session(engine) as session:
        done = session.execute(update(Task).where(_not_ended(task_id)).values(**values))
        return done.rowcount > 0
