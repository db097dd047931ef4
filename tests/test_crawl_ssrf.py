"""The SSRF guard inside the crawler (DATAOPS_SSRF_GUARD), through real `scrapy crawl` runs.

The fixture site (127.0.0.1) is allowed; a second site on 127.0.0.2 stands for an internal
service: its request log proves that a refused address is never fetched, whichever way the URL
writes it, whether the crawl reaches it directly, through a redirect, or through DNS.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import quote, urlsplit

import pytest

from dataops_spiders.demo_site import SiteProcess
from dataops_spiders.demo_site.content import catalogue
from dataops_spiders.demo_site.fetch_pages import app_products
from dataops_spiders.fetching.guard_proxy import GuardedProxy
from dataops_spiders.netguard import Allowed, UnsafeURL, allow_list, check_resolved
from tests.browsers import needs_chromium
from tests.crawling import crawl


@pytest.fixture(scope="module")
def internal():
    with SiteProcess("--host", "127.0.0.2") as site:
        yield site


def guarded_crawl(start_url: str, run_dir, allow=("127.0.0.1",), **settings):
    return crawl(
        "demo_catalogue",
        run_dir,
        "strategy=direct_item",
        "max_pages=1",
        start_urls=start_url,
        settings={
            "DATAOPS_SSRF_GUARD": "True",
            "DATAOPS_SSRF_ALLOW": json.dumps(list(allow)),
            **settings,
        },
    )


def stat(result, name: str) -> int:
    """A stat of the crawl, from the stats Scrapy logs at close."""
    marker = f"'{name}': "
    if marker not in result.log:
        return 0
    return int(result.log.split(marker, 1)[1].split(",", 1)[0].split("}", 1)[0])


def test_an_allowed_host_is_crawled(fixture_site, tmp_path):
    fixture_site.reset_log()
    result = guarded_crawl(fixture_site.url + "about/", tmp_path / "run")
    assert result.returncode == 0, result.log[-3000:]
    assert "/about/" in fixture_site.requests()
    assert stat(result, "dataops/ssrf_refused") == 0


def _port(site) -> int:
    return urlsplit(site.url).port


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.2",
        "2130706434",  # decimal
        "0177.0.0.02",  # octal
        "0x7f.0.0.2",  # hex
        "127.2",  # short form
        "[::ffff:127.0.0.2]",  # IPv6-mapped
    ],
)
def test_a_redirect_to_a_refused_address_is_never_fetched(host, fixture_site, internal, tmp_path):
    internal.reset_log()
    target = f"http://{host}:{_port(internal)}/about/"
    start = f"{fixture_site.url}out?to={quote(target, safe='')}"

    result = guarded_crawl(start, tmp_path / "run")

    assert result.returncode == 0, result.log[-3000:]
    assert internal.requests() == []  # not the page, not its robots.txt
    assert stat(result, "dataops/ssrf_refused") == 1
    assert "SSRF guard refused" in result.log and "loopback" in result.log
    node = result.nodes[target]
    assert node["skip_reason"] == "ssrf" and node["status"] is None


def test_a_host_name_that_resolves_to_a_refused_address_is_never_fetched(fixture_site, tmp_path):
    fixture_site.reset_log()
    url = f"http://localhost:{_port(fixture_site)}/about/"

    result = guarded_crawl(url, tmp_path / "run", allow=())

    assert result.returncode == 0, result.log[-3000:]
    assert fixture_site.requests() == []
    assert "localhost (127.0.0.1) is not a public address: loopback" in result.log
    assert result.nodes[url]["skip_reason"] == "ssrf"


@needs_chromium
@pytest.mark.parametrize("guard", [True, False], ids=["guarded", "unguarded"])
def test_a_rendered_page_cannot_send_the_browser_to_a_refused_address(
    guard, fixture_site, internal, tmp_path
):
    # The page itself is allowed; its script navigates to the internal site, inside Chromium.
    target = f"{internal.url}about/"
    internal.reset_log()
    result = crawl(
        "demo_catalogue", tmp_path / "run", "strategy=direct_item", "max_pages=1",
        "fetch=browser", start_urls=f"{fixture_site.url}app/go/?to={quote(target, safe='')}",
        settings={
            "DATAOPS_SSRF_GUARD": str(guard),
            "DATAOPS_SSRF_ALLOW": json.dumps(["127.0.0.1"]),
            "DATAOPS_STORE": "False",
        },
    )  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    if guard:
        assert "/about/" not in internal.requests()
        assert stat(result, "dataops/ssrf_refused/browser") >= 1
        assert "kept from 127.0.0.2" in result.log
    else:  # the same page, unguarded, does reach it: the guard is what stops it
        assert "/about/" in internal.requests()


@needs_chromium
def test_a_guarded_browser_still_renders_allowed_pages(fixture_site, tmp_path):
    # Chromium reaches the site only through the guarded proxy, and the page's script still
    # gets its data.
    product = app_products(catalogue())[0]
    fixture_site.reset_log()
    result = crawl(
        "generic_product", tmp_path / "run", "strategy=direct_item", "fetch=browser",
        start_urls=f"{fixture_site.url}app/product/{product.slug}",
        settings={
            "DATAOPS_SSRF_GUARD": "True",
            "DATAOPS_SSRF_ALLOW": json.dumps(["127.0.0.1"]),
            "DATAOPS_STORE": "False",
            "LOG_LEVEL": "DEBUG",
        },
    )  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    assert f"Browser connection to {urlsplit(fixture_site.url).netloc}" in result.log
    (record,) = result.records
    assert record["fields"]["sku"]["value"] == product.sku
    assert f"/app/api/product/{product.slug}.json" in fixture_site.requests()


def _through_proxy(proxy: GuardedProxy, request: bytes) -> bytes:
    async def exchange() -> bytes:
        await proxy.start()
        try:
            host, port = proxy.url.removeprefix("http://").split(":")
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(request)
            answer = await asyncio.wait_for(reader.read(), 10)
            writer.close()
            return answer
        finally:
            await proxy.close()

    return asyncio.run(exchange())


def test_the_guarded_proxy_connects_to_the_address_it_checked(fixture_site, internal):
    # Names the system cannot resolve, answered by the proxy's own lookup: what it checked is
    # where it connects, so a second answer (DNS rebinding) never comes into it.
    answers = {"shop.test": ["127.0.0.1"], "rebind.test": ["127.0.0.2"]}

    async def resolve(host, port):
        return answers[host]

    proxy = GuardedProxy(Allowed(["127.0.0.1"]), resolve=resolve)
    shop, inside = _port(fixture_site), _port(internal)
    fixture_site.reset_log()
    internal.reset_log()
    request = f"GET http://shop.test:{shop}/about/ HTTP/1.1\r\nHost: shop.test\r\n\r\n"
    answer = _through_proxy(proxy, request.encode())
    assert answer.startswith(b"HTTP/1.1 200") and "/about/" in fixture_site.requests()
    for request in (
        f"GET http://rebind.test:{inside}/about/ HTTP/1.1\r\nHost: rebind.test\r\n\r\n",
        f"CONNECT rebind.test:{inside} HTTP/1.1\r\n\r\n",
        "CONNECT 169.254.169.254:80 HTTP/1.1\r\n\r\n",
        f"CONNECT 127.0.0.2:{inside} HTTP/1.1\r\n\r\n",
    ):
        answer = _through_proxy(proxy, request.encode())
        assert answer.startswith(b"HTTP/1.1 403") and b"SSRF guard" in answer, request
    assert internal.requests() == []


def test_without_the_guard_private_addresses_are_crawled_as_before(fixture_site, tmp_path):
    fixture_site.reset_log()
    url = f"http://localhost:{_port(fixture_site)}/about/"
    result = crawl(
        "demo_catalogue", tmp_path / "run", "strategy=direct_item", "max_pages=1", start_urls=url
    )
    assert result.returncode == 0, result.log[-3000:]
    assert "/about/" in fixture_site.requests()


# ------------------------------------------------------------------ the checks themselves


@pytest.mark.parametrize(
    ("name", "addresses", "allow", "refused"),
    [
        ("shop.example", ["93.184.215.14"], [], False),
        ("shop.example", ["93.184.215.14", "10.0.0.5"], [], True),  # any one address refuses
        ("rebind.example", ["127.0.0.1"], [], True),
        ("rebind.example", ["127.0.0.1"], ["127.0.0.0/8"], False),
        ("intranet.example", ["10.1.2.3"], ["intranet.example"], False),  # allowed by name
        ("mapped.example", ["::ffff:192.168.0.1"], [], True),
        ("meta.example", ["169.254.169.254"], ["169.254.0.0/16"], True),  # never metadata
    ],
)
def test_resolved_addresses_are_judged_like_literal_ones(name, addresses, allow, refused):
    if refused:
        with pytest.raises(UnsafeURL):
            check_resolved(name, addresses, Allowed(allow))
    else:
        check_resolved(name, addresses, Allowed(allow))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('["127.0.0.1", "10.0.0.0/8"]', ["127.0.0.1", "10.0.0.0/8"]),
        ("127.0.0.1, site.test", ["127.0.0.1", "site.test"]),
        (["127.0.0.1"], ["127.0.0.1"]),
        ("", []),
        (None, []),
    ],
)
def test_the_allow_list_setting_takes_json_or_commas(value, expected):
    assert allow_list(value) == expected


def test_a_broken_allow_list_setting_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="not a JSON list of hosts"):
        allow_list('["127.0.0.1"')
