"""Runs: what ran (template, its hash and text, arguments, settings), how it ended, its stats."""

from __future__ import annotations

import os
import socket
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataops_spiders.store.content import json_safe
from dataops_spiders.store.errors import StoreError
from dataops_spiders.store.models import RUNNING, Dataset, DatasetVersion, Run, utcnow
from dataops_spiders.store.versions import find_dataset, get_or_create_dataset


def create_run(
    session: Session,
    dataset: str,
    *,
    template_name: str,
    template_sha256: str,
    template_text: str = "",
    arguments: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    run_dir: str | None = None,
    jobdir: str | None = None,
) -> Run:
    """A new run of ``dataset`` by this process (host and pid are recorded)."""
    found = get_or_create_dataset(session, dataset)
    run = Run(
        dataset_id=found.id,
        template_name=template_name,
        template_sha256=template_sha256,
        template_text=template_text,
        arguments=json_safe(arguments or {}),
        settings=json_safe(settings or {}),
        status=RUNNING,
        run_dir=run_dir,
        jobdir=jobdir,
        hostname=socket.gethostname(),
        pid=os.getpid(),
    )
    session.add(run)
    session.flush()
    return run


def reclaim_run(session: Session, run_id: int, run_dir: str | None = None) -> Run:
    """Take over ``run_id`` in this process (a crawl resumed from its JOBDIR)."""
    run = session.get(Run, run_id)
    if run is None:
        raise StoreError(f"no run {run_id} in the store")
    run.hostname, run.pid = socket.gethostname(), os.getpid()
    if run_dir is not None:
        run.run_dir = run_dir
    run.status, run.finish_reason, run.finished_at = RUNNING, None, None
    session.flush()
    return run


def finish_run(
    session: Session,
    run_id: int,
    status: str,
    finish_reason: str | None = None,
    stats: dict[str, Any] | None = None,
) -> None:
    run = session.get(Run, run_id)
    if run is None:
        raise StoreError(f"no run {run_id} in the store")
    run.status, run.finish_reason, run.finished_at = status, finish_reason, utcnow()
    if stats is not None:
        run.stats = json_safe(stats)


def get_run(session: Session, run_id: int) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise StoreError(f"no run {run_id} in the store")
    return run


def list_runs(session: Session, dataset: str | None = None, limit: int = 50) -> list[Run]:
    """The latest runs first, of one dataset or of all."""
    query = select(Run).order_by(Run.id.desc()).limit(limit)
    if dataset is not None:
        query = query.where(Run.dataset_id == find_dataset(session, dataset).id)
    return list(session.scalars(query))


def run_version(session: Session, run_id: int) -> DatasetVersion | None:
    """The version a run wrote (the latest, if it wrote several through resumes)."""
    return session.scalar(
        select(DatasetVersion)
        .where(DatasetVersion.run_id == run_id)
        .order_by(DatasetVersion.number.desc())
        .limit(1)
    )


def dataset_name(session: Session, dataset_id: int) -> str:
    return session.scalar(select(Dataset.name).where(Dataset.id == dataset_id)) or ""
