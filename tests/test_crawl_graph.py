"""The crawl graph, from a real crawl of a tiny local site, and its summary.

The crawl runs once per module as a `scrapy runspider` subprocess (Twisted's reactor cannot be
restarted in the test process) against an HTTP server in this process, which logs every request.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import TextResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from dataops_spiders.extensions.crawl_graph import CrawlGraph
from dataops_spiders.graph import render, summarize

REPO = Path(__file__).resolve().parents[1]
CRAWL_DELAY = 0.5

ROBOTS = f"""\
User-agent: *
Disallow: /private/
Crawl-delay: {CRAWL_DELAY}
Sitemap: /sitemap.xml
"""

PAGES = {
    "/": """<a href="/about">About us</a> <a href="/shop">Shop</a>
            <a href="/private/data">Members</a> <a href="/old">Old page</a>
            <a href="/missing">Broken</a> <a href="http://elsewhere.example/x">Partner</a>
            <a href="/out">Leave</a> <a href="/about">About (footer)</a>""",
    "/about": '<a href="/">Home</a> <a href="/shop">Shop</a>',
    "/shop": "<p>Nothing to follow</p>",
    "/new": "<p>The new page</p>",
}

# The site's pages carry real links; the spider follows them the way IntentSpider's contract says.
SPIDER = """
from urllib.parse import urlparse

import scrapy

from dataops_spiders import signals


class TinySpider(scrapy.Spider):
    name = "tiny"
    allowed_domains = ["127.0.0.1"]
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_PARSER": "scrapy.robotstxt.ProtegoRobotParser",
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "dataops_spiders.middlewares.robots.RobotsMiddleware": 100,
        },
        "EXTENSIONS": {"dataops_spiders.extensions.crawl_graph.CrawlGraph": 500},
        "CONCURRENT_REQUESTS": 8,
        "RETRY_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
    }

    def __init__(self, start_url, **kwargs):
        super().__init__(**kwargs)
        self.start_url = start_url

    async def start(self):
        link = {"kind": "start", "anchor": "", "from": None}
        yield scrapy.Request(self.start_url, meta={"dataops_link": link}, errback=self.failed)

    def parse(self, response):
        for a in response.css("a"):
            url = response.urljoin(a.attrib["href"])
            anchor = a.css("::text").get("").strip()
            if urlparse(url).netloc != urlparse(response.url).netloc:
                self.crawler.signals.send_catch_log(
                    signal=signals.url_skipped, url=url, referer=response.url, reason="offsite",
                    depth=response.meta["depth"] + 1, kind="navigate", anchor=anchor,
                )
                continue
            link = {"kind": "navigate", "anchor": anchor, "from": response.url}
            yield scrapy.Request(url, meta={"dataops_link": link}, errback=self.failed)

    def failed(self, failure):
        self.crawler.signals.send_catch_log(
            signal=signals.page_failed, request=failure.request, failure=failure
        )
"""


class Site(BaseHTTPRequestHandler):
    seen: list[tuple[float, str]] = []

    def do_GET(self):
        Site.seen.append((time.monotonic(), self.path))
        if self.path == "/robots.txt":
            self._send(200, ROBOTS, "text/plain")
        elif self.path == "/old":
            self._redirect(301, "/new")
        elif self.path == "/out":
            self._redirect(302, "http://elsewhere.example/landing")
        elif self.path in PAGES:
            self._send(200, f"<html><body>{PAGES[self.path]}</body></html>", "text/html")
        else:
            self._send(404, "<html><body>Not found</body></html>", "text/html")

    def _redirect(self, status: int, location: str):
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, text: str, content_type: str):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """Crawl the site once; return (base URL, run dir, server log, crawl log)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    work = tmp_path_factory.mktemp("crawl")
    (work / "tiny_spider.py").write_text(SPIDER)
    run_dir = work / "run"
    # Outside the project directory and without SCRAPY_SETTINGS_MODULE: only the spider's settings.
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", "runspider", "tiny_spider.py",
             "-a", f"start_url={base}/", "-s", f"DATAOPS_RUN_DIR={run_dir}"],
            cwd=work, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr[-3000:]
    return base, run_dir, list(Site.seen), done.stderr


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def nodes_by_url(run_dir: Path) -> dict[str, dict]:
    return {node["url"]: node for node in read_jsonl(run_dir / "graph" / "nodes.jsonl")}


def test_every_url_is_one_node_with_its_outcome(crawl):
    base, run_dir, _, _ = crawl
    nodes = nodes_by_url(run_dir)
    assert set(nodes) == {
        f"{base}/",
        f"{base}/about",
        f"{base}/shop",
        f"{base}/private/data",
        f"{base}/old",
        f"{base}/new",
        f"{base}/missing",
        f"{base}/out",
        "http://elsewhere.example/x",
        "http://elsewhere.example/landing",
    }  # robots.txt is not part of the crawl
    home = nodes[f"{base}/"]
    assert home["status"] == 200 and home["depth"] == 0
    assert home["fetched_via"] == "static" and home["robots"] == "allowed"
    assert home["bytes"] == len(f"<html><body>{PAGES['/']}</body></html>".encode())
    assert home["latency"] is not None and home["latency"] >= 0
    assert nodes[f"{base}/about"]["depth"] == 1
    missing = nodes[f"{base}/missing"]
    assert missing["status"] == 404 and missing["error"].startswith("HttpError")
    offsite = nodes["http://elsewhere.example/x"]
    assert offsite["skip_reason"] == "offsite" and offsite["status"] is None


def test_disallowed_url_is_in_the_graph_but_never_requested(crawl):
    base, run_dir, seen, _ = crawl
    private = nodes_by_url(run_dir)[f"{base}/private/data"]
    assert private["robots"] == "disallowed"
    assert private["skip_reason"] == "robots"
    assert private["status"] is None and private["error"] is None
    assert "/private/data" not in [path for _, path in seen]
    assert [path for _, path in seen].count("/robots.txt") == 1


def test_redirect_gives_the_original_its_3xx_and_a_redirect_edge(crawl):
    base, run_dir, _, _ = crawl
    nodes = nodes_by_url(run_dir)
    assert nodes[f"{base}/old"]["status"] == 301
    assert nodes[f"{base}/new"]["status"] == 200
    edges = read_jsonl(run_dir / "graph" / "edges.jsonl")
    assert {"from": f"{base}/old", "to": f"{base}/new", "kind": "redirect", "anchor": ""} in edges
    # The spider's link to /old is an edge of its own; /new is reached only through the hop.
    assert [e["kind"] for e in edges if e["to"] == f"{base}/old"] == ["navigate"]
    assert [e["kind"] for e in edges if e["to"] == f"{base}/new"] == ["redirect"]


def test_redirect_to_another_site_is_an_offsite_skip_not_a_pending_page(crawl):
    base, run_dir, _, _ = crawl
    nodes = nodes_by_url(run_dir)
    assert nodes[f"{base}/out"]["status"] == 302
    landing = nodes["http://elsewhere.example/landing"]
    assert landing["skip_reason"] == "offsite" and landing["status"] is None
    edges = read_jsonl(run_dir / "graph" / "edges.jsonl")
    assert {"from": f"{base}/out", "to": landing["url"], "kind": "redirect", "anchor": ""} in edges


def test_every_discovered_link_is_an_edge_duplicates_included(crawl):
    base, run_dir, _, log = crawl
    edges = read_jsonl(run_dir / "graph" / "edges.jsonl")
    pairs = sorted((e["from"], e["to"], e["anchor"]) for e in edges if e["kind"] != "redirect")
    assert pairs == sorted(
        [
            (f"{base}/", f"{base}/about", "About us"),
            (f"{base}/", f"{base}/about", "About (footer)"),  # dropped by the dupefilter
            (f"{base}/", f"{base}/shop", "Shop"),
            (f"{base}/", f"{base}/private/data", "Members"),
            (f"{base}/", f"{base}/old", "Old page"),
            (f"{base}/", f"{base}/missing", "Broken"),
            (f"{base}/", f"{base}/out", "Leave"),
            (f"{base}/", "http://elsewhere.example/x", "Partner"),
            (f"{base}/about", f"{base}/", "Home"),
            (f"{base}/about", f"{base}/shop", "Shop"),
        ]
    )
    assert re.search(r"'dataops/graph_nodes': 10\b", log)
    assert re.search(r"'dataops/graph_edges': 12\b", log)
    assert re.search(r"'dataops/robots_forbidden': 1\b", log)


def test_crawl_delay_spaces_requests_to_one_host(crawl):
    _, _, seen, _ = crawl
    times = [t for t, _ in seen]
    assert len(times) == 8  # robots.txt, /, /about, /shop, /old, /new, /missing, /out
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # Without the crawl-delay the five links of "/" would arrive together (8 concurrent).
    assert min(gaps) >= CRAWL_DELAY * 0.9, gaps


def test_summary_counts_outcomes_depths_referrers_and_kinds(crawl):
    base, run_dir, _, _ = crawl
    summary = summarize(run_dir)
    assert summary["nodes"] == 10 and summary["edges"] == 12
    assert summary["status"] == {
        "200": 4,
        "skipped:offsite": 2,
        "301": 1,
        "302": 1,
        "404": 1,
        "skipped:robots": 1,
    }
    assert list(summary["status"])[:2] == ["200", "skipped:offsite"]  # most frequent first
    assert summary["depth"] == {0: 1, 1: 9}
    assert summary["top_referrers"][0] == {"url": f"{base}/", "links": 8}
    assert summary["top_referrers"][1] == {"url": f"{base}/about", "links": 2}
    assert summary["edge_kinds"] == {"navigate": 10, "redirect": 2}
    text = render(summary)
    assert "10 nodes, 12 edges" in text
    assert re.search(r"^skipped:robots\s+1$", text, re.MULTILINE)
    assert re.search(r"^redirect\s+2$", text, re.MULTILINE)
    assert re.search(rf"^{re.escape(base)}/\s+8$", text, re.MULTILINE)


def test_summary_of_a_run_without_graph_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no crawl graph"):
        summarize(tmp_path)


def test_summary_names_failures_without_response_and_unfinished_pages(tmp_path):
    graph = tmp_path / "graph"
    graph.mkdir()
    nodes = [
        {"url": "http://a/", "status": None, "depth": 0, "error": "DNSLookupError: no such host"},
        {"url": "http://a/b", "status": None, "depth": 1, "error": None},
    ]
    (graph / "nodes.jsonl").write_text("".join(json.dumps(n) + "\n" for n in nodes))
    (graph / "edges.jsonl").write_text("")
    summary = summarize(tmp_path)
    assert summary["status"] == {"error:DNSLookupError": 1, "pending": 1}
    assert "top referrer: none" in render(summary)


def in_process_graph(run_dir: Path) -> tuple[CrawlGraph, Crawler]:
    """The extension fed by hand, as an open crawl (without downloader middlewares) would."""
    crawler = get_crawler(settings_dict={"DATAOPS_RUN_DIR": str(run_dir)})
    crawler.engine = mock.MagicMock()
    crawler.engine.downloader.middleware.middlewares = []
    graph = build_from_crawler(CrawlGraph, crawler)
    graph.spider_opened(spider=None)
    return graph, crawler


def test_switched_off_by_setting():
    crawler = get_crawler(settings_dict={"DATAOPS_GRAPH": False})
    with pytest.raises(NotConfigured):
        build_from_crawler(CrawlGraph, crawler)


def test_memory_grows_with_pages_not_with_links(tmp_path):
    graph, crawler = in_process_graph(tmp_path)
    pages, links_per_page = 1000, 50

    def crawl_pages():
        for i in range(pages):
            url = f"https://shop.test/category/{i}"
            request = Request(url, meta={"depth": 1, "download_latency": 0.12})
            graph.request_scheduled(request)
            graph.response_received(TextResponse(url, body=b"x" * 100), request)
            for j in range(links_per_page):  # links to already known pages
                link = {"kind": "navigate", "anchor": "Next", "from": url}
                graph.request_scheduled(
                    Request(f"https://shop.test/category/{j}", meta={"dataops_link": link})
                )

    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        crawl_pages()
        retained = sum(
            stat.size_diff for stat in tracemalloc.take_snapshot().compare_to(before, "filename")
        )
    finally:
        tracemalloc.stop()
    # 50k edges held in memory would take megabytes; nodes alone stay well under 1 kB each.
    assert retained / pages < 1024, retained
    graph.spider_closed(spider=None, reason="finished")
    edges = (tmp_path / "graph" / "edges.jsonl").read_text().splitlines()
    assert len(edges) == pages * links_per_page
    assert crawler.stats.get_value("dataops/graph_nodes") == pages


def test_a_retry_is_not_a_new_link_but_a_redirect_after_it_is(tmp_path):
    graph, _ = in_process_graph(tmp_path)
    link = {"kind": "item", "anchor": "Lamp", "from": "https://shop.test/"}
    first = Request("https://shop.test/lamp", meta={"dataops_link": link, "depth": 1})
    graph.request_scheduled(first)
    retry = first.replace(meta={**first.meta, "retry_times": 1}, dont_filter=True)
    graph.request_scheduled(retry)
    # The retried request answers 302 to itself with a cookie, then to the final page.
    hop_meta = {**retry.meta, "redirect_urls": [retry.url], "redirect_reasons": [302]}
    graph.request_scheduled(retry.replace(meta=hop_meta))
    final_meta = {
        **retry.meta,
        "redirect_urls": [retry.url, retry.url],
        "redirect_reasons": [302, 301],
    }
    graph.request_scheduled(retry.replace(url="https://shop.test/p/lamp", meta=final_meta))
    graph.spider_closed(spider=None, reason="finished")
    edges = read_jsonl(tmp_path / "graph" / "edges.jsonl")
    assert [(e["to"], e["kind"]) for e in edges] == [
        ("https://shop.test/lamp", "item"),
        ("https://shop.test/lamp", "redirect"),
        ("https://shop.test/p/lamp", "redirect"),
    ]
    nodes = nodes_by_url(tmp_path)
    assert nodes["https://shop.test/lamp"]["status"] == 301
    assert nodes["https://shop.test/p/lamp"]["depth"] == 1
