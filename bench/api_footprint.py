"""The control API's footprint against a bare FastAPI app, and GET /api/tasks over 10,000 tasks.

    python bench/api_footprint.py [--rounds 5] [--tasks 10000] [--seconds 10] [--connections 4]
                                  [--postgres]

(a) Cold start and idle memory, in one run, side by side: `uvicorn --factory
    control_api.app:create_app` and a bare FastAPI app with one route (written to a temporary
    file), started alternately --rounds times each. Start: from spawning the process to the
    first 200 of /health/liveness. Idle RSS: the server's resident memory (VmRSS) half a second
    after a few requests (the API: liveness, /api/templates and /api/tasks with a key; the bare
    app: its one route as often). Medians. Goals: API RSS <= 2x bare and <= 120 MB; start <= 2 s.
(b) Listing speed: --tasks tasks inserted into a SQLite store (and a PostgreSQL one with
    --postgres), as the API and the crawls leave them (statuses, arguments, progress, stats);
    one uvicorn process (single worker) serves them, and this process keeps --connections
    requests in flight for --seconds per query: GET /api/tasks?limit=50, and the same with
    status=failed (a tenth of the tasks). Requests/s, p50 and p99 latency.

Prints a table and writes the figures as JSON to bench/results/api_footprint-<UTC time>.json.
PostgreSQL is the server of DATAOPS_TEST_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres); its database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import insert  # noqa: E402

import control_api.models  # noqa: E402, F401 - the API's tables join the store's metadata
from control_api.services.apikeys import create_key  # noqa: E402
from dataops_spiders.runner.embedded import free_port  # noqa: E402
from dataops_spiders.store import make_engine, write_session  # noqa: E402
from dataops_spiders.store.models import Task  # noqa: E402
from dataops_spiders.store.testing import TemporaryPostgres, sqlite_url  # noqa: E402

RESULTS = ROOT / "bench" / "results"
BARE_APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/health/liveness")
def liveness():
    return {"status": "ok"}
"""
GOAL_RSS_RATIO = 2.0
GOAL_RSS_MB = 120.0
GOAL_START_S = 2.0
START_TIMEOUT = 60.0
# Statuses as a long-lived installation has them: mostly ended tasks.
STATUS_SHARES = (
    ("finished", 0.80),
    ("failed", 0.10),
    ("cancelled", 0.05),
    ("queued", 0.03),
    ("running", 0.02),
)
QUERIES = {
    "GET /api/tasks?limit=50": "/api/tasks?limit=50",
    "GET /api/tasks?status=failed&limit=50": "/api/tasks?status=failed&limit=50",
}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class Server:
    """A uvicorn process on a free loopback port; `started_in` is spawn → first 200."""

    def __init__(self, target: list[str], env: dict[str, str], cwd: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [
            *(sys.executable, "-m", "uvicorn", *target),
            *("--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"),
            "--no-access-log",
        ]
        began = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.started_in = self._wait_until_live(began)

    def _wait_until_live(self, began: float) -> float:
        with httpx.Client(trust_env=False, timeout=1.0) as client:
            while time.perf_counter() - began < START_TIMEOUT:
                if self.process.poll() is not None:
                    error = self.process.stderr.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"the server exited while starting:\n{error}")
                try:
                    if client.get(self.base + "/health/liveness").status_code == 200:
                        return time.perf_counter() - began
                except httpx.TransportError:
                    pass
                time.sleep(0.005)
        self.stop()
        raise RuntimeError(f"no 200 from {self.base}/health/liveness in {START_TIMEOUT} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stderr.close()


def server_env(database_url: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATAOPS_SCRAPYD", "DATABASE_URL"))
    }
    env["DATABASE_URL"] = database_url
    env["DATAOPS_ENVIRONMENT"] = "development"
    env["PYTHONPATH"] = str(ROOT)
    return env


def viewer_key(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with write_session(engine) as session:
            return create_key(session, "viewer", "bench").plain
    finally:
        engine.dispose()


# ------------------------------------------------------------------ (a) cold start and RSS


def footprint(rounds: int, work: Path, database_url: str, key: str) -> dict:
    (work / "bare_app.py").write_text(BARE_APP)
    env = server_env(database_url)
    targets = {
        "control API": (["--factory", "control_api.app:create_app"], ROOT),
        "bare FastAPI": (["bare_app:app"], work),
    }
    headers = {"X-API-Key": key}
    requests = {
        "control API": ["/health/liveness", "/api/templates", "/api/tasks?limit=50"] * 5,
        "bare FastAPI": ["/health/liveness"] * 15,
    }
    samples: dict[str, dict[str, list[float]]] = {
        name: {"start_s": [], "rss_mb": []} for name in targets
    }
    for round_number in range(rounds):
        order = list(targets) if round_number % 2 == 0 else list(reversed(targets))
        for name in order:
            target, cwd = targets[name]
            server = Server(target, env, cwd)
            try:
                with httpx.Client(base_url=server.base, trust_env=False, timeout=30) as client:
                    for path in requests[name]:
                        answer = client.get(path, headers=headers)
                        if answer.status_code != 200:
                            raise RuntimeError(f"{name} {path}: {answer.status_code} {answer.text}")
                time.sleep(0.5)
                samples[name]["start_s"].append(server.started_in)
                samples[name]["rss_mb"].append(rss_mb(server.process.pid))
            finally:
                server.stop()
    medians = {
        name: {metric: statistics.median(values) for metric, values in figures.items()}
        for name, figures in samples.items()
    }
    api, bare = medians["control API"], medians["bare FastAPI"]
    ratio = api["rss_mb"] / bare["rss_mb"]
    return {
        "rounds": rounds,
        "samples": samples,
        "medians": medians,
        "rss_ratio": ratio,
        "goals": {
            f"RSS <= {GOAL_RSS_RATIO:g}x bare": ratio <= GOAL_RSS_RATIO,
            f"RSS <= {GOAL_RSS_MB:g} MB": api["rss_mb"] <= GOAL_RSS_MB,
            f"start <= {GOAL_START_S:g} s": api["start_s"] <= GOAL_START_S,
        },
    }


# ------------------------------------------------------------------ (b) GET /api/tasks under load


def task_rows(count: int, seed: int = 7) -> list[dict]:
    """Tasks as a busy installation accumulates them, oldest first."""
    rng = random.Random(seed)
    statuses = [status for status, _ in STATUS_SHARES]
    weights = [share for _, share in STATUS_SHARES]
    began = datetime.now(UTC) - timedelta(days=90)
    rows = []
    for index in range(count):
        status = rng.choices(statuses, weights)[0]
        created = began + timedelta(minutes=13 * index)
        pages = rng.randint(50, 5000)
        ended = status in ("finished", "failed", "cancelled")
        scheduled = status != "queued"
        row = {
            "kind": "crawl",
            "status": status,
            "template_name": f"shop_{index % 40}",
            "template_version": 1 + index % 3,
            "dataset": f"shop_{index % 40}",
            "arguments": {
                "start_urls": f"https://shop{index % 40}.example/",
                "max_pages": "5000",
                "max_depth": "6",
                "strategy": "navigation",
            },
            "node": "http://10.0.0.5:6800/" if scheduled else None,
            "scrapyd_job": f"{index:032x}" if scheduled else None,
            "created_at": created,
            "created_by": "scheduler",
            "scheduled_at": created + timedelta(seconds=1) if scheduled else None,
            "started_at": created + timedelta(seconds=3) if scheduled else None,
            "finished_at": created + timedelta(minutes=9) if ended else None,
            "heartbeat_at": created + timedelta(minutes=9) if scheduled else None,
            "progress": {
                "pages": pages,
                "records": pages - 20,
                "errors": rng.randint(0, 9),
                "bytes": pages * 41_000,
                "robots_skipped": rng.randint(0, 30),
                "pages_per_minute": round(rng.uniform(50, 900), 1),
                "at": (created + timedelta(minutes=9)).isoformat(),
            }
            if scheduled
            else {},
            "stats": {
                f"downloader/response_status_count/{code}": pages // (code // 100)
                for code in (200, 301, 404, 500)
            }
            | {"item_scraped_count": pages - 20, "finish_reason": status, "elapsed_time": 540.2}
            if ended
            else None,
            "dataset_version": 1 + index // 40 if status == "finished" else None,
            "reason": "closed: shutdown" if status == "failed" else None,
            "cancel_requested": status == "cancelled",
        }
        rows.append(row)
    return rows


def insert_tasks(database_url: str, count: int) -> None:
    engine = make_engine(database_url)
    try:
        rows = task_rows(count)
        with write_session(engine) as session:
            for start in range(0, len(rows), 1000):
                session.execute(insert(Task), rows[start : start + 1000])
    finally:
        engine.dispose()


async def _load(base: str, path: str, key: str, connections: int, seconds: float) -> dict:
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(
        base_url=base, headers={"X-API-Key": key}, limits=limits, trust_env=False, timeout=30
    ) as client:
        for _ in range(20):  # warm-up: connections open, caches filled
            answer = await client.get(path)
            answer.raise_for_status()
            if not answer.json()["items"]:
                raise RuntimeError(f"{path} lists no task: the store was not filled")
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal failures
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                answer = await client.get(path)
                latencies.append(time.perf_counter() - began)
                if answer.status_code != 200:
                    failures += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "failures": failures,
        "requests_per_s": len(latencies) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }


def listing_speed(database_url: str, key: str, connections: int, seconds: float) -> dict:
    server = Server(["--factory", "control_api.app:create_app"], server_env(database_url), ROOT)
    try:
        return {
            name: asyncio.run(_load(server.base, path, key, connections, seconds))
            for name, path in QUERIES.items()
        }
    finally:
        server.stop()


# ------------------------------------------------------------------ report


def print_report(results: dict) -> None:
    start = results["footprint"]
    machine = results["machine"]
    print(
        f"\n{machine['cpus']} CPUs, load average {machine['load_average_before']:.1f} before, "
        f"{machine['load_average_after']:.1f} after"
    )
    print(f"\n(a) cold start and idle RSS, medians of {start['rounds']} alternating rounds")
    print(f"{'app':16} {'start (s)':>10} {'idle RSS (MB)':>14}")
    for name, figures in start["medians"].items():
        print(f"{name:16} {figures['start_s']:>10.2f} {figures['rss_mb']:>14.1f}")
    api, bare = start["medians"]["control API"], start["medians"]["bare FastAPI"]
    print(f"API / bare: RSS {start['rss_ratio']:.3f}, start {api['start_s'] / bare['start_s']:.2f}")
    for goal, met in start["goals"].items():
        print(f"  goal {goal:22} {'met' if met else 'NOT met'}")
    print(
        f"\n(b) {results['tasks']} tasks, {results['connections']} connections, "
        f"{results['seconds']:g} s per query, one uvicorn worker"
    )
    print(f"{'store':11} {'query':38} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for store, queries in results["listing"].items():
        for name, figures in queries.items():
            print(
                f"{store:11} {name:38} {figures['requests_per_s']:>7.1f} "
                f"{figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f} {figures['failures']:>7}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="cold starts of each app")
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks in the store")
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per query")
    parser.add_argument("--connections", type=int, default=4, help="requests in flight")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    args = parser.parse_args()

    results: dict = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            # other work on the machine slows both apps' start: read the figures with it
            "load_average_before": os.getloadavg()[0],
        },
        "tasks": args.tasks,
        "connections": args.connections,
        "seconds": args.seconds,
        "listing": {},
    }
    with tempfile.TemporaryDirectory(prefix="dataops-api-bench-") as tmp:
        work = Path(tmp)
        sqlite = sqlite_url(work / "store.sqlite3")
        key = viewer_key(sqlite)
        print(f"cold starts: {args.rounds} rounds of each app ...", flush=True)
        results["footprint"] = footprint(args.rounds, work, sqlite, key)
        stores = [("SQLite", sqlite, None)]
        postgres = TemporaryPostgres(prefix="dataops_bench") if args.postgres else None
        try:
            if postgres is not None:
                reason = postgres.unreachable_reason()
                if reason:
                    raise SystemExit(f"PostgreSQL is unreachable: {reason}")
                url = postgres.create()
                stores.append(("PostgreSQL", url, viewer_key(url)))
            for name, url, store_key in stores:
                print(f"{name}: inserting {args.tasks} tasks, then load ...", flush=True)
                insert_tasks(url, args.tasks)
                results["listing"][name] = listing_speed(
                    url, store_key or key, args.connections, args.seconds
                )
        finally:
            if postgres is not None:
                postgres.close()
    results["machine"]["load_average_after"] = os.getloadavg()[0]
    print_report(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"api_footprint-{stamp}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
