"""The extraction layer: template rules in order, intent defaults after, typed and validated."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataops_spiders.fieldtypes import coerce, parse_date
from dataops_spiders.page import Page
from dataops_spiders.templates import parse_template
from pipelines.extraction import extract_page, extract_records

SHOP = """<html><head>
<title>Trail Boots – Example Shop</title>
<meta property="og:title" content="Trail Boots">
<link rel="canonical" href="/p/trail-boots">
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "Product", "name": "Trail Boots", "sku": "TB-42",
 "offers": {"@type": "Offer", "price": "129.00", "priceCurrency": "EUR"}}
</script></head>
<body><h1 class="title">Trail Boots</h1>
<p class="price">Now €119,00 <del>€129,00</del></p>
<p class="stock">Only 3 left</p>
<ul class="tags"><li>hiking</li><li>leather</li></ul>
<p>Item code: TB-42 / weight 1.2 kg</p>
</body></html>"""


def template(fields: str, intent: str = "custom", extra: str = ""):
    return parse_template(f"name: t\nintent: {intent}\n{extra}fields:\n{fields}")


def page(html: str = SHOP, url: str = "https://shop.example/p/trail-boots?utm_source=x") -> Page:
    return Page(url=url, html=html)


def field(records, name):
    assert len(records) == 1
    return records[0]["fields"][name]


def test_rules_are_tried_in_order_and_the_first_valid_value_wins():
    t = template(
        """  price:
    type: price
    extract:
      - css: ".missing::text"
      - css: ".price::text"
      - jsonld: Product.offers.price
"""
    )
    price = field(extract_records(page(), t), "price")
    assert price["value"] == "119.00"
    assert price["source"] == "fields.price.extract[1] css:.price::text"
    # the JSON-LD value is kept as a candidate: confidence sees the disagreement
    assert "129.00" in [c["value"] for c in price["candidates"]]


def test_a_value_that_fails_validation_gives_way_to_the_next_rule():
    t = template(
        """  price:
    type: price
    extract:
      - css: ".price::text"
      - jsonld: Product.offers.price
    validate: {min: 125}
"""
    )
    price = field(extract_records(page(), t), "price")
    assert price["value"] == "129.00" and price["valid"]


def test_invalid_value_is_kept_and_flagged_when_nothing_valid_exists():
    t = template(
        """  sku:
    extract:
      - jsonld: Product.sku
    validate: {regex: "^[0-9]+$"}
"""
    )
    sku = field(extract_records(page(), t), "sku")
    assert sku["value"] == "TB-42"
    assert not sku["valid"]
    assert "does not match" in sku["errors"][0]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ('regex: "Item code: ([A-Z]+-[0-9]+)"', "TB-42"),
        ('regex: "weight (?P<w>[0-9.]+) kg"\n        group: w', "1.2"),
        ('regex: "/p/([a-z-]+)"\n        in: url', "trail-boots"),
        ("meta: og:title", "Trail Boots"),
        ('xpath: "//h1/text()"', "Trail Boots"),
        ('css: "h1"', "Trail Boots"),  # an element gives its text
        ("jsonld: offers.priceCurrency", "EUR"),
    ],
)
def test_each_rule_kind_reads_what_it_says(rule, expected):
    t = template(f"  value:\n    extract:\n      - {rule}\n")
    assert field(extract_records(page(), t), "value")["value"] == expected


def test_all_true_keeps_every_match_for_list_fields():
    t = template(
        '  tags:\n    type: list\n    extract:\n      - css: ".tags li::text"\n        all: true\n'
    )
    assert field(extract_records(page(), t), "tags")["value"] == ["hiking", "leather"]


def test_cleaners_apply_to_rule_and_field():
    rules = '      - css: "h1::text"\n        clean: [upper]\n'
    t = template(f"  name:\n    extract:\n{rules}    clean: [digits]\n")
    assert field(extract_records(page("<h1>Model 7 b</h1>"), t), "name")["value"] == "7"


def test_template_rules_beat_intent_defaults_and_intent_fills_the_rest():
    t = template('  name:\n    extract:\n      - css: "title::text"\n', intent="product")
    record = extract_records(page(), t)[0]
    assert record["fields"]["name"]["value"] == "Trail Boots – Example Shop"
    assert record["fields"]["sku"]["value"] == "TB-42"  # from the product intent
    assert record["fields"]["currency"]["value"] == "EUR"


def test_intent_default_false_uses_the_rules_only():
    t = template(
        '  sku:\n    intent_default: false\n    extract:\n      - css: ".none::text"\n',
        intent="product",
    )
    assert extract_records(page(), t)[0]["fields"]["sku"]["value"] is None


def test_record_key_from_key_fields_else_canonical_url():
    keyed = template(
        "  sku:\n    extract:\n      - jsonld: Product.sku\n", extra="records:\n  key: [sku]\n"
    )
    record = extract_records(page(), keyed)[0]
    assert (record["record_key"], record["key_source"]) == ("TB-42", "fields:sku")
    missing = template(
        "  sku:\n    extract:\n      - css: .nothing\n  name:\n    extract:\n      - css: h1\n",
        extra="records:\n  key: [sku]\n",
    )
    record = extract_records(page(), missing)[0]
    assert record["record_key"] == "https://shop.example/p/trail-boots"  # canonical, no utm
    assert record["key_source"] == "url (key field missing: sku)"


def test_repeated_elements_give_one_record_each():
    html = """<table><tr class="job"><td><a href="/j/1">Welder</a></td><td>Leeds</td></tr>
    <tr class="job"><td><a href="/j/2">Baker</a></td><td>York</td></tr>
    <tr class="job"><td></td><td></td></tr></table>"""
    t = template(
        """  title:
    required: true
    extract:
      - css: "td a::text"
  link:
    type: url
    extract:
      - css: "td a::attr(href)"
  city:
    extract:
      - xpath: "./td[2]/text()"
""",
        extra="records:\n  each: {css: tr.job}\n",
    )
    records = extract_records(page(html, "https://jobs.example/list"), t)
    assert [(r["fields"]["title"]["value"], r["fields"]["city"]["value"]) for r in records] == [
        ("Welder", "Leeds"),
        ("Baker", "York"),
    ]  # the empty row holds no record
    assert records[1]["fields"]["link"]["value"] == "https://jobs.example/j/2"
    assert records[1]["record_key"].endswith("#1")


def test_pages_classified_other_yield_no_record():
    t = parse_template("name: t\nintent: product\n")
    html = "<html><body><h1>About us</h1><p>We are a small team.</p></body></html>"
    item = {"url": "https://shop.example/about", "html": html, "page_kind": None}
    result = extract_page(item, t)
    assert result["page_kind"] == "other" and result["records"] == []


@pytest.mark.parametrize(
    ("raw", "field_type", "value"),
    [
        ("$1,299.00", "price", "1299.00"),
        ("1.299,50 €", "price", "1299.50"),
        (19, "price", "19.00"),
        ("2,5", "decimal", "2.5"),
        ("1,234", "int", 1234),
        ("2024-03-05", "date", "2024-03-05"),
        ("March 5, 2024", "date", "2024-03-05"),
        ("2024-03-05T10:30:00Z", "date", "2024-03-05T10:30:00+00:00"),
        ("/img/a.png", "url", "https://shop.example/img/a.png"),
        ("Yes", "bool", True),
        ("http://schema.org/OutOfStock", "bool", False),
        ({"@type": "Brand", "name": "Acme"}, "string", "Acme"),
        ("  two\n\n\n\nparagraphs  ", "text", "two\n\nparagraphs"),
    ],
)
def test_coercion_to_field_types(raw, field_type, value):
    result = coerce(raw, field_type, "https://shop.example/p/1")
    assert result.ok, result.error
    assert result.value == value


@pytest.mark.parametrize(
    ("raw", "field_type"),
    [
        ("call us", "price"),
        ("1.5", "int"),
        ("soon", "date"),
        ("javascript:x()", "url"),
        ("", "string"),
    ],
)
def test_values_that_are_not_of_the_type_are_refused_with_a_reason(raw, field_type):
    result = coerce(raw, field_type, "https://shop.example/")
    assert not result.ok and result.error


FIELD_TYPES = ["string", "text", "int", "decimal", "price", "date", "url", "list", "bool"]
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(raw=JSONISH, field_type=st.sampled_from(FIELD_TYPES))
def test_coercion_never_raises_and_says_why_it_failed(raw, field_type):
    result = coerce(raw, field_type, "https://shop.example/")
    assert result.ok or result.error


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_date_parsing_never_raises(text):
    parse_date(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_template_parsing_never_raises_anything_but_template_errors(text):
    from dataops_spiders.templates import TemplateError

    try:
        parse_template(text)
    except TemplateError as exc:
        assert exc.problems


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000))
def test_extraction_never_raises_on_arbitrary_html(html):
    t = parse_template("name: t\nintent: product\n")
    result = extract_page({"url": "https://shop.example/x", "html": html, "page_kind": "item"}, t)
    for record in result["records"]:
        assert set(record["fields"]) >= {"name", "price"}
