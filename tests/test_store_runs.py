"""Runs, crawl graphs and source profiles in the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dataops_spiders.graph import summarize
from dataops_spiders.store import StoreError, make_session_factory, write_session
from dataops_spiders.store.graph import add_edges, add_nodes, summarize_graph
from dataops_spiders.store.models import FINISHED, RUNNING
from dataops_spiders.store.runs import create_run, finish_run, get_run, list_runs
from dataops_spiders.store.sources import list_sources, update_source_profile


def new_run(engine, dataset="shop", **extra) -> int:
    with write_session(engine) as session:
        return create_run(
            session,
            dataset,
            template_name="demo_catalogue",
            template_sha256="ab" * 32,
            template_text="name: demo_catalogue\n",
            arguments={"start_urls": ["https://shop.example/"], "max_pages": None},
            settings={"DOWNLOAD_DELAY": 0.5},
            **extra,
        ).id


def test_a_run_records_what_ran_and_how_it_ended(engine):
    run_id = new_run(engine, run_dir="/runs/1", jobdir="/jobs/1")
    with write_session(engine) as session:
        finish_run(
            session,
            run_id,
            FINISHED,
            "finished",
            {"item_scraped_count": 3, "start_time": datetime(2026, 1, 1, tzinfo=UTC)},
        )
    with make_session_factory(engine)() as session:
        run = get_run(session, run_id)
        assert (run.template_name, run.template_text) == (
            "demo_catalogue",
            "name: demo_catalogue\n",
        )
        assert run.arguments["start_urls"] == ["https://shop.example/"]
        assert run.settings == {"DOWNLOAD_DELAY": 0.5}
        assert (run.status, run.finish_reason) == (FINISHED, "finished")
        assert run.stats == {"item_scraped_count": 3, "start_time": "2026-01-01T00:00:00+00:00"}
        assert run.finished_at.tzinfo is not None and run.started_at <= run.finished_at
        assert run.pid and run.hostname
        with pytest.raises(StoreError, match="no run 999"):
            get_run(session, 999)


def test_runs_are_listed_latest_first_per_dataset(engine):
    first, other, second = new_run(engine), new_run(engine, "journal"), new_run(engine)
    with make_session_factory(engine)() as session:
        assert [r.id for r in list_runs(session, "shop")] == [second, first]
        assert [r.id for r in list_runs(session)] == [second, other, first]
        assert list_runs(session, "journal")[0].status == RUNNING


NODES = [
    {"url": "https://s/", "status": 200, "depth": 0, "fetched_via": "static", "bytes": 900,
     "latency": 0.01, "robots": "allowed", "skip_reason": None, "error": None},
    {"url": "https://s/a", "status": 200, "depth": 1, "latency": 0.02},
    {"url": "https://s/b", "status": 404, "depth": 1},
    {"url": "https://s/private/", "depth": 1, "robots": "disallowed", "skip_reason": "robots"},
    {"url": "https://s/slow", "depth": 1, "error": "TimeoutError: took longer than 30 s"},
    {"url": "https://s/deep", "depth": 2},
    {"url": "https://other/", "depth": 1, "skip_reason": "offsite"},
]  # fmt: skip
EDGES = [
    {"from": "https://s/", "to": "https://s/a", "kind": "item", "anchor": "A"},
    {"from": "https://s/", "to": "https://s/b", "kind": "item", "anchor": "B"},
    {"from": "https://s/", "to": "https://s/private/", "kind": "navigate", "anchor": ""},
    {"from": "https://s/", "to": "https://other/", "kind": "other", "anchor": "x"},
    {"from": "https://s/a", "to": "https://s/slow", "kind": "item", "anchor": ""},
    {"from": "https://s/a", "to": "https://s/deep", "kind": "pagination", "anchor": "2"},
]


def test_the_graph_in_the_store_sums_up_like_the_json_lines_one(engine, tmp_path):
    graph_dir = tmp_path / "graph"
    graph_dir.mkdir()
    (graph_dir / "nodes.jsonl").write_text("".join(json.dumps(n) + "\n" for n in NODES))
    (graph_dir / "edges.jsonl").write_text("".join(json.dumps(e) + "\n" for e in EDGES))
    expected = summarize(tmp_path)

    run_id = new_run(engine, run_dir=str(tmp_path))
    with write_session(engine) as session:
        add_edges(session, run_id, EDGES)
        add_nodes(session, run_id, NODES)
    with make_session_factory(engine)() as session:
        got = summarize_graph(session, run_id)
    for name in ("nodes", "edges", "status", "depth", "edge_kinds", "run_dir"):
        assert got[name] == expected[name], name
    assert got["top_referrers"][:2] == expected["top_referrers"][:2]
    assert got["status"] == {
        "200": 2,
        "404": 1,
        "skipped:robots": 1,
        "skipped:offsite": 1,
        "error:TimeoutError": 1,
        "pending": 1,
    }


def test_source_profiles_add_up_run_after_run(engine):
    with write_session(engine) as session:
        update_source_profile(
            session,
            "Shop.Example",
            pages=10,
            errors=1,
            latency_sum=2.0,
            latency_count=10,
            crawl_delay=2.0,
            sitemaps=["https://shop.example/sitemap.xml"],
            robots_status=200,
        )
    with make_session_factory(engine)() as session:
        fetched_at = list_sources(session)[0].robots_fetched_at
        assert fetched_at is not None  # the run fetched robots.txt
    with write_session(engine) as session:
        update_source_profile(session, "shop.example", pages=30, latency_sum=3.0, latency_count=30)
    with make_session_factory(engine)() as session:
        (profile,) = list_sources(session)
        # a run that did not fetch robots.txt leaves the rules dated when they were fetched
        assert profile.robots_fetched_at == fetched_at < profile.last_crawl_at
        assert profile.domain == "shop.example"
        assert (profile.pages, profile.errors) == (40, 1)
        assert profile.mean_latency == pytest.approx(5.0 / 40)
        # facts not observed in the second run are kept, not erased
        assert profile.crawl_delay == 2.0
        assert profile.sitemaps == ["https://shop.example/sitemap.xml"]
        assert profile.last_crawl_at.tzinfo is not None
