"""IntentSpider end to end: `scrapy crawl intent` against the fixture site, as a user runs it."""

from __future__ import annotations

import collections
import socket
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from dataops_spiders.demo_site import content
from tests.crawling import crawl


@pytest.fixture(scope="session")
def site_crawl(fixture_site, tmp_path_factory):
    """One whole-site crawl with the generic product template, shared by the tests below."""
    fixture_site.reset_log()
    result = crawl(
        "generic_product",
        tmp_path_factory.mktemp("site") / "run",
        "max_depth=4",
        start_urls=fixture_site.url,
    )
    result.served = fixture_site.request_log()
    assert result.returncode == 0, result.log[-3000:]
    return result


def _paths(entries):
    return [e["path"] for e in entries]


def test_robots_disallowed_urls_are_never_requested_but_recorded(site_crawl):
    assert not [p for p in _paths(site_crawl.served) if p.startswith(("/private/", "/cart"))]
    blocked = [n for n in site_crawl.nodes.values() if n.get("robots") == "disallowed"]
    assert any("/private/" in n["url"] for n in blocked)
    assert all(n["skip_reason"] == "robots" for n in blocked)
    assert site_crawl.summary["pages_skipped_by_robots"] == len(blocked)


def test_no_page_is_fetched_twice(site_crawl):
    ok = [e["path"] for e in site_crawl.served if e["status"] < 500 and e["path"] != "/robots.txt"]
    twice = [path for path, n in collections.Counter(ok).items() if n > 1]
    assert twice == []


def test_crawler_trap_is_bounded_by_depth(site_crawl):
    calendar = [p for p in _paths(site_crawl.served) if p.startswith("/calendar/")]
    assert 0 < len(calendar) <= 8  # max_depth 4, in both directions from the linked month
    assert site_crawl.summary["pages_skipped"].get("max_depth", 0) >= 1


def test_generic_product_template_finds_and_extracts_the_products(site_crawl, fixture_site):
    expected = content.expected_products(base_url=fixture_site.url.rstrip("/"))
    found = {urlsplit(r["source_url"]).path: r for r in site_crawl.records}
    products = {
        path: found.get(path) for path in (urlsplit(e["url"]).path for e in expected.values())
    }
    reached = [p for p, r in products.items() if r is not None]
    assert len(reached) >= 0.95 * len(expected)
    right_price = right_sku = 0
    for truth in expected.values():
        record = products.get(urlsplit(truth["url"]).path)
        if record is None:
            continue
        price = record["fields"]["price"]["value"]
        right_price += price is not None and Decimal(price) == Decimal(str(truth["price"]))
        right_sku += record["fields"]["sku"]["value"] == truth["sku"]
    assert right_price >= 0.9 * len(reached), (right_price, len(reached))
    assert right_sku >= 0.8 * len(reached), (right_sku, len(reached))


def test_non_product_pages_yield_no_product_records(site_crawl):
    paths = {urlsplit(r["source_url"]).path for r in site_crawl.records}
    assert not [p for p in paths if p.startswith(("/blog/", "/jobs/", "/calendar/", "/about"))]


def test_every_field_carries_value_confidence_source_and_reasons(site_crawl):
    record = site_crawl.records[0]
    assert 0.0 <= record["record_confidence"] <= 1.0
    for field in record["fields"].values():
        assert {"value", "confidence", "source", "reasons"} <= set(field)
        assert 0.0 <= field["confidence"] <= 1.0
        assert field["reasons"]


def test_bad_pages_are_logged_and_the_crawl_goes_on(site_crawl):
    log = site_crawl.log
    assert "printable.html" in log and "download max size" in log.lower()  # 6 MB page cut off
    assert "Gave up retrying" in log and "/catalogue/compare" in log  # the 500s
    assert site_crawl.summary["finish_reason"] == "finished"
    assert "Traceback" not in log


def test_graph_summary_command_reads_the_run(site_crawl):
    from click.testing import CliRunner

    from dataops_spiders.cli import main

    run_id = str(site_crawl.summary["run_id"])
    result = CliRunner().invoke(main, ["graph", run_id, "--json"])
    assert result.exit_code == 0, result.output
    assert '"skipped:robots"' in result.output


def test_direct_item_fetches_only_the_given_pages(fixture_site, tmp_path):
    slugs = list(content.expected_products())[:3]
    urls = [fixture_site.url + f"product/{slug}.html" for slug in slugs]
    fixture_site.reset_log()
    result = crawl(
        "generic_product", tmp_path / "run", "strategy=direct_item", start_urls=",".join(urls)
    )
    assert result.returncode == 0, result.log[-2000:]
    served = {p for p in _paths(fixture_site.request_log()) if p != "/robots.txt"}
    assert served == {urlsplit(u).path for u in urls}
    assert {r["source_url"] for r in result.records} == set(urls)


def test_max_pages_stops_the_crawl(fixture_site, tmp_path):
    fixture_site.reset_log()
    result = crawl("generic_product", tmp_path / "run", "max_pages=10", start_urls=fixture_site.url)
    assert result.returncode == 0
    served = [p for p in _paths(fixture_site.request_log()) if p != "/robots.txt"]
    assert len(set(served)) <= 10
    assert result.summary["pages_skipped"]["max_pages"] > 0


def test_pagination_only_stays_in_the_start_category(fixture_site, tmp_path):
    start = fixture_site.url + "catalogue/kitchen/"
    fixture_site.reset_log()
    result = crawl(
        "generic_product", tmp_path / "run", "strategy=pagination_only", start_urls=start
    )
    assert result.returncode == 0
    served = set(_paths(fixture_site.request_log()))
    other_categories = set(content.catalogue().by_category) - {"kitchen"}
    assert not [p for p in served if p.split("/")[2:3] and p.split("/")[2] in other_categories]
    assert "/catalogue/kitchen/?page=3" in served
    assert not [p for p in served if p.startswith(("/blog", "/jobs", "/about"))]


def test_sitemap_discovery_reaches_pages_linked_from_nowhere(fixture_site, tmp_path):
    hidden = [a for a in content.articles() if a not in content.listed_articles()]
    assert hidden
    fixture_site.reset_log()
    result = crawl(
        "generic_article", tmp_path / "run", "max_depth=1", start_urls=fixture_site.url + "blog/"
    )
    assert result.returncode == 0, result.log[-2000:]
    served = set(_paths(fixture_site.request_log()))
    assert "/sitemap.xml" in served
    assert {a.path for a in hidden} <= served


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["template=no_such_template"], "no template by that name"),
        (
            ["template=generic_product", "start_urls=http://x/", "strategy=everything"],
            "-a strategy= takes one of",
        ),
        (["template=generic_product"], "has no start_urls"),
        (["template=generic_product", "start_urls=ftp://x/", "max_pages=2"], "absolute http(s)"),
        (["template=generic_product", "start_urls=http://x/", "max_pages=lots"], "whole number"),
    ],
)
def test_bad_arguments_fail_with_a_clear_message(tmp_path, args, message):
    import os
    import subprocess
    import sys

    from tests.crawling import ROOT

    command = [sys.executable, "-m", "scrapy", "crawl", "intent"]
    for arg in args:
        command += ["-a", arg]
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_unreachable_host_is_reported_and_the_crawl_ends(tmp_path):
    with socket.socket() as sock:  # a port that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = crawl(
        "generic_product",
        tmp_path / "run",
        start_urls=f"http://127.0.0.1:{port}/",
        settings={"RETRY_TIMES": 0},
    )
    assert result.returncode == 0
    assert result.summary["pages_failed"] == 1
    assert f"Could not fetch http://127.0.0.1:{port}/" in result.log
    assert "Traceback" not in result.log
