"""A small HTTP forward proxy for tests: relays GET requests for absolute URLs, optionally
demanding Basic credentials, and remembers what it relayed."""

from __future__ import annotations

import base64
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ForwardProxy

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        proxy = self.server
        if proxy.credentials is not None:
            expected = "Basic " + base64.b64encode(proxy.credentials.encode()).decode()
            if self.headers.get("Proxy-Authorization") != expected:
                self._answer(
                    407, b"proxy credentials required", {"Proxy-Authenticate": 'Basic realm="test"'}
                )
                return
        target = urlsplit(self.path)
        connection = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
        path = target.path + (f"?{target.query}" if target.query else "")
        headers = {k: v for k, v in self.headers.items() if not k.lower().startswith("proxy-")}
        connection.request("GET", path or "/", headers=headers)
        upstream = connection.getresponse()
        body = upstream.read()
        with proxy.lock:
            proxy.relayed.append(self.path)
        skip = {"transfer-encoding", "connection", "content-length"}
        self._answer(
            upstream.status, body, {k: v for k, v in upstream.getheaders() if k.lower() not in skip}
        )
        connection.close()

    def _answer(self, status: int, body: bytes, headers: dict) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ForwardProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, credentials: str | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.credentials = credentials  # "user:password", or None for an open proxy
        self.lock = threading.Lock()
        self.relayed: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
