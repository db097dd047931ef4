"""The `listing` intent: one record per entry of a list, search or category page.

Without a template `records.each`, entries are found by their shape (`entries`); each entry's
name, url, price and main image come from its microdata, headings, main link, price elements
and pictures (`entry_candidates`, which the article and job posting intents use for their
teasers and job cards too).
"""

from __future__ import annotations

from typing import ClassVar

from parsel import Selector

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.intents.base import Intent
from dataops_spiders.intents.currencies import PRICE_RE
from dataops_spiders.intents.entries import (
    HEADING_TAGS,
    MIN_ENTRIES,
    TITLE_TOKENS,
    listing_evidence,
    page_links,
)
from dataops_spiders.intents.found import Found
from dataops_spiders.intents.structured import find_entities, meta_values
from dataops_spiders.intents.urls import absolute_url, image_url
from dataops_spiders.intents.visible import class_tokens, node_text
from dataops_spiders.page import Page
from dataops_spiders.records import Candidate, Classification
from dataops_spiders.templates import FieldSpec

# "company-name", "brand-name": the name of something else than the entry.
_OTHER_NAME_TOKENS = {
    "company", "brand", "author", "seller", "shop", "store", "user", "vendor", "merchant",
    "employer", "site", "category", "file",
}  # fmt: skip
_OLD_PRICE_TOKENS = {
    "old", "was", "regular", "compare", "strike", "before", "original", "list", "rrp", "msrp",
    "crossed",
}  # fmt: skip


def _entry_links(entry) -> list:
    """Links of an entry, the one most likely to be the entry's own page first."""
    links = page_links(entry)

    def rank(a) -> tuple:
        in_heading = any(
            isinstance(x.tag, str) and (x.tag in HEADING_TAGS or class_tokens(x) & TITLE_TOKENS)
            for x in [a, *a.iterancestors()][:4]
        ) or any(isinstance(d.tag, str) and d.tag in HEADING_TAGS for d in a.iterdescendants())
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

    found.add_all("name", map(node_text, entry.iter(*HEADING_TAGS)), "heuristic", "heading")
    for el in entry.iter():
        tokens = class_tokens(el) if isinstance(el.tag, str) else set()
        if tokens & TITLE_TOKENS and not tokens & _OTHER_NAME_TOKENS:
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
        evidence = listing_evidence(page)
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
        evidence = listing_evidence(page)
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
