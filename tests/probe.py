"""Run a small spider with `scrapy runspider` outside the project (plain Scrapy settings plus
the ones a test gives), to test one component through a real crawl."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# A spider that fetches the URLs of -a urls=… (comma-separated) and yields what it saw.
PAGE_SPIDER = """
import scrapy

class Pages(scrapy.Spider):
    name = "pages"

    async def start(self):
        for url in self.urls.split(","):
            yield scrapy.Request(url, dont_filter=True, errback=self.failed)

    def parse(self, response):
        yield {"url": response.url, "status": response.status, "size": len(response.body)}

    def failed(self, failure):
        yield {"url": failure.request.url, "error": type(failure.value).__name__}
"""


@dataclass
class ProbeRun:
    items: list[dict]
    stats: dict
    log: str
    returncode: int

    def by_path(self) -> dict[str, dict]:
        return {item["url"].split("/", 3)[-1]: item for item in self.items}


def run_spider(
    tmp_path: Path,
    *,
    source: str = PAGE_SPIDER,
    settings: dict | None = None,
    args: dict | None = None,
    timeout: float = 180,
) -> ProbeRun:
    tmp_path.mkdir(parents=True, exist_ok=True)
    spider = tmp_path / "probe_spider.py"
    spider.write_text(source)
    out = tmp_path / "items.jsonl"
    stats_file = tmp_path / "stats.json"
    command = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-O", str(out)]
    merged = {
        "ROBOTSTXT_OBEY": False,
        "LOG_LEVEL": "DEBUG",
        "TELNETCONSOLE_ENABLED": False,
        "EXTENSIONS": {"tests.probe_stats.DumpStats": 900},
        "DATAOPS_PROBE_STATS": str(stats_file),
        **(settings or {}),
    }
    for name, value in merged.items():
        text = json.dumps(value) if isinstance(value, dict | list | bool) else str(value)
        command += ["-s", f"{name}={text}"]
    for name, value in (args or {}).items():
        command += ["-a", f"{name}={value}"]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tmp_path,  # outside the project: none of our pipelines or settings
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    items = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return ProbeRun(items, stats, result.stderr, result.returncode)
