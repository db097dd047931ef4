"""Record the crawl as a graph: every URL a node, every discovered link an edge.

Nodes live in memory as small slotted objects keyed by URL (they change as the crawl goes:
scheduled, then fetched or failed); edges never change, so they stream straight to the writer.
At spider close the writer gets the nodes and finishes. JsonlGraphWriter, the default
(DATAOPS_GRAPH_WRITER), writes ``<DATAOPS_RUN_DIR>/graph/nodes.jsonl`` and ``edges.jsonl``.

Node: {url, status, depth, fetched_via, bytes, latency, robots, skip_reason, error}
Edge: {from, to, kind, anchor}; kind is the spider's dataops_link kind, "redirect" for a 3xx
(or meta refresh) hop, or "link" for a request that carries no dataops_link but a Referer.
A recorded request is marked with ``meta["dataops_graph_hops"]`` so that its copies (retries,
browser refetches) are not counted as new links: build new requests with fresh meta.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self

from scrapy import signals as scrapy_signals
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.python import to_unicode

from dataops_spiders import signals
from dataops_spiders.graph import EDGES_FILE, NODES_FILE

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

_ERROR_MAX_CHARS = 300
_RECORDED_META = "dataops_graph_hops"
# Skips decided in the downloader, after the request was scheduled: they override its node.
_REFUSED_AT_DOWNLOAD = ("robots", "ssrf")


class GraphWriter(Protocol):
    """Where a crawl graph goes. Built with ``from_crawler`` at spider open."""

    def add_edge(self, edge: dict[str, Any]) -> None: ...

    def write_nodes(self, nodes: Iterable[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...


class JsonlGraphWriter:
    """JSON lines under ``<DATAOPS_RUN_DIR>/graph/``; files appear complete, at close."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        # Edges stream to a partial file so a large crawl never holds them in memory.
        self._edges = (directory / f"{EDGES_FILE}.part").open("w", encoding="utf-8")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        run_dir = crawler.settings.get("DATAOPS_RUN_DIR")
        if not run_dir:
            raise NotConfigured("DATAOPS_RUN_DIR is not set: nowhere to write the crawl graph")
        return cls(Path(run_dir) / "graph")

    def add_edge(self, edge: dict[str, Any]) -> None:
        self._edges.write(json.dumps(edge, ensure_ascii=False) + "\n")

    def write_nodes(self, nodes: Iterable[dict[str, Any]]) -> None:
        part = self.directory / f"{NODES_FILE}.part"
        with part.open("w", encoding="utf-8") as out:
            for node in nodes:
                out.write(json.dumps(node, ensure_ascii=False) + "\n")
        part.replace(self.directory / NODES_FILE)

    def close(self) -> None:
        self._edges.close()
        (self.directory / f"{EDGES_FILE}.part").replace(self.directory / EDGES_FILE)


class _Node:
    """One URL. Slotted: a 100k-page crawl keeps 100k of these."""

    __slots__ = (
        "bytes",
        "depth",
        "error",
        "fetched_via",
        "latency",
        "robots",
        "scheduled",
        "skip_reason",
        "status",
    )

    def __init__(self, depth: int):
        self.depth = depth
        self.status: int | None = None
        self.fetched_via: str | None = None
        self.bytes: int | None = None
        self.latency: float | None = None
        self.robots: str | None = None
        self.skip_reason: str | None = None
        self.error: str | None = None
        self.scheduled = False

    def as_dict(self, url: str) -> dict[str, Any]:
        return {
            "url": url,
            "status": self.status,
            "depth": self.depth,
            "fetched_via": self.fetched_via,
            "bytes": self.bytes,
            "latency": self.latency,
            "robots": self.robots,
            "skip_reason": self.skip_reason,
            "error": self.error,
        }


class CrawlGraph:
    def __init__(self, crawler: Crawler):
        if not crawler.settings.getbool("DATAOPS_GRAPH", True):
            raise NotConfigured
        self.crawler = crawler
        self._writer_class = load_object(
            crawler.settings.get(
                "DATAOPS_GRAPH_WRITER", "dataops_spiders.extensions.crawl_graph.JsonlGraphWriter"
            )
        )
        self._writer: GraphWriter | None = None
        self._offsite: OffsiteMiddleware | None = None
        self._nodes: dict[str, _Node] = {}
        self._edge_count = 0
        connect = crawler.signals.connect
        connect(self.spider_opened, signal=scrapy_signals.spider_opened)
        connect(self.spider_closed, signal=scrapy_signals.spider_closed)
        connect(self.request_scheduled, signal=scrapy_signals.request_scheduled)
        connect(self.response_received, signal=scrapy_signals.response_received)
        connect(self.url_skipped, signal=signals.url_skipped)
        connect(self.page_failed, signal=signals.page_failed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        # Read at open, not at build time: the spider may set DATAOPS_RUN_DIR for its run.
        try:
            self._writer = build_from_crawler(self._writer_class, self.crawler)
        except NotConfigured as exc:
            logger.warning("Crawl graph disabled: %s", exc)
        self._offsite = _find_offsite_middleware(self.crawler)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._writer is None:
            return
        self._writer.write_nodes(node.as_dict(url) for url, node in self._nodes.items())
        self._writer.close()
        self._writer = None
        stats = self.crawler.stats
        stats.set_value("dataops/graph_nodes", len(self._nodes))
        stats.set_value("dataops/graph_edges", self._edge_count)

    def request_scheduled(self, request: Request) -> None:
        # Sent before the scheduler's dupefilter decides, so a duplicate link (which then
        # gets request_dropped) is already an edge here, and its URL keeps its one node.
        self._record_request(request)

    def response_received(self, response: Response, request: Request) -> None:
        if self._writer is None:
            return
        node = self._nodes.get(request.url)
        if node is None:
            if "dataops_link" not in request.meta:
                return  # robots.txt and other fetches that are not part of the crawl
            node = self._node(request.url, link_depth(request.meta))
        meta = request.meta
        node.status = response.status
        node.bytes = len(response.body)
        latency = meta.get("download_latency")
        node.latency = None if latency is None else round(latency, 3)
        node.fetched_via = meta.get("dataops_fetched_via", "static")
        node.robots = meta.get("dataops_robots")

    def url_skipped(
        self,
        url: str,
        referer: str | None,
        reason: str,
        depth: int | None = None,
        kind: str | None = None,
        anchor: str | None = None,
    ) -> None:
        if self._writer is None:
            return
        node = self._nodes.get(url)
        if reason in _REFUSED_AT_DOWNLOAD:
            node = node or self._node(url, depth or 0)
            if reason == "robots":
                node.robots = "disallowed"
            node.skip_reason = reason
            if node.scheduled:
                return  # its edge was recorded when it was scheduled
        elif node is None:
            node = self._node(url, depth or 0)
            node.skip_reason = reason
        # A URL reached by another path keeps that outcome; this link is still an edge.
        if referer:
            self._edge(referer, url, kind or "link", anchor or "")

    def page_failed(self, request: Request, failure: Failure) -> None:
        if self._writer is None:
            return
        node = self._nodes.get(request.url) or self._node(request.url, link_depth(request.meta))
        if node.skip_reason and isinstance(failure.value, IgnoreRequest):
            return  # the skip says it already
        node.error = f"{type(failure.value).__name__}: {failure.value}"[:_ERROR_MAX_CHARS]

    def _record_request(self, request: Request) -> None:
        if self._writer is None:
            return
        url = request.url
        meta = request.meta
        redirect_urls = meta.get("redirect_urls") or []
        # Copies of a recorded request (a retry, a refetch through the browser) carry the mark
        # with the same hop count: no new link. A redirect adds a hop, a new link has no mark.
        if meta.get(_RECORDED_META) == len(redirect_urls):
            return
        meta[_RECORDED_META] = len(redirect_urls)
        depth = link_depth(meta)
        if redirect_urls:
            # The downloader turned a 3xx (or meta refresh) into this request: the hop is the
            # edge, and the page that redirected gets its status (it never reaches the engine).
            source = redirect_urls[-1]
            reason = meta.get("redirect_reasons", [None])[-1]
            source_node = self._nodes.get(source) or self._node(source, depth)
            source_node.status = reason if isinstance(reason, int) else 200
            self._edge(source, url, "redirect", "")
        else:
            kind, anchor, referer = _link_of(request)
            if referer:
                self._edge(referer, url, kind, anchor)
        node = self._nodes.get(url) or self._node(url, depth)  # a redirect may loop to itself
        if self._filtered_offsite(request):
            # Scrapy's OffsiteMiddleware drops it right after this signal (say, a redirect to
            # another site), without telling anyone.
            if not node.scheduled:
                node.skip_reason = "offsite"
            return
        if not node.scheduled:
            # First time it is really followed: an earlier skip (say, too deep) no longer holds.
            node.scheduled = True
            node.skip_reason = None

    def _filtered_offsite(self, request: Request) -> bool:
        offsite = self._offsite
        return not (
            offsite is None
            or request.dont_filter
            or request.meta.get("allow_offsite")
            or offsite.should_follow(request, self.crawler.spider)
        )

    def _node(self, url: str, depth: int) -> _Node:
        node = self._nodes[url] = _Node(depth)
        return node

    def _edge(self, source: str, target: str, kind: str, anchor: str) -> None:
        assert self._writer is not None
        self._writer.add_edge({"from": source, "to": target, "kind": kind, "anchor": anchor})
        self._edge_count += 1


def _find_offsite_middleware(crawler: Crawler) -> OffsiteMiddleware | None:
    middlewares = crawler.engine.downloader.middleware.middlewares
    return next((mw for mw in middlewares if isinstance(mw, OffsiteMiddleware)), None)


def link_depth(meta: dict[str, Any]) -> int:
    """Clicks from the start: IntentSpider's own count (pagination does not deepen a page),
    else Scrapy's DepthMiddleware count."""
    return meta.get("dataops_depth", meta.get("depth", 0))


def _link_of(request: Request) -> tuple[str, str, str | None]:
    """(kind, anchor, referring URL) from the spider's dataops_link, else the Referer header."""
    link = request.meta.get("dataops_link")
    if link is not None:
        return link.get("kind") or "link", link.get("anchor") or "", link.get("from")
    referer = request.headers.get(b"Referer")
    return "link", "", to_unicode(referer) if referer else None
