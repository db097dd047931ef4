"""A client for one Scrapyd node's JSON API (Scrapyd 1.6), over httpx.

    client = ScrapydClient("http://127.0.0.1:6800/", username="ops", password="…")
    job = client.schedule("dataops", "intent", args={"template": "demo_catalogue"}, settings={})
    client.status(job)            # "pending" | "running" | "finished" | None (unknown job)
    client.log("dataops", "intent", job, tail_bytes=4096)

Errors: ScrapydUnavailable when the node cannot be reached (the message names the node by its
URL, never with credentials), ScrapydAuthError when it refuses the credentials (401), and
ScrapydError when it answers with status "error". Credentials go only in the Authorization
header; they are never part of a URL, a log line or an exception message.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

if TYPE_CHECKING:
    import httpx


def _httpx():
    """httpx, imported on first use: with rich and click installed, importing it also loads
    its command-line tool (rich, pygments), which the API's start-up does not need."""
    import httpx

    return httpx


DEFAULT_TIMEOUT = 10.0  # seconds, for every call but addversion
# addversion answers only after Scrapyd has listed the egg's spiders in a new Python process.
ADDVERSION_TIMEOUT = 120.0
# Scrapyd takes these as its own parameters of schedule.json: a spider argument so named is lost.
RESERVED_ARGS = frozenset({"project", "spider", "setting", "jobid", "priority", "_version"})


class ScrapydError(Exception):
    """Scrapyd answered, but not with what was asked: its status "error", or an HTTP error."""

    def __init__(self, message: str, *, node: str = "", status_code: int | None = None):
        self.node = node
        self.status_code = status_code
        super().__init__(message)


class ScrapydAuthError(ScrapydError):
    """The node wants credentials (basic auth) and these are missing or wrong."""


class ScrapydUnavailable(ScrapydError):
    """The node cannot be reached: connection refused, timeout, broken connection."""


def _setting_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list | tuple) else str(value)


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """(URL without user:password@, user, password), so credentials never travel in a URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("a Scrapyd URL is http(s)://host[:port]/")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    clean = urlunsplit((parts.scheme, netloc, path, "", ""))
    user = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return clean, user, password


class ScrapydClient:
    """One Scrapyd node. Thread-safe; close() (or `with`) releases its connections."""

    def __init__(
        self,
        base_url: str,
        username: str | None = None,
        password: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        trust_env: bool = False,
    ):
        self.url, url_user, url_password = split_credentials(base_url)
        username = username if username is not None else url_user
        password = password if password is not None else url_password
        # Scrapyd turns basic auth on only when both are set; we send it under the same rule.
        self._auth = (username, password) if username and password else None
        self._timeout = timeout
        self._trust_env = trust_env
        self._client = None  # made on the first call: an app holding clients imports no httpx
        self._client_lock = threading.Lock()

    @property
    def _http(self):
        with self._client_lock:
            if self._client is None:
                httpx = _httpx()
                # trust_env=False: a proxy meant for the web must not carry calls to internal
                # nodes.
                self._client = httpx.Client(
                    base_url=self.url,
                    auth=httpx.BasicAuth(*self._auth) if self._auth else None,
                    timeout=self._timeout,
                    trust_env=self._trust_env,
                )
            return self._client

    def __repr__(self) -> str:
        return f"ScrapydClient({self.url!r})"

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> ScrapydClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ the JSON API

    def daemonstatus(self) -> dict[str, Any]:
        """{"pending": n, "running": n, "finished": n, "node_name": …, "status": "ok"}."""
        return self._call("GET", "daemonstatus.json")

    def addversion(self, project: str, version: str, egg_bytes: bytes) -> dict[str, Any]:
        """Upload an egg as `version` of `project`; the answer counts the spiders it holds."""
        return self._call(
            "POST",
            "addversion.json",
            data={"project": project, "version": version},
            files={"egg": ("project.egg", egg_bytes, "application/octet-stream")},
            timeout=max(ADDVERSION_TIMEOUT, self._http.timeout.read or 0),
        )

    def schedule(
        self,
        project: str,
        spider: str,
        *,
        args: dict[str, Any],
        settings: dict[str, Any],
        jobid: str | None = None,
        version: str | None = None,
        priority: float | None = None,
    ) -> str:
        """Queue a crawl: `args` become the spider's -a arguments (as text), `settings` its -s
        settings (dicts and lists as JSON, which is how Scrapy reads them from the command line).
        """
        clashing = sorted(RESERVED_ARGS & set(args))
        if clashing:
            raise ValueError(f"spider arguments {', '.join(clashing)} are schedule.json's own")
        form: dict[str, str | list[str]] = {"project": project, "spider": spider}
        form |= {name: str(value) for name, value in args.items()}
        if settings:
            form["setting"] = [f"{name}={_setting_text(value)}" for name, value in settings.items()]
        if jobid is not None:
            form["jobid"] = jobid
        if version is not None:
            form["_version"] = version
        if priority is not None:
            form["priority"] = str(priority)
        return self._call("POST", "schedule.json", data=form)["jobid"]

    def cancel(self, project: str, job: str) -> str | None:
        """Stop a job; the answer is its state before: "pending", "running" or None (unknown)."""
        return self._call("POST", "cancel.json", data={"project": project, "job": job})["prevstate"]

    def listjobs(self, project: str | None = None) -> dict[str, list[dict[str, Any]]]:
        """{"pending": […], "running": […], "finished": […]}, each job a dict with its "id"."""
        params = {"project": project} if project is not None else None
        answer = self._call("GET", "listjobs.json", params=params)
        return {state: answer.get(state, []) for state in ("pending", "running", "finished")}

    def status(self, job: str, project: str | None = None) -> str | None:
        """ "pending", "running", "finished", or None when the node does not know the job."""
        params = {"job": job} | ({"project": project} if project is not None else {})
        return self._call("GET", "status.json", params=params)["currstate"]

    def listspiders(self, project: str, version: str | None = None) -> list[str]:
        params = {"project": project} | ({"_version": version} if version else {})
        return self._call("GET", "listspiders.json", params=params)["spiders"]

    def listversions(self, project: str) -> list[str]:
        return self._call("GET", "listversions.json", params={"project": project})["versions"]

    # ------------------------------------------------------------------ logs

    def log_url(self, project: str, spider: str, job: str) -> str:
        """Where the job's log is downloaded from (credentials not included)."""
        path = "/".join(quote(part, safe="") for part in (project, spider, f"{job}.log"))
        return f"{self.url}logs/{path}"

    def log(self, project: str, spider: str, job: str, tail_bytes: int | None = None) -> str | None:
        """The job's log, or its last `tail_bytes` from a line start; None when there is none.

        There is none while a job is pending, and after Scrapyd rotated it out (jobs_to_keep).
        """
        url = self.log_url(project, spider, job)
        # A log still being written can change size while Twisted serves it, leaving stray bytes
        # on a kept-alive connection that break the next answer: read logs on their own.
        headers = {"Connection": "close"}
        if tail_bytes:
            headers["Range"] = f"bytes=-{tail_bytes}"
        response = self._request("GET", url, headers=headers)
        if tail_bytes and response.status_code in (416, 500):
            # Twisted's static files fail a suffix range longer than the file (500) or any range
            # of an empty one (416): such a log is small, fetch it whole.
            response = self._request("GET", url, headers={"Connection": "close"})
        if response.status_code == 404:
            return None
        self._check_http(response)
        body = response.content
        partial = response.status_code == 206 or (tail_bytes and len(body) > tail_bytes)
        if tail_bytes:
            body = body[-tail_bytes:]
        text = body.decode("utf-8", errors="replace")
        if partial and "\n" in text:
            text = text.split("\n", 1)[1]  # the tail began mid-line: start at the next line
        return text

    def log_stream(
        self, project: str, spider: str, job: str, chunk_size: int = 64 * 1024
    ) -> Iterator[bytes] | None:
        """The job's whole log as chunks of bytes, read as they are sent; None when there is
        none. Iterate it to the end (or close it): the connection is released then."""
        url = self.log_url(project, spider, job)
        request = self._http.build_request("GET", url, headers={"Connection": "close"})
        with self._unreachable_as_errors():
            response = self._http.send(request, stream=True)
        if response.status_code == 404:
            response.close()
            return None
        try:
            self._check_http(response)
        except ScrapydError:
            response.close()
            raise
        return _chunks(response, chunk_size)

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _unreachable_as_errors(self) -> Iterator[None]:
        """httpx's timeouts and transport errors as ScrapydUnavailable, naming the node."""
        httpx = _httpx()
        try:
            yield
        except httpx.TimeoutException:
            raise ScrapydUnavailable(
                f"Scrapyd at {self.url} did not answer in time", node=self.url
            ) from None
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            raise ScrapydUnavailable(
                f"Scrapyd at {self.url} is unreachable: {reason}", node=self.url
            ) from None

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        with self._unreachable_as_errors():
            return self._http.request(method, path, **kwargs)

    def _check_http(self, response: httpx.Response) -> None:
        if response.status_code == 401:
            raise ScrapydAuthError(
                f"Scrapyd at {self.url} refused the request: credentials missing or wrong",
                node=self.url,
                status_code=401,
            )
        if response.status_code >= 400:
            raise ScrapydError(
                f"Scrapyd at {self.url} answered HTTP {response.status_code} "
                f"to {response.request.url.path}",
                node=self.url,
                status_code=response.status_code,
            )

    def _call(self, method: str, endpoint: str, **kwargs) -> dict[str, Any]:
        response = self._request(method, endpoint, **kwargs)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if isinstance(answer, dict) and answer.get("status") == "error":
            message = str(answer.get("message", "")).strip() or "no message"
            raise ScrapydError(
                f"Scrapyd at {self.url}: {endpoint}: {message}",
                node=self.url,
                status_code=response.status_code,
            )
        self._check_http(response)
        if not isinstance(answer, dict):
            raise ScrapydError(
                f"Scrapyd at {self.url}: {endpoint} did not answer JSON", node=self.url
            )
        return answer


def _chunks(response: httpx.Response, chunk_size: int) -> Iterator[bytes]:
    # A node that goes away mid-log raises here: the download breaks off visibly, not silently.
    try:
        yield from response.iter_bytes(chunk_size)
    finally:
        response.close()
