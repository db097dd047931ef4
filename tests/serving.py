"""`dataops serve` as a real child process, for the tests that start it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from control_api.serve import KEY_LINE

ROOT = Path(__file__).resolve().parent.parent
API_LINE = "control API: "
SCRAPYD_LINE = "embedded Scrapyd: "
# Variables of the test session that must not leak into a serve under test.
_NOT_INHERITED = (
    "DATABASE_URL",
    "DATAOPS_DATA_DIR",
    "DATAOPS_SCRAPYD_URLS",
    "DATAOPS_SCRAPYD_USERNAME",
    "DATAOPS_SCRAPYD_PASSWORD",
)


def process_running(pid: int) -> bool:
    """True while the process exists and has not exited (a zombie has exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def group_members(group: int) -> list[int]:
    """Live processes of a process group (Scrapyd and the crawls it started share one)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members


class ServeProcess:
    """`python -m dataops_spiders.cli serve --port 0 …` with its own store and data folder.

    stdout is read line by line as it comes (`lines`); stderr (uvicorn's log) goes to a file.
    """

    def __init__(self, database_url: str, data_dir: Path, *args: str, **env: str):
        self.data_dir = Path(data_dir)
        self.args = ("--port", "0", *args)
        self.env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
        self.env |= {"DATABASE_URL": database_url, "DATAOPS_DATA_DIR": str(self.data_dir)}
        self.env |= env
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._proc: subprocess.Popen | None = None
        self._stderr_path = self.data_dir / f"serve-stderr-{time.monotonic_ns()}.txt"

    def start(self, wait_for: str | None = API_LINE, timeout: float = 180) -> ServeProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "dataops_spiders.cli", "serve", *self.args]
        with open(self._stderr_path, "wb") as stderr:
            self._proc = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=stderr, text=True
            )
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        if wait_for:
            try:
                self.wait_for_line(wait_for, timeout)
            except BaseException:
                self.close()  # a start that failed must not leave serve (or its Scrapyd) running
                raise
        return self

    def _read_stdout(self) -> None:
        for line in self._proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for_line(self, prefix: str, timeout: float = 180) -> str:
        """The first stdout line starting with `prefix`; AssertionError with what was printed
        if the process ends (or the time runs out) without it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if line.startswith(prefix):
                        return line
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"serve never printed {prefix!r} (exit {self._proc.poll()}):\n"
                        + "\n".join(self.lines)
                        + "\n"
                        + self.stderr
                    )
                self._changed.wait(0.2)

    def line(self, prefix: str) -> str | None:
        return next((line for line in self.lines if line.startswith(prefix)), None)

    @property
    def url(self) -> str:
        return self.wait_for_line(API_LINE).removeprefix(API_LINE).split()[0]

    @property
    def key(self) -> str | None:
        line = self.line(KEY_LINE)
        return line.removeprefix(KEY_LINE) if line else None

    @property
    def scrapyd_url(self) -> str:
        return self.wait_for_line(SCRAPYD_LINE).removeprefix(SCRAPYD_LINE).split()[0]

    @property
    def scrapyd_pid(self) -> int:
        line = self.wait_for_line(SCRAPYD_LINE)
        return int(line.split("(pid ", 1)[1].split(",", 1)[0])

    @property
    def stderr(self) -> str:
        return self._stderr_path.read_text(errors="replace") if self._stderr_path.exists() else ""

    @property
    def pid(self) -> int:
        return self._proc.pid

    def wait(self, timeout: float = 120) -> int:
        """The exit code, once every line serve printed has been read into `lines`."""
        code = self._proc.wait(timeout)
        self._reader.join(10)
        return code

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 120) -> int:
        """Send `signum` and wait for the exit code."""
        if self._proc.poll() is None:
            self._proc.send_signal(signum)
        return self.wait(timeout)

    def close(self) -> None:
        """Stop serve if it still runs (killed if it will not stop), and its Scrapyd's process
        group if serve left it: a failed test leaves nothing behind."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            try:
                self.stop(timeout=60)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        line = self.line(SCRAPYD_LINE)
        if line:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(int(line.split("(pid ", 1)[1].split(",", 1)[0]), signal.SIGKILL)

    def __enter__(self) -> ServeProcess:
        return self if self._proc is not None else self.start()

    def __exit__(self, *exc) -> None:
        self.close()
