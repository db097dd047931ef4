"""Run the fixture site as a subprocess (for the tests, the demo and the benchmarks).

Like Scrapy's own tests/mockserver: a child process binds port 0, prints its URL on one line, and
the parent reads that line. Talking to the admin endpoints goes through a proxy-less opener, so
an http_proxy in the environment never intercepts requests to 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class SiteProcess:
    """`with SiteProcess("--size", "bench") as site: site.url` — extra args go to the CLI."""

    def __init__(self, *args: str, startup_timeout: float = 30.0):
        self.args = args
        self.startup_timeout = startup_timeout
        self.url = ""
        self._proc: subprocess.Popen | None = None
        self._stderr = None
        self._stdout_rest = ""

    def start(self) -> SiteProcess:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])
        )
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__
        command = [sys.executable, "-m", "dataops_spiders.demo_site", "--port", "0", *self.args]
        self._proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._stderr, env=env, cwd=PROJECT_ROOT
        )
        ready, _, _ = select.select([self._proc.stdout], [], [], self.startup_timeout)
        line = self._proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"fixture site did not start: {line!r}\n{self.stderr_text()}")
        self.url = line
        return self

    def stop(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        if not self._proc.stdout.closed:
            self._stdout_rest = self._proc.stdout.read().decode("utf-8", "replace")
            self._proc.stdout.close()

    def __enter__(self) -> SiteProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        if self._stderr is not None:
            self._stderr.close()

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    def stdout_rest(self) -> str:
        """What the process printed after its URL line (known once stop() has run)."""
        return self._stdout_rest

    def stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def _admin(self, name: str, body: bytes | None = None):
        request = urllib.request.Request(self.url + "__admin/" + name, data=body)
        with _OPENER.open(request, timeout=30) as response:
            return json.load(response)

    def request_log(self) -> list[dict]:
        """Every request served since start or reset: {path, user_agent, referer,
        accept_language, x_headers (the X-… headers), time, method, status}."""
        return self._admin("requests")

    def requests(self) -> list[str]:
        """The paths (with query strings) of every request served since start or reset."""
        return [entry["path"] for entry in self.request_log()]

    def reset_log(self) -> None:
        self._admin("reset", b"")

    def set_edition(self, edition: int) -> None:
        self._admin("edition", str(edition).encode())

    def edition(self) -> int:
        return self._admin("edition")["edition"]


@contextmanager
def start_in_subprocess(
    *,
    crawl_delay: float = 0.0,
    edition: int = 1,
    size: str = "small",
    verbose: bool = False,
    latency: float = 0.0,
) -> Iterator[SiteProcess]:
    """The fixture site running for the duration of a `with` block."""
    args = ["--crawl-delay", str(crawl_delay), "--edition", str(edition), "--size", size]
    args += ["--latency", str(latency)]
    with SiteProcess(*args, *(["--verbose"] if verbose else [])) as site:
        yield site
