"""/api/robots: verdicts for our crawler from the fixture site's robots.txt, the source profile,
and servers whose robots.txt fails in the ways RFC 9309 names."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from control_api.testing import ApiHarness
from dataops_spiders.demo_site import SiteProcess
from dataops_spiders.store.models import SourceProfile, utcnow
from dataops_spiders.store.testing import sqlite_url


@pytest.fixture
def api(store_url):
    harness = ApiHarness(store_url, scrape_allow_hosts=["127.0.0.1"])
    yield harness
    harness.close()


class RobotsServer:
    """A real HTTP server on 127.0.0.1 whose answers a test sets: {path: (status, headers,
    body)}; anything else is 404."""

    def __init__(self):
        self.answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hits: list[str] = []
        answers, hits = self.answers, self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                status, headers, body = answers.get(self.path, (404, {}, b"not here"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server():
    running = RobotsServer()
    yield running
    running.close()


def verdict(api, url: str, **params):
    return api.client.get("/api/robots", params={"url": url, **params}, headers=api.headers())


def profile(api, domain: str) -> SourceProfile | None:
    with api.app.state.sessions() as session:
        return session.scalar(select(SourceProfile).where(SourceProfile.domain == domain))


def netloc(url: str) -> str:
    return url.split("//", 1)[1].split("/", 1)[0]


def test_the_fixture_site_disallows_private_pages_naming_the_rule(api, fixture_site):
    answer = verdict(api, fixture_site.url + "private/price-list.html")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["allowed"] is False
    assert found["rule"] == {"directive": "disallow", "pattern": "/private/", "user_agent": "*"}
    assert found["user_agent"] == "DataOpsSpiders"
    assert found["sitemaps"] == [fixture_site.url + "sitemap.xml"]
    assert found["source"] == "fetched" and found["robots_status"] == 200
    assert found["robots_url"] == fixture_site.url + "robots.txt"

    stored = profile(api, netloc(fixture_site.url))
    assert "Disallow: /private/" in stored.robots_rules and stored.robots_status == 200
    assert stored.last_crawl_at is None, "a check is not a crawl"

    cart = verdict(api, fixture_site.url + "cart").json()
    assert cart["allowed"] is False and cart["source"] == "profile"
    assert cart["fetched_at"] == found["fetched_at"]
    product = verdict(api, fixture_site.url + "product/anything.html").json()
    assert product["allowed"] is True and product["rule"] is None


def test_a_fresh_profile_answers_without_a_fetch_and_a_stale_one_is_refetched(api, server):
    with api.app.state.write_sessions() as session:
        session.add(
            SourceProfile(
                domain=netloc(server.url),
                robots_rules="User-agent: DataOpsSpiders\nDisallow: /mine\n",
                robots_status=200,
                robots_fetched_at=utcnow() - timedelta(hours=2),  # by a crawl, as crawls do
                last_crawl_at=utcnow() - timedelta(hours=2),
                pages=3,
                errors=0,
                latency_samples=0,
            )
        )
        session.commit()
    server.answers["/robots.txt"] = (200, {}, b"User-agent: *\nDisallow: /\n")
    known = verdict(api, server.url + "/mine/page").json()
    assert known["allowed"] is False and known["source"] == "profile"
    assert known["rule"]["user_agent"] == "dataopsspiders"
    assert server.hits == []

    refreshed = verdict(api, server.url + "/other", refresh="true").json()
    assert refreshed["source"] == "fetched" and refreshed["allowed"] is False
    assert refreshed["rule"]["pattern"] == "/"
    assert server.hits == ["/robots.txt"]

    with api.app.state.write_sessions() as session:
        stored = session.scalar(select(SourceProfile))
        stored.robots_fetched_at = stored.last_crawl_at = utcnow() - timedelta(days=2)
        session.commit()
    assert verdict(api, server.url + "/other").json()["source"] == "fetched"
    assert server.hits == ["/robots.txt", "/robots.txt"]

    # A recent crawl that did not fetch robots.txt does not make two-day-old rules fresh.
    with api.app.state.write_sessions() as session:
        stored = session.scalar(select(SourceProfile))
        stored.robots_fetched_at = utcnow() - timedelta(days=2)
        stored.last_crawl_at = utcnow() - timedelta(minutes=5)
        session.commit()
    assert verdict(api, server.url + "/other").json()["source"] == "fetched"
    assert server.hits == ["/robots.txt"] * 3


def test_crawl_delay_is_reported(tmp_path):
    with SiteProcess("--crawl-delay", "1.5") as site:
        harness = ApiHarness(
            sqlite_url(tmp_path / "store.sqlite3"), scrape_allow_hosts=["127.0.0.1"]
        )
        try:
            found = verdict(harness, site.url + "about/").json()
        finally:
            harness.close()
    assert found["allowed"] is True and found["crawl_delay"] == 1.5


def test_a_missing_robots_txt_allows_everything(api, server):
    found = verdict(api, server.url + "/anything").json()
    assert found["allowed"] is True and found["robots_status"] == 404
    assert "404" in found["reason"] and "RFC 9309" in found["reason"]
    assert profile(api, netloc(server.url)).robots_status == 404


def test_an_unreachable_robots_txt_allows_nothing_and_is_not_kept(api, server):
    server.answers["/robots.txt"] = (503, {}, b"down")
    found = verdict(api, server.url + "/anything").json()
    assert found["allowed"] is False and found["robots_status"] == 503
    assert "503" in found["reason"] and "complete disallow" in found["reason"]
    assert profile(api, netloc(server.url)) is None

    server.close()  # nothing listens there any more
    gone = verdict(api, server.url + "/anything").json()
    assert gone["allowed"] is False and gone["robots_status"] is None
    assert "could not be fetched" in gone["reason"]


def test_redirects_are_followed_on_checked_hops(api, server):
    server.answers["/robots.txt"] = (301, {"Location": "/rules.txt"}, b"")
    server.answers["/rules.txt"] = (200, {}, b"User-agent: *\nDisallow: /hidden\n")
    assert verdict(api, server.url + "/hidden/x").json()["allowed"] is False

    for hop in range(7):
        server.answers[f"/loop{hop}"] = (302, {"Location": f"/loop{hop + 1}"}, b"")
    server.answers["/robots.txt"] = (302, {"Location": "/loop0"}, b"")
    looping = verdict(api, server.url + "/hidden/x", refresh="true").json()
    assert looping["allowed"] is True, "more than 5 redirects: unavailable, like a 4xx"


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2/robots.txt",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706434/robots.txt",  # 127.0.0.2 in decimal
        "http://[::ffff:10.0.0.1]/robots.txt",
    ],
)
def test_a_redirect_to_a_refused_address_is_400_and_not_followed(api, server, target):
    server.answers["/robots.txt"] = (302, {"Location": target}, b"")
    answer = verdict(api, server.url + "/x")
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "refused_url"
    assert "not a public address" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    "url, status",
    [
        ("http://10.1.2.3/page", 400),
        ("http://169.254.169.254/", 400),
        ("http://0x7f.1/", 400),
        ("ftp://example.com/file", 400),
        ("not a url", 400),
        ("", 422),
    ],
)
def test_refused_urls(store_url, url, status):
    harness = ApiHarness(store_url)  # no allow-list: loopback is refused too
    try:
        answer = verdict(harness, url)
        assert answer.status_code == status, answer.text
        assert "error" in answer.json()
    finally:
        harness.close()


def test_loopback_needs_the_allow_list(store_url, fixture_site):
    harness = ApiHarness(store_url)
    try:
        answer = verdict(harness, fixture_site.url + "private/")
    finally:
        harness.close()
    assert answer.status_code == 400
    assert "loopback" in answer.json()["error"]["message"]


def test_a_name_is_fetched_at_the_address_that_was_checked(api, server, monkeypatch):
    # The API resolves a name once, checks the address and connects there, naming the host in
    # the request: a second lookup (DNS rebinding) never chooses where it connects.
    from control_api.services import robots as service

    port = int(server.url.rsplit(":", 1)[1])
    answers = {"shop.test": ["127.0.0.1"], "rebind.test": ["127.0.0.2"]}
    monkeypatch.setattr(service, "system_resolver", lambda host, port: answers[host])
    server.answers["/robots.txt"] = (200, {}, b"User-agent: *\nDisallow: /pinned\n")

    found = verdict(api, f"http://shop.test:{port}/pinned/page").json()
    assert found["allowed"] is False and found["robots_status"] == 200
    assert server.hits == ["/robots.txt"]

    refused = verdict(api, f"http://rebind.test:{port}/page")
    assert refused.status_code == 400 and "rebind.test" in refused.json()["error"]["message"]
    assert server.hits == ["/robots.txt"]  # nothing more reached any server
