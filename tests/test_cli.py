"""The commands the README tells people to run."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

from tests.crawling import ROOT, crawl


def dataops(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "dataops_spiders.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_demo_serves_crawls_and_summarises(tmp_path):
    run = dataops("demo", "--max-pages", "40", "--run-dir", str(tmp_path / "demo"))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "demo site serving at http://127.0.0.1:" in run.stdout
    for label in (
        "pages fetched",
        "skipped by robots",
        "records",
        "mean confidence",
        "low-confidence",
        "output",
    ):
        assert label in run.stdout
    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    assert summary["records"] > 0
    assert summary["pages_fetched"] <= 41  # 40 pages and robots.txt
    assert str(tmp_path / "demo" / "records.jsonl") in run.stdout


def test_crawl_command_runs_inline_without_worker_processes(fixture_site, tmp_path):
    run = dataops(
        "crawl",
        "demo_catalogue",
        "--url",
        fixture_site.url,
        "--max-pages",
        "15",
        "--run-dir",
        str(tmp_path / "run"),
        "-s",
        "DATAOPS_WORKER_PROCESSES=0",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "worker process" not in run.stderr  # the pool never started
    records = [json.loads(line) for line in (tmp_path / "run" / "records.jsonl").open()]
    assert records and all(r["key_source"] == "fields:sku" for r in records)
    shown = dataops("summary", str(tmp_path / "run"), "--json")
    assert json.loads(shown.stdout)["records"] == len(records)


def test_csv_feed_has_one_row_per_record_with_its_source(fixture_site, tmp_path):
    out = tmp_path / "out.csv"
    result = crawl(
        "demo_catalogue",
        tmp_path / "run",
        "max_pages=12",
        start_urls=fixture_site.url,
        settings={"FEEDS": json.dumps({str(out): {"format": "csv"}})},
    )
    assert result.returncode == 0, result.log[-2000:]
    rows = list(csv.DictReader(out.open()))
    assert rows and len(rows) == result.summary["records"]
    assert {"source_url", "record_key", "price", "price_confidence"} <= set(rows[0])
    assert all(row["source_url"].startswith(fixture_site.url) for row in rows)


def test_crawl_command_refuses_a_bad_template_clearly(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("name: bad\nintent: product\ncrawl:\n  strategy: sideways\n")
    run = dataops("crawl", str(bad))
    assert run.returncode != 0
    assert f"{bad}:4 crawl.strategy:" in run.stderr
    assert "Traceback" not in run.stderr
