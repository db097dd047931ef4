"""A forward proxy inside the crawl, through which Chromium connects when the SSRF guard is on.

The request filter checks a browser request's host before it leaves, but Chromium then looks
the name up again itself, and a name whose DNS answer changes in between (DNS rebinding) would
reach an address nobody checked. Through this proxy Chromium connects nowhere by itself: for
each request the proxy resolves the host once, checks every address it got (netguard, the same
judge as the rest of the guard) and connects to a checked one. https and WebSockets come as
CONNECT tunnels; plain http requests come in absolute form and are sent on with
``Connection: close``, one request per connection.

A refusal is a 403 whose body says why; the browser shows it as a failed request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from dataops_spiders.netguard import Allowed, UnsafeURL, check_resolved, check_url

logger = logging.getLogger(__name__)

Resolve = Callable[[str, int], Awaitable[list[str]]]
HEAD_LIMIT = 64 * 1024  # a request line and headers longer than this are refused
HEAD_TIMEOUT = 30.0
HOP_BY_HOP = ("proxy-", "connection:", "keep-alive:")


class Refused(Exception):
    """The proxy will not connect; the message says why."""


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


class GuardedProxy:
    def __init__(self, allowed: Allowed, resolve: Resolve = system_resolve, stats=None):
        self.allowed = allowed
        self.resolve = resolve
        self.stats = stats
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.url

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            # Python 3.12 waits for open connections too: the browser is gone by now, but
            # a stuck one must not hold the crawl's end.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 5)
            self._server = None

    async def connect(self, host: str, port: int):
        """A connection to ``host``:``port`` at an address the guard allows."""
        name = host.strip("[]")
        try:
            check_url(f"http://{host}:{port}/", self.allowed, resolve=None)  # literals, metadata
            addresses = [name] if _is_literal(name) else await self.resolve(name, port)
            if not addresses:
                raise UnsafeURL(f"{name} does not resolve")
            check_resolved(name, addresses, self.allowed)
        except (UnsafeURL, OSError, UnicodeError, ValueError) as exc:
            raise Refused(f"{host}:{port}: {exc}") from None
        logger.debug("Browser connection to %s:%s at %s", host, port, addresses[0])
        return await asyncio.open_connection(addresses[0], port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
            if len(head) > HEAD_LIMIT:
                raise Refused("request head too long")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, target, version = request_line.split(" ", 2)
            if method.upper() == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream_reader, upstream_writer = await self.connect(host, int(port))
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            else:
                parts = urlsplit(target)
                if parts.scheme != "http" or not parts.hostname:
                    raise Refused(f"not an absolute http URL: {target[:200]}")
                host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
                upstream_reader, upstream_writer = await self.connect(host, parts.port or 80)
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                kept = [h for h in header_lines if h and not h.lower().startswith(HOP_BY_HOP)]
                lines = [f"{method} {path} {version}", *kept, "Connection: close", "", ""]
                upstream_writer.write("\r\n".join(lines).encode("latin-1"))
            await _relay(reader, writer, upstream_reader, upstream_writer)
        except Refused as exc:
            self._refused(writer, str(exc))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
            pass  # a client that went away or spoke no HTTP: nothing to answer
        except OSError as exc:  # the upstream could not be reached
            _answer(writer, 502, f"could not connect: {exc}")
        finally:
            writer.close()

    def _refused(self, writer: asyncio.StreamWriter, why: str) -> None:
        logger.warning("The browser was kept from %s (SSRF guard)", why)
        if self.stats is not None:
            self.stats.inc_value("dataops/ssrf_refused")
            self.stats.inc_value("dataops/ssrf_refused/browser")
        _answer(writer, 403, f"SSRF guard: {why}")


def _is_literal(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        return False
    return True


def _answer(writer: asyncio.StreamWriter, status: int, text: str) -> None:
    body = text.encode("utf-8", "replace")
    reason = {403: "Forbidden", 502: "Bad Gateway"}[status]
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    writer.write(head.encode("latin-1") + body)


async def _relay(client_reader, client_writer, upstream_reader, upstream_writer) -> None:
    """Copy bytes both ways until either side closes."""

    async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65536):
                sink.write(chunk)
                await sink.drain()
        except OSError:
            pass
        finally:
            if sink.can_write_eof():
                with contextlib.suppress(OSError):
                    sink.write_eof()

    try:
        await asyncio.gather(
            pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer)
        )
    finally:
        upstream_writer.close()
