"""HTTP server of the fixture site that the demo and the test-suite crawl.

Site map (P = products of the current size and edition, see content.py):

    /                                  home: categories, featured products, latest articles, jobs
    /catalogue/                        category index; links the printable catalogue
    /catalogue/<category>/[?page=N]    listing, 20 products a page; <link rel=next/prev> in the
                                       head and a visible "Next" link; page 1 links the 404
                                       and 500 below and /private/price-list.html
    /product/<slug>.html               product page: a third JSON-LD, a third microdata, a third
                                       no structured data; related products with their prices
    /downloads/<slug>-manual.pdf       application/pdf, linked from some electronics products
    /old-product/<slug>                301 → /product/<slug>.html (linked from articles)
    /deals/today                       302 → /old-product/<slug> → 301 → product (2-hop chain)
    /out?to=<url>                      302 → <url>, any URL (an outbound-link redirector; never
                                       linked, the SSRF tests use it)
    /product/retro-enamel-bread-bin.html   404 page, linked from every category's first page
    /catalogue/compare?category=<c>    500, linked from every category's first page
    /catalogue/printable.html          ~6 MB HTML page, linked from /catalogue/
    /blog/[?page=N]                    journal index, 10 articles a page, rel=next pagination
    /blog/<slug>/                      article (JSON-LD NewsArticle/BlogPosting, meta tags only,
                                       or a visible byline only); 2 archived articles are only
                                       in the sitemap
    /jobs/                             careers index (20 postings)
    /jobs/<id>                         job posting (JSON-LD JobPosting or plain HTML); one more
                                       posting is only in the sitemap
    /jobs/<id>/apply                   application form
    /calendar/<yyyy>/<mm>/             crawler trap: events calendar whose "Next month" link
                                       never ends (linked from the journal sidebar)
    /help/international-shipping.html  declared UTF-8, body paragraph in Latin-1 bytes
    /about/, /cart                     plain pages (/cart is disallowed by robots.txt)
    /private/wholesale/, /private/account/, /private/price-list.html
                                       disallowed by robots.txt, linked from every page or the
                                       catalogue, served with 200 so an impolite crawl shows
    /robots.txt                        Disallow /private/, /cart, /search; Crawl-delay when
                                       --crawl-delay > 0; Sitemap: <base>/sitemap.xml
    /sitemap.xml                       every article and job posting, the unlinked ones included
    /static/img/**.png, /static/css/site.css, /static/js/app.js
    /app/..., /slow/<s>, /throttled/<name>, /members/, /bomb.html
                                       how pages are fetched: JavaScript-only pages, infinite
                                       scroll, slow answers, 429 + Retry-After, a browser-only
                                       area, a gzip bomb (see fetch_pages.py)

Admin endpoints (never linked, never logged):

    GET  /__admin/requests             JSON list of {path, user_agent, time, method, status}
                                       for every request since start or the last reset
    POST /__admin/reset                clears that list
    GET  /__admin/edition              {"edition": N}
    POST /__admin/edition              body "N": switch to edition N (1 or 2)

Absolute URLs (canonical links, JSON-LD, robots, sitemap) are built from the Host header.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import MAXYEAR
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from dataops_spiders.demo_site import assets, editorial_pages, fetch_pages, shop_pages
from dataops_spiders.demo_site.content import (
    EDITIONS,
    SIZES,
    Catalogue,
    article_by_slug,
    catalogue,
    jobs,
)
from dataops_spiders.demo_site.layout import esc, page
from dataops_spiders.demo_site.product_page import render_product

ADMIN_PREFIX = "/__admin/"
HTML = "text/html; charset=utf-8"


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)


def html(text: str, status: int = 200) -> Response:
    return Response(status, text.encode("utf-8"))


def redirect(location: str, status: int = 301) -> Response:
    body = f'<html><body>Moved to <a href="{esc(location)}">{esc(location)}</a></body></html>'
    return Response(status, body.encode(), headers={"Location": location})


class SiteState:
    """What the running site remembers: its size, edition, crawl-delay and the request log."""

    def __init__(self, size: str = "small", edition: int = 1, crawl_delay: float = 0.0):
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}")
        if edition not in EDITIONS:
            raise ValueError(f"unknown edition {edition!r}")
        self.size = size
        self.edition = edition
        self.crawl_delay = crawl_delay
        self._lock = threading.Lock()
        self._log: list[dict] = []
        self.fetch_pages = fetch_pages.FetchPages()

    @property
    def shop(self) -> Catalogue:
        return catalogue(self.size, self.edition)

    def set_edition(self, edition: int) -> None:
        if edition not in EDITIONS:
            raise ValueError(f"unknown edition {edition!r} (known: {EDITIONS})")
        self.edition = edition

    def record(self, entry: dict) -> None:
        with self._lock:
            self._log.append(entry)

    def requests(self) -> list[dict]:
        with self._lock:
            return list(self._log)

    def reset(self) -> None:
        with self._lock:
            self._log.clear()
        self.fetch_pages.reset()


@lru_cache(maxsize=4)
def _printable(size: str, edition: int, base: str) -> bytes:
    return shop_pages.render_printable(catalogue(size, edition), base).encode()


def _page_number(query: dict[str, list[str]]) -> int | None:
    raw = query.get("page", ["1"])[0]
    return int(raw) if raw.isdigit() else None


class Router:
    """Maps GET paths to functions of (state, base, query, **groups) -> Response | None."""

    def __init__(self):
        self._routes: list[tuple[re.Pattern, Callable[..., Response | None]]] = []

    def route(self, pattern: str):
        def register(func):
            self._routes.append((re.compile(pattern + r"\Z"), func))
            return func

        return register

    def dispatch(self, state: SiteState, base: str, path: str, query) -> Response:
        for pattern, func in self._routes:
            match = pattern.match(path)
            if match:
                response = func(state, base, query, **match.groupdict())
                if response is not None:
                    return response
                break
        return html(shop_pages.render_not_found(path, base), 404)


router = Router()


@router.route(r"/")
def _home(state, base, query):
    return html(shop_pages.render_home(state.shop, base))


@router.route(r"/robots\.txt")
def _robots(state, base, query):
    return Response(200, assets.robots_txt(base, state.crawl_delay).encode(), "text/plain")


@router.route(r"/sitemap\.xml")
def _sitemap(state, base, query):
    return Response(200, assets.sitemap_xml(base).encode(), "application/xml")


@router.route(r"/catalogue/")
def _catalogue_index(state, base, query):
    return html(shop_pages.render_catalogue_index(state.shop, base))


@router.route(r"/catalogue/printable\.html")
def _printable_page(state, base, query):
    return Response(200, _printable(state.size, state.edition, base))


@router.route(r"/catalogue/compare")
def _compare(state, base, query):
    return html(shop_pages.render_server_error(), 500)


@router.route(r"/catalogue/(?P<category>[a-z-]+)/")
def _listing(state, base, query, category):
    number = _page_number(query)
    if category not in state.shop.by_category or number is None:
        return None
    text = shop_pages.render_listing(state.shop, category, number, base)
    return html(text) if text else None


@router.route(r"/product/(?P<slug>[a-z0-9-]+)\.html")
def _product(state, base, query, slug):
    product = state.shop.by_slug.get(slug)
    return html(render_product(product, state.shop, base)) if product else None


def _known_slug(state: SiteState, slug: str) -> bool:
    # The redirect map remembers every product that ever existed, like real ones do.
    return any(slug in catalogue(state.size, edition).by_slug for edition in EDITIONS)


@router.route(r"/old-product/(?P<slug>[a-z0-9-]+)")
def _old_product(state, base, query, slug):
    return redirect(f"/product/{slug}.html") if _known_slug(state, slug) else None


@router.route(r"/out")
def _outbound(state, base, query):
    # An outbound-link redirector, as shops use to count clicks: 302 to any ?to= URL. The
    # SSRF tests use it to redirect a crawl to addresses it must refuse.
    target = query.get("to", [""])[0]
    return redirect(target, 302) if target else None


@router.route(r"/deals/today")
def _deal(state, base, query):
    return redirect(f"/old-product/{state.shop.deal_of_the_day().slug}", 302)


@router.route(r"/downloads/(?P<slug>[a-z0-9-]+)-manual\.pdf")
def _manual(state, base, query, slug):
    product = state.shop.by_slug.get(slug)
    if not product or not product.has_manual:
        return None
    headers = {"Content-Disposition": f'inline; filename="{slug}-manual.pdf"'}
    return Response(
        200, assets.pdf_document(f"{product.name} - user manual"), "application/pdf", headers
    )


@router.route(r"/static/img/(?P<name>[a-z0-9/_-]+)\.png")
def _image(state, base, query, name):
    return Response(200, assets.png_image(name), "image/png", {"Cache-Control": "max-age=86400"})


@router.route(r"/static/css/site\.css")
def _stylesheet(state, base, query):
    return Response(200, assets.STYLESHEET.encode(), "text/css; charset=utf-8")


@router.route(r"/static/js/app\.js")
def _script(state, base, query):
    return Response(200, assets.SCRIPT.encode(), "application/javascript; charset=utf-8")


@router.route(r"/blog/")
def _blog(state, base, query):
    number = _page_number(query)
    text = editorial_pages.render_blog_index(number, base) if number else None
    return html(text) if text else None


@router.route(r"/blog/(?P<slug>[a-z0-9-]+)/")
def _article(state, base, query, slug):
    try:
        article = article_by_slug(slug)
    except StopIteration:
        return None
    return html(editorial_pages.render_article(article, base))


@router.route(r"/jobs/")
def _jobs(state, base, query):
    return html(editorial_pages.render_jobs_index(base))


@router.route(r"/jobs/(?P<job_id>\d+)")
def _job(state, base, query, job_id):
    job = next((j for j in jobs() if j.id == int(job_id)), None)
    return html(editorial_pages.render_job(job, base)) if job else None


@router.route(r"/jobs/(?P<job_id>\d+)/apply")
def _apply(state, base, query, job_id):
    if not any(j.id == int(job_id) for j in jobs()):
        return None
    main = (
        '<h1 class="page-title">Apply</h1><form action="/jobs/apply" method="post">'
        '<input name="name" placeholder="Full name"><input name="email" type="email">'
        '<input name="cv" type="file"><button>Send application</button></form>'
    )
    return html(page("Apply", main, base=base, path=f"/jobs/{job_id}/apply"))


@router.route(r"/calendar/(?P<year>\d{4,})/(?P<month>0[1-9]|1[0-2])/")
def _calendar(state, base, query, year, month):
    if int(year) > MAXYEAR:  # the trap is endless in practice; dates stop at year 9999
        return None
    return html(editorial_pages.render_calendar(int(year), int(month), base))


@router.route(r"/help/international-shipping\.html")
def _broken_encoding(state, base, query):
    return Response(200, editorial_pages.render_broken_encoding(base))


@router.route(r"/about/")
def _about(state, base, query):
    return html(shop_pages.render_about(base))


@router.route(r"/cart")
def _cart(state, base, query):
    return html(shop_pages.render_cart(base))


@router.route(r"(?P<path>/private/.*)")
def _private(state, base, query, path):
    known = path in shop_pages.PRIVATE_PAGES
    return html(shop_pages.render_private(path, base)) if known else None


fetch_pages.register(router, Response)


def _json(data, status: int = 200) -> Response:
    return Response(status, json.dumps(data).encode(), "application/json")


def admin(state: SiteState, method: str, path: str, body: bytes) -> Response:
    """The test-suite's control endpoints."""
    if path == "/__admin/requests" and method in ("GET", "HEAD"):
        return _json(state.requests())
    if path == "/__admin/reset" and method == "POST":
        state.reset()
        return _json({"ok": True})
    if path == "/__admin/edition" and method in ("GET", "HEAD"):
        return _json({"edition": state.edition})
    if path == "/__admin/edition" and method == "POST":
        text = body.decode("utf-8", "replace").strip()
        try:
            state.set_edition(int(text))
        except ValueError:
            return _json({"error": f"edition must be one of {list(EDITIONS)}, got {text!r}"}, 400)
        return _json({"edition": state.edition})
    return _json({"error": f"no admin endpoint {method} {path}"}, 404)


class SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as crawlers expect from real servers
    timeout = 60  # an idle keep-alive connection frees its thread after this
    # Headers and body go out as two writes; with Nagle's algorithm on, the second waits for the
    # client's delayed ACK (~40 ms) on every keep-alive request.
    disable_nagle_algorithm = True
    server: SiteServer

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self):
        self._serve("GET")

    def do_HEAD(self):
        self._serve("HEAD")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method: str) -> None:
        if self.server.latency:  # a real server's time to answer (each request has a thread)
            time.sleep(self.server.latency)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        state = self.server.state
        if parts.path.startswith(ADMIN_PREFIX):
            self._send(admin(state, method, parts.path, body), method)
            return
        if method == "POST":
            response = Response(405, b"Method Not Allowed", "text/plain", {"Allow": "GET, HEAD"})
        else:
            host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
            if parts.path == fetch_pages.MEMBERS_PATH:
                user_agent = self.headers.get("User-Agent", "")
                response = fetch_pages.members_page(user_agent, f"http://{host}", Response)
            else:
                query = parse_qs(parts.query)
                response = self._dispatch(state, f"http://{host}", parts.path, query)
        state.record(
            {
                "path": self.path,
                "user_agent": self.headers.get("User-Agent", ""),
                "referer": self.headers.get("Referer", ""),
                "accept_language": self.headers.get("Accept-Language", ""),
                "x_headers": {k: v for k, v in self.headers.items() if k.lower().startswith("x-")},
                "time": time.time(),
                "method": method,
                "status": response.status,
            }
        )
        self._send(response, method)

    def _dispatch(self, state: SiteState, base: str, path: str, query) -> Response:
        try:
            return router.dispatch(state, base, path, query)
        except Exception:  # a bug in the site itself: show it, answer 500, keep serving
            traceback.print_exc(file=sys.stderr)
            return Response(500, b"fixture site error", "text/plain")

    def _send(self, response: Response, method: str) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True  # a hung client connection never blocks shutdown
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        state: SiteState,
        verbose: bool = False,
        latency: float = 0.0,
    ):
        self.state = state
        self.verbose = verbose
        self.latency = latency  # seconds every answer waits
        super().__init__(address, SiteHandler)

    def handle_error(self, request, client_address):
        # Crawlers drop connections mid-response all the time; that is not an error here.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError) and not self.verbose:
            return
        super().handle_error(request, client_address)


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    size: str = "small",
    edition: int = 1,
    crawl_delay: float = 0.0,
    verbose: bool = False,
    latency: float = 0.0,
) -> SiteServer:
    """A bound, not yet serving, fixture site server (port 0 picks a free port) whose every
    answer waits ``latency`` seconds."""
    state = SiteState(size=size, edition=edition, crawl_delay=crawl_delay)
    catalogue(size, edition)  # build the catalogue before the first request needs it
    return SiteServer((host, port), state, verbose=verbose, latency=latency)
