"""Pages per second of the full pipeline against bare Scrapy, on the same local site, in one run.

    python bench/crawl_throughput.py [--rounds 2] [--workers N]

Serves the demo site's large catalogue (--size bench, > 2,000 pages) on 127.0.0.1, then crawls it
alternately with a bare Scrapy spider that follows every link and extracts nothing, and with
`scrapy crawl intent -a template=generic_product` (cleaning, extraction, confidence, graph, feed).
Both obey robots.txt with the same concurrency. Prints pages, seconds, pages/s and the ratio
(goal: full pipeline >= 0.6 x bare Scrapy).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dataops_spiders.demo_site.process import start_in_subprocess  # noqa: E402

COMMON = [
    "-s",
    "LOG_LEVEL=WARNING",
    "-s",
    "CONCURRENT_REQUESTS=16",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s",
    "ROBOTSTXT_OBEY=True",
    "-s",
    "TELNETCONSOLE_ENABLED=False",
]


def run_bare(url: str, workdir: Path) -> tuple[int, float]:
    stats = workdir / "bare.json"
    # From a folder without scrapy.cfg, so no project setting (pipeline, extension) applies.
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "runspider",
            str(ROOT / "bench/bare_spider.py"),
            "-a",
            f"start_url={url}",
            "-a",
            f"stats_file={stats}",
            *COMMON,
        ],
        cwd=workdir,
        env=env,
        check=True,
    )
    data = json.loads(stats.read_text())
    return data["pages"], data["elapsed"]


def run_full(url: str, workdir: Path, workers: str | None) -> tuple[int, float]:
    run_dir = workdir / "full"
    extra = ["-s", f"DATAOPS_WORKER_PROCESSES={workers}"] if workers is not None else []
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "intent",
            "-a",
            "template=generic_product",
            "-a",
            f"start_urls={url}",
            "-a",
            "max_depth=10",
            "-a",
            f"run_dir={run_dir}",
            *COMMON,
            *extra,
        ],
        cwd=ROOT,
        check=True,
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    return summary["pages_fetched"], summary["elapsed_seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", default=None, help="DATAOPS_WORKER_PROCESSES for the full run")
    args = parser.parse_args()
    bare_rates, full_rates = [], []
    with start_in_subprocess(size="bench") as site, tempfile.TemporaryDirectory() as tmp:
        for round_no in range(1, args.rounds + 1):
            pages, seconds = run_bare(site.url, Path(tmp))
            bare_rates.append(pages / seconds)
            print(
                f"round {round_no} bare Scrapy    {pages:6d} pages {seconds:7.2f} s "
                f"{pages / seconds:8.1f} pages/s",
                flush=True,
            )
            pages, seconds = run_full(site.url, Path(tmp), args.workers)
            full_rates.append(pages / seconds)
            print(
                f"round {round_no} full pipeline  {pages:6d} pages {seconds:7.2f} s "
                f"{pages / seconds:8.1f} pages/s",
                flush=True,
            )
    bare, full = statistics.median(bare_rates), statistics.median(full_rates)
    print(f"\nmedian bare Scrapy   {bare:8.1f} pages/s")
    print(f"median full pipeline {full:8.1f} pages/s")
    print(f"ratio full / bare    {full / bare:8.2f}   (goal >= 0.60)")


if __name__ == "__main__":
    main()
