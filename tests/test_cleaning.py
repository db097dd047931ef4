"""Cleaning layer: decoding, noise removal that spares the data, main text, robustness."""

from __future__ import annotations

import codecs
import os
import re

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.cleaning import EMPTY_DOCUMENT, clean_html, clean_page, decode_body, noise_reason

PRODUCT_PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8"><title>Acme Anvil 3000 | Acme Store</title>
<meta name="description" content="A very heavy anvil.">
<meta property="og:title" content="Acme Anvil 3000">
<link rel="canonical" href="https://shop.example/p/anvil-3000">
<link rel="stylesheet" href="/site.css"><link rel="preload" href="/font.woff2">
<style>.price { color: red }</style>
<script>window.dataLayer = [{"price": "1.00"}];</script>
<script type="application/ld+json">{"@type": "Product", "name": "Acme Anvil 3000"}</script>
</head>
<body onload="init()">
<div id="onetrust-consent-sdk"><p>We use cookies to improve your experience.</p></div>
<div class="cookie-banner"><button>Accept all</button></div>
<header class="site-header"><a href="/" class="logo">Acme Store</a>
  <nav class="main-menu"><a href="/anvils">Anvils</a><a href="/hammers">Hammers</a></nav></header>
<nav aria-label="Breadcrumb" class="breadcrumbs">
  <a href="/">Home</a> &rsaquo; <a href="/anvils">Anvils</a></nav>
<main id="main-nav-content">
 <div class="product" itemscope itemtype="https://schema.org/Product">
  <h1 itemprop="name">Acme   Anvil 3000</h1>
  <!-- price block starts -->
  <div class="product-footer-price" itemprop="offers" itemscope itemtype="https://schema.org/Offer">
   <span itemprop="price" content="1299.00">$1,299.00</span>
   <meta itemprop="priceCurrency" content="USD">
  </div>
  <p>Listed <time datetime="2026-01-05">5 January 2026</time></p>
  <table class="specs"><tr><th>Weight</th><td>150 kg</td></tr>
   <tr><th>Material</th><td>Steel</td></tr></table>
  <form action="/cart" method="post"><input type="hidden" name="csrf" value="s3cr3t">
   <select name="size"><option>Large</option></select>
   <button type="submit" onclick="track()">Add to cart</button></form>
  <div class="social-share"><a href="https://x.example/share">Share on X</a></div>
  <div class="footer"><span class="stock">In stock</span></div>
  <a href="javascript:openReviews()">Reviews</a>
 </div>
 <aside class="sidebar-promos"><h2>You may also like</h2>
  <div class="card">Mini Anvil $49.00</div></aside>
 <section><h2>Related products</h2><div class="card">Hammer $19.00</div></section>
 <section><h2>Description</h2>
  <p>Forged from a single block of steel, this anvil outlasts its owner.</p></section>
</main>
<div class="ad-slot ad-300x250">Buy cheap hammers now!</div>
<iframe src="https://ads.example/frame">Your browser does not support frames</iframe>
<noscript>Please enable JavaScript to shop.</noscript>
<footer class="site-footer"><p>© 2026 Acme Store</p><a href="/privacy">Privacy</a></footer>
</body></html>"""

ARTICLE_PAGE = """<html><head><title>Rivers are rising</title></head><body>
<header><div class="masthead">The Daily Example</div><nav><a href="/">Front page</a></nav></header>
<article>
 <header><h1>Rivers are rising across the valley</h1>
  <time datetime="2026-03-02T08:00:00Z">2 March 2026</time>
  <span class="byline">By Ann Reporter</span>
 </header>
 <p>Heavy rain over the weekend pushed the river above its banks in three towns, officials said
 on Monday, and more rain is forecast for the rest of the week across the whole region.</p>
 <p>Residents of low-lying streets were advised to move cars and valuables to higher ground,
 while volunteers filled sandbags at the community centre until late in the evening.</p>
 <p>The river authority said water levels should peak on Wednesday before slowly falling back
 to normal by the end of next week, provided the forecast holds.</p>
 <footer class="article-footer">Filed under: Weather</footer>
</article>
<div id="comments"><h3>3 comments</h3>
 <p>First! This is my comment about the river article.</p></div>
<footer><p>Copyright 2026 The Daily Example. All rights reserved.</p></footer>
</body></html>"""


def body_text(html: str) -> str:
    root = lxml.html.document_fromstring(html)
    return " ".join(" ".join(root.itertext()).split())


# --- decode_body ---------------------------------------------------------------------------


def test_http_charset_is_honoured():
    body = "<p>Crème brûlée, 5 €</p>".encode("cp1252")
    text, encoding = decode_body(body, {"Content-Type": "text/html; charset=ISO-8859-1"}, None)
    # WHATWG treats the ISO-8859-1 label as windows-1252, which has the euro sign.
    assert text == "<p>Crème brûlée, 5 €</p>"
    assert encoding == "cp1252"


def test_meta_charset_is_used_without_http_charset():
    body = '<html><head><meta charset="shift_jis"></head><p>日本語の説明</p>'.encode("shift_jis")
    text, encoding = decode_body(body, {"Content-Type": "text/html"}, None)
    assert "日本語の説明" in text
    assert codecs.lookup(encoding).name == codecs.lookup("cp932").name


def test_http_charset_wins_over_meta():
    body = '<meta charset="iso-8859-1"><p>Zürich</p>'.encode()
    text, encoding = decode_body(body, {"content-type": "text/html; charset=utf-8"}, None)
    assert "Zürich" in text
    assert encoding == "utf-8"


def test_declared_encoding_wins_over_headers():
    body = "<p>Привет</p>".encode("cp1251")
    text, encoding = decode_body(body, {"Content-Type": "text/html; charset=utf-8"}, "windows-1251")
    assert text == "<p>Привет</p>"
    assert encoding == "cp1251"


def test_byte_order_mark_is_trusted_over_a_contradicting_header():
    body = codecs.BOM_UTF8 + "<p>Café</p>".encode()
    text, encoding = decode_body(body, {"Content-Type": "text/html; charset=iso-8859-1"}, None)
    assert text == "<p>Café</p>"  # BOM stripped, not shown as ï»¿
    assert encoding == "utf-8"


def test_scrapy_style_headers_are_read():
    body = "<p>Ärger</p>".encode("latin-1")
    headers = {b"Content-Type": [b"text/html; charset=latin-1"]}
    assert decode_body(body, headers, None)[0] == "<p>Ärger</p>"


def test_undeclared_utf8_is_detected_even_when_cut_inside_a_character():
    body = "<p>naïve café — déjà vu 漢字</p>".encode()[:-5]  # drops </p> and a byte of 字
    text, encoding = decode_body(body, {}, None)
    assert encoding == "utf-8"
    assert text.startswith("<p>naïve café — déjà vu 漢")
    assert text.endswith("\ufffd")


def test_undeclared_legacy_encoding_is_detected():
    russian = (
        "<html><body><p>Москва — столица России, крупнейший по численности населения город "
        "страны и её политический, экономический и культурный центр.</p></body></html>"
    )
    text, _ = decode_body(russian.encode("cp1251"), {}, None)
    assert text == russian


def test_undecodable_bytes_become_replacement_characters():
    text, encoding = decode_body(
        b"<p>ok \xff\xfe\xfa ok</p>", {"Content-Type": "text/html; charset=utf-8"}, None
    )
    assert encoding == "utf-8"
    assert text == "<p>ok \ufffd\ufffd\ufffd ok</p>"


@pytest.mark.parametrize("label", ["bogus", "hex", "rot13", "utf-7", "", "   "])
def test_unusable_encoding_labels_are_ignored(label):
    text, encoding = decode_body(
        "<p>Grüße</p>".encode(), {"Content-Type": f"text/html; charset={label}"}, label
    )
    assert text == "<p>Grüße</p>"
    assert encoding == "utf-8"


def test_meta_claiming_utf16_means_utf8():
    text, encoding = decode_body('<meta charset="utf-16"><p>Grüße</p>'.encode(), {}, None)
    assert encoding == "utf-8"
    assert "Grüße" in text


def test_nul_bytes_become_replacement_characters():
    text, _ = decode_body(b"<p>a\x00b</p>", {}, "utf-8")
    assert text == "<p>a\ufffdb</p>"


@settings(max_examples=300, deadline=None)
@given(
    body=st.binary(max_size=4096),
    charset=st.one_of(st.none(), st.text(max_size=20)),
    declared=st.one_of(
        st.none(), st.text(max_size=20), st.sampled_from(["utf-16", "cp1252", "hex"])
    ),
)
def test_decode_body_never_raises_on_arbitrary_bytes(body, charset, declared):
    headers = {} if charset is None else {"Content-Type": f"text/html; charset={charset}"}
    text, encoding = decode_body(body, headers, declared)
    assert isinstance(text, str)
    assert "\x00" not in text
    codecs.lookup(encoding)  # a real codec name


# --- clean_html ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cleaned_product():
    return clean_html(PRODUCT_PAGE, main_text=True)


def test_code_styles_frames_comments_and_hidden_inputs_are_removed(cleaned_product):
    html, _ = cleaned_product
    for gone in (
        "<script",
        "<style",
        "<noscript",
        "<iframe",
        "<!--",
        "dataLayer",
        'type="hidden"',
        "s3cr3t",
        "onclick",
        "onload",
        "javascript:",
        "site.css",
        "font.woff2",
        "style=",
    ):
        assert gone not in html, gone


@pytest.mark.parametrize(
    "gone",
    [
        "We use cookies",  # id="onetrust-consent-sdk"
        "Accept all",  # class="cookie-banner"
        "Hammers",  # <nav class="main-menu"> inside the page header
        "Acme Store</a>",  # page-level <header>
        "Share on X",  # class="social-share"
        "You may also like",  # aside headed so ("sidebar-promos" alone would not do)
        "Hammer $19.00",  # section headed "Related products"
        "Buy cheap hammers",  # class="ad-slot"
        "© 2026",  # page-level <footer>
    ],
)
def test_boilerplate_is_removed(cleaned_product, gone):
    assert gone not in cleaned_product[0]


@pytest.mark.parametrize(
    "kept",
    [
        '<h1 itemprop="name">Acme Anvil 3000</h1>',
        '<link rel="canonical" href="https://shop.example/p/anvil-3000">',
        '<meta name="description" content="A very heavy anvil.">',
        '<meta property="og:title" content="Acme Anvil 3000">',
        '<meta itemprop="priceCurrency" content="USD">',
        'class="product-footer-price"',  # "footer" inside a content word, not page chrome
        '<span itemprop="price" content="1299.00">$1,299.00</span>',
        '<time datetime="2026-01-05">5 January 2026</time>',
        "<th>Weight</th><td>150 kg</td>",
        'id="main-nav-content"',
        'aria-label="Breadcrumb"',  # breadcrumbs are content metadata, not navigation
        "In stock",  # a "footer" inside the product item is the item's own
        "<option>Large</option>",
        "Forged from a single block of steel",
    ],
)
def test_elements_that_carry_data_are_kept(cleaned_product, kept):
    assert kept in cleaned_product[0]


def test_main_text_is_the_content(cleaned_product):
    _, text = cleaned_product
    assert text is not None
    assert "Forged from a single block of steel" in text
    for noise in ("cookies", "Privacy", "cheap hammers", "Share on X"):
        assert noise not in text


def test_article_header_stays_page_chrome_and_comments_go():
    html, text = clean_html(ARTICLE_PAGE, main_text=True)
    assert "<h1>Rivers are rising across the valley</h1>" in html
    assert '<time datetime="2026-03-02T08:00:00Z">' in html
    assert "By Ann Reporter" in html
    assert "Filed under: Weather" in html  # the article's own footer
    for gone in ("The Daily Example", "Front page", "First! This is my comment", "Copyright 2026"):
        assert gone not in html
    assert text is not None
    assert "Heavy rain over the weekend" in text
    assert "volunteers filled sandbags" in text
    assert "comment" not in text.lower()


def test_main_text_is_only_computed_on_request():
    assert clean_html(ARTICLE_PAGE, main_text=False)[1] is None


def test_an_element_holding_the_h1_is_never_removed():
    page = (
        '<body><div id="header"><h1>Blue Kettle</h1></div><div class="footer-links">x</div></body>'
    )
    html, _ = clean_html(page, main_text=False)
    assert "<h1>Blue Kettle</h1>" in html
    assert "footer-links" not in html


def test_a_microdata_item_is_not_removed_for_its_class():
    page = '<body><ul><li class="ad" itemscope itemtype="https://schema.org/Product">Used bike</li>'
    assert "Used bike" in clean_html(page, main_text=False)[0]


@pytest.mark.parametrize(
    ("attributes", "removed"),
    [
        ('class="site-footer"', True),
        ('class="footer-wrapper"', True),
        ('class="product-footer-price"', False),
        ('id="main-nav-content"', False),
        ('class="navbar navbar-expand-lg"', True),
        ('class="cookie-banner"', True),
        ('id="CybotCookiebotDialog"', True),
        ('class="js-share-buttons"', True),
        ('class="share-price"', False),  # a stock quote, not a share widget
        ('class="adsbygoogle"', True),
        ('class="loadMore"', False),
        ('class="related-products"', True),
        ('class="relatedness-score"', False),
        ('class="skip-link"', True),
        ('class="announcement-bar"', True),
        ('class="product-details"', False),
        ('role="contentinfo"', True),
        ('role="search"', True),
        ('aria-label="Cookie consent"', True),
        ('aria-label="Product gallery"', False),
    ],
)
def test_noise_by_role_and_class_tokens(attributes, removed):
    root = lxml.html.document_fromstring(f"<body><div {attributes}>x</div></body>")
    assert (noise_reason(root.body[0]) is not None) is removed


@pytest.mark.parametrize(
    ("block", "removed"),
    [
        ("<aside><h3>Similar jobs</h3><ul><li>Data Analyst</li></ul></aside>", True),
        ("<section><div><h2>Customers also bought</h2></div><p>Mug</p></section>", True),
        ("<section><h2>Most read</h2><p>Other story</p></section>", True),
        ("<aside><h2>Ähnliche Artikel</h2><p>Noch ein Text</p></aside>", True),
        ("<aside><h2>Key facts</h2><p>Salary: $50,000</p></aside>", False),
        ("<section><h2>Specifications</h2><h3>Related standards</h3></section>", False),
        ("<div><h2>Related products</h2><p>Mug</p></div>", False),  # only aside/section
    ],
)
def test_blocks_announcing_related_content(block, removed):
    root = lxml.html.document_fromstring(f"<body>{block}</body>")
    assert (noise_reason(root.body[0]) is not None) is removed


def test_page_chrome_words_only_count_at_page_level():
    root = lxml.html.document_fromstring(
        '<body><div class="header">site</div><article><div class="header">x</div></article></body>'
    )
    page_level, in_article = root.body[0], root.body[1][0]
    assert noise_reason(page_level) is not None
    assert noise_reason(in_article) is None


def test_text_is_normalised_but_preformatted_text_keeps_its_spaces():
    page = (
        "<body><p>Cafe\u0301\u00a0\u00a0au   lait\u200b,\n\n  please</p>"
        "<pre>line 1\n    indented</pre></body>"
    )
    html, _ = clean_html(page, main_text=False)
    assert "<p>Café au lait, please</p>" in html
    assert "<pre>line 1\n    indented</pre>" in html


@pytest.mark.parametrize("page", ["", "   \n ", "<!-- only a comment -->", "\x00\x1f\u200b"])
def test_empty_input_gives_an_empty_document(page):
    assert clean_html(page, main_text=True) == (EMPTY_DOCUMENT, None)


def test_xml_declaration_and_surrogates_do_not_break_parsing():
    page = '<?xml version="1.0" encoding="utf-8"?><html><body><p>ok \ud800&#1;&#xFFFF; fine</p>'
    html, _ = clean_html(page, main_text=True)
    assert "<p>ok fine</p>" in html


# Markup made of the pieces the cleaner reacts to, so Hypothesis explores its decisions.
TAGS = [
    "div",
    "p",
    "span",
    "nav",
    "header",
    "footer",
    "aside",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "table",
    "tr",
    "td",
    "pre",
    "script",
    "style",
    "ul",
    "li",
    "a",
    "form",
    "input",
    "time",
]
CLASSES = [
    "site-footer",
    "product-price",
    "cookie-banner",
    "related",
    "share",
    "content",
    "ad",
    "card-footer",
    "breadcrumb",
    "header",
    "main-nav-content",
    "sidebar",
    "entry",
]
ATTRIBUTES = st.one_of(
    st.just(""),
    st.sampled_from(CLASSES).map(lambda c: f' class="{c}"'),
    st.sampled_from(["main", "navigation", "banner", "contentinfo"]).map(lambda r: f' role="{r}"'),
    st.just(' type="hidden"'),
    st.just(" itemscope"),
)
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="<>&"), max_size=30)


def _element(children):
    return st.builds(
        lambda tag, attrs, head, kids, tail: f"<{tag}{attrs}>{head}{''.join(kids)}</{tag}>{tail}",
        st.sampled_from(TAGS),
        ATTRIBUTES,
        TEXT,
        st.lists(children, max_size=4),
        TEXT,
    )


HTML_DOCUMENTS = st.recursive(TEXT, _element, max_leaves=25).map(
    lambda b: f"<html><body>{b}</body></html>"
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(HTML_DOCUMENTS, st.text(max_size=500)))
def test_cleaning_is_idempotent_on_its_output(page):
    once, _ = clean_html(page, main_text=False)
    twice, _ = clean_html(once, main_text=False)
    assert body_text(twice) == body_text(once)


@settings(max_examples=100, deadline=None)
@given(st.one_of(HTML_DOCUMENTS, st.text(max_size=2000)), st.booleans())
def test_clean_html_never_raises_and_returns_a_document(page, main_text):
    html, text = clean_html(page, main_text=main_text)
    assert html.startswith("<html")
    assert text is None or text.strip()


# --- clean_page ----------------------------------------------------------------------------


def page_item(body, headers=None, encoding=None):
    return {
        "url": "https://shop.example/p/1",
        "status": 200,
        "headers": headers or {},
        "body": body,
        "encoding": encoding,
    }


def test_clean_page_decodes_cleans_and_keeps_the_raw_html():
    item = page_item(PRODUCT_PAGE.encode(), {"Content-Type": "text/html; charset=utf-8"})
    result = clean_page(item, needs_main_text=True)
    assert set(result) == {"html", "encoding", "cleaned_html", "main_text"}
    assert result["encoding"] == "utf-8"
    assert result["html"] == PRODUCT_PAGE  # raw: JSON-LD still there for extraction
    assert '"@type": "Product"' in result["html"]
    assert "<script" not in result["cleaned_html"]
    assert "Forged from a single block of steel" in result["main_text"]


def test_clean_page_skips_main_text_when_not_needed():
    assert clean_page(page_item(ARTICLE_PAGE.encode()), needs_main_text=False)["main_text"] is None


def test_clean_page_takes_a_str_body_as_decoded():
    result = clean_page(page_item("<p>Grüße</p>"), needs_main_text=False)
    assert result["html"] == "<p>Grüße</p>"
    assert "Grüße" in result["cleaned_html"]


def test_non_document_bodies_are_not_cleaned():
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(512)
    result = clean_page(page_item(png, {"Content-Type": "image/png"}), needs_main_text=True)
    assert result == {"html": "", "encoding": None, "cleaned_html": "", "main_text": None}


@pytest.mark.parametrize(
    "body",
    [
        b"",
        None,
        os.urandom(10 * 1024 * 1024),
        PRODUCT_PAGE.encode()[: len(PRODUCT_PAGE) // 2],  # truncated download
        b"\xff\xfe" + "<p>UTF-16 page</p>".encode("utf-16-le"),
    ],
    ids=["empty", "none", "10MB-binary", "truncated", "utf16-bom"],
)
def test_clean_page_never_raises(body):
    result = clean_page(page_item(body), needs_main_text=True)
    assert isinstance(result["html"], str)
    assert result["cleaned_html"].startswith("<html")


def test_large_page_is_cleaned_in_reasonable_time():
    import time

    paragraphs = "".join(
        f'<div class="row"><p>Finding {i}: the survey team measured the water level at station '
        f"{i} and found it {i % 7} centimetres above the seasonal average.</p></div>"
        for i in range(30_000)
    )
    page = f"<html><body><main><h1>Survey report</h1>{paragraphs}</main></body></html>"
    assert len(page) > 4_000_000
    started = time.monotonic()
    html, text = clean_html(page, main_text=True)
    assert time.monotonic() - started < 30
    assert "Finding 29999:" in html  # the cleaned copy is complete
    assert re.search(r"Finding \d+: the survey team", text or "")  # main text from the start
