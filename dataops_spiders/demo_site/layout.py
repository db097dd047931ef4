"""The chrome every HTML page of the fixture site shares: head, header, navigation, footer, banners.

It is deliberately as noisy as a real shop: a promo bar, a mini cart with its own price, a search
form, a cookie banner, tracking and widget scripts, and a footer full of links.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from html import escape

from dataops_spiders.demo_site import vocabulary as words
from dataops_spiders.demo_site.content import category_path

CALENDAR_START = (2026, 11)  # the month the events calendar opens on
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def format_price(amount: Decimal, currency: str, style: str = "symbol") -> str:
    """A price as shops print it. style: symbol ($1,299.00), local (1.299,00 € for EUR), code."""
    english = f"{amount:,.2f}"
    european = english.replace(",", " ").replace(".", ",").replace(" ", ".")
    if style == "local" and currency == "EUR":
        return f"{european} €"
    if style == "code":
        return f"{european} EUR" if currency == "EUR" else f"{english} {currency}"
    return f"{SYMBOLS[currency]}{english}"


def human_date(day: date) -> str:
    """'March 4, 2026', as English-language sites print dates."""
    return f"{day:%B} {day.day}, {day.year}"


def json_ld(data: dict) -> str:
    # "</" inside a script would end it early; real sites escape the slash the same way.
    text = json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>'


def absolute(base: str, path: str) -> str:
    return base.rstrip("/") + path


def _nav() -> str:
    items = "".join(
        f'<li class="menu-item"><a href="{category_path(slug)}">{esc(name)}</a></li>'
        for slug, (name, *_rest) in words.CATEGORIES.items()
    )
    return (
        '<nav class="main-navigation" aria-label="Main menu"><ul class="menu">'
        '<li class="menu-item"><a href="/">Home</a></li>'
        '<li class="menu-item menu-item-has-children"><a href="/catalogue/">Shop</a>'
        f'<ul class="sub-menu">{items}</ul></li>'
        '<li class="menu-item"><a href="/blog/">Journal</a></li>'
        '<li class="menu-item"><a href="/jobs/">Careers</a></li>'
        '<li class="menu-item"><a href="/about/">About us</a></li>'
        "</ul></nav>"
    )


def _header() -> str:
    return (
        '<div class="announcement-bar" role="region">Free shipping on orders over $75 · '
        "Easy 30-day returns</div>"
        '<header class="site-header"><div class="container">'
        f'<a class="site-logo" href="/" rel="home"><img src="/static/img/logo.png" alt="" '
        f'width="40" height="40"> <span>{esc(words.SHOP_NAME)}</span></a>'
        '<form class="search-form" role="search" action="/search" method="get">'
        '<label class="screen-reader-text" for="q">Search for:</label>'
        '<input type="search" id="q" name="q" placeholder="Search products…">'
        '<button type="submit">Search</button></form>'
        '<div class="header-tools"><a href="/private/account/">My account</a> '
        '<a class="cart-contents" href="/cart" title="View your shopping cart">'
        '<span class="count">0 items</span> <span class="amount">$0.00</span></a></div>'
        f"</div>{_nav()}</header>"
    )


def _footer() -> str:
    return (
        '<footer class="site-footer"><div class="container footer-widgets">'
        '<section class="widget"><h4>Customer service</h4><ul>'
        '<li><a href="/help/international-shipping.html">International shipping</a></li>'
        '<li><a href="/about/#returns">Returns &amp; exchanges</a></li>'
        '<li><a href="/about/#contact">Contact us</a></li></ul></section>'
        '<section class="widget"><h4>Company</h4><ul>'
        '<li><a href="/about/">Our story</a></li><li><a href="/jobs/">Careers</a></li>'
        '<li><a href="/blog/">Journal</a></li>'
        '<li><a href="/private/wholesale/">Wholesale portal</a></li></ul></section>'
        '<section class="widget widget-newsletter"><h4>Newsletter</h4>'
        "<p>New products, workshops and the occasional discount. No spam.</p>"
        '<form action="/newsletter" method="post"><input type="email" name="email" '
        'placeholder="you@example.com" required><button>Subscribe</button></form></section>'
        '</div><div class="site-info container">'
        f"<p>© 2026 {esc(words.SHOP_NAME)} · 1200 Harbor Way, Portland, OR 97209 · "
        '<a href="/about/#privacy">Privacy policy</a> · <a href="/about/#terms">Terms</a></p>'
        '<p class="payment-icons" aria-label="We accept">Visa · Mastercard · PayPal · '
        "Apple Pay</p></div></footer>"
    )


_COOKIE_BANNER = (
    '<div id="cookie-consent" class="cookie-banner" role="dialog" aria-live="polite" hidden>'
    "<p>We use cookies to make this site work and, with your consent, to understand how you use "
    'it. See our <a href="/about/#privacy">privacy policy</a>.</p>'
    '<button type="button" data-consent="all">Accept all</button> '
    '<button type="button" data-consent="necessary">Only necessary</button></div>'
)

_TRACKING = (
    "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
    "gtag('js',new Date());gtag('config','G-HP0000000');</script>"
)

_WIDGETS = (
    '<script src="/static/js/app.js?v=4.2.1" defer></script>'
    "<script>document.addEventListener('DOMContentLoaded',function(){"
    "if(!document.cookie.includes('consent=')){document.getElementById('cookie-consent')"
    ".hidden=false;}});</script>"
)


def page(
    title: str,
    main: str,
    *,
    base: str,
    path: str,
    description: str = "",
    head: str = "",
    body_class: str = "",
    sidebar: str = "",
) -> str:
    """A full HTML document around `main` (and an optional sidebar)."""
    meta_description = (
        f'<meta name="description" content="{esc(description)}">' if description else ""
    )
    aside = f'<aside class="sidebar widget-area" role="complementary">{sidebar}</aside>'
    return (
        '<!DOCTYPE html>\n<html lang="en-US"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} – {esc(words.SHOP_NAME)}</title>{meta_description}"
        f'<link rel="canonical" href="{esc(absolute(base, path))}">'
        '<link rel="stylesheet" href="/static/css/site.css?v=4.2.1">'
        '<link rel="icon" href="/static/img/logo.png">'
        f"{head}{_TRACKING}</head>"
        f'<body class="{esc(body_class)}"><a class="skip-link" href="#content">Skip to content</a>'
        f"{_header()}"
        f'<div id="content" class="site-content container"><main id="main" class="site-main">'
        f"{main}</main>{aside if sidebar else ''}</div>"
        f"{_footer()}{_COOKIE_BANNER}{_WIDGETS}</body></html>"
    )
