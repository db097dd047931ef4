"""Politeness and resilience middlewares through real crawls of the fixture site: retries that
honour Retry-After, browser-like headers (and when they stay off), proxies that rotate, rest
when dead, and never show their credentials."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from dataops_spiders.middlewares.backoff import retry_after_seconds
from tests.forward_proxy import ForwardProxy
from tests.probe import run_spider

BACKOFF = {
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "dataops_spiders.middlewares.backoff.BackoffRetryMiddleware": 550,
    }
}
HEADERS = {
    "DOWNLOADER_MIDDLEWARES": {
        "dataops_spiders.middlewares.browser_headers.BrowserHeadersMiddleware": 450
    }
}
PROXIES = {"DOWNLOADER_MIDDLEWARES": {"dataops_spiders.middlewares.proxies.ProxyMiddleware": 740}}


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        (format_datetime(datetime(2030, 1, 1, 0, 0, 30, tzinfo=UTC), usegmt=True), 30.0),
        ("soon", None),
        ("", None),
        ("-5", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header, seconds):
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert retry_after_seconds(header, now=now) == seconds


def test_a_429_is_retried_after_the_wait_the_site_asked_for(fixture_site, tmp_path):
    url = f"{fixture_site.url}throttled/backoff-test"
    fixture_site.reset_log()
    run = run_spider(tmp_path, settings=BACKOFF, args={"urls": url})
    assert run.items == [{"url": url, "status": 200, "size": run.items[0]["size"]}], run.log[-3000:]
    hits = [e for e in fixture_site.request_log() if e["path"] == "/throttled/backoff-test"]
    assert [e["status"] for e in hits] == [429, 200]
    assert hits[1]["time"] - hits[0]["time"] >= 1.0  # Retry-After: 1
    assert run.stats["dataops/retry_backoff/count"] == 1


def test_a_retry_after_beyond_the_limit_is_not_waited_for(fixture_site, tmp_path):
    url = f"{fixture_site.url}throttled/too-long-test"
    settings = {**BACKOFF, "DATAOPS_RETRY_AFTER_MAX": 0.5, "HTTPERROR_ALLOW_ALL": True}
    run = run_spider(tmp_path, settings=settings, args={"urls": url})
    assert [item["status"] for item in run.items] == [429]
    assert run.stats["dataops/retry_after_too_long"] == 1
    assert "DATAOPS_RETRY_AFTER_MAX" in run.log


def test_browser_like_headers_get_into_a_browser_only_area(fixture_site, tmp_path):
    url = f"{fixture_site.url}members/"
    plain = run_spider(
        tmp_path / "plain", settings={"HTTPERROR_ALLOW_ALL": True}, args={"urls": url}
    )
    dressed = run_spider(
        tmp_path / "dressed", settings={**HEADERS, "HTTPERROR_ALLOW_ALL": True}, args={"urls": url}
    )
    assert [i["status"] for i in plain.items] == [403]
    assert [i["status"] for i in dressed.items] == [200]


def test_a_user_agent_fixed_on_the_command_line_turns_the_headers_off(fixture_site, tmp_path):
    url = f"{fixture_site.url}members/"
    fixture_site.reset_log()
    run = run_spider(
        tmp_path,
        settings={**HEADERS, "HTTPERROR_ALLOW_ALL": True, "USER_AGENT": "acme-audit/1.0"},
        args={"urls": url},
    )
    assert [i["status"] for i in run.items] == [403]
    assert [e["user_agent"] for e in fixture_site.request_log()] == ["acme-audit/1.0"]


def test_per_domain_headers_show_one_site_one_browser(fixture_site, tmp_path):
    urls = ",".join(f"{fixture_site.url}about/?n={n}" for n in range(6))
    fixture_site.reset_log()
    run_spider(tmp_path, settings=HEADERS, args={"urls": urls})
    agents = {e["user_agent"] for e in fixture_site.request_log()}
    assert len(agents) == 1 and next(iter(agents)).startswith("Mozilla/5.0")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the socket is closed


def test_a_dead_proxy_is_rested_and_the_live_one_carries_the_crawl(fixture_site, tmp_path):
    urls = ",".join(f"{fixture_site.url}about/?page={n}" for n in range(12))
    with ForwardProxy(credentials="crawler:s3cr3t-pw") as live:
        settings = {
            **PROXIES,
            "DATAOPS_PROXIES": [
                f"http://crawler:s3cr3t-pw@127.0.0.1:{closed_port()}",
                f"http://crawler:s3cr3t-pw@127.0.0.1:{live.port}",
            ],
            "DATAOPS_PROXY_MAX_FAILURES": 2,
            "DATAOPS_PROXY_REST": 600,
            "RETRY_TIMES": 5,
        }
        run = run_spider(tmp_path, settings=settings, args={"urls": urls})
    assert sorted(i.get("status") for i in run.items) == [200] * 12, run.log[-3000:]
    assert len(live.relayed) == 12
    assert run.stats["dataops/proxy/rested"] == 1  # once, though several requests failed
    assert run.stats["dataops/proxy/failures"] >= 2
    assert "s3cr3t-pw" not in run.log
    assert "resting it for 600 s" in run.log


def test_a_socks5_proxy_is_left_to_the_browser(fixture_site, tmp_path):
    url = f"{fixture_site.url}about/"
    settings = {**PROXIES, "DATAOPS_PROXIES": ["socks5://127.0.0.1:1"]}
    run = run_spider(tmp_path, settings=settings, args={"urls": url})
    assert [i["status"] for i in run.items] == [200]  # went direct: no usable static proxy
