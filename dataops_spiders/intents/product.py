"""The built-in `product` intent: one product page (or one product tile of a listing) as a record.

Extractors, most trusted first: the page's own schema.org Product in JSON-LD and microdata,
OpenGraph product tags, loose itemprop/meta tags (`product_markup`), then heuristics over the
visible page for the many shops that publish no markup:

- price: the price element nearest the main heading and the buy button (`prices`);
- sku, mpn, gtin, brand: values written after labels and elements named for them
  (`identifiers`);
- availability: stock texts and buy buttons in several languages (`availability`).

Markup comes first unless the visible page contradicts it (`_merge`). Field names follow
schema.org / zyte-common-items. Values are returned as found (trimmed); the extraction layer
coerces them (prices with price-parser).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.intents.availability import NEGATIVE_AVAILABILITY, availability_candidates
from dataops_spiders.intents.base import Intent
from dataops_spiders.intents.currencies import currency_code, currency_of_symbol, price_amount
from dataops_spiders.intents.found import FoundBySource
from dataops_spiders.intents.identifiers import identifier_candidates
from dataops_spiders.intents.per_page import per_page
from dataops_spiders.intents.prices import PriceSpot, price_spots
from dataops_spiders.intents.product_markup import (
    as_text,
    main_entities,
    opengraph_and_meta,
    product_entities,
    scope_itemprops,
    structured_candidates,
)
from dataops_spiders.intents.shop_layout import ShopLayout
from dataops_spiders.intents.structured import is_of_type, meta_values
from dataops_spiders.intents.visible import (
    hidden_in_ancestry,
    naming_words,
    overlap,
    visible_text,
    words_of,
)
from dataops_spiders.page import Page
from dataops_spiders.records import Candidate, Classification
from dataops_spiders.templates import FieldSpec

# Where each field's candidates come from, most telling first, as (kind, source) with "" for
# any source of the kind; unlisted sources keep their order after the listed ones.
# SKU: what the page shows as "SKU"/"Item no." (microdata marks visible elements too) beats
# JSON-LD, whose sku is often an internal or per-variant id; bare data-* attributes come last.
_SOURCE_RANKS: dict[str, tuple[tuple[str, str], ...]] = {
    "sku": (
        ("microdata", ""),
        ("meta", "itemprop=sku"),
        ("heuristic", "itemprop=sku"),
        ("heuristic", "sku-label"),
        ("heuristic", "sku-element"),
        ("jsonld", ""),
        ("opengraph", ""),
    ),
    # a shop's og:title carries its own name; the main heading rarely does
    "name": (("jsonld", ""), ("microdata", ""), ("heuristic", "title-heading")),
    "url": (("meta", "link[rel=canonical]"), ("opengraph", "og:url")),
}
_PICTURE_WORDS = words_of("gallery zoom primary hero main image media photo")
_DESCRIPTION_WORDS = words_of("description desc beschreibung descripcion")


def _found() -> FoundBySource:
    return FoundBySource("product")


# ---------------------------------------------------------------------------- visible page


def _image_candidates(layout: ShopLayout, found: FoundBySource, base_url: str) -> None:
    """The first image in a product gallery ("gallery", "zoom", "product-image" blocks)."""
    for el in layout.root.iter("img"):
        src = el.get("data-zoom-image") or el.get("data-src") or el.get("src") or ""
        if not src or src.startswith("data:") or layout.is_foreign(el):
            continue
        for near in [el, *list(el.iterancestors())[:4]]:
            words = naming_words(near)
            if {"gallery", "zoom"} & words or ("product" in words and words & _PICTURE_WORDS):
                found.add("mainImage", urljoin(base_url, src), "gallery-image", "heuristic")
                return


def _description_candidates(layout: ShopLayout, found: FoundBySource) -> None:
    """The paragraphs of the first block named for the description ("product-description")."""
    for el in layout.elements:
        if not naming_words(el) & _DESCRIPTION_WORDS or el.tag in ("meta", "script"):
            continue
        if layout.is_foreign(el) or hidden_in_ancestry(el):
            continue
        paragraphs = [visible_text(p) for p in el.iter("p")]
        text = " ".join(p for p in paragraphs if p) or visible_text(el)
        if len(text) >= 40:
            found.add("description", text, "description-block", "heuristic")
            return


@dataclass
class _Visible:
    """What the visible page says, kept apart so it can be weighed against the markup."""

    found: FoundBySource
    best_price: PriceSpot | None
    old_amounts: set[float]


def _visible_candidates(layout: ShopLayout, spots: list[PriceSpot], base_url: str) -> _Visible:
    found = _found()
    ours = [s for s in spots if not s.old and not s.foreign]
    for i, spot in enumerate(ours[:3]):
        found.add(
            "price", spot.value, "price-near-title" if i == 0 else "price-on-page", "heuristic"
        )
    for spot in ours[:1]:
        parent = spot.element.getparent()
        context = visible_text(parent)[:80] if parent is not None else ""
        code = currency_code(spot.text) or currency_code(context)
        code = code or currency_of_symbol(spot.value, _page_language(layout.root))
        found.add("currency", code, "currency-of-price", "heuristic")
    if layout.title is not None:
        found.add("name", visible_text(layout.title), "title-heading", "heuristic")
    identifier_candidates(layout, found)
    availability_candidates(layout, found)
    _description_candidates(layout, found)
    _image_candidates(layout, found, base_url)
    old = {s.amount for s in spots if s.old and not s.foreign}
    return _Visible(found, ours[0] if ours else None, old)


def _page_title(page: Page) -> str:
    """og:title, else <title>: the hint the main heading and the main Product are matched to."""
    for value in meta_values(page, "og:title"):
        return value
    return collapse_whitespace(page.selector.xpath("string(//title)").get() or "")


def _page_language(el: etree._Element) -> str:
    root = el.getroottree().getroot()
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    if not lang:
        locale = root.xpath("//meta[@property='og:locale']/@content")
        lang = locale[0] if locale else ""
    return lang


class _ShopPage:
    """The analysis of one page that classify() and candidates() share, each part made once
    (kept on the page by `_shop_page`; it holds the page's document, not the page)."""

    def __init__(self, page: Page):
        self.root = page.selector.root
        self.title = _page_title(page)

    @cached_property
    def layout(self) -> ShopLayout:
        return ShopLayout.of(self.root, self.title, in_scope=False)

    @cached_property
    def spots(self) -> list[PriceSpot]:
        return price_spots(self.layout)


@per_page
def _shop_page(page: Page) -> _ShopPage:
    return _ShopPage(page)


# ---------------------------------------------------------------------------- markup vs page


def _merge(structured: FoundBySource, visible: _Visible) -> FoundBySource:
    """Markup first, unless the visible page contradicts it.

    A structured price the page shows only as a former price (the sale started after the markup
    was written) yields to the visible current price; a structured "out of stock" yields to a live
    buy button beside the title when no stock text agrees with it.
    """
    merged = FoundBySource("product", {k: list(v) for k, v in structured.by_field.items()})
    top_price, best = structured.first("price"), visible.best_price
    if top_price is not None and best is not None:
        amount = price_amount(top_price.value)
        if amount in visible.old_amounts and amount != best.amount:
            merged.by_field["price"] = (
                visible.found.by_field["price"][:1] + merged.by_field["price"]
            )
    top_stock = structured.first("availability")
    seen = visible.found.by_field.get("availability", [])
    if top_stock is not None and top_stock.value in NEGATIVE_AVAILABILITY and seen:
        agrees = any(c.value in NEGATIVE_AVAILABILITY for c in seen)
        if seen[0].source.endswith(":buy-button") and seen[0].value == "InStock" and not agrees:
            merged.by_field["availability"] = seen[:1] + merged.by_field["availability"]
    for name, items in visible.found.by_field.items():
        present = merged.by_field.setdefault(name, [])
        present.extend(c for c in items if c not in present)
    for name, ranks in _SOURCE_RANKS.items():
        if name in merged.by_field:
            merged.by_field[name].sort(key=lambda c, ranks=ranks: _source_rank(c, ranks))
    return merged


def _source_rank(candidate: Candidate, ranks: tuple[tuple[str, str], ...]) -> int:
    detail = candidate.source.split(":", 2)[-1]
    for rank, (kind, source) in enumerate(ranks):
        if candidate.kind == kind and (not source or detail == source):
            return rank
    return len(ranks)


def _absolute_urls(by_field: dict[str, list[Candidate]], base: str) -> dict[str, list[Candidate]]:
    for name in ("url", "mainImage"):
        if name in by_field:
            by_field[name] = [
                Candidate(urljoin(base, c.value), c.source, c.kind, c.from_template)
                for c in by_field[name]
            ]
    return by_field


# ---------------------------------------------------------------------------- the intent


class ProductIntent(Intent):
    """Products: price, availability and identifiers of the item a page (or a tile) sells."""

    name = "product"
    fields: ClassVar[dict[str, FieldSpec]] = {
        "name": FieldSpec(type="string", required=True),
        "price": FieldSpec(type="price", required=True),
        "currency": FieldSpec(type="string"),
        "sku": FieldSpec(type="string"),
        "brand": FieldSpec(type="string"),
        "availability": FieldSpec(type="string"),
        "gtin": FieldSpec(type="string"),
        "mpn": FieldSpec(type="string"),
        "description": FieldSpec(type="text"),
        "mainImage": FieldSpec(type="url"),
        "url": FieldSpec(type="url"),
    }
    key_fields = ("url",)

    def candidates(self, page: Page, scope: Selector | None = None) -> dict[str, list[Candidate]]:
        if scope is None:
            shop = _shop_page(page)
            visible = _visible_candidates(shop.layout, shop.spots, page.url)
            structured = _found()
            shown = visible.best_price.amount if visible.best_price else None
            structured_candidates(page, structured, shop.title, shown)
            opengraph_and_meta(page, structured)
            found = _merge(structured, visible)
            found.add("url", page.url, "page-url", "heuristic")
        else:
            found = _found()
            scope_itemprops(scope, found)
            layout = ShopLayout.of(scope.root, "", in_scope=True)
            visible = _visible_candidates(layout, price_spots(layout), page.url).found
            for name, items in visible.by_field.items():
                found.by_field.setdefault(name, []).extend(items)
            for href in scope.xpath(".//a/@href").getall()[:1]:
                found.add("url", href, "first-link", "heuristic")
        return _absolute_urls(found.by_field, page.url)

    def classify(self, page: Page) -> Classification:
        return classify_product_page(page)


def classify_product_page(page: Page) -> Classification:
    """item: the page sells one product; listing: many priced products; other: neither."""
    shop = _shop_page(page)
    title = shop.title
    entities = [
        e
        for syntax in ("json-ld", "microdata")
        for e, nested in product_entities(page.structured.get(syntax, []))
        if not nested
    ]
    names = {(as_text(e.get("name")) or "").lower() for e in entities} - {""}
    layout = shop.layout
    heading = visible_text(layout.title) if layout.title is not None else title
    main = next(
        (m[0] for s in ("json-ld", "microdata") if (m := main_entities(page, s, title))), None
    )
    if main is not None:
        main_name = as_text(main.get("name")) or ""
        if len(names) <= 1 or overlap(main_name, heading) >= 0.6:
            return Classification("item", 0.95, "schema.org Product named like the main heading")
    og_type = " ".join(meta_values(page, "og:type")).lower()
    if "product" in og_type:
        return Classification("item", 0.85, f"og:type is {og_type!r}")
    spots = [s for s in shop.spots if not s.old and not s.foreign]
    tiles = [s for s in spots if s.grid]
    near_title = [
        s
        for s in spots
        if not s.grid and layout.title is not None and layout.distance(s.element, layout.title) <= 8
    ]
    item_lists = [
        o
        for o in page.structured.get("json-ld", [])
        if isinstance(o, dict) and is_of_type(o, ("ItemList",))
    ]
    if not near_title and (len(names) >= 3 or item_lists or len(tiles) >= 3):
        what = f"{len(tiles)} priced product tiles" if tiles else f"{len(names)} products marked up"
        return Classification("listing", 0.8, f"{what}, none the page's own")
    if near_title and layout.buy:
        return Classification("item", 0.75, "a price and a buy button next to the main heading")
    if near_title:
        return Classification("item", 0.6, "a price next to the main heading")
    if len(spots) >= 3:
        return Classification("listing", 0.55, f"{len(spots)} prices, none next to a heading")
    return Classification("other", 0.7, "no product markup and no price by a heading")
