"""The fixture site behaves as documented in server.py; content.py is its ground truth."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter, deque
from decimal import Decimal
from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector
from price_parser import Price
from protego import Protego

from dataops_spiders.demo_site import SiteProcess, content
from dataops_spiders.demo_site.__main__ import parse_args
from dataops_spiders.intents.structured import find_entities, get_path
from dataops_spiders.page import Page

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_FOLLOW = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_STAY = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def get(url: str, follow: bool = True, headers: dict | None = None, method: str = "GET"):
    """(status, headers, body, final URL); HTTP errors are answers here, not exceptions."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with (_FOLLOW if follow else _STAY).open(request, timeout=30) as response:
            return response.status, response.headers, response.read(), response.url
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read(), url


def html_of(url: str) -> Selector:
    status, _headers, body, final = get(url)
    assert status == 200, url
    return Selector(text=body.decode("utf-8"), base_url=final)


def links(selector: Selector, base: str) -> list[str]:
    return [urljoin(base, href) for href in selector.css("a::attr(href)").getall()]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def amounts(text: str) -> set[Decimal]:
    """Every money amount in a text, parsed the way the extraction layer will parse prices."""
    tokens = re.findall(r"[$€£]?\s?\d[\d.,]*\d\s?(?:€|USD|EUR|GBP)?", text)
    return {Price.fromstring(t).amount for t in tokens if Price.fromstring(t).amount is not None}


SHOP = content.catalogue()


# --------------------------------------------------------------------------- a polite crawl


@pytest.fixture(scope="module")
def crawl(fixture_site):
    """Breadth-first crawl from the home page that obeys robots.txt and stops at the calendar."""
    base = fixture_site.url
    robots = Protego.parse(get(base + "robots.txt")[2].decode())
    seen, statuses, linked, disallowed = {base}, {}, {}, set()
    queue = deque([base])
    while queue:
        url = queue.popleft()
        status, headers, body, _ = get(url, follow=False)
        statuses[path_of(url)] = status
        if status in (301, 302):
            targets = [urljoin(url, headers["Location"])]
        elif headers.get("Content-Type", "").startswith("text/html") and status == 200:
            page = Selector(text=body.decode("utf-8", "replace"), base_url=url)
            targets = [u.split("#")[0] for u in links(page, url)]
        else:
            continue
        for target in targets:
            if not target.startswith(base):
                continue
            linked.setdefault(path_of(target), set()).add(path_of(url))
            if not robots.can_fetch(target, "*"):
                disallowed.add(path_of(target))
            elif target not in seen and not path_of(url).startswith("/calendar/"):
                seen.add(target)
                queue.append(target)
    return {"statuses": statuses, "linked": linked, "disallowed": disallowed}


def test_every_product_is_reachable_by_following_links(crawl):
    reached = {p for p, status in crawl["statuses"].items() if p.startswith("/product/")}
    expected = {p.path for p in SHOP.products}
    assert expected <= reached
    assert all(crawl["statuses"][p] == 200 for p in expected)


def test_polite_crawl_meets_private_links_and_robots_forbids_them(crawl):
    private = {p for p in crawl["disallowed"] if p.startswith("/private/")}
    assert "/private/price-list.html" in private
    assert any(
        referer.startswith("/catalogue/") for referer in crawl["linked"]["/private/price-list.html"]
    )
    assert not any(p.startswith("/private/") for p in crawl["statuses"])


def test_sitemap_only_pages_are_in_the_sitemap_and_linked_from_nowhere(fixture_site, crawl):
    status, headers, body, _ = get(fixture_site.url + "sitemap.xml")
    assert status == 200 and headers["Content-Type"].startswith("application/xml")
    locs = {
        path_of(u)
        for u in Selector(text=body.decode(), type="xml")
        .xpath("//*[local-name()='loc']/text()")
        .getall()
    }
    assert {a.path for a in content.articles()} | {j.path for j in content.jobs()} == locs
    hidden = [a.path for a in content.articles() if a.archived]
    hidden += [j.path for j in content.jobs() if not j.listed]
    assert len(hidden) == 3
    for path in hidden:
        assert path not in crawl["linked"], f"{path} should be reachable only via the sitemap"
        assert get(fixture_site.url.rstrip("/") + path)[0] == 200


def test_error_pages_and_redirects_are_linked(crawl):
    statuses = crawl["statuses"]
    assert statuses["/product/retro-enamel-bread-bin.html"] == 404
    assert 500 in {statuses[p] for p in statuses if p.startswith("/catalogue/compare")}
    assert statuses["/deals/today"] == 302
    assert any(p.startswith("/old-product/") and s == 301 for p, s in statuses.items())
    assert any(p.endswith("-manual.pdf") and s == 200 for p, s in statuses.items())
    assert statuses["/catalogue/printable.html"] == 200
    assert statuses["/help/international-shipping.html"] == 200
    assert "/calendar/2026/11/" in statuses


# --------------------------------------------------------------------------- startup and robots


def test_cli_prints_one_line_serves_quietly_and_announces_crawl_delay():
    with SiteProcess("--crawl-delay", "2.5") as site:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", site.url)
        robots = get(site.url + "robots.txt")[2].decode()
        for path in ("", "nope", "catalogue/compare?category=toys", "catalogue/printable.html"):
            get(site.url + path)
        # A crawler that gives up mid-download must not make the server complain.
        address = urlsplit(site.url)
        with socket.create_connection((address.hostname, address.port)) as sock:
            sock.sendall(b"GET /catalogue/printable.html HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 200")
        assert get(site.url)[0] == 200
        site.stop()
        assert site.stdout_rest() == ""
        assert site.stderr_text() == ""
    assert "Crawl-delay: 2.5" in robots.splitlines()


def test_robots_txt_disallows_private_and_points_at_the_sitemap(fixture_site):
    status, headers, body, _ = get(fixture_site.url + "robots.txt")
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "Crawl-delay" not in text  # only announced when --crawl-delay is not zero
    robots = Protego.parse(text)
    assert not robots.can_fetch(fixture_site.url + "private/wholesale/", "AnyBot")
    assert robots.can_fetch(fixture_site.url + "catalogue/kitchen/", "AnyBot")
    assert list(robots.sitemaps) == [fixture_site.url + "sitemap.xml"]


# --------------------------------------------------------------------------- shop


def test_home_links_to_categories_articles_and_jobs(fixture_site):
    paths = {path_of(u) for u in links(html_of(fixture_site.url), fixture_site.url)}
    assert {content.category_path(c) for c in content.CATEGORY_SLUGS} <= paths
    assert {"/blog/", "/jobs/", "/catalogue/"} <= paths


@pytest.mark.parametrize("category", content.CATEGORY_SLUGS)
def test_category_pagination_has_rel_next_and_visible_next(fixture_site, category):
    url, pages, products = fixture_site.url.rstrip("/") + content.category_path(category), 0, []
    while url:
        page = html_of(url)
        pages += 1
        products += [path_of(urljoin(url, h)) for h in page.css("h2 a::attr(href)").getall()]
        head_next = page.css("link[rel=next]::attr(href)").get()
        visible = page.xpath("//a[contains(normalize-space(.), 'Next')]/@href").get()
        assert (head_next is None) == (visible is None)
        if visible:
            assert urljoin(url, visible) == head_next
        url = head_next
    assert pages == SHOP.page_count(category) == 3
    assert products == [p.path for p in SHOP.by_category[category]]


def test_catalogue_is_varied_like_real_shops():
    products = SHOP.products
    assert 280 <= len(products) <= 320 and len(SHOP.by_category) == 6
    markups = Counter(p.markup for p in products)
    assert all(len(products) * 0.28 < markups[m] < len(products) * 0.38 for m in content.MARKUPS)
    currencies = Counter(p.currency for p in products)
    assert currencies.most_common(1)[0][0] == "USD" and currencies["EUR"] and currencies["GBP"]
    assert 0.1 < sum(p.old_price is not None for p in products) / len(products) < 0.35
    assert 0.1 < sum(not p.in_stock for p in products) / len(products) < 0.35
    assert {"Out of stock", "Sold out", "Currently unavailable"} <= {p.stock_text for p in products}
    assert len({p.slug for p in products}) == len({p.sku for p in products}) == len(products)
    # every layout carries every kind of markup, so no extractor can learn one from the other
    assert len({(p.layout, p.markup) for p in products}) == 12


@pytest.fixture(scope="module")
def product_pages(fixture_site):
    base = fixture_site.url.rstrip("/")
    return {p.slug: (base + p.path, get(base + p.path)[2].decode()) for p in SHOP.products}


def test_structured_data_agrees_with_the_ground_truth(fixture_site, product_pages):
    for slug, (url, html) in product_pages.items():
        product = SHOP.by_slug[slug]
        truth = content.expected_product(slug, base_url=fixture_site.url)
        page = Page(url, html)
        entities = find_entities(page, ["Product"])
        if product.markup == "none":
            assert entities == [] and not page.structured["json-ld"], slug
            assert not page.selector.css("[itemscope], meta[property^='og:']"), slug
            continue
        (entity,) = entities
        assert entity["_syntax"] == {"jsonld": "json-ld", "microdata": "microdata"}[product.markup]
        assert entity["name"] == truth["name"] and entity["sku"] == truth["sku"]
        assert entity["description"] == truth["description"]
        assert get_path(entity, "brand.name") == [truth["brand"]]
        assert [Decimal(str(v)) for v in get_path(entity, "offers.price")] == [
            Decimal(truth["price"])
        ]
        assert get_path(entity, "offers.priceCurrency") == [truth["currency"]]
        (availability,) = get_path(entity, "offers.availability")
        assert availability.rsplit("/", 1)[-1] == truth["availability"]
        assert truth["mainImage"] in get_path(entity, "image")
        assert get_path(entity, "gtin13") == ([truth["gtin"]] if truth["gtin"] else [])


def test_visible_html_carries_every_field_without_structured_data(product_pages):
    for slug, (_url, html) in product_pages.items():
        product = SHOP.by_slug[slug]
        truth = content.expected_product(slug)
        main = Selector(text=html).css(".product-page > .product")
        text = " ".join(" ".join(main.xpath(".//text()").getall()).split())
        assert main.css("h1").xpath("normalize-space()").get() == truth["name"]
        assert truth["sku"] in text and truth["brand"] in text and truth["description"] in text
        assert product.stock_text in text
        assert Decimal(truth["price"]) in amounts(text), slug
        if product.old_price:
            struck = main.xpath(".//del|.//s|.//strike|.//*[contains(@class,'old-price')]")
            assert product.old_price in amounts(" ".join(struck.xpath(".//text()").getall())), slug


def test_related_products_show_their_own_prices(product_pages):
    differing = 0
    for slug, (_url, html) in product_pages.items():
        cards = Selector(text=html).css("section.related li")
        assert len(cards) == 4
        for card in cards:
            other = SHOP.by_slug[card.css("a::attr(href)").get().split("/")[-1][: -len(".html")]]
            assert other.slug != slug
            assert other.price in amounts(" ".join(card.xpath(".//text()").getall()))
        if any(p.price != SHOP.by_slug[slug].price for p in SHOP.related(SHOP.by_slug[slug])):
            differing += 1
    assert differing == len(product_pages)


def test_product_page_looks_like_a_real_shop_page(fixture_site, product_pages):
    url, html = product_pages[SHOP.products[0].slug]
    page = Selector(text=html)
    assert page.css("header nav a[href='/catalogue/kitchen/']")
    assert page.css("footer a[href='/help/international-shipping.html']")
    assert page.css("#cookie-consent button") and len(page.css("script")) >= 3
    assert page.css("link[rel=canonical]::attr(href)").get() == url
    assert "$0.00" in page.css("header").get()  # the mini cart: a price that is not the product's


def test_pdf_manual_is_linked_and_served_as_pdf(fixture_site, product_pages):
    product = next(p for p in SHOP.products if p.has_manual)
    url, html = product_pages[product.slug]
    href = Selector(text=html).xpath("//a[contains(., 'PDF')]/@href").get()
    status, headers, body, _ = get(urljoin(url, href))
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    xref_at = int(body.rsplit(b"startxref", 1)[1].split()[0])
    assert body[xref_at:].startswith(b"xref")


def test_redirects_single_and_two_hop(fixture_site):
    base = fixture_site.url.rstrip("/")
    product = SHOP.products[7]
    status, headers, _body, _ = get(f"{base}/old-product/{product.slug}", follow=False)
    assert (status, headers["Location"]) == (301, product.path)
    status, headers, _body, _ = get(base + "/deals/today", follow=False)
    assert status == 302 and headers["Location"].startswith("/old-product/")
    status, _headers, body, final = get(base + "/deals/today")
    deal = SHOP.deal_of_the_day()
    assert (status, path_of(final)) == (200, deal.path)
    assert deal.name in body.decode()
    assert get(f"{base}/old-product/no-such-thing", follow=False)[0] == 404


def test_not_found_and_server_error_pages(fixture_site):
    base = fixture_site.url.rstrip("/")
    status, headers, body, _ = get(base + "/product/retro-enamel-bread-bin.html")
    assert status == 404 and headers["Content-Type"].startswith("text/html")
    assert "can’t be found" in body.decode()
    status, _headers, body, _ = get(base + "/catalogue/compare?category=kitchen")
    assert status == 500 and b"Internal Server Error" in body
    assert get(base + "/catalogue/kitchen/?page=99")[0] == 404
    assert get(base + "/catalogue/kitchen/", method="POST")[0] == 405


def test_broken_encoding_page_declares_utf8_but_holds_latin1(fixture_site):
    status, headers, body, _ = get(fixture_site.url + "help/international-shipping.html")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'<meta charset="utf-8">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "Österreich".encode("latin-1") in body
    assert "©".encode() in body  # the rest of the page is proper UTF-8


def test_huge_page_is_about_six_megabytes(fixture_site):
    assert "/catalogue/printable.html" in {
        path_of(u) for u in links(html_of(fixture_site.url + "catalogue/"), fixture_site.url)
    }
    status, _headers, body, _ = get(fixture_site.url + "catalogue/printable.html")
    assert status == 200 and 6_000_000 <= len(body) < 7_000_000
    assert body.rstrip().endswith(b"</html>")


def test_calendar_next_month_never_runs_out(fixture_site):
    url, visited = fixture_site.url + "calendar/2026/11/", []
    for _ in range(40):
        page = html_of(url)
        visited.append(path_of(url))
        url = urljoin(url, page.xpath("//a[contains(., 'Next month')]/@href").get())
    assert len(set(visited)) == 40
    assert visited[:3] == ["/calendar/2026/11/", "/calendar/2026/12/", "/calendar/2027/01/"]
    assert visited[-1] == "/calendar/2030/02/"


# --------------------------------------------------------------------------- journal and careers


def test_blog_index_paginates_over_listed_articles_only(fixture_site):
    url, found = fixture_site.url + "blog/", []
    while url:
        page = html_of(url)
        found += [
            path_of(urljoin(url, h)) for h in page.css("h2.entry-title a::attr(href)").getall()
        ]
        nxt = page.css("link[rel=next]::attr(href)").get()
        assert (nxt is None) == (page.xpath("//a[contains(., 'Older posts')]").get() is None)
        url = nxt
    assert found == [a.path for a in content.listed_articles()]
    assert len(found) == 30


def test_articles_match_ground_truth_in_every_markup(fixture_site):
    seen_markups = Counter()
    for article in content.articles():
        url = fixture_site.url.rstrip("/") + article.path
        html = get(url)[2].decode()
        page, truth = Page(url, html), content.expected_article(article.slug, fixture_site.url)
        sel = page.selector
        seen_markups[article.markup] += 1
        assert sel.css("h1").xpath("normalize-space()").get() == truth["headline"]
        body = [" ".join(p.split()) for p in sel.css(".entry-content p").xpath("string()").getall()]
        assert "\n\n".join(body) == truth["articleBody"]
        byline = sel.css("header.entry-header p:last-child").xpath("normalize-space()").get()
        assert all(name in byline for name in truth["authors"])
        entities = find_entities(page, ["NewsArticle", "BlogPosting"])
        if article.markup in ("NewsArticle", "BlogPosting"):
            (entity,) = entities
            assert entity["headline"] == truth["headline"]
            assert entity["datePublished"][:10] == truth["datePublished"]
            assert [a["name"] for a in entity["author"]] == truth["authors"]
        else:
            assert entities == []
        published = sel.css("meta[property='article:published_time']::attr(content)").get()
        if article.markup == "meta":
            assert published[:10] == truth["datePublished"]
            assert sel.css("meta[name=author]::attr(content)").get() == ", ".join(truth["authors"])
        else:
            assert published is None
        if article.markup == "byline":
            assert not sel.css("time.published") and "Posted on" in byline
        else:
            assert sel.css("time.published::attr(datetime)").get() == truth["datePublished"]
        assert sel.css("aside.sidebar") and sel.css("#comments")
    assert set(seen_markups) == {"NewsArticle", "BlogPosting", "meta", "byline"}


def test_jobs_index_and_postings_match_ground_truth(fixture_site):
    index = html_of(fixture_site.url + "jobs/")
    listed = [
        path_of(urljoin(fixture_site.url, h))
        for h in index.css("table.jobs a::attr(href)").getall()
    ]
    assert listed == [j.path for j in content.listed_jobs()] and len(listed) == 20
    with_jsonld = 0
    for job in content.jobs():
        url = fixture_site.url.rstrip("/") + job.path
        page = Page(url, get(url)[2].decode())
        truth = content.expected_job(job.id, fixture_site.url)
        text = " ".join(
            " ".join(page.selector.css("article.job").xpath(".//text()").getall()).split()
        )
        assert page.selector.css("h1").xpath("normalize-space()").get() == truth["title"]
        assert truth["hiringOrganization"] in text and truth["jobLocation"] in text
        if truth["baseSalary"]:
            assert truth["baseSalary"] in text
        entities = find_entities(page, ["JobPosting"])
        if job.markup == "jsonld":
            with_jsonld += 1
            (entity,) = entities
            assert entity["title"] == truth["title"]
            assert entity["datePosted"] == truth["datePosted"]
            assert entity["employmentType"] == truth["employmentType"]
            assert get_path(entity, "hiringOrganization.name") == [truth["hiringOrganization"]]
        else:
            assert entities == []
    assert 0 < with_jsonld < len(content.jobs())


# --------------------------------------------------------------------------- editions and admin


def test_edition_two_changes_a_known_small_set_of_products(fixture_site):
    diff = content.edition_diff(1, 2)
    assert len(diff["added"]) == 2 and len(diff["removed"]) == 2 and len(diff["changed"]) == 5
    assert all(set(fields) == {"price"} for fields in diff["changed"].values())
    base = fixture_site.url.rstrip("/")
    fixture_site.set_edition(2)
    try:
        assert fixture_site.edition() == 2
        new = content.catalogue(edition=2)
        for slug in diff["removed"]:
            assert get(base + content.product_path(slug))[0] == 404
        for slug in diff["added"]:
            product = new.by_slug[slug]
            assert get(base + product.path)[0] == 200
            listing = get(
                base + content.category_path(product.category, new.page_count(product.category))
            )
            assert product.path.encode() in listing[2]
        for slug, fields in diff["changed"].items():
            html = get(base + content.product_path(slug))[2].decode()
            main = Selector(text=html).css(".product-page > .product")
            assert Decimal(fields["price"][1]) in amounts(
                " ".join(main.xpath(".//text()").getall())
            )
        listed = "".join(
            get(base + content.category_path(c, n))[2].decode()
            for c in content.CATEGORY_SLUGS
            for n in range(1, new.page_count(c) + 1)
        )
        assert not any(content.product_path(slug) in listed for slug in diff["removed"])
    finally:
        fixture_site.set_edition(1)
    assert get(base + content.product_path(diff["removed"][0]))[0] == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        fixture_site.set_edition(3)
    assert refused.value.code == 400


def test_request_log_records_paths_and_user_agents_but_not_admin_calls(fixture_site):
    fixture_site.reset_log()
    get(fixture_site.url + "jobs/?ref=test", headers={"User-Agent": "LogTest/1.0"})
    get(fixture_site.url + "no-such-page")
    fixture_site.edition()
    log = fixture_site.request_log()
    assert fixture_site.requests() == ["/jobs/?ref=test", "/no-such-page"]
    assert log[0]["user_agent"] == "LogTest/1.0" and log[1]["status"] == 404
    assert log[0]["time"] <= log[1]["time"]
    fixture_site.reset_log()
    assert fixture_site.requests() == []


# --------------------------------------------------------------------------- determinism and size


def _fingerprint_code() -> str:
    return (
        "import hashlib, json; from dataops_spiders.demo_site import content as c; "
        "data = [c.expected_products(), c.edition_diff(), "
        "[c.expected_article(a.slug) for a in c.articles()], "
        "[c.expected_job(j.id) for j in c.jobs()], c.calendar_events(2031, 5)]; "
        "print(hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest())"
    )


def test_content_is_identical_across_processes_and_hash_seeds():
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": PROJECT_ROOT}
        run = subprocess.run(
            [sys.executable, "-c", _fingerprint_code()], env=env, capture_output=True, check=True
        )
        digests.add(run.stdout.strip().decode())
    assert len(digests) == 1
    namespace: dict = {}
    here = _fingerprint_code().replace("print(", "result = (")
    exec(here, namespace)  # the same fingerprint in this process
    assert digests == {namespace["result"]}


def test_pages_are_byte_identical_between_requests(fixture_site):
    for path in ("", "catalogue/toys/?page=2", content.catalogue().products[5].path[1:], "blog/"):
        first, second = get(fixture_site.url + path)[2], get(fixture_site.url + path)[2]
        assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()


def test_bench_size_has_over_two_thousand_products_reachable_through_listings():
    with SiteProcess("--size", "bench") as site:
        found = set()
        for category in content.CATEGORY_SLUGS:
            url = site.url.rstrip("/") + content.category_path(category)
            while url:
                page = html_of(url)
                found.update(urljoin(url, h) for h in page.css("h2 a::attr(href)").getall())
                url = page.css("link[rel=next]::attr(href)").get()
        assert len(found) >= 2000
        assert get(sorted(found)[-1])[0] == 200
        assert site.stderr_text() == ""


@pytest.mark.parametrize("latency", ["-1", "11", "soon"])
def test_cli_refuses_a_latency_it_cannot_serve(latency, capsys):
    with pytest.raises(SystemExit):
        parse_args(["--latency", latency])
    assert "--latency" in capsys.readouterr().err
