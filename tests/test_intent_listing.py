"""The listing intent: finding the entries of index pages, and what each entry says."""

from __future__ import annotations

import json

import pytest

from dataops_spiders.demo_site import content as demo_content
from dataops_spiders.demo_site.product_page import render_product
from dataops_spiders.demo_site.shop_pages import render_listing
from dataops_spiders.fieldtypes import coerce
from dataops_spiders.intents import get_intent
from dataops_spiders.intents.currencies import PRICE_RE
from dataops_spiders.page import Page

SHOP_URL = "https://shop.example/running-shoes"
NAV = """<header class="site-header"><a class="logo" href="/"><img src="/logo.svg" alt="Shop"></a>
<nav><ul><li><a href="/men">Men</a></li><li><a href="/women">Women</a></li><li><a href="/kids">
Kids</a></li><li><a href="/sale">Sale</a></li></ul></nav></header>"""
FOOTER = """<footer><ul><li><a href="/about">About us</a></li><li><a href="/help">Help</a></li>
<li><a href="/jobs">Jobs</a></li><li><a href="/press">Press</a></li></ul></footer>"""

# A category grid in rows of two, with a discounted price, a lazy-loaded image, a badge that
# changes one card's classes, tag links inside each card, pagination, a menu and a footer.
CARDS = [
    ("trail-runner", "Trail Runner GTX", "<del>$120.00</del> <ins>$99.00</ins>", "99.00"),
    ("road-racer", "Road Racer 2", "$89.50", "89.50"),
    ("daily-trainer", "Daily Trainer", "$75.00", "75.00"),
    ("track-spike", "Track Spike Pro", "$150.00", "150.00"),
]


def card(slug: str, name: str, price: str, extra_class: str = "") -> str:
    return f"""<div class="col-6 product-card {extra_class}">
  <a href="/p/{slug}"><img src="data:image/gif;base64,R0lGOD" data-src="/img/{slug}.jpg"
    alt="{name} side view"></a>
  <h3 class="product-card__title"><a href="/p/{slug}">{name}</a></h3>
  <div class="product-card__price">{price}</div>
  <ul class="tags"><li><a href="/t/running">running</a></li><li><a href="/t/men">men</a></li>
    <li><a href="/t/new">new</a></li></ul>
</div>"""


def shop_page(cards=CARDS) -> str:
    rows = []
    for i in range(0, len(cards), 2):
        pair = cards[i : i + 2]
        rows.append(
            '<div class="row">'
            + "".join(card(*c[:3], extra_class="is-sale" if j == 0 else "") for j, c in
                      enumerate(pair))
            + "</div>"
        )  # fmt: skip
    return f"""<!DOCTYPE html><html lang="en"><head><title>Running shoes | Shop</title>
<link rel="canonical" href="{SHOP_URL}"></head><body>{NAV}
<main><h1>Running shoes</h1><p class="count">4 products</p><div class="grid">{"".join(rows)}</div>
<ul class="pagination"><li><a href="?page=1">1</a></li><li><a href="?page=2">2</a></li>
<li><a href="?page=3">3</a></li></ul></main>{FOOTER}</body></html>"""


def entries(html: str, url: str) -> list[dict]:
    """Each entry's values as the extraction engine would pick them (first that coerces)."""
    intent = get_intent("listing")
    page = Page(url=url, html=html)
    records = []
    for scope in intent.record_scopes(page) or []:
        found = intent.candidates(page, scope)
        record = {}
        for field, spec in intent.fields.items():
            coerced = (coerce(c.value, spec.type, url) for c in found[field])
            record[field] = next((c.value for c in coerced if c.ok), None)
        records.append(record)
    return records


def test_product_grid_gives_one_record_per_card_across_rows():
    assert entries(shop_page(), SHOP_URL) == [
        {
            "name": name,
            "url": f"https://shop.example/p/{slug}",
            "price": price,
            "mainImage": f"https://shop.example/img/{slug}.jpg",  # lazy image, not the GIF
        }
        for slug, name, _shown, price in CARDS
    ]


def test_grid_page_is_a_listing_and_says_why():
    verdict = get_intent("listing").classify(Page(url=SHOP_URL, html=shop_page()))
    assert verdict.kind == "listing"
    assert verdict.reason.startswith("4 entries hold")


def test_candidates_of_an_entry_come_from_several_sources():
    intent = get_intent("listing")
    page = Page(url=SHOP_URL, html=shop_page())
    found = intent.candidates(page, intent.record_scopes(page)[1])
    names = {c.source: c.value for c in found["name"]}
    assert names["listing:heuristic:heading"] == "Road Racer 2"
    assert names["listing:heuristic:img-alt"] == "Road Racer 2 side view"
    assert [(c.kind, c.value) for c in found["price"]] == [("heuristic", "$89.50"),
                                                            ("text", "$89.50")]  # fmt: skip


JOBS_TABLE = """<html><body><h1>Careers</h1><table class="jobs"><thead><tr><th>Position</th>
<th>Company</th><th>Location</th></tr></thead><tbody>{rows}</tbody></table></body></html>"""
ROW = """<tr><td><a href="/jobs/{n}">{title}</a></td><td><a href="/company/{n}">{company}</a></td>
<td>{place}</td></tr>"""
JOBS = [
    ("Warehouse Associate", "Harbor & Pine", "Portland, OR"),
    ("Data Analyst", "Greenhollow", "Manchester"),
    ("Delivery Driver", "Voltrix", "Austin, TX"),
    ("Store Manager", "Summit Forge", "Berlin"),
]


def test_table_rows_are_the_entries_not_their_linked_cells():
    rows = "".join(ROW.format(n=n, title=t, company=c, place=p) for n, (t, c, p) in enumerate(JOBS))
    found = entries(JOBS_TABLE.format(rows=rows), "https://jobs.example/careers")
    assert [(r["name"], r["url"]) for r in found] == [
        (title, f"https://jobs.example/jobs/{n}") for n, (title, _c, _p) in enumerate(JOBS)
    ]


def test_a_product_page_with_a_related_products_carousel_has_no_entries():
    related = "".join(card(*c[:3]) for c in CARDS)
    html = f"""<html><body>{NAV}<main><h1>Trail Runner GTX</h1><span class="price">$99.00</span>
    <button>Add to cart</button><div class="description"><p>{"Grippy, light and waterproof. " * 20}
    </p></div><section class="related-products"><h2>You may also like</h2>
    <div class="slider">{related}</div></section></main>{FOOTER}</body></html>"""
    page = Page(url="https://shop.example/p/trail-runner", html=html)
    intent = get_intent("listing")
    assert intent.record_scopes(page) is None
    assert intent.classify(page).kind == "other"


def test_a_box_of_related_links_beside_a_long_text_is_not_the_page_listing():
    teasers = "".join(
        f'<li class="teaser"><a href="/a/{n}"><img src="/i/{n}.jpg"></a>'
        f'<h4><a href="/a/{n}">Another story number {n}</a></h4></li>'
        for n in range(4)
    )
    text = "<p>" + "A long article paragraph with many words in it. " * 60 + "</p>"
    html = f"<html><body><main><h1>Story</h1>{text}<ul>{teasers}</ul></main></body></html>"
    verdict = get_intent("listing").classify(Page(url="https://n.example/story", html=html))
    assert verdict.kind == "other"
    assert "beside the main content" in verdict.reason


def test_menus_footers_and_breadcrumbs_alone_are_no_listing():
    html = f"""<html><body>{NAV}<div class="breadcrumbs"><a href="/">Home</a> <a href="/a">A</a>
    <a href="/b">B</a></div><main><h1>About us</h1><p>We sell shoes.</p></main>{FOOTER}
    </body></html>"""
    page = Page(url="https://shop.example/about", html=html)
    assert get_intent("listing").record_scopes(page) is None
    assert get_intent("listing").classify(page).kind == "other"


def test_hidden_popups_and_cookie_dialogs_are_not_entries():
    popups = "".join(
        '<div class="overlay" style="display:none"><p>Get 10% off! Sign up to our newsletter '
        'and save on your first order today.</p><a href="/signup">Sign up</a></div>'
        for _ in range(5)
    )
    vendors = "".join(
        f'<div class="CybotCookiebotDialogDetailBodyContentVendor"><h4>Vendor {n}</h4>'
        f'<a href="https://vendor{n}.example/privacy">Privacy policy of vendor {n}</a></div>'
        for n in range(12)
    )
    html = f"""<html><body><main><h1>Contact</h1><p>Write to us.</p></main>{popups}
    <div id="CybotCookiebotDialog"><div class="CybotCookiebotDialogBody">{vendors}</div></div>
    </body></html>"""
    assert get_intent("listing").record_scopes(Page(url="https://s.example/c", html=html)) is None


def test_a_grid_hidden_only_on_small_screens_is_still_the_listing():
    html = shop_page().replace('<div class="grid">', '<div class="grid hidden-xs">')
    assert len(entries(html, SHOP_URL)) == len(CARDS)


def test_a_schema_org_item_list_alone_marks_a_listing():
    items = [
        {"@type": "ListItem", "position": n, "url": f"https://s.example/p/{n}"} for n in range(5)
    ]
    data = {"@context": "https://schema.org", "@type": "ItemList", "itemListElement": items}
    html = f"""<html><head><script type="application/ld+json">{json.dumps(data)}</script></head>
    <body><h1>Best sellers</h1></body></html>"""
    verdict = get_intent("listing").classify(Page(url="https://s.example/best", html=html))
    assert (verdict.kind, verdict.reason) == ("listing", "schema.org ItemList of 5 entries")


def test_without_entries_the_page_itself_is_the_record():
    html = """<html><head><meta property="og:title" content="Spring sale">
    <meta property="og:image" content="/img/sale.jpg"><link rel="canonical" href="/sale"></head>
    <body><h1>Spring sale</h1></body></html>"""
    found = get_intent("listing").candidates(Page(url="https://s.example/sale?ref=x", html=html))
    assert [c.value for c in found["name"]] == ["Spring sale", "Spring sale"]
    assert {c.kind for c in found["name"]} == {"heuristic", "opengraph"}
    assert [c.value for c in found["url"]] == [
        "https://s.example/sale", "https://s.example/sale?ref=x",
    ]  # fmt: skip
    assert found["mainImage"][0].value == "https://s.example/img/sale.jpg"
    assert found["price"] == []


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("Now $1,299.00 incl. VAT", "$1,299.00"),
        ("Preis: 19,99 €", "19,99 €"),
        ("EUR 45", "EUR 45"),
        ("Trail Runner 2 $99", "$99"),  # the model number is not a price
        ("1.299 kr", "1.299 kr"),
        ("£35", "£35"),
        ("Size 42, colour blue", None),
    ],
)
def test_price_pattern(text, price):
    match = PRICE_RE.search(text)
    assert (match.group(0) if match else None) == price


# --------------------------------------------------- the demo shop, every category page

DEMO = "http://127.0.0.1:8000"
SHOP = demo_content.catalogue("small", 1)
CATEGORY_PAGES = [
    (category, number)
    for category in demo_content.CATEGORY_SLUGS
    for number in range(1, SHOP.page_count(category) + 1)
]


@pytest.mark.parametrize(("category", "number"), CATEGORY_PAGES)
def test_demo_category_pages_give_every_product_tile(category, number):
    url = DEMO + demo_content.category_path(category, number)
    found = entries(render_listing(SHOP, category, number, DEMO), url)
    for record in found:
        record["mainImage"] = record["mainImage"].split("?")[0]  # tiles ask for a small size
    expected = [
        {
            key: demo_content.product_record(p, DEMO)[key]
            for key in ("name", "url", "price", "mainImage")
        }
        for p in SHOP.listing(category, number)
    ]
    assert found == expected


def test_demo_product_pages_are_not_listings():
    for product in SHOP.products[:12]:
        page = Page(url=DEMO + product.path, html=render_product(product, SHOP, DEMO))
        assert get_intent("listing").classify(page).kind == "other", product.path
