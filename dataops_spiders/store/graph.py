"""A run's crawl graph in the store: nodes (URLs and their outcome) and edges (links).

The same shapes as the crawl graph extension's JSON lines (node: url, status, depth,
fetched_via, bytes, latency, robots, skip_reason, error; edge: from, to, kind, anchor), and the
same summary as ``dataops_spiders.graph.summarize``, computed in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, insert, literal_column, select
from sqlalchemy.orm import Session

from dataops_spiders.store.models import CrawlEdge, CrawlNode
from dataops_spiders.store.runs import get_run

NODE_COLUMNS = (
    "url",
    "status",
    "depth",
    "fetched_via",
    "bytes",
    "latency",
    "robots",
    "skip_reason",
    "error",
)


def add_edges(session: Session, run_id: int, edges: Iterable[dict[str, Any]]) -> int:
    rows = [
        {
            "run_id": run_id,
            "from_url": edge["from"],
            "to_url": edge["to"],
            "kind": edge.get("kind") or "link",
            "anchor": edge.get("anchor") or "",
        }
        for edge in edges
    ]
    if rows:
        session.execute(insert(CrawlEdge), rows)
    return len(rows)


def add_nodes(session: Session, run_id: int, nodes: Iterable[dict[str, Any]]) -> int:
    rows = []
    for node in nodes:
        row = {"run_id": run_id, **{column: node.get(column) for column in NODE_COLUMNS}}
        # a redirect's status may arrive as text; the column holds HTTP status numbers
        status = row["status"]
        row["status"] = (
            int(status) if isinstance(status, int | str) and str(status).isdigit() else None
        )
        rows.append(row)
    if rows:
        session.execute(insert(CrawlNode), rows)
    return len(rows)


def clear_graph(session: Session, run_id: int) -> None:
    """Forget a run's graph (its crawl is being done again from the start)."""
    session.execute(delete(CrawlEdge).where(CrawlEdge.run_id == run_id))
    session.execute(delete(CrawlNode).where(CrawlNode.run_id == run_id))


def _outcome(status, skip_reason, error) -> str:
    if skip_reason:
        return f"skipped:{skip_reason}"
    if status is not None:
        return str(status)
    if error:
        return f"error:{error.split(':', 1)[0]}"
    return "pending"


def summarize_graph(session: Session, run_id: int, top: int = 10) -> dict[str, Any]:
    """Counts over a run's graph: nodes per outcome and depth, top referrers, edge kinds."""
    run = get_run(session, run_id)
    status: dict[str, int] = {}
    depth: dict[int, int] = {}
    nodes = 0
    # the exception type is what an outcome shows: grouping by the message's start keeps the
    # rows few (constants inline, so the GROUP BY expression matches the selected one)
    error_head = func.substr(CrawlNode.error, literal_column("1"), literal_column("80"))
    for node_status, skip_reason, error, node_depth, count in session.execute(
        select(
            CrawlNode.status,
            CrawlNode.skip_reason,
            error_head,
            CrawlNode.depth,
            func.count(),
        )
        .where(CrawlNode.run_id == run_id)
        .group_by(
            CrawlNode.status,
            CrawlNode.skip_reason,
            error_head,
            CrawlNode.depth,
        )
    ):
        nodes += count
        outcome = _outcome(node_status, skip_reason, error)
        status[outcome] = status.get(outcome, 0) + count
        depth[node_depth or 0] = depth.get(node_depth or 0, 0) + count
    kinds = dict(
        session.execute(
            select(CrawlEdge.kind, func.count())
            .where(CrawlEdge.run_id == run_id)
            .group_by(CrawlEdge.kind)
            .order_by(func.count().desc(), CrawlEdge.kind)
        ).all()
    )
    links = func.count().label("links")
    referrers = session.execute(
        select(CrawlEdge.from_url, links)
        .where(CrawlEdge.run_id == run_id)
        .group_by(CrawlEdge.from_url)
        .order_by(links.desc(), CrawlEdge.from_url)
        .limit(top)
    ).all()
    return {
        "run": run.id,
        "run_dir": run.run_dir,
        "nodes": nodes,
        "edges": sum(kinds.values()),
        "status": dict(sorted(status.items(), key=lambda item: (-item[1], item[0]))),
        "depth": dict(sorted(depth.items())),
        "top_referrers": [{"url": url, "links": n} for url, n in referrers],
        "edge_kinds": kinds,
    }
