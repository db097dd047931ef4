"""Finding the entries of a list, search or category page by their shape: a group of sibling
elements with the same tag and classes (cards, list items, table rows) that each hold a link,
and usually a heading, an image or a price. Menus, footers and breadcrumbs repeat too, so groups
inside page chrome, and groups of bare short links, score low."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.intents.currencies import PRICE_RE
from dataops_spiders.intents.per_page import per_page
from dataops_spiders.intents.urls import is_page_link
from dataops_spiders.intents.visible import class_tokens, node_text
from dataops_spiders.page import Page

MIN_ENTRIES = 3
# A teaser with a summary and some meta stays under this; longer siblings are page sections.
MAX_ENTRY_TEXT = 600
# Elements that never hold visible entries.
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head", "option", "select", "iframe"}
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
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
TITLE_TOKENS = {"title", "name", "heading", "headline"}


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


def page_links(el) -> list:
    """Links to other pages (not anchors, scripts, mail or phone) in or at an element."""
    anchors = [el] if el.tag == "a" else []
    anchors += el.iterdescendants("a")
    return [a for a in anchors if is_page_link(a)]


def _has_heading(el) -> bool:
    for d in el.iterdescendants():
        if not isinstance(d.tag, str):
            continue
        if d.tag in HEADING_TAGS or class_tokens(d) & TITLE_TOKENS:
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
    targets = sorted(len({a.get("href") for a in page_links(e)}) for e in entries)
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
        linked = [m for m in members if page_links(m)]
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


@per_page  # classify() and record_scopes() of one page share it
def listing_evidence(page: Page) -> ListingEvidence | None:
    """The page's best group of entries and how much of its text they hold; None without any."""
    root = page.selector.root
    group = best_entry_group(root)
    if group is None:
        return None
    share = min(group.text_chars / text_chars_outside_chrome(root), 1.0)
    return ListingEvidence(group, share)
