"""A Scrapyd of our own on loopback, for `dataops serve` when no Scrapyd URL is configured.

    with EmbeddedScrapyd(data_dir / "scrapyd") as scrapyd:
        scrapyd.client.schedule("dataops", "intent", args={...}, settings={})

It writes scrapyd.conf in `data_dir`, starts `python -m scrapyd` there (the crawl processes
start there too), waits until daemonstatus answers, deploys the project egg, and on exit stops
Scrapyd and the crawls it started. Basic auth is on, with a password made for this run:
addversion.json runs the code it is sent, so no other local user may reach it.

Crawls must write to the same store as the API: the store's DATABASE_URL and DATAOPS_DATA_DIR
go into Scrapyd's environment, which Scrapyd hands to every crawl process.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from dataops_spiders.runner.client import ScrapydClient, ScrapydError, ScrapydUnavailable
from dataops_spiders.runner.egg import build_egg, egg_version

PROJECT = "dataops"
USERNAME = "dataops"
CONF_FILE = "scrapyd.conf"
# Scrapyd's own log, rotated (see scrapyd_log); each crawl logs to logs/<project>/<spider>/<job>.log
LOG_FILE = "scrapyd.log"
LOG_OBSERVER = "dataops_spiders.runner.scrapyd_log.observer"
OUTPUT_FILE = "scrapyd.out"  # what Scrapyd prints before its log starts: import errors and such
PID_FILE = "scrapyd.pid"  # twistd refuses to start a second Scrapyd on a folder still in use
BIND_ADDRESS = "127.0.0.1"
# Variables of the parent that must not reach Scrapyd: they would replace its credentials.
_CREDENTIAL_VARIABLES = (
    "SCRAPYD_USERNAME",
    "SCRAPYD_PASSWORD",
    "DATAOPS_SCRAPYD_USERNAME",
    "DATAOPS_SCRAPYD_PASSWORD",
)


class EmbeddedScrapydError(RuntimeError):
    """The embedded Scrapyd did not start; the message carries the end of its log."""

    def __init__(self, message: str, *, port_taken: bool = False):
        self.port_taken = port_taken  # another server has the port: another one may do
        super().__init__(message)


def job_environment() -> dict[str, str]:
    """What a crawl needs to reach the API's store: DATABASE_URL and DATAOPS_DATA_DIR, absolute.

    Absolute because the crawl runs in Scrapyd's folder, not the API's working directory.
    """
    from dataops_spiders.store.config import data_dir, database_url

    return {
        "DATABASE_URL": absolute_database_url(database_url()),
        "DATAOPS_DATA_DIR": str(data_dir()),
    }


def absolute_database_url(url: str) -> str:
    """A SQLite URL with a relative file made absolute (from this process's directory)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database
    if not parsed.drivername.startswith("sqlite") or not database or database == ":memory:":
        return url
    if database.startswith("file:") or os.path.isabs(database):
        return url
    return parsed.set(database=os.path.abspath(database)).render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((BIND_ADDRESS, 0))
        return probe.getsockname()[1]


def render_conf(
    *,
    port: int,
    password: str,
    max_proc_per_cpu: int,
    jobs_to_keep: int,
    finished_to_keep: int,
    poll_interval: float,
) -> str:
    """scrapyd.conf; the *_dir paths are relative to the data folder Scrapyd runs in."""
    return f"""\
# Written by dataops_spiders.runner.embedded for one run; rewritten at every start.
[scrapyd]
bind_address      = {BIND_ADDRESS}
http_port         = {port}
username          = {USERNAME}
password          = {password}
eggs_dir          = eggs
logs_dir          = logs
dbs_dir           = dbs
items_dir         =
jobs_dir          =
max_proc          = 0
max_proc_per_cpu  = {max_proc_per_cpu}
jobs_to_keep      = {jobs_to_keep}
finished_to_keep  = {finished_to_keep}
poll_interval     = {poll_interval}
jobstorage        = scrapyd.jobstorage.SqliteJobStorage
"""


class EmbeddedScrapyd:
    """Scrapyd as a child process on 127.0.0.1, its data under `data_dir`, the project deployed.

    `port=0` picks a free port. `job_env` is added to Scrapyd's environment for the crawls
    (default: job_environment()). `egg` is deployed instead of a freshly built one; `deploy=False`
    deploys nothing.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike,
        port: int = 0,
        *,
        project: str = PROJECT,
        job_env: Mapping[str, str] | None = None,
        egg: bytes | None = None,
        deploy: bool = True,
        max_proc_per_cpu: int = 2,
        jobs_to_keep: int = 100,
        finished_to_keep: int = 1000,
        poll_interval: float = 1.0,
        startup_timeout: float = 60.0,
        stop_timeout: float = 20.0,
    ):
        self.data_dir = Path(data_dir).resolve()
        self.requested_port = port
        self.project = project
        self.job_env = dict(job_environment() if job_env is None else job_env)
        self.egg = egg
        self.deploy = deploy
        self.max_proc_per_cpu = max_proc_per_cpu
        self.jobs_to_keep = jobs_to_keep
        self.finished_to_keep = finished_to_keep
        self.poll_interval = poll_interval
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.username = USERNAME
        self.password = secrets.token_urlsafe(24)
        self.port = 0
        self.version: str | None = None  # the egg version deployed at start
        self.client: ScrapydClient | None = None
        self._process: subprocess.Popen | None = None

    def __repr__(self) -> str:
        return f"EmbeddedScrapyd({str(self.data_dir)!r}, url={self.url!r})"

    @property
    def url(self) -> str:
        return f"http://{BIND_ADDRESS}:{self.port}/" if self.port else ""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_FILE

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> EmbeddedScrapyd:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> EmbeddedScrapyd:
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        # A port picked as free may be taken before Scrapyd binds it: then try another one.
        attempts = 3 if self.requested_port == 0 else 1
        for attempt in range(attempts):
            self.port = self.requested_port or free_port()
            self._spawn()
            try:
                self._wait_until_ready()
                break
            except EmbeddedScrapydError as exc:
                self.stop()
                if attempt + 1 == attempts or not exc.port_taken:
                    raise
        if self.deploy:
            try:
                self.deploy_egg(self.egg)
            except BaseException:
                self.stop()
                raise
        return self

    def deploy_egg(self, egg: bytes | None = None) -> str:
        """Upload the project egg (built now unless given) as a new version; returns it."""
        if self.client is None:
            raise RuntimeError("the embedded Scrapyd is not running: start() it first")
        version = egg_version()
        self.client.addversion(self.project, version, egg if egg is not None else build_egg())
        self.version = version
        return version

    def stop(self) -> None:
        """Stop Scrapyd and every crawl it started (they share its process group)."""
        process, self._process = self._process, None
        if self.client is not None:
            self.client.close()
            self.client = None
        if process is None:
            return
        group = process.pid
        # SIGTERM: Scrapyd shuts down, and Scrapy closes each crawl's spider (reason "shutdown").
        _signal_group(group, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=self.stop_timeout)
        while _group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _group_alive(group):
            _signal_group(group, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
        process.wait()

    # ------------------------------------------------------------------ internals

    def _write_conf(self) -> None:
        text = render_conf(
            port=self.port,
            password=self.password,
            max_proc_per_cpu=self.max_proc_per_cpu,
            jobs_to_keep=self.jobs_to_keep,
            finished_to_keep=self.finished_to_keep,
            poll_interval=self.poll_interval,
        )
        path = self.data_dir / CONF_FILE
        # 0600 from the first byte: the file holds the password.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as conf:
            conf.write(text)

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _CREDENTIAL_VARIABLES}
        env.update(self.job_env)
        # Environment wins over every scrapyd.conf Scrapyd reads (~/.scrapyd.conf, /etc/scrapyd):
        # the address and port we wait on are the ones it binds.
        env["SCRAPYD_BIND_ADDRESS"] = BIND_ADDRESS
        env["SCRAPYD_HTTP_PORT"] = str(self.port)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _spawn(self) -> None:
        self._write_conf()
        command = [
            *(sys.executable, "-m", "scrapyd"),
            *("--pidfile", PID_FILE, "--logger", LOG_OBSERVER),
        ]
        log = self.data_dir / LOG_FILE
        self._log_start = log.stat().st_size if log.exists() else 0
        with open(self.data_dir / OUTPUT_FILE, "wb") as output:
            self._process = subprocess.Popen(
                command,
                cwd=self.data_dir,
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends its crawls too
            )
        self.client = ScrapydClient(self.url, self.username, self.password)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        # A short timeout per probe: the loop must notice when Scrapyd exits.
        with ScrapydClient(self.url, self.username, self.password, timeout=2.0) as probe:
            while True:
                if self._process.poll() is not None:
                    output = self._log_since_start()
                    raise EmbeddedScrapydError(
                        f"Scrapyd exited with code {self._process.returncode} while starting:\n"
                        f"{output}",
                        port_taken="Address already in use" in output,
                    )
                try:
                    probe.daemonstatus()
                    return
                except ScrapydUnavailable:
                    pass
                except ScrapydError as exc:  # someone answers, but not with our credentials
                    raise EmbeddedScrapydError(
                        f"something else answers at {self.url} (the port is taken, or a "
                        f"scrapyd.conf elsewhere replaces this one's credentials): {exc}",
                        port_taken=True,
                    ) from None
                if time.monotonic() > deadline:
                    raise EmbeddedScrapydError(
                        f"Scrapyd did not answer at {self.url} within {self.startup_timeout} s:\n"
                        f"{self._log_since_start()}"
                    )
                time.sleep(0.2)

    def _log_since_start(self, limit: int = 4000) -> str:
        """What Scrapyd printed and logged since this start, for a startup error."""
        text = ""
        for name, offset in ((OUTPUT_FILE, 0), (LOG_FILE, self._log_start)):
            try:
                with open(self.data_dir / name, "rb") as log:
                    log.seek(offset)
                    text += log.read().decode("utf-8", errors="replace")
            except OSError:  # not written yet
                continue
        return text[-limit:] or "(Scrapyd wrote nothing)"


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)


def _group_alive(group: int) -> bool:
    """Whether a process of the group still runs; zombies (exited, not yet reaped) do not count."""
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: ask the kernel, zombies included
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # the process ended while we looked
            continue
        state, process_group = fields[0], int(fields[2])
        if process_group == group and state not in ("Z", "X"):
            return True
    return False
