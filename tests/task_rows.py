"""Task rows for the crawl-side task tests: made as the control API makes them, read back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from dataops_spiders.store import make_engine, make_session_factory
from dataops_spiders.store.db import write_session
from dataops_spiders.store.models import CRAWL_TASK, Task


def new_task(store_url: str, kind: str = CRAWL_TASK, **values: Any) -> int:
    engine = make_engine(store_url)
    try:
        with write_session(engine) as session:
            task = Task(kind=kind, template_name="demo_catalogue", **values)
            session.add(task)
            session.flush()
            return task.id
    finally:
        engine.dispose()


def read_task(store_url: str, task_id: int) -> Task:
    engine = make_engine(store_url)
    try:
        with make_session_factory(engine)() as session:
            return session.get(Task, task_id)
    finally:
        engine.dispose()


def set_task(store_url: str, task_id: int, **values: Any) -> None:
    engine = make_engine(store_url)
    try:
        with write_session(engine) as session:
            session.execute(update(Task).where(Task.id == task_id).values(**values))
    finally:
        engine.dispose()
