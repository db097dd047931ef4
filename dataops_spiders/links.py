"""Which links a page offers, and in what role: pagination, navigation or item.

With follow rules in the template, a link's role is the role of the rule that matched it and
only matched links are offered. Without rules the role is guessed from where the link sits:
rel=next or "Next ›" anchors and page-number links are pagination; links inside nav, menus,
breadcrumbs and sidebars are navigation; other links in the page body are items (on a listing,
those are the entries). Header and footer links are "other": only the `full` strategy takes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from w3lib.url import safe_url_string, url_query_cleaner

from dataops_spiders.templates import IntentTemplate

# Query parameters that identify a visit, not a page: dropping them stops endless duplicates.
TRACKING_PARAMS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "gclid",
    "fbclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "sessionid",
    "session_id",
    "sid",
    "phpsessid",
    "jsessionid",
    "ref",
    "ref_",
)
# Binary or non-page resources that never hold a record (same spirit as LinkExtractor's list).
SKIPPED_EXTENSIONS = re.compile(
    r"\.(?:7z|apk|avi|bmp|css|csv|dmg|docx?|exe|flv|gif|gz|ico|iso|jpe?g|js|json|m4a|mkv|mov|"
    r"mp3|mp4|mpe?g|ogg|pdf|png|pptx?|rar|rss|svg|tar|tiff?|wav|webm|webp|wma|wmv|woff2?|xlsx?|"
    r"xml|zip)$",
    re.I,
)
PAGINATION_TEXT = re.compile(
    r"^\s*(?:next(?:\s+page)?|older(?:\s+(?:posts|entries))?|more|load more|›|»|→|>|>>|"
    r"weiter|nächste(?:\s+seite)?|suivant(?:e)?|siguiente|successivo|volgende|próxima|następna)"
    r"\s*[›»→>]*\s*$",
    re.I,
)
PAGE_NUMBER_URL = re.compile(
    r"(?:[?&](?:page|p|pg|paged|start|offset)=\d+|/page/\d+/?$|/p\d+/?$)", re.I
)
NAV_TOKENS = {
    "nav",
    "navbar",
    "navigation",
    "menu",
    "breadcrumb",
    "breadcrumbs",
    "categories",
    "category",
    "sidebar",
    "subnav",
    "facets",
    "filters",
    "departments",
}
PAGER_TOKENS = {"pagination", "pager", "paging", "pages", "page-numbers", "nav-links"}
CHROME_TAGS = {"header", "footer"}
CHROME_TOKENS = {"footer", "site-footer", "header", "site-header", "topbar", "cookie", "legal"}
_TOKEN_SPLIT = re.compile(r"[\s_-]+")


@dataclass(frozen=True)
class Link:
    url: str
    role: str  # "navigate" | "pagination" | "item" | "other"
    anchor: str


def normalize_url(url: str) -> str:
    """Drop the fragment and tracking parameters; the fingerprint canonicalises the rest."""
    url = url_query_cleaner(
        safe_url_string(url), TRACKING_PARAMS, remove=True, keep_fragments=False
    )
    return url


def _tokens(element) -> set[str]:
    raw = f"{element.get('class', '')} {element.get('id', '')} {element.get('role', '')}"
    tokens = set(_TOKEN_SPLIT.split(raw.lower()))
    tokens |= {t for t in raw.lower().split()}
    return tokens


_UNDECIDED = object()


def _own_verdict(element):
    """What an element says about the links inside it; _UNDECIDED passes its parent's on."""
    tag = element.tag
    if not element.attrib and tag not in ("nav", "main", "article", "body", *CHROME_TAGS):
        return _UNDECIDED  # most elements: nothing to read, nothing to compute
    tokens = _tokens(element)
    if tokens & PAGER_TOKENS:
        return "pagination"
    if tag == "nav" or tokens & NAV_TOKENS or element.get("role") == "navigation":
        return "navigate"
    if tag in CHROME_TAGS or tokens & CHROME_TOKENS:
        return "other"
    if tag in ("main", "article", "body"):
        return None
    return _UNDECIDED


def anchors_in_context(root) -> list[tuple[object, str | None]]:
    """Every <a>/<area> with an href, with what its nearest telling ancestor says about it
    (pager, navigation, page chrome, or None): one walk down the tree, not one walk up per link."""
    found = []
    stack = [(root, None)]
    while stack:
        element, context = stack.pop()
        tag = element.tag
        if not isinstance(tag, str):  # comments, processing instructions
            continue
        if tag in ("a", "area") and element.get("href"):
            found.append((element, context))
        verdict = _own_verdict(element)
        inside = context if verdict is _UNDECIDED else verdict
        stack.extend((child, inside) for child in reversed(element))
    return found


def guess_role(anchor, url: str, context: str | None) -> str:
    text = " ".join(anchor.itertext()).strip()
    rel = (anchor.get("rel") or "").lower().split()
    if (
        "next" in rel
        or "prev" in rel
        or PAGINATION_TEXT.match(text)
        or ((anchor.get("aria-label") or "").lower().startswith("next"))
    ):
        return "pagination"
    if context == "pagination" or (text.isdigit() and PAGE_NUMBER_URL.search(url)):
        return "pagination"
    if context is not None:
        return context
    return "item"


def _anchors(response):
    root = response.selector.root
    if not hasattr(root, "iter"):
        return []
    return [a for a in root.iter("a", "area") if a.get("href")]


def _absolute(response, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    url = urljoin(response.url, href)
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    if SKIPPED_EXTENSIONS.search(urlsplit(url).path):
        return None
    return normalize_url(url)


def discover_links(response, template: IntentTemplate) -> list[Link]:
    """Links on a page, each with its role, in document order, without duplicates."""
    rules = template.crawl.follow
    links: dict[str, Link] = {}
    if rules:
        for rule in rules:
            if rule.kind == "regex":
                pattern = re.compile(rule.expr)
                for anchor in _anchors(response):
                    url = _absolute(response, anchor.get("href"))
                    if url and pattern.search(url):
                        links.setdefault(url, Link(url, rule.role, _anchor_text(anchor)))
                continue
            regions = response.css(rule.expr) if rule.kind == "css" else response.xpath(rule.expr)
            for region in regions:
                node = region.root
                if not hasattr(node, "iter"):  # an attribute or text node: treat as a URL
                    url = _absolute(response, str(node))
                    if url:
                        links.setdefault(url, Link(url, rule.role, ""))
                    continue
                for anchor in node.iter("a", "area"):
                    url = _absolute(response, anchor.get("href") or "")
                    if url:
                        links.setdefault(url, Link(url, rule.role, _anchor_text(anchor)))
    else:
        root = response.selector.root
        for anchor, context in anchors_in_context(root) if hasattr(root, "iter") else []:
            url = _absolute(response, anchor.get("href"))
            if url and url not in links:
                links[url] = Link(url, guess_role(anchor, url, context), _anchor_text(anchor))
        for href in response.xpath("//link[@rel='next']/@href").getall():
            url = _absolute(response, href)
            if url:
                links.setdefault(url, Link(url, "pagination", ""))
    return list(links.values())


def _anchor_text(anchor) -> str:
    return " ".join(" ".join(anchor.itertext()).split())[:200]


# Which link roles each crawl strategy follows, from listing-like pages and from item pages.
STRATEGY_ROLES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "full": (frozenset({"navigate", "pagination", "item", "other"}),) * 2,
    "navigation": (frozenset({"navigate", "pagination", "item"}), frozenset()),
    "pagination_only": (frozenset({"pagination", "item"}), frozenset()),
    "direct_item": (frozenset(), frozenset()),
}


def roles_to_follow(strategy: str, arrived_as: str) -> frozenset[str]:
    """Roles to follow from a page reached through a link of role `arrived_as`."""
    from_listing, from_item = STRATEGY_ROLES[strategy]
    return from_item if arrived_as in ("item", "sitemap") else from_listing
