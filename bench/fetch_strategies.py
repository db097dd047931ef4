"""Static, browser and auto fetching side by side on the same 200 pages, 10% of which need
JavaScript.

    python bench/fetch_strategies.py [--pages 200] [--js-share 0.1] [--rounds 1] [--latency 0]

Serves the demo site on 127.0.0.1 and crawls one URL list (direct_item, generic_product) with
`-a fetch=static`, `-a fetch=browser` and `-a fetch=auto`, alternating when --rounds > 1. For
each: seconds, pages/s, CPU seconds and peak memory (PSS) of the crawl's whole process tree
(Scrapy, its workers, Playwright's driver, Chromium; sampled every 0.2 s, so the CPU of a
process that lives less than that is missed), and how many of the JavaScript pages gave a
record with a price.
Goal: auto within 1.5x of static's time and far below browser-for-everything.

The fixture site answers at once by default: every crawl is CPU-bound, the harshest case for
the browser. --latency S makes every answer wait S seconds, as a remote site does, so the
crawl also waits on the network while Chromium renders.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dataops_spiders.demo_site.content import catalogue  # noqa: E402
from dataops_spiders.demo_site.fetch_pages import app_product_path  # noqa: E402
from dataops_spiders.demo_site.process import start_in_subprocess  # noqa: E402

STRATEGIES = ("static", "auto", "browser")


def page_urls(base: str, pages: int, js_share: float) -> tuple[list[str], set[str]]:
    """`pages` product URLs; every 1/js_share-th one is the JavaScript app's page."""
    products = catalogue().products[:pages]
    every = max(1, round(1 / js_share)) if js_share > 0 else 0
    urls, js = [], set()
    for n, product in enumerate(products):
        if every and n % every == every - 1:
            url = base.rstrip("/") + app_product_path(product.slug)
            js.add(url)
        else:
            url = base.rstrip("/") + product.path
        urls.append(url)
    return urls, js


def _pss(pid: int) -> int:
    """Proportional set size in bytes: shared pages split between the processes sharing them
    (summing RSS would count Chromium's shared memory once per process)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _tree_sample(root_pid: int) -> tuple[int, dict[int, float]]:
    """PSS in bytes of a process and all its descendants, and the CPU seconds each has used
    so far (from /proc)."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    total, used, stack = 0, {}, [root_pid]
    while stack:
        pid = stack.pop()
        total += _pss(pid)
        used[pid] = cpu.get(pid, 0.0)
        stack += children.get(pid, [])
    return total, used


def crawl(strategy: str, urls_file: Path, workdir: Path) -> dict:
    run_dir = workdir / f"run-{strategy}-{time.monotonic_ns()}"
    command = [
        sys.executable, "-m", "scrapy", "crawl", "intent",
        "-a", "template=generic_product", "-a", "strategy=direct_item",
        "-a", f"urls_file={urls_file}", "-a", f"fetch={strategy}", "-a", f"run_dir={run_dir}",
        "-s", "LOG_LEVEL=WARNING", "-s", "DATAOPS_STORE=False", "-s", "ROBOTSTXT_OBEY=True",
    ]  # fmt: skip
    env = {**os.environ, "DATAOPS_DATA_DIR": str(workdir / "data")}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    peak = 0
    cpu: dict[int, float] = {}  # pid -> CPU seconds when last seen (Chromium's come and go)

    def watch() -> None:
        nonlocal peak
        while process.poll() is None:
            memory, used = _tree_sample(process.pid)
            peak = max(peak, memory)
            cpu.update(used)
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    watcher.join()
    if process.returncode != 0:
        raise SystemExit(f"{strategy} crawl failed ({process.returncode}):\n{stderr[-3000:]}")
    records = [
        json.loads(line)
        for line in (run_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    return {"seconds": seconds, "peak_rss": peak, "cpu": sum(cpu.values()), "records": records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--js-share", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per answer")
    options = parser.parse_args()

    with (
        start_in_subprocess(latency=options.latency) as site,
        tempfile.TemporaryDirectory() as tmp,
    ):
        urls, js_urls = page_urls(site.url, options.pages, options.js_share)
        workdir = Path(tmp)
        urls_file = workdir / "urls.txt"
        urls_file.write_text("\n".join(urls))
        results: dict[str, list[dict]] = {s: [] for s in STRATEGIES}
        for _ in range(options.rounds):
            for strategy in STRATEGIES:
                results[strategy].append(crawl(strategy, urls_file, workdir))

    static_seconds = statistics.median(r["seconds"] for r in results["static"])
    print(
        f"{len(urls)} pages, {len(js_urls)} need JavaScript; site latency {options.latency:g} s; "
        f"{options.rounds} round(s)\n"
    )
    print(f"{'strategy':<9} {'seconds':>8} {'pages/s':>8} {'CPU s':>6} {'peak PSS':>10}"
          f" {'JS pages ok':>12} {'vs static':>10}")  # fmt: skip
    for strategy in STRATEGIES:
        runs = results[strategy]
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        peak = max(r["peak_rss"] for r in runs)
        records = runs[-1]["records"]
        priced = {
            r["source_url"]
            for r in records
            if (r.get("fields", {}).get("price") or {}).get("value") is not None
        }
        js_ok = len(js_urls & priced)
        ratio = seconds / static_seconds
        print(
            f"{strategy:<9} {seconds:>8.1f} {len(urls) / seconds:>8.1f} {cpu:>6.1f} "
            f"{peak / 2**20:>8.0f} MB {js_ok:>5}/{len(js_urls):<6} {ratio:>9.2f}x"
        )
    print("\ngoal: auto <= 1.5x static's time, and far below browser")


if __name__ == "__main__":
    main()
