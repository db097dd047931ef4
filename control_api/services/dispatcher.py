"""The dispatcher: schedules queued tasks and keeps every task's status true.

A pass (``run_once``, every DATAOPS_DISPATCH_INTERVAL seconds on a daemon thread):

1. Queued tasks not yet on a node go to the least-loaded node (services.scheduling). When no
   node answers they stay queued, their reason saying why, and the next pass tries again.
2. Each node is asked once for its jobs (listjobs.json) and every active task on it is compared:
   - Scrapyd runs the job, the task is still queued: running (the crawl may not have said so).
   - Scrapyd finished the job, or no longer knows it, and the crawl did not end the task: the
     crawl process is gone. Its store run says how it ended (finished → finished with its
     version; failed → failed with its reason); without one it failed, "the crawl process
     exited without finishing". A job Scrapyd forgot while the crawl still writes heartbeats
     (Scrapyd restarted under a live crawl) is given DATAOPS_HEARTBEAT_TIMEOUT first.
   - The node does not answer for longer than DATAOPS_NODE_GRACE, and the task gave no sign of
     life in that time either: failed, "node URL stopped answering".

Every status change is an update guarded by the status it expects (``WHERE status IN
('queued','running')``), so a crawl writing its own end, a request cancelling, and another API
process's dispatcher cannot overwrite each other: whoever comes second changes nothing.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from control_api.config import ApiSettings
from control_api.services import scheduling
from dataops_spiders.runner.client import ScrapydClient, ScrapydError
from dataops_spiders.runner.nodes import NodePool
from dataops_spiders.store.models import (
    FINISHED,
    RUNNING,
    TASK_CANCELLED,
    TASK_FAILED,
    TASK_FINISHED,
    TASK_QUEUED,
    TASK_RUNNING,
    Run,
    Task,
    utcnow,
)
from dataops_spiders.store.runs import run_version

logger = logging.getLogger(__name__)

ACTIVE = (TASK_QUEUED, TASK_RUNNING)
BATCH = 200  # tasks scheduled per pass at most
# A claim (scrapyd_job set, no node yet) older than this was left by a process that died while
# scheduling: look for its job on the nodes, or queue the task again.
STALE_CLAIM = timedelta(seconds=60)
EXITED = "the crawl process exited without finishing: see its log"
# How long a job may be missing from its node's lists before Scrapyd is taken to have forgotten it.
MISSING_GRACE = timedelta(seconds=10)


@dataclass
class PassReport:
    """What one pass did (the tests and the log read it)."""

    scheduled: list[int] = field(default_factory=list)
    started: list[int] = field(default_factory=list)
    ended: dict[int, str] = field(default_factory=dict)  # task id → status
    unreachable: list[str] = field(default_factory=list)  # node URLs


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        pool: NodePool | None,
        settings: ApiSettings,
    ):
        self.sessions = sessions
        self.pool = pool
        self.settings = settings
        self._silent_since: dict[str, datetime] = {}  # node URL → first failed answer
        self._missing_since: dict[int, datetime] = {}  # task id → first pass its job was unlisted
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ the thread

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="task-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # the store away, say: log it and try again next pass
                logger.exception("dispatcher pass failed")
            self._stop.wait(self.settings.dispatch_interval)

    # ------------------------------------------------------------------ one pass

    def run_once(self) -> PassReport:
        report = PassReport()
        self.schedule_queued(report)
        self.reconcile(report)
        return report

    def schedule_queued(self, report: PassReport) -> None:
        with self.sessions() as session:
            waiting = session.scalars(
                select(Task.id)
                .where(
                    Task.status == TASK_QUEUED,
                    Task.scrapyd_job.is_(None),
                    Task.cancel_requested.is_(False),
                )
                .order_by(Task.id)
                .limit(BATCH)
            ).all()
        for task_id in waiting:
            try:
                done = scheduling.schedule(self.sessions, self.pool, self.settings, task_id)
            except scheduling.NotScheduled:
                return  # no node takes work now: the rest waits for the next pass
            if done is not None:
                report.scheduled.append(task_id)

    def reconcile(self, report: PassReport) -> None:
        with self.sessions() as session:
            tasks = session.scalars(
                select(Task).where(Task.status.in_(ACTIVE), Task.scrapyd_job.is_not(None))
            ).all()
            session.expunge_all()
        active = {task.id for task in tasks}
        for task_id in [t for t in self._missing_since if t not in active]:
            del self._missing_since[task_id]
        by_node: dict[str | None, list[Task]] = defaultdict(list)
        for task in tasks:
            by_node[task.node].append(task)
        claims = by_node.pop(None, [])
        states: dict[str, dict[str, str]] = {}
        for node, node_tasks in by_node.items():
            jobs = self._jobs_on(node, report)
            if jobs is None:
                for task in node_tasks:
                    self._check_silent(task, report)
                continue
            states[node] = jobs
            for task in node_tasks:
                self._compare(task, jobs.get(task.scrapyd_job), report)
        for task in claims:
            self._recover_claim(task, states)

    # ------------------------------------------------------------------ comparisons

    def _jobs_on(self, node: str, report: PassReport) -> dict[str, str] | None:
        """Scrapyd job id → state on `node`; None when the node does not answer."""
        try:
            client = self._client(node)
            listing = client.listjobs(scheduling.PROJECT)
        except (KeyError, ScrapydError) as exc:
            if node not in self._silent_since:  # once, not at every pass
                logger.warning("dispatcher: %s", exc)
            self._silent_since.setdefault(node, utcnow())
            report.unreachable.append(node)
            return None
        if self._silent_since.pop(node, None) is not None:
            logger.info("dispatcher: %s answers again", node)
        return {job["id"]: state for state, jobs in listing.items() for job in jobs}

    def _client(self, node: str) -> ScrapydClient:
        if self.pool is None:
            raise KeyError(f"no Scrapyd node is configured; {node} is unknown")
        return self.pool.node(node)

    def _compare(self, task: Task, state: str | None, report: PassReport) -> None:
        if state is not None:
            self._missing_since.pop(task.id, None)
        if state == "pending":
            if task.cancel_requested:  # asked while it was being scheduled: take it off the queue
                self._cancel_pending(task, report)
            return
        if state == "running":
            if task.status == TASK_QUEUED and self._mark_running(task.id):
                report.started.append(task.id)
            return
        if state is None:
            # Scrapyd's poller takes a job off its queue a moment before the process exists: a
            # job missing from both lists once is not yet a job Scrapyd forgot.
            first_missed = self._missing_since.setdefault(task.id, utcnow())
            if utcnow() - first_missed < MISSING_GRACE:
                return
            if self._alive(task, self.settings.heartbeat_timeout):
                return  # Scrapyd forgot the job, but its crawl still reports: wait for it
        self._missing_since.pop(task.id, None)
        forgotten = (
            None
            if state == "finished"
            else (f"Scrapyd no longer knows job {task.scrapyd_job} on {task.node} (restarted?)")
        )
        status = self._conclude(task.id, forgotten)
        if status:
            report.ended[task.id] = status

    def _cancel_pending(self, task: Task, report: PassReport) -> None:
        try:
            previous = self._client(task.node).cancel(scheduling.PROJECT, task.scrapyd_job)
        except (KeyError, ScrapydError) as exc:
            logger.warning("dispatcher: cannot cancel task %d: %s", task.id, exc)
            return
        if previous == "pending" and self._end(task.id, TASK_CANCELLED, "cancelled on request"):
            report.ended[task.id] = TASK_CANCELLED

    def _check_silent(self, task: Task, report: PassReport) -> None:
        grace = self.settings.node_grace
        since = self._silent_since.get(task.node)
        if since is None or (utcnow() - since).total_seconds() < grace:
            return
        if self._alive(task, grace):
            return
        reason = f"node {task.node} stopped answering"
        if self._end(task.id, TASK_FAILED, reason):
            report.ended[task.id] = TASK_FAILED

    def _alive(self, task: Task, within: float) -> bool:
        """Whether the crawl wrote a heartbeat in the last `within` seconds."""
        beat = task.heartbeat_at
        return beat is not None and (utcnow() - beat).total_seconds() < within

    def _recover_claim(self, task: Task, states: dict[str, dict[str, str]]) -> None:
        if task.scheduled_at is None or utcnow() - task.scheduled_at < STALE_CLAIM:
            return  # being scheduled right now
        for node, jobs in states.items():
            if task.scrapyd_job in jobs:
                with self.sessions() as session:
                    session.execute(
                        update(Task)
                        .where(Task.id == task.id, Task.scrapyd_job == task.scrapyd_job)
                        .values(node=node, reason=None)
                    )
                    session.commit()
                return
        if self.pool is not None and len(states) == len(self.pool):  # every node said no
            scheduling.release(
                self.sessions, task.id, task.scrapyd_job, "scheduling was interrupted; retrying"
            )

    # ------------------------------------------------------------------ status writes

    def _mark_running(self, task_id: int) -> bool:
        with self.sessions() as session:
            changed = session.execute(
                update(Task)
                .where(Task.id == task_id, Task.status == TASK_QUEUED)
                .values(status=TASK_RUNNING, started_at=utcnow(), reason=None)
            ).rowcount
            session.commit()
        return bool(changed)

    def _end(self, task_id: int, status: str, reason: str | None, **values) -> bool:
        with self.sessions() as session:
            changed = session.execute(
                update(Task)
                .where(Task.id == task_id, Task.status.in_(ACTIVE))
                .values(status=status, reason=reason, finished_at=utcnow(), **values)
            ).rowcount
            session.commit()
        if changed:
            logger.info("task %d ended %s: %s", task_id, status, reason or "")
        return bool(changed)

    def _conclude(self, task_id: int, forgotten: str | None) -> str | None:
        """The crawl process is gone and did not end its task: end it from its store run."""
        with self.sessions() as session:
            task = session.get(Task, task_id)
            if task is None or task.status not in ACTIVE:
                return None  # ended meanwhile (by its crawl, most likely)
            run = find_run(session, task)
            values: dict = {}
            if run is not None:
                values = {"run_id": run.id, "stats": task.stats or run.stats}
                version = run_version(session, run.id)
            cancel = task.cancel_requested
        if cancel:
            status, reason = TASK_CANCELLED, "cancelled on request"
        elif run is not None and run.status == FINISHED and version is not None:
            status, reason = TASK_FINISHED, None
            values["dataset_version"] = version.number
        elif run is not None and run.status != RUNNING:
            status = TASK_FAILED
            reason = f"the crawl ended with {run.finish_reason!r}"
            if version is not None and version.note:
                reason += f": {version.note}"
        else:
            status, reason = TASK_FAILED, forgotten or EXITED
        return status if self._end(task_id, status, reason, **values) else None


def find_run(session: Session, task: Task) -> Run | None:
    """The store run of a task: the one the crawl recorded, else the run whose Scrapyd log file
    is the task's job (a unique id), else one started after the task naming it."""
    if task.run_id is not None:
        return session.get(Run, task.run_id)
    if task.scheduled_at is None:
        return None
    log_name = f"/{task.scrapyd_job}.log"
    # Some slack for the clock of the node the crawl ran on.
    since = task.scheduled_at - timedelta(minutes=1)
    candidates = list(
        session.scalars(
            select(Run).where(Run.started_at >= since).order_by(Run.id.desc()).limit(200)
        )
    )
    for run in candidates:
        if str((run.settings or {}).get("LOG_FILE", "")).endswith(log_name):
            return run
    for run in candidates:
        if str((run.arguments or {}).get("task")) == str(task.id):
            return run
    return None
