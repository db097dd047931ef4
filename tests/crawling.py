"""Run `scrapy crawl intent` as a user would (a child process) and read back what it left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CrawlResult:
    run_dir: Path
    returncode: int
    log: str
    store_url: str | None = None  # the crawl's DATAOPS_DATABASE_URL; None: the default store

    @property
    def records(self) -> list[dict]:
        path = self.run_dir / "records.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    @property
    def summary(self) -> dict:
        return json.loads((self.run_dir / "summary.json").read_text())

    @property
    def nodes(self) -> dict[str, dict]:
        """The crawl graph's nodes, as the store (the default graph writer) keeps them."""
        from sqlalchemy import select

        from dataops_spiders.store import make_engine
        from dataops_spiders.store.models import CrawlNode

        engine = make_engine(self.store_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    select(CrawlNode).where(CrawlNode.run_id == self.summary["run_id"])
                ).mappings()
                return {row["url"]: dict(row) for row in rows}
        finally:
            engine.dispose()

    def records_by_url(self) -> dict[str, dict]:
        return {r["source_url"]: r for r in self.records}


def crawl(
    template: str,
    run_dir: Path,
    *args: str,
    start_urls: str | None = None,
    settings: dict | None = None,
    timeout: int = 240,
    python_path: tuple[Path, ...] = (),
) -> CrawlResult:
    """`scrapy crawl intent -a template=… -a run_dir=…` plus `-a` args (`name=value`);
    ``python_path`` comes before the project on the crawl's PYTHONPATH."""
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "intent",
        "-a",
        f"template={template}",
        "-a",
        f"run_dir={run_dir}",
    ]
    if start_urls:
        command += ["-a", f"start_urls={start_urls}"]
    for arg in args:
        command += ["-a", arg]
    for name, value in {"LOG_LEVEL": "INFO", **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, (*python_path, ROOT)))}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    store_url = (settings or {}).get("DATAOPS_DATABASE_URL")
    return CrawlResult(run_dir, done.returncode, done.stderr, str(store_url) if store_url else None)
