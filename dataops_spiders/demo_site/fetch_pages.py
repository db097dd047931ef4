"""Pages of the fixture site that test how pages are fetched rather than what they say.

/app/                          a static index linking the app's product pages
/app/product/<slug>            a single-page-app shell: an empty #root and a script that
                               fetches /app/api/product/<slug>.json and renders the product
                               (image, name, price, SKU, availability): nothing to extract without
                               running JavaScript
/app/product/<slug>?delay=N    the same, its data answering N seconds late (at most 5)
/app/api/product/<slug>.json   the product as JSON (?delay=N: after N seconds)
/app/go/?to=<url>              a page whose script sends the browser to <url>
/app/scroll/                   an infinite-scroll list: each scroll to the bottom loads the
                               next 12 products from /app/api/products?page=N (4 pages)
/app/more/                     the same list behind a "Load more" button
/app/api/products?page=N       {"products": [{name, url}], "next": N+1 | null}
/app/gallery/                  a server-rendered page with one of each resource a browser
                               loads: stylesheet, web font, image, CSS background, video,
                               audio, script (the script writes whether the browser has a
                               mouse: "Pointer: mouse", as desktop Chrome does, or "touch")
/static/js/{vendor,storefront}.js  the app's scripts, cacheable for an hour as real bundles are
/static/fonts/<name>.woff2, /static/media/<name>.{mp4,mp3}  the gallery's font and media
/slow/<seconds>                answers after min(seconds, 30) seconds
/throttled/<name>              429 with Retry-After: 1 on the first request for a name,
                               then the page
/members/                      403 unless the User-Agent looks like a browser
/bomb.html                     gzip-encoded HTML that inflates to 255 MiB of spaces
"""

from __future__ import annotations

import json
import re
import struct
import threading
import time
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING

from dataops_spiders.demo_site.layout import esc, format_price, page

if TYPE_CHECKING:
    from dataops_spiders.demo_site.server import Response, Router

APP_PAGE_SIZE = 12
APP_PAGES = 4
MAX_SLOW_SECONDS = 30
MAX_DATA_DELAY = 5.0
BOMB_INFLATED_BYTES = 256 * 1024 * 1024  # rounded down to whole 1 MiB blocks
# Crawlers announce themselves; browsers (and crawlers posing as them) send Mozilla/5.0.
_NOT_A_BROWSER = re.compile(r"scrapy|python|curl|wget|httpx|dataops|bot|spider", re.I)

SCRIPT_CACHE = {"Cache-Control": "public, max-age=3600"}
GALLERY_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Gallery</title>
<link rel="stylesheet" href="/static/css/site.css">
<style>@font-face{font-family:Brand;src:url(/static/fonts/brand.woff2) format("woff2")}
h1{font-family:Brand,serif}.hero{height:40px;background:url(/static/img/gallery/hero.png)}</style>
</head><body><h1>Gallery</h1><div class="hero"></div>
<img src="/static/img/gallery/photo.png" alt="A photo">
<video src="/static/media/tour.mp4" preload="auto"></video>
<audio src="/static/media/jingle.mp3" preload="auto"></audio>
<script>var pointer = matchMedia("(hover: hover) and (pointer: fine)").matches ? "mouse" : "touch";
document.body.insertAdjacentHTML("beforeend", '<p class="scripted">Pointer: ' + pointer + "</p>");
</script></body></html>"""

STOREFRONT_JS = """\
(function () {
  var root = document.getElementById("root");
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function renderProduct(p) {
    var article = el("article", "product-view");
    var image = el("img", "product-image");
    image.src = p.image;
    image.alt = p.name;
    article.appendChild(image);
    article.appendChild(el("h1", "product-title", p.name));
    article.appendChild(el("p", "brand", "by " + p.brand));
    var price = el("div", "price-box");
    price.appendChild(el("span", "price", p.price_text));
    article.appendChild(price);
    article.appendChild(el("p", "sku", "SKU: " + p.sku));
    article.appendChild(el("p", "stock", p.stock_text));
    article.appendChild(el("div", "description", p.description));
    root.appendChild(article);
  }
  function renderList(mode) {
    var list = el("ul", "product-grid");
    root.appendChild(list);
    var next = 1, loading = false;
    var button = mode === "more" ? el("button", "load-more", "Load more") : null;
    function load() {
      if (loading || next === null) return;
      loading = true;
      fetch("/app/api/products?page=" + next).then(function (r) { return r.json(); })
        .then(function (data) {
          data.products.forEach(function (p) {
            var item = el("li", "product-card"), link = el("a", "", p.name);
            link.href = p.url;
            item.appendChild(link);
            list.appendChild(item);
          });
          next = data.next;
          loading = false;
          if (button && next === null) button.remove();
        });
    }
    if (button) {
      button.addEventListener("click", load);
      root.appendChild(button);
    } else {
      window.addEventListener("scroll", function () {
        if (window.innerHeight + window.scrollY >= document.body.scrollHeight - 50) load();
      });
    }
    load();
  }
  var mode = root.getAttribute("data-mode");
  if (mode === "product") {
    fetch(root.getAttribute("data-src")).then(function (r) { return r.json(); })
      .then(renderProduct);
  } else {
    renderList(mode);
  }
})();
"""


def app_shell(title: str, mode: str, base: str, path: str, source: str = "") -> str:
    """What a single-page app serves before its script runs: a title and an empty root."""
    data_src = f' data-src="{esc(source)}"' if source else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title>"
        # Cards as tall as a shop's: 12 of them fill more than a screen, so more come on scroll.
        "<style>.product-card{min-height:120px}</style>"
        f'<link rel="canonical" href="{esc(base + path)}">'
        '<script src="/static/js/vendor.js" defer></script>'
        '<script src="/static/js/storefront.js" defer></script></head>'
        f"<body><noscript>You need to enable JavaScript to run this app.</noscript>"
        f'<div id="root" data-mode="{mode}"{data_src}></div>'
        "<script>window.__APP_CONFIG__={release:'2026.11.3',locale:'en-GB'};</script>"
        "</body></html>"
    )


def product_json(product) -> dict:
    return {
        "name": product.name,
        "brand": product.brand,
        "price": str(product.price),
        "currency": product.currency,
        "price_text": format_price(product.price, product.currency),
        "sku": product.sku,
        "in_stock": product.in_stock,
        "stock_text": product.stock_text,
        "description": product.description,
        "image": product.image,
    }


def _data_delay(query: dict) -> float:
    """?delay=N (seconds, at most MAX_DATA_DELAY) of an app product page or its data."""
    raw = query.get("delay", ["0"])[0]
    try:
        return min(max(float(raw), 0.0), MAX_DATA_DELAY)
    except ValueError:
        return 0.0


def app_product_path(slug: str) -> str:
    return f"/app/product/{slug}"


def app_products(shop, every: int = 10) -> list:
    """The products the app index links: every tenth product of the catalogue."""
    return shop.products[::every]


def _deflate_block(data: bytes) -> bytes:
    """``data`` as raw deflate ending in a full flush: a block that stands on its own."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


@lru_cache(maxsize=1)
def bomb_body() -> bytes:
    """About 255 MiB of spaces after an <html> tag, as gzip (about 260 KB on the wire).

    Built by repeating one independently compressed 1 MiB block rather than compressing
    256 MiB: the site starts in a fraction of a second and never holds the inflated bytes."""
    head, chunk = b"<html><body>", b" " * (1 << 20)
    repeats = (BOMB_INFLATED_BYTES - len(head)) // len(chunk)
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    size = len(head) + repeats * len(chunk)
    final = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = (
        _deflate_block(head) + _deflate_block(chunk) * repeats + final.compress(b"") + final.flush()
    )
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + stream + struct.pack("<II", crc, size & 0xFFFFFFFF)


class FetchPages:
    """Routes of the fetch-behaviour pages; remembers which throttled names were hit once."""

    def __init__(self):
        self._throttled: set[str] = set()
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._throttled.clear()

    def first_hit(self, name: str) -> bool:
        with self._lock:
            if name in self._throttled:
                return False
            self._throttled.add(name)
            return True


def register(router: Router, response_type: type[Response]) -> None:
    """Add the fetch-behaviour routes to the site's router (``state.fetch_pages`` is the
    running site's FetchPages)."""

    def html(text: str, status: int = 200, headers: dict | None = None) -> Response:
        return response_type(status, text.encode("utf-8"), headers=headers or {})

    def data(value, status: int = 200) -> Response:
        return response_type(status, json.dumps(value).encode(), "application/json")

    @router.route(r"/app/")
    def _app_index(state, base, query):
        links = "".join(
            f'<li><a href="{app_product_path(p.slug)}">{esc(p.name)}</a></li>'
            for p in app_products(state.shop)
        )
        main = f'<h1 class="page-title">Our app store</h1><ul class="app-products">{links}</ul>'
        return html(page("App store", main, base=base, path="/app/"))

    @router.route(r"/app/product/(?P<slug>[a-z0-9-]+)")
    def _app_product(state, base, query, slug):
        product = state.shop.by_slug.get(slug)
        if product is None:
            return None
        path = app_product_path(slug)
        source = f"/app/api/product/{slug}.json"
        delay = _data_delay(query)
        if delay:  # a slow API: the data comes long after the page is quiet
            source += f"?delay={delay:g}"
        return html(app_shell(product.name, "product", base, path, source))

    @router.route(r"/app/api/product/(?P<slug>[a-z0-9-]+)\.json")
    def _app_product_data(state, base, query, slug):
        product = state.shop.by_slug.get(slug)
        if product is None:
            return None
        time.sleep(_data_delay(query))
        return data(product_json(product))

    @router.route(r"/app/go/")
    def _app_go(state, base, query):
        # A page that sends the browser elsewhere by script, where no redirect rule sees it.
        script = "location.replace(new URLSearchParams(location.search).get('to'));"
        main = f'<h1 class="page-title">Moving on</h1><script>{script}</script>'
        return html(page("Moving on", main, base=base, path="/app/go/"))

    @router.route(r"/app/(?P<mode>scroll|more)/")
    def _app_list(state, base, query, mode):
        return html(app_shell("All products", mode, base, f"/app/{mode}/"))

    @router.route(r"/app/api/products")
    def _app_list_data(state, base, query):
        raw = query.get("page", ["1"])[0]
        number = int(raw) if raw.isdigit() else 0
        if not 1 <= number <= APP_PAGES:
            return data({"error": f"page must be 1 to {APP_PAGES}"}, 404)
        start = (number - 1) * APP_PAGE_SIZE
        chosen = state.shop.products[start : start + APP_PAGE_SIZE]
        products = [{"name": p.name, "url": p.path} for p in chosen]
        return data({"products": products, "next": number + 1 if number < APP_PAGES else None})

    @router.route(r"/app/gallery/")
    def _gallery(state, base, query):
        return html(GALLERY_HTML)

    @router.route(r"/static/fonts/(?P<name>[a-z0-9-]+)\.woff2")
    def _font(state, base, query, name):
        return response_type(200, b"wOF2" + bytes(60), "font/woff2")

    @router.route(r"/static/media/(?P<name>[a-z0-9-]+)\.(?P<kind>mp4|mp3)")
    def _media(state, base, query, name, kind):
        content_type = "video/mp4" if kind == "mp4" else "audio/mpeg"
        return response_type(200, bytes(2048), content_type)

    @router.route(r"/static/js/storefront\.js")
    def _storefront_js(state, base, query):
        return response_type(200, STOREFRONT_JS.encode(), "application/javascript", SCRIPT_CACHE)

    @router.route(r"/static/js/vendor\.js")
    def _vendor_js(state, base, query):
        # A real bundle's weight: the shell is "mostly scripts" to a page classifier.
        filler = "/* vendor bundle */\n" + "var v=0;\n" * 4000
        return response_type(200, filler.encode(), "application/javascript", SCRIPT_CACHE)

    @router.route(r"/slow/(?P<seconds>\d+(?:\.\d+)?)")
    def _slow(state, base, query, seconds):
        delay = min(float(seconds), MAX_SLOW_SECONDS)
        time.sleep(delay)
        main = f'<h1 class="page-title">Slow page</h1><p>Answered after {delay:g} s.</p>'
        return html(page("Slow page", main, base=base, path=f"/slow/{seconds}"))

    @router.route(r"/throttled/(?P<name>[a-z0-9-]+)")
    def _throttled(state, base, query, name):
        if state.fetch_pages.first_hit(name):
            body = "<html><body><h1>Too many requests</h1></body></html>"
            return html(body, 429, {"Retry-After": "1"})
        main = f'<h1 class="page-title">{esc(name)}</h1><p>Thanks for waiting.</p>'
        return html(page(name, main, base=base, path=f"/throttled/{name}"))

    @router.route(r"/bomb\.html")
    def _bomb(state, base, query):
        return response_type(200, bomb_body(), headers={"Content-Encoding": "gzip"})


MEMBERS_PATH = "/members/"  # answered by the handler: the router does not see request headers


def members_page(user_agent: str, base: str, response_type: type[Response]) -> Response:
    """A members' area that turns away clients that do not look like a browser."""
    if "Mozilla/5.0" not in user_agent or _NOT_A_BROWSER.search(user_agent):
        body = "<html><body><h1>Access denied</h1><p>Please use a web browser.</p></body></html>"
        return response_type(403, body.encode())
    main = '<h1 class="page-title">Members</h1><p>Welcome back.</p>'
    return response_type(200, page("Members", main, base=base, path="/members/").encode())
