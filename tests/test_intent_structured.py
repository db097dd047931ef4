"""Reading schema.org data and meta tags, and analyses made once per page for every intent."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataops_spiders.intents import get_intent, shop_layout, text_layout
from dataops_spiders.intents.structured import (
    entity_types,
    find_entities,
    jsonld_values,
    meta_named,
    meta_values,
    microdata_values,
)
from dataops_spiders.page import Page

URL = "https://shop.example/p/kettle"


def jsonld_page(*entities: dict, body: str = "<h1>Steel Kettle</h1>") -> Page:
    scripts = "".join(
        f'<script type="application/ld+json">{json.dumps(e)}</script>' for e in entities
    )
    return Page(url=URL, html=f"<html><head>{scripts}</head><body>{body}</body></html>")


# ---------------------------------------------------------------- schema.org types


@pytest.mark.parametrize(
    "written",
    ["Product", "product", "PRODUCT", "http://schema.org/Product", "https://schema.org/product"],
)
def test_types_match_whatever_their_case_or_vocabulary_prefix(written):
    page = jsonld_page({"@type": written, "name": "Steel Kettle", "offers": {"price": "34.99"}})
    assert [e["name"] for e in find_entities(page, ["Product"])] == ["Steel Kettle"]
    assert jsonld_values(page, "Product.offers.price") == ["34.99"]


def test_types_are_reported_as_written_without_the_vocabulary():
    assert entity_types({"@type": ["http://schema.org/Product", "car"]}) == {"Product", "car"}


def test_entities_are_found_inside_graphs_and_other_entities_json_ld_first():
    page = Page(
        url=URL,
        html="""<html><head><script type="application/ld+json">
        {"@graph": [{"@type": "WebPage", "mainEntity": {"@type": "Product", "name": "A"}}]}
        </script></head><body>
        <div itemscope itemtype="http://schema.org/Product"><span itemprop="name">B</span></div>
        </body></html>""",
    )
    found = find_entities(page, ["Product"])
    assert [(e["name"], e["_syntax"]) for e in found] == [("A", "json-ld"), ("B", "microdata")]
    assert microdata_values(page, "Product.name") == ["B"]


def test_a_lowercase_product_type_tells_the_article_intent_it_is_a_shop():
    description = " ".join(["This kettle boils water quickly and quietly."] * 80)
    page = jsonld_page(
        {"@type": "product", "name": "Steel Kettle"},
        body=f"<main><h1>Steel Kettle</h1><p>{description}</p></main>",
    )
    verdict = get_intent("article").classify(page)
    assert (verdict.kind, verdict.reason) == (
        "other",
        "a product page (product data or buy button)",
    )


def test_a_lowercase_article_type_is_named_as_schema_org_names_it():
    page = jsonld_page({"@type": "newsarticle", "headline": "Storm hits coast"})
    verdict = get_intent("article").classify(page)
    assert (verdict.kind, verdict.reason) == ("item", "schema.org NewsArticle data")


# ---------------------------------------------------------------- meta tags

# What meta_values and meta_named mean, written as the XPath they replaced: compared against it,
# the index they read from must give the same values, in the same order.
_LOWER = "translate(@{0},'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz')"
_VALUES_XPATH = (
    f"//meta[{_LOWER.format('name')}=$n or {_LOWER.format('property')}=$n or @itemprop=$n]/@content"
)
_NAMED_XPATH = f"//meta[{_LOWER.format('name')}=$n or {_LOWER.format('http-equiv')}=$n]/@content"


def by_xpath(page: Page, xpath: str, *names: str) -> list[str]:
    values = []
    for name in names:
        values += [v.strip() for v in page.selector.xpath(xpath, n=name.lower()).getall()]
    return [v for v in values if v]


NAMES = st.sampled_from(["og:title", "OG:Title", "description", "Description", "price", "ÉTÉ"])
META = st.tuples(
    st.sampled_from(["name", "property", "itemprop", "http-equiv", "data-x"]),
    NAMES,
    st.one_of(st.just(""), st.just("  "), st.text("ab €1", min_size=1, max_size=6)),
    st.booleans(),  # in the body rather than the head
)


@settings(max_examples=150, deadline=None)
@given(st.lists(META, max_size=8), st.lists(NAMES, min_size=1, max_size=3))
def test_meta_tags_are_read_as_their_xpath_definition_reads_them(metas, asked):
    head = "".join(
        f'<meta {attr}="{name}" content="{content}">'
        for attr, name, content, body in metas
        if not body
    )
    body = "".join(
        f'<meta {attr}="{name}" content="{content}">' for attr, name, content, body in metas if body
    )
    page = Page(url=URL, html=f"<html><head>{head}</head><body>{body}<p>x</p></body></html>")
    assert meta_values(page, *asked) == by_xpath(page, _VALUES_XPATH, *asked)
    assert meta_named(page, *asked) == by_xpath(page, _NAMED_XPATH, *asked)


def test_meta_values_come_in_the_order_named_then_in_page_order():
    page = Page(
        url=URL,
        html="""<html><head><meta property="og:title" content="Second">
        <meta name="Description" content="First"><meta itemprop="og:title" content="Third">
        <meta name="description" content="  "></head><body></body></html>""",
    )
    assert meta_values(page, "description", "og:title") == ["First", "Second", "Third"]
    assert meta_named(page, "og:title") == []  # property= is OpenGraph's, not a meta name


# ---------------------------------------------------------------- one analysis per page

SHOP = """<html><head><title>Steel Kettle | Kettle &amp; Co</title></head><body>
<h1>Steel Kettle</h1><span class="price">£34.99</span><button>Add to basket</button>
<p>SKU: KET-1700</p></body></html>"""


def count_calls(monkeypatch, owner, name: str) -> list:
    calls: list = []
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_a_shop_page_is_laid_out_once_for_classify_and_candidates(monkeypatch):
    layouts = count_calls(monkeypatch, shop_layout.ShopLayout, "of")
    intent = get_intent("product")
    page = Page(url=URL, html=SHOP)
    assert intent.classify(page).kind == "item"
    assert intent.candidates(page)["price"][0].value == "£34.99"
    assert intent.candidates(page)["sku"][0].value == "KET-1700"
    assert len(layouts) == 1
    intent.classify(Page(url=URL, html=SHOP))  # the next response is laid out afresh
    assert len(layouts) == 2


def test_a_text_page_is_laid_out_once_for_classify_and_candidates(monkeypatch):
    headlines = count_calls(monkeypatch, text_layout, "_headline_element")
    story = " ".join(["The storm swept across the coast overnight."] * 80)
    html = f"<html><body><article><h1>Storm hits coast</h1><p>{story}</p></article></body></html>"
    page = Page(url="https://news.example/storm", html=html)
    intent = get_intent("article")
    assert intent.classify(page).kind == "item"
    assert intent.candidates(page)["headline"][0].value == "Storm hits coast"
    assert len(headlines) == 1
