"""Where things are on a shop page (or one product tile of a listing): the product's heading,
its buy buttons, and the blocks that show other products or the page's chrome."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from lxml import etree

from dataops_spiders.intents.availability import BUY_TEXT
from dataops_spiders.intents.labels import label_texts
from dataops_spiders.intents.visible import (
    a_name_matches,
    is_hidden,
    naming_words,
    overlap,
    text_words,
    visible_text,
    words_of,
)

# Class-name words of blocks showing other products than the page's own.
_FOREIGN_WORDS = words_of(
    "related relatedproducts recommend recommended recommendation recommendations recs reco "
    "similar upsell upsells crosssell crosssells recently viewed accessories suggestions "
    "alternative alternatives other others complementary also megamenu minicart minibasket flyout"
)
# Sliders hold the main product's photos as often as other products: foreign only with many links.
_SLIDER_WORDS = words_of("carousel slider swiper slick teaser teasers")
# The page's chrome: a class that *is* the header/footer/menu, not one that mentions it.
_CHROME_TOKEN = re.compile(
    r"^(?:(?:site|page|global|main|top|bottom|sticky)[-_]?)?"
    r"(?:header|footer|nav|navbar|navigation|menu|mega-?menu|submenu|breadcrumbs?|mini-?cart)"
    r"(?:$|[-_])",
    re.I,
)
_NOT_A_PAGE = re.compile(
    r"^\s*(?:#|javascript:|mailto:|tel:|$)|.*\.(?:jpe?g|png|webp|gif)(?:\?|$)", re.I
)
_FOREIGN_HEADING = re.compile(
    r"you may also|you might also|related|similar|customers (?:also|who)|also bought|"
    r"recently viewed|recommended|ähnliche|könnte (?:dir|ihnen) auch|kunden kauften|"
    r"das könnte|vous aimerez|produits similaires|à découvrir aussi|también te puede|"
    r"productos relacionados|te puede interesar|potrebbe interessarti|prodotti correlati|"
    r"produtos relacionados|poderá também|podobne produkty|klienci kupili|podobni izdelki|"
    r"vezani proizvodi|похожие товары|с этим товаром",
    re.I,
)
_SECTION_HEADING_WORDS = words_of("nav navigation category menu logo site breadcrumb")
_TITLE_TAGS = words_of("h1 h2 h3 h4 div span a p strong")


@dataclass
class ShopLayout:
    """Where things are on one page (or one listing tile): title, buy buttons, foreign blocks."""

    root: etree._Element
    elements: list = field(default_factory=list)  # document order; keeps lxml proxies alive
    order: dict = field(default_factory=dict)
    title: etree._Element | None = None
    title_line: set = field(default_factory=set)  # ids of the title and its ancestors
    buy: list = field(default_factory=list)
    foreign_sections: set = field(default_factory=set)  # ids of "you may also like" blocks
    _foreign: dict = field(default_factory=dict)  # memo of is_foreign by element id

    @classmethod
    def of(cls, root: etree._Element, title_hint: str, in_scope: bool) -> ShopLayout:
        layout = cls(root=root)
        layout.elements = [e for e in root.iter() if isinstance(e.tag, str)]
        layout.order = {e: i for i, e in enumerate(layout.elements)}
        layout.title = find_title(layout.elements, title_hint, in_scope)
        if layout.title is not None:
            layout.title_line = {id(e) for e in [layout.title, *layout.title.iterancestors()]}
        layout.buy = [e for e in layout.elements if is_buy_button(e)]
        for e in layout.elements:
            if e.tag in ("h2", "h3", "h4", "h5") or "title" in naming_words(e):
                text = visible_text(e)
                if len(text) < 80 and _FOREIGN_HEADING.search(text):
                    section = layout._section_of(e)
                    if section is not None:
                        layout.foreign_sections.add(id(section))
        return layout

    def _section_of(self, heading: etree._Element) -> etree._Element | None:
        """The block a heading introduces: its parent, climbing while the parent is just it."""
        section = heading
        while (parent := section.getparent()) is not None and id(parent) not in self.title_line:
            section = parent
            if visible_text(parent) != visible_text(heading):
                return section
        return None

    @cached_property
    def label_texts(self) -> list[tuple[etree._Element, str]]:
        """Short own texts of elements, where "SKU:" or "Availability:" labels may be."""
        return label_texts(self.elements)

    def position(self, el: etree._Element) -> int:
        return self.order.get(el, 0)

    def distance(self, a: etree._Element, b: etree._Element | None) -> int:
        """Edges between two elements in the tree: small for a price next to the title."""
        if b is None:
            return 0
        up_a = [a, *a.iterancestors()]
        index_b = {id(e): i for i, e in enumerate([b, *b.iterancestors()])}
        for i, e in enumerate(up_a):
            if id(e) in index_b:
                return i + index_b[id(e)]
        return len(up_a) + len(index_b)

    def is_foreign(self, el: etree._Element) -> bool:
        """In a block of other products or in the page chrome (but never around the title)."""
        key = id(el)
        if key not in self._foreign:
            parent = el.getparent()
            if key in self.title_line or el is self.root:
                self._foreign[key] = False
            elif self._is_foreign_block(el):
                self._foreign[key] = True
            else:
                self._foreign[key] = parent is not None and self.is_foreign(parent)
        return self._foreign[key]

    def _is_foreign_block(self, el: etree._Element) -> bool:
        if el.tag in ("header", "footer", "nav") or id(el) in self.foreign_sections:
            return True
        words = naming_words(el)
        if words & _FOREIGN_WORDS:
            return True
        if words & _SLIDER_WORDS:
            links = {h for h in el.xpath(".//a/@href") if not _NOT_A_PAGE.match(h)}
            if len(links) >= 3:
                return True
        return a_name_matches(el, _CHROME_TOKEN)


def find_title(elements: list, hint: str, in_scope: bool) -> etree._Element | None:
    """The product's main heading: the h1 named like the page title, else a title-classed element.

    `hint` is the page's og:title or <title>; shops add their own name to it, so the heading
    whose words it contains wins, and an h1 wins ties.
    """
    candidates = []
    for i, e in enumerate(elements):
        words = naming_words(e)
        named = e.get("itemprop") == "name" or bool(words & {"title", "name", "heading"})
        is_heading = e.tag == "h1" or (in_scope and e.tag in ("h2", "h3", "h4"))
        if not is_heading and not (named and e.tag in _TITLE_TAGS):
            continue
        text = visible_text(e) if not is_hidden(e) else ""
        if not text or len(text) > 300:
            continue
        score_overlap = overlap(text, hint)
        if not is_heading and not in_scope and score_overlap < 0.5 and "product" not in words:
            continue  # "title" classes name headings of every kind; trust one only when it matches
        score = (
            score_overlap
            + (0.3 if e.tag == "h1" else 0.0)
            + min(len(text_words(text)), 10) * 0.01  # product names are longer than section names
            - (0.5 if words & _SECTION_HEADING_WORDS else 0.0)
            - 0.0001 * i
        )
        candidates.append((score, e))
    return max(candidates, key=lambda c: c[0])[1] if candidates else None


def is_buy_button(el: etree._Element) -> bool:
    if el.tag not in ("button", "input", "a"):
        return False
    if el.tag == "input" and (el.get("type") or "").lower() not in ("submit", "button", "image"):
        return False
    text = visible_text(el) or el.get("value") or el.get("title") or el.get("aria-label") or ""
    if len(text) > 40:
        return False
    words = naming_words(el) | {w.lower() for w in re.split(r"[-_\W]+", el.get("name") or "")}
    return bool(
        BUY_TEXT.search(text)
        or any({"add", target} <= words for target in ("cart", "basket", "bag"))
        or "addtocart" in words
        or {"buy", "now"} <= words
    )
