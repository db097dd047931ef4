"""The Scrapyd nodes crawls run on, and which one takes the next task.

Configured by environment:

    DATAOPS_SCRAPYD_URLS      comma-separated node URLs, e.g. http://10.0.0.5:6800/,http://10.0.0.6:6800/
    DATAOPS_SCRAPYD_USERNAME  basic-auth user for every node (a URL's own user:password@ wins)
    DATAOPS_SCRAPYD_PASSWORD  its password

Every node must run the crawls against the same store as the API: start each Scrapyd with the
same DATABASE_URL (PostgreSQL when there are several machines) in its environment; Scrapyd
passes its environment on to the crawl processes it starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from dataops_spiders.runner.client import (
    DEFAULT_TIMEOUT,
    ScrapydClient,
    ScrapydError,
    ScrapydUnavailable,
    split_credentials,
)

URLS_VARIABLE = "DATAOPS_SCRAPYD_URLS"
USERNAME_VARIABLE = "DATAOPS_SCRAPYD_USERNAME"
PASSWORD_VARIABLE = "DATAOPS_SCRAPYD_PASSWORD"


def configured_urls(environ: Mapping[str, str] | None = None) -> list[str]:
    """The node URLs of DATAOPS_SCRAPYD_URLS; empty when none is configured (embedded mode)."""
    environ = os.environ if environ is None else environ
    return [url.strip() for url in environ.get(URLS_VARIABLE, "").split(",") if url.strip()]


@dataclass(frozen=True)
class NodeLoad:
    """A node's answer to daemonstatus: what it is running and what waits in its queue."""

    client: ScrapydClient
    running: int
    pending: int

    @property
    def load(self) -> int:
        return self.running + self.pending


class NodePool:
    """The configured nodes, in order; `least_loaded()` picks where the next task goes."""

    def __init__(self, clients: Sequence[ScrapydClient]):
        if not clients:
            raise ValueError("a node pool needs at least one Scrapyd node")
        urls = [client.url for client in clients]
        if len(set(urls)) != len(urls):
            raise ValueError(f"a Scrapyd node is listed twice: {', '.join(urls)}")
        self.clients = list(clients)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> NodePool:
        """The nodes of DATAOPS_SCRAPYD_URLS with the DATAOPS_SCRAPYD_USERNAME/_PASSWORD."""
        environ = os.environ if environ is None else environ
        urls = configured_urls(environ)
        if not urls:
            raise ValueError(f"{URLS_VARIABLE} lists no Scrapyd node")
        username = environ.get(USERNAME_VARIABLE) or None
        password = environ.get(PASSWORD_VARIABLE) or None
        clients = []
        for position, url in enumerate(urls, start=1):
            try:
                clean, url_user, url_password = split_credentials(url)
            except ValueError as exc:  # the entry may hold a password: name it by position
                raise ValueError(f"{URLS_VARIABLE}, entry {position}: {exc}") from None
            if url_user:
                clients.append(ScrapydClient(clean, url_user, url_password, timeout))
            else:
                clients.append(ScrapydClient(clean, username, password, timeout))
        return cls(clients)

    def __len__(self) -> int:
        return len(self.clients)

    def node(self, url: str) -> ScrapydClient:
        """The client of the node at `url` (as a task recorded it); KeyError if not configured."""
        wanted = split_credentials(url)[0]
        for client in self.clients:
            if client.url == wanted:
                return client
        raise KeyError(f"no configured Scrapyd node at {wanted}")

    def loads(self) -> tuple[list[NodeLoad], list[ScrapydError]]:
        """Every node's load, asked in parallel, and the errors of the nodes that did not answer."""
        with ThreadPoolExecutor(max_workers=min(len(self.clients), 16)) as pool:
            answers = list(pool.map(_load_or_error, self.clients))
        loads = [answer for answer in answers if isinstance(answer, NodeLoad)]
        errors = [answer for answer in answers if isinstance(answer, ScrapydError)]
        return loads, errors

    def least_loaded(self) -> ScrapydClient:
        """The reachable node with the fewest running + pending jobs; on a tie, the first listed.

        Raises ScrapydUnavailable, naming every node and why, when none answers.
        """
        loads, errors = self.loads()
        if not loads:
            reasons = "; ".join(str(error) for error in errors)
            raise ScrapydUnavailable(f"no Scrapyd node answered: {reasons}")
        return min(loads, key=lambda node: node.load).client  # min keeps the first of equals

    def close(self) -> None:
        for client in self.clients:
            client.close()


def _load_or_error(client: ScrapydClient) -> NodeLoad | ScrapydError:
    try:
        status = client.daemonstatus()
    except ScrapydError as exc:  # unreachable, or refusing our credentials: not a candidate
        return exc
    return NodeLoad(client, int(status.get("running", 0)), int(status.get("pending", 0)))
