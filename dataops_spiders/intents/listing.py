"""The `listing` intent: one record per entry of a list, search or category page.

Without a template `records.each`, entries are found by their shape: a group of sibling elements
with the same tag and classes (cards, list items, table rows) that each hold a link, and usually
a heading, an image or a price. Menus, footers and breadcrumbs repeat too, so groups inside page
chrome, and groups of bare short links, score low. The DOM helpers here (class tokens, link and
image URLs, visible text) are shared by the article and job posting intents.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.intents.base import Intent
from dataops_spiders.intents.structured import find_entities, meta_values
from dataops_spiders.page import Page
from dataops_spiders.records import Candidate, Classification
from dataops_spiders.templates import FieldSpec

MIN_ENTRIES = 3
# A teaser with a summary and some meta stays under this; longer siblings are page sections.
MAX_ENTRY_TEXT = 600
# Elements that never hold visible entries.
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head", "option", "select", "iframe"}
# Class names that say a state, not a kind of element: cards differing only in these are alike.
_STATE_CLASSES = {
    "active", "selected", "current", "first", "last", "odd", "even", "hidden", "open", "new",
    "sale", "featured", "sold", "soldout", "visible", "disabled", "clearfix",
}  # fmt: skip
# Class/id tokens of page chrome: repeated links there are menus, carousels of other things,
# consent dialogs, not the page's entries.
CHROME_TOKENS = {
    "nav", "navbar", "navigation", "menu", "submenu", "megamenu", "breadcrumb", "breadcrumbs",
    "pagination", "pager", "footer", "header", "masthead", "sidebar", "side", "social", "share",
    "sharing", "tags", "tagcloud", "language", "languages", "filters", "facets", "facet",
    "toolbar", "comment", "comments", "related", "recommended", "recommendations", "popular",
    "trending", "similar", "upsell", "upsells", "crosssell", "recently", "viewed",
    "carousel", "slider", "slick", "swiper", "slide", "slides", "owl", "glide", "splide",
    "flickity", "thumbnails", "thumbs", "cookie", "cookies", "cookiebot", "consent", "gdpr",
    "onetrust", "modal", "popup", "dialog", "overlay",
}  # fmt: skip
CHROME_TAGS = {"nav", "footer", "header", "aside"}
# Forms hold options and filters, unless the whole page is one form (ASP.NET).
_CHROME_UNLESS_MAIN = {"form"}
CHROME_ROLES = {"navigation", "banner", "contentinfo", "menu", "menubar", "tablist", "search"}

_CURRENCY = (
    r"(?:[$€£¥₹₩₽₺]|R\$|US\$|C\$|A\$|\b(?:USD|EUR|GBP|CHF|CAD|AUD|JPY|INR|SEK|NOK|DKK|PLN|CZK)\b)"
)
_AMOUNT = r"\d{1,3}(?:[.,\s\u00a0\u202f]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
# An amount with its currency, either side: "$1,299.00", "19,99 €", "EUR 45", "1.299 kr".
# A trailing currency followed by digits belongs to the next amount ("Runner 1 $99").
PRICE_RE = re.compile(
    rf"{_CURRENCY}\s?(?:{_AMOUNT})"
    rf"|(?<![\w.,])(?:{_AMOUNT})\s?(?:{_CURRENCY}|\bkr\b|zł|Kč|\bLei\b)(?!\s?\d)",
    re.I,
)
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_TITLE_TOKENS = {"title", "name", "heading", "headline"}
# "company-name", "brand-name": the name of something else than the entry.
_OTHER_NAME_TOKENS = {
    "company", "brand", "author", "seller", "shop", "store", "user", "vendor", "merchant",
    "employer", "site", "category", "file",
}  # fmt: skip
_OLD_PRICE_TOKENS = {
    "old", "was", "regular", "compare", "strike", "before", "original", "list", "rrp", "msrp",
    "crossed",
}  # fmt: skip
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_TOKEN_SPLIT = re.compile(r"[\s_\-]+")


# ----------------------------------------------------------------------------- candidates


class Found:
    """Candidates per field in the order found, without repeating a value from the same kind."""

    def __init__(self, intent: str):
        self.intent = intent
        self.fields: dict[str, list[Candidate]] = defaultdict(list)

    def add(self, name: str, value: Any, kind: str, how: str) -> None:
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            return
        if any(c.value == value and c.kind == kind for c in self.fields[name]):
            return
        self.fields[name].append(Candidate(value, f"{self.intent}:{kind}:{how}", kind))

    def add_all(self, name: str, values: Iterable[Any], kind: str, how: str) -> None:
        for value in values:
            self.add(name, value, kind, how)

    def take(self, candidates: dict[str, list[Candidate]], renames: dict[str, str]) -> None:
        """Adopt another extractor's candidates under this intent's field names."""
        for theirs, mine in renames.items():
            for candidate in candidates.get(theirs, []):
                if candidate not in self.fields[mine]:
                    self.fields[mine].append(candidate)

    def result(self, names: Iterable[str]) -> dict[str, list[Candidate]]:
        return {name: self.fields.get(name, []) for name in names}


# ----------------------------------------------------------------------------- DOM helpers


def class_tokens_of(name: str) -> list[str]:
    """Lower-case words of a class or id: "jobCard_mainContent" → job, card, main, content."""
    return [t.lower() for t in _TOKEN_SPLIT.split(_CAMEL.sub(" ", name)) if t]


def class_tokens(el) -> set[str]:
    """Words of an element's class and id attributes."""
    return set(class_tokens_of(f"{el.get('class') or ''} {el.get('id') or ''}"))


def node_text(el) -> str:
    """Visible text of an lxml element, whitespace collapsed (scripts and styles left out)."""
    if not isinstance(el.tag, str):
        return ""
    parts = el.xpath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]")
    return collapse_whitespace(" ".join(parts))


def absolute_url(base: str, href: str | None) -> str | None:
    """An http(s) URL for a link or image reference, None for anchors, scripts and data: URIs."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    url = urljoin(base, href)
    return url if urlsplit(url).scheme in ("http", "https") else None


def image_url(img, base: str) -> str | None:
    """The real picture of an <img>: lazy-loading attributes first, then srcset, then src."""
    for attr in ("data-src", "data-lazy-src", "data-original", "data-srcset", "srcset", "src"):
        value = (img.get(attr) or "").strip()
        if attr.endswith("srcset"):
            value = value.split(",")[0].strip().split(" ")[0]
        url = absolute_url(base, value)
        if url:
            return url
    return None


def is_chrome(el) -> bool:
    """Whether an element is page chrome by its tag, ARIA role or class/id words.

    Class words alone do not condemn an element holding the page's h1 or <main>: wrappers
    such as "layout has-sidebar" hold the whole page.
    """
    if not isinstance(el.tag, str):
        return False
    if el.tag in CHROME_TAGS or (el.get("role") or "").lower() in CHROME_ROLES:
        return True
    if _hidden(el):
        return True
    if el.tag in _CHROME_UNLESS_MAIN or class_tokens(el) & CHROME_TOKENS:
        return el.find(".//h1") is None and el.find(".//main") is None
    return False


_DISPLAY_NONE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# "hidden", "mfp-hide", "is-hidden", "d-none", but not "hidden-xs" (shown on larger screens)
_HIDING_CLASS = re.compile(r"(?:^|[-_])(?:hide|hidden)$|^d-none$|^invisible$", re.I)


def _hidden(el) -> bool:
    """Not shown to the reader: popups and templates waiting for a script."""
    return (
        el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
        or bool(_DISPLAY_NONE.search(el.get("style") or ""))
        or any(_HIDING_CLASS.search(c) for c in (el.get("class") or "").split())
    )


def in_chrome(el) -> bool:
    return is_chrome(el) or any(is_chrome(a) for a in el.iterancestors())


def _signature(el) -> str:
    classes = sorted(
        c
        for c in (el.get("class") or "").split()
        if not any(ch.isdigit() for ch in c)
        and not c.startswith(("is-", "has-", "js-"))
        and c.lower() not in _STATE_CLASSES
    )
    return ".".join([el.tag, *classes])


_NOT_A_PAGE = ("#", "javascript:", "mailto:", "tel:", "data:")


def _links(el) -> list:
    """Links to other pages (not anchors, scripts, mail or phone) in or at an element."""
    anchors = [el] if el.tag == "a" else []
    anchors += el.iterdescendants("a")
    return [a for a in anchors if not (a.get("href") or "#").strip().startswith(_NOT_A_PAGE)]


def _has_heading(el) -> bool:
    for d in el.iterdescendants():
        if not isinstance(d.tag, str):
            continue
        if d.tag in _HEADING_TAGS or class_tokens(d) & _TITLE_TOKENS:
            return True
    return False


def _has_image(el) -> bool:
    return (
        el.tag in ("img", "picture") or next(el.iterdescendants("img", "picture"), None) is not None
    )


# --------------------------------------------------------------------------- entry groups


@dataclass
class EntryGroup:
    """Sibling elements of one shape that each hold a link: the entries of a list."""

    entries: list
    heading_share: float
    image_share: float
    price_share: float
    mean_text: float  # characters of text per entry
    mean_unlinked_text: float  # of which outside links: descriptions, prices, dates
    links_per_entry: float  # distinct targets, median
    distinct_share: float  # entries whose text differs from every other's
    row_share: float  # table rows of three cells or more: records laid out in columns
    chrome: bool

    @property
    def score(self) -> float:
        richness = 1 + 1.5 * (self.heading_share + self.image_share + self.price_share)
        richness += min(self.mean_text, 200) / 100
        return len(self.entries) * richness * (0.15 if self.chrome else 1.0)

    @property
    def text_chars(self) -> int:
        return int(self.mean_text * len(self.entries))

    @property
    def looks_like_entries(self) -> bool:
        """Entries of records, not chrome, a list of bare links, a gallery or page sections.

        An entry has a name (some text, not a whole page of it), points to one thing (a few
        links, not a sub-menu), and says more than its link: a heading, an image, a price or
        text of its own.
        """
        if self.chrome or len(self.entries) < MIN_ENTRIES:
            return False
        if not 8 <= self.mean_text <= MAX_ENTRY_TEXT or self.links_per_entry > 4:
            return False
        if self.distinct_share < 0.5:
            return False  # copies of one block (a popup per button), not a list of things
        rich = max(self.heading_share, self.image_share, self.price_share, self.row_share) >= 0.5
        return rich or self.mean_unlinked_text >= 20


def _measure(entries: list, chrome: bool) -> EntryGroup:
    texts = [node_text(e) for e in entries]
    unlinked = [
        len(collapse_whitespace(" ".join(e.xpath(".//text()[not(ancestor::a)]")))) for e in entries
    ]
    targets = sorted(len({a.get("href") for a in _links(e)}) for e in entries)
    n = len(entries)
    return EntryGroup(
        entries=entries,
        heading_share=sum(_has_heading(e) for e in entries) / n,
        image_share=sum(_has_image(e) for e in entries) / n,
        price_share=sum(bool(PRICE_RE.search(t)) for t in texts) / n,
        mean_text=sum(len(t) for t in texts) / n,
        mean_unlinked_text=sum(unlinked) / n,
        links_per_entry=targets[n // 2],
        distinct_share=len(set(texts)) / n,
        row_share=sum(e.tag == "tr" and len(e.findall("td")) >= 3 for e in entries) / n,
        chrome=chrome,
    )


def _sibling_buckets(root) -> dict[tuple, list]:
    """Same-shape siblings, keyed so that the rows of a grid fall in one bucket.

    Keys hold the lxml elements themselves, not their id(): lxml proxies die and ids get reused.
    """
    buckets: dict[tuple, list] = defaultdict(list)
    for parent in root.iter():
        if not isinstance(parent.tag, str) or parent.tag in SKIP_TAGS:
            continue
        shapes: dict[str, list] = defaultdict(list)
        for child in parent:
            if isinstance(child.tag, str) and child.tag not in SKIP_TAGS:
                shapes[_signature(child)].append(child)
        grandparent = parent.getparent()
        for shape, members in shapes.items():
            if len(members) < 2:
                continue
            if grandparent is not None:
                key = (grandparent, _signature(parent), shape)
            else:
                key = (parent, "", shape)
            buckets[key].extend(members)
    return buckets


def _drop_parts(groups: list[EntryGroup]) -> list[EntryGroup]:
    """Drop groups that are parts of another group's entries (the cells of table rows).

    A group nested in another's entries with fewer than MIN_ENTRIES members per outer entry is
    a part (two linked cells per row); with more, it is a list inside a wrapper, and both stay
    for the score to decide (a card's tag links lose to the cards, a section's cards win).
    """
    group_of = {entry: gi for gi, group in enumerate(groups) for entry in group.entries}

    def outer(el):
        return next((group_of[a] for a in el.iterancestors() if a in group_of), None)

    kept = []
    for group in groups:
        outers = {outer(e) for e in group.entries}
        if len(outers) == 1 and None not in outers:
            per_outer = len(group.entries) / len(groups[outers.pop()].entries)
            if per_outer < MIN_ENTRIES:
                continue
        kept.append(group)
    return kept


def find_entry_groups(root) -> list[EntryGroup]:
    """Groups of repeated linked elements under an lxml root, best (largest, richest) first."""
    groups = []
    for members in _sibling_buckets(root).values():
        linked = [m for m in members if _links(m)]
        if len(linked) < MIN_ENTRIES or len(linked) < 0.6 * len(members):
            continue
        groups.append(_measure(linked, in_chrome(linked[0])))
    return sorted(_drop_parts(groups), key=lambda g: g.score, reverse=True)


def best_entry_group(root) -> EntryGroup | None:
    """The group most likely to be the page's records, None when no group looks like entries."""
    return next((g for g in find_entry_groups(root) if g.looks_like_entries), None)


def text_chars_outside_chrome(root) -> int:
    """Characters of text on the page outside menus, footers, dialogs and other chrome."""
    body = root.find(".//body")
    body = body if body is not None else root
    chrome = 0
    stack = list(body)
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str) or el.tag in SKIP_TAGS:
            continue
        if is_chrome(el):
            chrome += len(node_text(el))
        else:
            stack.extend(el)
    return max(len(node_text(body)) - chrome, 1)


@dataclass
class ListingEvidence:
    group: EntryGroup
    share: float  # of the page's text (outside chrome) held by the entries

    @property
    def is_listing(self) -> bool:
        """The entries are what the page is about, not a box of related things beside it."""
        return self.share >= MAIN_LIST_SHARE


# Entries of a listing hold most of its text; a product's "you may also like" row holds little.
MAIN_LIST_SHARE = 0.3


@lru_cache(maxsize=2)  # classify and record_scopes of one page: find its groups once
def listing_evidence(root) -> ListingEvidence | None:
    group = best_entry_group(root)
    if group is None:
        return None
    share = min(group.text_chars / text_chars_outside_chrome(root), 1.0)
    return ListingEvidence(group, share)


# ------------------------------------------------------------------------ entry extractors


def _entry_links(entry) -> list:
    """Links of an entry, the one most likely to be the entry's own page first."""
    links = _links(entry)

    def rank(a) -> tuple:
        in_heading = any(
            isinstance(x.tag, str) and (x.tag in _HEADING_TAGS or class_tokens(x) & _TITLE_TOKENS)
            for x in [a, *a.iterancestors()][:4]
        ) or any(isinstance(d.tag, str) and d.tag in _HEADING_TAGS for d in a.iterdescendants())
        return (not in_heading, -len(node_text(a)))

    return sorted(links, key=rank)


def _itemprop(entry, name: str) -> list[str]:
    """Microdata values inside an entry (extruct reads the page, not one element)."""
    values = []
    for el in entry.xpath("descendant-or-self::*[@itemprop=$name]", name=name):
        value = el.get("content") or el.get("href") or el.get("src") or node_text(el)
        if value and value.strip():
            values.append(value.strip())
    return values


_NOT_STRUCK = "not(ancestor::del or ancestor::s or ancestor::strike)"


def _unstruck_text(el) -> str:
    return collapse_whitespace(" ".join(el.xpath(f".//text()[{_NOT_STRUCK}]")))


def _price_texts(entry) -> list[str]:
    """Prices of an entry: priced elements first, struck-through and 'was' prices left out."""
    found = []
    for el in entry.iter():
        if not isinstance(el.tag, str) or el.xpath(
            f"boolean(self::del or self::s or self::strike or not({_NOT_STRUCK}))"
        ):
            continue
        tokens = class_tokens(el)
        if "price" in tokens and not tokens & _OLD_PRICE_TOKENS:
            match = PRICE_RE.search(_unstruck_text(el))
            if match:
                found.append(match.group(0).strip())
    return found


def _text_price(entry) -> str | None:
    match = PRICE_RE.search(_unstruck_text(entry))
    return match.group(0).strip() if match else None


def entry_candidates(entry, base_url: str, intent: str) -> dict[str, list[Candidate]]:
    """name, url, price and mainImage of one entry element, best first."""
    found = Found(intent)
    found.add_all("name", map(collapse_whitespace, _itemprop(entry, "name")), "microdata", "name")
    urls = [absolute_url(base_url, v) for v in _itemprop(entry, "url")]
    found.add_all("url", urls, "microdata", "url")
    found.add_all("price", _itemprop(entry, "price"), "microdata", "price")
    images = [absolute_url(base_url, v) for v in _itemprop(entry, "image")]
    found.add_all("mainImage", images, "microdata", "image")

    found.add_all("name", map(node_text, entry.iter(*_HEADING_TAGS)), "heuristic", "heading")
    for el in entry.iter():
        tokens = class_tokens(el) if isinstance(el.tag, str) else set()
        if tokens & _TITLE_TOKENS and not tokens & _OTHER_NAME_TOKENS:
            found.add("name", node_text(el)[:300], "heuristic", "title-class")
    links = _entry_links(entry)
    if links:
        found.add("url", absolute_url(base_url, links[0].get("href")), "heuristic", "main-link")
        found.add("name", node_text(links[0]), "heuristic", "link-text")
        found.add(
            "name", collapse_whitespace(links[0].get("title") or ""), "heuristic", "link-title"
        )
    found.add_all("price", _price_texts(entry), "heuristic", "price-class")
    found.add("price", _text_price(entry), "text", "price-in-text")
    imgs = ([entry] if entry.tag == "img" else []) + list(entry.iterdescendants("img"))
    found.add_all("mainImage", [image_url(i, base_url) for i in imgs], "heuristic", "img")
    alts = [collapse_whitespace(i.get("alt") or "") for i in imgs]
    found.add_all("name", alts, "heuristic", "img-alt")
    return dict(found.fields)


# ------------------------------------------------------------------------------- the intent


def _root(page: Page):
    return page.selector.root


def _item_list_size(page: Page) -> int:
    return max(
        (len(e.get("itemListElement") or []) for e in find_entities(page, ["ItemList"])),
        default=0,
    )


class ListingIntent(Intent):
    """Entries of index pages: name, url, price and main image of each."""

    name: ClassVar[str] = "listing"
    fields: ClassVar[dict[str, FieldSpec]] = {
        "name": FieldSpec(type="string", required=True),
        "url": FieldSpec(type="url", required=True),
        "price": FieldSpec(type="price"),
        "mainImage": FieldSpec(type="url"),
    }
    key_fields: ClassVar[tuple[str, ...]] = ("url",)

    def record_scopes(self, page: Page) -> list | None:
        evidence = listing_evidence(_root(page))
        if evidence is None or not evidence.is_listing:
            return None
        return [Selector(root=entry, type="html") for entry in evidence.group.entries]

    def candidates(self, page: Page, scope=None) -> dict[str, list[Candidate]]:
        if scope is not None:
            entry = entry_candidates(scope.root, page.url, self.name)
            return {name: entry.get(name, []) for name in self.fields}
        # No entries: the page is the one record, named and located by itself.
        found = Found(self.name)
        h1 = next(iter(page.selector.xpath("//h1")), None)
        found.add("name", node_text(h1.root) if h1 is not None else None, "heuristic", "h1")
        found.add_all("name", meta_values(page, "og:title"), "opengraph", "og:title")
        canonical = page.selector.xpath("//link[@rel='canonical']/@href").get()
        found.add("url", absolute_url(page.url, canonical), "meta", "canonical")
        found.add("url", page.url, "heuristic", "page-url")
        images = [absolute_url(page.url, v) for v in meta_values(page, "og:image")]
        found.add_all("mainImage", images, "opengraph", "og:image")
        return found.result(self.fields)

    def classify(self, page: Page) -> Classification:
        evidence = listing_evidence(_root(page))
        if evidence is not None and evidence.is_listing:
            entries = len(evidence.group.entries)
            score = min(0.95, 0.5 + 0.02 * entries + 0.3 * evidence.share)
            return Classification(
                "listing",
                round(score, 2),
                f"{entries} entries hold {evidence.share:.0%} of the text",
            )
        size = _item_list_size(page)
        if size >= MIN_ENTRIES:
            return Classification("listing", 0.7, f"schema.org ItemList of {size} entries")
        if evidence is not None:
            return Classification(
                "other",
                0.6,
                f"{len(evidence.group.entries)} linked entries beside the main "
                f"content ({evidence.share:.0%} of the text)",
            )
        return Classification("other", 0.6, "no repeated entries with links")
