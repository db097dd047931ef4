"""Shop pages around the products: home, catalogue listings, the huge printable catalogue,
private (robots-disallowed) pages, the cart, the about page and the error pages."""

from __future__ import annotations

from dataops_spiders.demo_site import vocabulary as words
from dataops_spiders.demo_site.content import (
    CATEGORY_SLUGS,
    PRODUCTS_PER_PAGE,
    Catalogue,
    category_path,
    listed_articles,
)
from dataops_spiders.demo_site.layout import absolute, esc, format_price, human_date, page
from dataops_spiders.demo_site.product_page import product_card

# Linked from every category's first page; neither exists (404) nor works (500).
DISCONTINUED_PATH = "/product/retro-enamel-bread-bin.html"
HUGE_PAGE_BYTES = 6_000_000


def compare_path(category: str) -> str:
    return f"/catalogue/compare?category={category}"


def render_home(shop: Catalogue, base: str) -> str:
    categories = "".join(
        f'<li class="category-tile"><a href="{category_path(slug)}"><img src="/static/img/'
        f'categories/{slug}.png" alt="" width="240" height="160"><h3>{esc(name)}</h3></a></li>'
        for slug, (name, *_rest) in words.CATEGORIES.items()
    )
    featured = "".join(product_card(p) for p in shop.featured())
    posts = "".join(
        f'<li><a href="{a.path}">{esc(a.headline)}</a> <time datetime="{a.published}">'
        f"{human_date(a.published)}</time></li>"
        for a in listed_articles()[:3]
    )
    main = (
        '<section class="hero"><h1>Well-made things for home, garden and trail</h1>'
        "<p>Independent since 2011. Every product tested by our team before it reaches the "
        'shelves.</p><a class="button" href="/catalogue/">Shop all products</a> '
        '<a class="button button--secondary" href="/deals/today">Deal of the day</a></section>'
        f'<section class="categories"><h2>Shop by category</h2><ul class="grid">{categories}'
        "</ul></section>"
        f'<section class="featured"><h2>Featured products</h2><ul class="grid">{featured}</ul>'
        "</section>"
        f'<section class="journal"><h2>From the journal</h2><ul>{posts}</ul>'
        '<a href="/blog/">All articles</a></section>'
        '<section class="careers-teaser"><h2>Work with us</h2><p>We are hiring in Portland, '
        'Austin, Berlin and Manchester. <a href="/jobs/">See open positions</a>.</p></section>'
    )
    return page(
        "Home",
        main,
        base=base,
        path="/",
        description="Kitchen, garden, outdoor and home office goods, tested by our own team.",
        body_class="home",
    )


def render_catalogue_index(shop: Catalogue, base: str) -> str:
    rows = "".join(
        f'<li><a href="{category_path(slug)}">{esc(name)}</a> '
        f'<span class="count">({len(shop.by_category[slug])} products)</span></li>'
        for slug, (name, *_rest) in words.CATEGORIES.items()
    )
    main = (
        f'<h1 class="page-title">Shop</h1><ul class="category-list">{rows}</ul>'
        '<p class="printable">Prefer paper? Open the <a href="/catalogue/printable.html">printable '
        "catalogue</a> (large page, every product with full specifications).</p>"
    )
    return page("Shop", main, base=base, path="/catalogue/", body_class="catalogue")


def _pagination(category: str, current: int, last: int) -> str:
    links = []
    if current > 1:
        previous = category_path(category, current - 1)
        links.append(f'<a class="prev" rel="prev" href="{previous}">‹ Previous</a>')
    for number in range(1, last + 1):
        if number == current:
            links.append(f'<span aria-current="page" class="current">{number}</span>')
        else:
            links.append(
                f'<a class="page-numbers" href="{category_path(category, number)}">{number}</a>'
            )
    if current < last:
        links.append(
            f'<a class="next" rel="next" href="{category_path(category, current + 1)}">Next ›</a>'
        )
    return f'<nav class="pagination" aria-label="Pagination">{" ".join(links)}</nav>'


def render_listing(shop: Catalogue, category: str, number: int, base: str) -> str | None:
    """One page of a category listing, or None when the page number is out of range."""
    last = shop.page_count(category)
    if not 1 <= number <= last:
        return None
    products = shop.listing(category, number)
    name = words.CATEGORIES[category][0]
    total = len(shop.by_category[category])
    first = (number - 1) * PRODUCTS_PER_PAGE + 1
    head = "".join(
        f'<link rel="{rel}" href="{esc(absolute(base, category_path(category, n)))}">'
        for rel, n in (("prev", number - 1), ("next", number + 1))
        if 1 <= n <= last
    )
    sort = (
        '<form class="ordering" method="get"><select name="orderby" aria-label="Shop order">'
        '<option value="popularity">Sort by popularity</option>'
        '<option value="price">Sort by price: low to high</option>'
        '<option value="price-desc">Sort by price: high to low</option></select></form>'
    )
    cards = "".join(product_card(p, "h2") for p in products)
    notices = ""
    if number == 1:
        notices = (
            '<div class="notice">Back soon: <a href="' + DISCONTINUED_PATH + '">Retro Enamel '
            f'Bread Bin</a> · <a href="{compare_path(category)}">Compare products in this '
            "category</a></div>"
        )
    main = (
        f'<header class="page-header"><h1 class="page-title">{esc(name)}</h1>'
        f'<p class="result-count">Showing {first}–{first + len(products) - 1} of {total} '
        f"results</p>{sort}</header>{notices}"
        f'<ul class="products columns-4">{cards}</ul>{_pagination(category, number, last)}'
    )
    others = "".join(
        f'<li><a href="{category_path(slug)}">{esc(words.CATEGORIES[slug][0])}</a></li>'
        for slug in CATEGORY_SLUGS
        if slug != category
    )
    sidebar = (
        f'<section class="widget"><h3>Other categories</h3><ul>{others}</ul></section>'
        '<section class="widget"><h3>Trade customers</h3><p>Registered resellers can download '
        'our <a href="/private/price-list.html">trade price list</a>.</p></section>'
    )
    suffix = f" – Page {number} of {last}" if number > 1 else ""
    return page(
        f"{name}{suffix}",
        main,
        base=base,
        path=category_path(category, number),
        description=f"Shop {name.lower()} at {words.SHOP_NAME}.",
        head=head,
        body_class="archive product-category",
        sidebar=sidebar,
    )


def render_printable(shop: Catalogue, base: str) -> str:
    """Every product with long specifications, repeated per region until the page is ~6 MB."""
    rows = "".join(
        f"<tr><td>{esc(p.sku)}</td><td>{esc(p.name)}</td><td>{esc(p.brand)}</td>"
        f"<td>{format_price(p.price, p.currency)}</td><td>{esc(p.description)}</td>"
        f"<td>{esc(p.material)}, {esc(p.colour)}, {p.warranty_years}-year warranty</td></tr>"
        for p in shop.products
    )
    sections = []
    size = 0
    region = 0
    while size < HUGE_PAGE_BYTES:
        region += 1
        section = (
            f'<h2>Catalogue section {region}</h2><table class="printable"><thead><tr><th>SKU</th>'
            "<th>Product</th><th>Brand</th><th>Price</th><th>Description</th><th>Details</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
        sections.append(section)
        size += len(section.encode())
    main = '<h1 class="page-title">Printable catalogue</h1>' + "".join(sections)
    return page("Printable catalogue", main, base=base, path="/catalogue/printable.html")


PRIVATE_PAGES = {
    "/private/wholesale/": ("Wholesale portal", "Sign in with your trade account to order."),
    "/private/account/": ("My account", "Sign in to see your orders and addresses."),
    "/private/price-list.html": ("Trade price list", "Net prices for registered resellers."),
}


def render_private(path: str, base: str) -> str:
    title, text = PRIVATE_PAGES[path]
    main = (
        f'<h1 class="page-title">{esc(title)}</h1><p>{esc(text)}</p>'
        '<form action="/private/login" method="post"><input name="user" placeholder="Email">'
        '<input name="password" type="password" placeholder="Password"><button>Sign in</button>'
        "</form>"
    )
    return page(title, main, base=base, path=path)


def render_cart(base: str) -> str:
    main = (
        '<h1 class="page-title">Cart</h1><p class="cart-empty">Your cart is currently empty.</p>'
        '<a class="button" href="/catalogue/">Return to shop</a>'
    )
    return page("Cart", main, base=base, path="/cart")


def render_about(base: str) -> str:
    main = (
        '<h1 class="page-title">Our story</h1>'
        f"<p>{esc(words.SHOP_NAME)} started as a market stall in Portland in 2011. Today we ship "
        "to 30 countries from two warehouses and still test every product ourselves.</p>"
        '<h2 id="returns">Returns</h2><p>Return anything within 30 days for a full refund.</p>'
        '<h2 id="contact">Contact</h2><p>hello@harborandpine.example · +1 503 555 0142</p>'
        '<h2 id="privacy">Privacy</h2><p>We only keep the data we need to ship your order.</p>'
        '<h2 id="terms">Terms</h2><p>Prices include sales tax where applicable.</p>'
    )
    return page("About us", main, base=base, path="/about/")


def render_not_found(path: str, base: str) -> str:
    main = (
        '<h1 class="page-title">Oops! That page can’t be found.</h1>'
        "<p>It looks like nothing was found at this location. Maybe try a search or one of the "
        'links below?</p><ul><li><a href="/">Home</a></li><li><a href="/catalogue/">Shop</a></li>'
        "</ul>"
    )
    return page("Page not found", main, base=base, path=path, body_class="error404")


def render_server_error() -> str:
    # What a crashed backend behind a proxy returns: no site chrome at all.
    return (
        "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>"
        "<h1>Internal Server Error</h1><p>The server encountered an internal error and was "
        "unable to complete your request.</p><hr><address>nginx</address></body></html>"
    )
