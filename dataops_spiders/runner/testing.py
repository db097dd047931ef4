"""Helpers for tests and scripts that drive real Scrapyd nodes (no mocks)."""

from __future__ import annotations

import functools
import time
from pathlib import Path

from dataops_spiders.runner.client import ScrapydClient
from dataops_spiders.runner.egg import build_egg


@functools.cache
def project_egg() -> bytes:
    """The project egg, built once per process: every embedded node of a test run deploys it."""
    return build_egg()


def wait_for_state(
    client: ScrapydClient, job: str, states: tuple[str, ...] = ("finished",), timeout: float = 120
) -> str:
    """Poll status.json until the job is in one of `states`; TimeoutError names the last state."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = client.status(job)
        if state in states:
            return state
        time.sleep(0.3)
    raise TimeoutError(f"job {job} still {state!r} after {timeout} s on {client.url}")


def wait_for_log(
    client: ScrapydClient, project: str, spider: str, job: str, text: str, timeout: float = 60
) -> str:
    """Poll the job's log until it contains `text` (say, "Spider opened"); returns the log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = client.log(project, spider, job) or ""
        if text in log:
            return log
        time.sleep(0.3)
    raise TimeoutError(f"the log of job {job} on {client.url} never showed {text!r}")


def crawl_args(start_url: str, run_dir: Path, template: str = "demo_catalogue", **more) -> dict:
    """schedule.json arguments for the intent spider, its outputs in `run_dir`."""
    return {"template": template, "start_urls": start_url, "run_dir": str(run_dir), **more}


def summary_numbers(log: str) -> dict[str, int]:
    """The counts of the run summary in a crawl log: "records", "pages fetched"."""
    numbers = {}
    for line in log.splitlines():
        for label in ("records", "pages fetched"):
            rest = line.removeprefix(label)
            if rest != line and rest[:1] == " " and rest.split()[0].isdigit():
                numbers[label] = int(rest.split()[0])
    return numbers
