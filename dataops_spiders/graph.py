"""Summarise a run's crawl graph (written by extensions.crawl_graph) for people and the API.

Reads ``<run_dir>/graph/nodes.jsonl`` and ``edges.jsonl`` line by line, so the cost in memory is
the counters, not the graph. No Scrapy import: the CLI and the API use it directly.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

NODES_FILE = "nodes.jsonl"
EDGES_FILE = "edges.jsonl"
_URL_WIDTH = 72


def summarize(run_dir: str | Path, top: int = 10) -> dict[str, Any]:
    """Counts over a run's crawl graph.

    ``status``: nodes per outcome, most frequent first: the HTTP status ("200", "301"...),
    "skipped:<reason>", "error:<exception type>" (failed without a response) or "pending"
    (scheduled, never answered: the crawl stopped first). ``depth``: nodes per depth.
    ``top_referrers``: the ``top`` pages with the most outgoing links. ``edge_kinds``: links
    per kind.
    """
    graph_dir = Path(run_dir) / "graph"
    nodes_path, edges_path = graph_dir / NODES_FILE, graph_dir / EDGES_FILE
    for path in (nodes_path, edges_path):
        if not path.is_file():
            raise FileNotFoundError(f"no crawl graph in {run_dir}: {path} is missing")

    status: Counter[str] = Counter()
    depth: Counter[int] = Counter()
    node_count = 0
    for node in _read_jsonl(nodes_path):
        node_count += 1
        status[_outcome(node)] += 1
        depth[node.get("depth") or 0] += 1

    kinds: Counter[str] = Counter()
    referrers: Counter[str] = Counter()
    edge_count = 0
    for edge in _read_jsonl(edges_path):
        edge_count += 1
        kinds[edge.get("kind") or "link"] += 1
        referrers[edge["from"]] += 1

    return {
        "run_dir": str(run_dir),
        "nodes": node_count,
        "edges": edge_count,
        "status": dict(status.most_common()),
        "depth": dict(sorted(depth.items())),
        "top_referrers": [{"url": url, "links": n} for url, n in referrers.most_common(top)],
        "edge_kinds": dict(kinds.most_common()),
    }


def render(summary: dict[str, Any]) -> str:
    """A compact text report of ``summarize``'s result."""
    lines = [
        f"Crawl graph of {summary['run_dir']}: {summary['nodes']} nodes, {summary['edges']} edges"
    ]
    lines += _table(("status", "nodes"), summary["status"].items())
    lines += _table(("depth", "nodes"), summary["depth"].items())
    lines += _table(("edge kind", "edges"), summary["edge_kinds"].items())
    lines += _table(
        ("top referrer", "links"),
        ((_shorten(r["url"]), r["links"]) for r in summary["top_referrers"]),
    )
    return "\n".join(lines)


def _outcome(node: dict[str, Any]) -> str:
    if node.get("skip_reason"):
        return f"skipped:{node['skip_reason']}"
    if node.get("status") is not None:
        return str(node["status"])
    if node.get("error"):
        return "error:" + node["error"].split(":", 1)[0]
    return "pending"


def _table(header: tuple[str, str], rows: Any) -> list[str]:
    rows = [(str(label), str(count)) for label, count in rows]
    if not rows:
        return ["", f"{header[0]}: none"]
    width = max(len(header[0]), *(len(label) for label, _ in rows))
    count_width = max(len(header[1]), *(len(count) for _, count in rows))
    out = ["", f"{header[0]:<{width}}  {header[1]:>{count_width}}"]
    out += [f"{label:<{width}}  {count:>{count_width}}" for label, count in rows]
    return out


def _shorten(url: str) -> str:
    return url if len(url) <= _URL_WIDTH else url[: _URL_WIDTH - 1] + "…"


def _read_jsonl(path: Path):
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)
