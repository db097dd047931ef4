"""Where things are on a text page (a news story, a blog post, a job ad): its main headline, the
element holding its content, and the page chrome around it (navigation, sidebars, comments,
related-story boxes), which visible-page heuristics skip so a commenter is never taken for the
author."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from dataops_spiders.intents.per_page import per_page
from dataops_spiders.intents.visible import class_tokens, node_text
from dataops_spiders.page import Page

# Class/id words of blocks around an article that hold names, dates and links of other things.
CHROME_TOKENS = {
    "comment", "comments", "reply", "replies", "related", "recommended", "recommendations",
    "similar", "share", "sharing", "social", "newsletter", "subscribe",
    "subscription", "promo", "advert", "advertisement", "ad", "ads", "sponsored", "cookie",
    "consent", "popular", "trending", "breadcrumb", "breadcrumbs", "menu", "navbar", "nav",
    "navigation", "outbrain", "taboola", "disqus", "pagination", "pager",
}  # fmt: skip
# Words that name the site's own header/footer only outside the article ("post-footer" is content).
SITE_CHROME_TOKENS = {"footer", "masthead", "topbar", "header"}
# Sidebars: other stories beside an article, but the facts box ("Location", "Salary") of a job ad.
SIDEBAR_TOKENS = {"sidebar", "widget", "widgets"}
CHROME_ROLES = {"navigation", "complementary", "contentinfo", "banner", "search", "menu"}
# The longest text `short_texts` gives: a byline, a date line, a "Label: value" line.
SHORT_TEXT_LIMIT = 160
# How many elements before/after the headline its byline and date may be.
NEAR_BEFORE, NEAR_AFTER = 15, 60
_LOGO_TOKENS = {"logo", "brand", "branding", "site", "sitename"}
_STORY_TOKENS = {"entry", "post", "article", "story", "news", "blog", "page"}


def _tag(el) -> str:
    return el.tag if isinstance(el.tag, str) else ""


def within(el, *tags: str) -> bool:
    """Whether el sits inside one of the tags (or an element with role=main)."""
    return any(_tag(a) in tags or (a.get("role") or "") == "main" for a in el.iterancestors())


def contains(el, other) -> bool:
    return el is other or any(a is el for a in other.iterancestors())


def _site_header(el) -> bool:
    """A <header> of the site (logo, menu), not the header of the article itself."""
    return (
        _tag(el) == "header"
        and not within(el, "article", "main")
        and (el.find(".//nav") is not None or (el.get("role") or "") == "banner")
    )


def _sidebar(el) -> bool:
    return _tag(el) == "aside" or (el.get("role") or "").lower() == "complementary"


def chrome_by_markup(el) -> bool:
    """Chrome by its tag or ARIA role: nav, aside, the site's header and footer."""
    if _tag(el) == "nav" or _sidebar(el) or (el.get("role") or "").lower() in CHROME_ROLES:
        return True
    if _tag(el) == "footer" and not within(el, "article"):
        return True
    return _site_header(el)


def _headline_element(root):
    """The page's main <h1>: not the logo, not in menus or sidebars; inside the article if any."""
    found = []
    for h1 in root.iter("h1"):
        text = node_text(h1)
        if len(text) < 3 or class_tokens(h1) & _LOGO_TOKENS:
            continue
        if any(chrome_by_markup(a) for a in [h1, *h1.iterancestors()]):
            continue
        found.append(h1)
    if found:
        return min(found, key=lambda h: not within(h, "article", "main"))
    for el in root.iter():  # no usable <h1>: class="headline", "entry-title", "post-title"…
        tokens = class_tokens(el) if isinstance(el.tag, str) else set()
        titled = "headline" in tokens or ("title" in tokens and tokens & _STORY_TOKENS)
        if (
            titled
            and 3 <= len(node_text(el)) < 300
            and not any(chrome_by_markup(a) for a in el.iterancestors())
        ):
            return el
    return None


def _content_element(root, headline):
    """The element holding the article: the <article> around the headline, or the smallest
    ancestor of the headline with a page's worth of text, or the longest <article>/<main>."""
    if headline is not None:
        for a in headline.iterancestors():
            if _tag(a) == "article" and len(node_text(a)) >= 500:
                return a
        node = headline
        for a in headline.iterancestors():
            node = a
            if len(node_text(a)) >= 1000:
                break
        return node
    blocks = [e for e in root.iter("article", "main") if not chrome_by_markup(e)]
    if blocks:
        return max(blocks, key=lambda e: len(node_text(e)))
    body = root.find(".//body")
    return body if body is not None else root


@dataclass
class TextLayout:
    """Where things are on a page: its main headline, the article element and the chrome."""

    root: Any
    headline: Any
    content: Any
    chrome: set = field(default_factory=set)

    def visible(self, el) -> bool:
        """Outside page chrome (navigation, sidebars, comments, related stories)."""
        return el not in self._chrome_area

    @cached_property
    def _chrome_area(self) -> set:
        """The chrome elements and everything inside them."""
        area: set = set()
        for el in self.chrome:
            if el not in area:
                area.update(el.iter())
        return area

    @cached_property
    def short_texts(self) -> list[tuple[Any, str]]:
        """See `short_texts`: found once, read by the date, byline and label finders."""
        return list(_innermost_texts(self, SHORT_TEXT_LIMIT))

    @cached_property
    def lang(self) -> str:
        """The page's language tag (<html lang>), "" when it does not say."""
        return (self.root.getroottree().getroot().get("lang") or "").strip()

    def iter_visible(self, *tags: str) -> Iterator:
        for el in self.content.iter(*tags):
            if isinstance(el.tag, str) and self.visible(el):
                yield el

    @cached_property
    def _order(self) -> dict:
        return {el: i for i, el in enumerate(self.root.iter())}

    def near_headline(self, el) -> bool:
        """Within a few elements of the headline in page order: the article's own header."""
        if self.headline is None:
            return False
        distance = self._order.get(el, -(10**9)) - self._order[self.headline]
        return -NEAR_BEFORE <= distance <= NEAR_AFTER


@per_page  # classify() and candidates() of one page share it
def page_text_layout(page: Page, sidebars: bool = False) -> TextLayout:
    """Layout of a page, its chrome found.

    With `sidebars`, asides are content and the whole body is searched: job ads keep their
    facts box there, where articles keep other stories.
    """
    root = page.selector.root
    headline = _headline_element(root)
    headline_line = {headline, *headline.iterancestors()} if headline is not None else set()
    chrome = set()
    for el in root.iter():
        if not isinstance(el.tag, str) or el in headline_line:
            continue
        tokens = class_tokens(el)
        if sidebars and (_sidebar(el) or tokens & SIDEBAR_TOKENS) and not tokens & CHROME_TOKENS:
            continue
        site_part = tokens & SITE_CHROME_TOKENS and not within(el, "article", "main")
        if chrome_by_markup(el) or tokens & (CHROME_TOKENS | SIDEBAR_TOKENS) or site_part:
            chrome.add(el)
    if sidebars:
        body = root.find(".//body")
        return TextLayout(root, headline, body if body is not None else root, chrome)
    return TextLayout(root, headline, _content_element(root, headline), chrome)


def scope_text_layout(root) -> TextLayout:
    """Layout of one scoped element (a teaser, a job card), where nothing counts as chrome."""
    return TextLayout(root, _headline_element(root), root)


def short_texts(layout: TextLayout, limit: int = SHORT_TEXT_LIMIT) -> list[tuple[Any, str]]:
    """Innermost visible elements with a short text: where bylines and date lines live."""
    if limit <= SHORT_TEXT_LIMIT:
        return [(el, text) for el, text in layout.short_texts if len(text) <= limit]
    return list(_innermost_texts(layout, limit))


def _innermost_texts(layout: TextLayout, limit: int) -> Iterator[tuple[Any, str]]:
    for el in layout.iter_visible():
        if el.tag in ("script", "style", "noscript", "time"):
            continue
        text = node_text(el)
        if not text or len(text) > limit:
            continue
        if any(node_text(c) == text for c in el if isinstance(c.tag, str)):
            continue  # a child says the same: take the innermost
        yield el, text
