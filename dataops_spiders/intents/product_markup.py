"""What a shop's markup says about the product a page sells: its schema.org Product in JSON-LD
and microdata (the page's own, not the related products marked up beside it), OpenGraph
product tags, loose itemprop/meta tags, and the itemprops inside one listing tile."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector

from dataops_spiders.cleaners import collapse_whitespace, strip_html
from dataops_spiders.intents.availability import NEGATIVE_AVAILABILITY, normalize_availability
from dataops_spiders.intents.currencies import currency_code, price_amount
from dataops_spiders.intents.found import FoundBySource
from dataops_spiders.intents.identifiers import IDENTIFIER
from dataops_spiders.intents.structured import get_path, is_of_type, meta_values
from dataops_spiders.intents.visible import overlap, words_of
from dataops_spiders.page import Page

PRODUCT_TYPES = words_of("Product ProductGroup IndividualProduct ProductModel SomeProducts")
# Product entities under these keys describe other products, never the page's own.
FOREIGN_KEYS = words_of("isRelatedTo isSimilarTo isAccessoryOrSparePartFor isConsumableFor")
_LIST_PRICE_TYPES = re.compile(r"strikethrough|listprice|msrp|srp|invoice", re.I)


def as_text(value: Any) -> str | None:
    """A scalar from a schema.org value that may be a string, a number or a {name: …} thing."""
    if isinstance(value, list):
        return next((t for t in map(as_text, value) if t), None)
    if isinstance(value, dict):
        for key in ("name", "value", "@id", "url"):
            if isinstance(value.get(key), (str, int, float)):
                return as_text(value[key])
        return None
    if isinstance(value, bool) or value is None:
        return None
    return collapse_whitespace(str(value)) or None


def _image_url(value: Any) -> str | None:
    if isinstance(value, list):
        return next((u for u in map(_image_url, value) if u), None)
    if isinstance(value, dict):
        return as_text(value.get("url") or value.get("contentUrl") or value.get("@id"))
    return as_text(value)


def _brand(value: str | None) -> str | None:
    """A brand without the label some shops mark up with it ("More from brand: Acme")."""
    if value and ":" in value and len(value) > 25:
        return value.rsplit(":", 1)[-1].strip() or None
    return value


def product_entities(data: Any) -> list[tuple[dict, bool]]:
    """(entity, nested) for every Product, skipping products that describe other products.

    `find_entities` does not serve here: it returns the products a page lists under
    isRelatedTo/isSimilarTo too, and does not say which products sit inside another.
    """
    found: list[tuple[dict, bool]] = []

    def walk(obj: Any, inside_product: bool, key: str | None) -> None:
        if isinstance(obj, list):
            for item in obj:
                walk(item, inside_product, key)
        elif isinstance(obj, dict) and key not in FOREIGN_KEYS:
            is_product = is_of_type(obj, PRODUCT_TYPES)
            if is_product:
                found.append((obj, inside_product))
            for k, v in obj.items():
                walk(v, inside_product or is_product, k)

    walk(data, False, None)
    return found


def main_entities(page: Page, syntax: str, title: str) -> list[dict]:
    """The page's own Product in one syntax, then its same-named siblings (one per variant).

    The main one is named like the page title, has an offer and sits at the top level: the
    related products a shop marks up too are rarely named like the page.
    """
    entities = product_entities(page.structured.get(syntax, []))
    if not entities:
        return []

    def score(indexed: tuple[int, tuple[dict, bool]]) -> float:
        index, (entity, nested) = indexed
        name = as_text(entity.get("name")) or ""
        has_offer = bool(get_path(entity, "offers")) or is_of_type(entity, ("ProductGroup",))
        return 2.0 * overlap(name, title) + has_offer + (not nested) * 0.5 - 0.01 * index

    _, (best, _) = max(enumerate(entities), key=score)
    name = (as_text(best.get("name")) or "").lower()
    siblings = [
        e
        for e, nested in entities
        if e is not best and not nested and name and (as_text(e.get("name")) or "").lower() == name
    ]
    return [best, *siblings]


def _offers(entity: dict) -> list[dict]:
    """The entity's offers, flattened: an AggregateOffer's inner offers and variants' offers too."""
    out: list[dict] = []

    def add(obj: Any) -> None:
        if isinstance(obj, list):
            for item in obj:
                add(item)
        elif isinstance(obj, dict):
            out.append(obj)
            add(obj.get("offers"))

    add(entity.get("offers"))
    for variant in get_path(entity, "hasVariant"):
        if isinstance(variant, dict):
            add(variant.get("offers"))
    return out


def _offer_prices(offer: dict) -> Iterator[tuple[str, str]]:
    """(path, raw price) of one offer: the selling price, the low end of a range, then the rest."""
    for key in ("price", "lowPrice"):
        value = as_text(offer.get(key))
        if value:
            yield f"offers.{key}", value
    specs = offer.get("priceSpecification")
    for spec in specs if isinstance(specs, list) else [specs]:
        if isinstance(spec, dict) and not _LIST_PRICE_TYPES.search(str(spec.get("priceType", ""))):
            value = as_text(spec.get("price"))
            if value:
                yield "offers.priceSpecification.price", value
    value = as_text(offer.get("highPrice"))
    if value:
        yield "offers.highPrice", value


def _rank_offers(offers: list[dict], shown: float | None) -> list[dict]:
    """The offer the page shows first: priced as the visible price, then in stock, then in order."""

    def key(indexed: tuple[int, dict]) -> tuple:
        index, offer = indexed
        prices = [price_amount(v) for _, v in _offer_prices(offer)]
        availability = normalize_availability(as_text(offer.get("availability")) or "")
        return (shown is None or shown not in prices, availability in NEGATIVE_AVAILABILITY, index)

    return [offer for _, offer in sorted(enumerate(offers), key=key)]


def structured_candidates(
    page: Page, found: FoundBySource, title: str, shown: float | None
) -> None:
    """Fields of the page's own Product, JSON-LD then microdata; `shown` is the visible price,
    which picks the offer the page shows among several."""
    for syntax, kind in (("json-ld", "jsonld"), ("microdata", "microdata")):
        entities = main_entities(page, syntax, title)
        if not entities:
            continue
        entity = entities[0]
        offers = [offer for e in entities for offer in _offers(e)]
        found.add("name", as_text(entity.get("name")), "name", kind)
        for offer in _rank_offers(offers, shown):
            for path, value in _offer_prices(offer):
                found.add("price", value, path, kind)
            currency = as_text(offer.get("priceCurrency"))
            found.add(
                "currency", currency_code(currency or "") or currency, "offers.priceCurrency", kind
            )
            availability = normalize_availability(as_text(offer.get("availability")) or "")
            found.add("availability", availability, "offers.availability", kind)
        for e in entities:
            found.add("sku", as_text(e.get("sku")), "sku", kind)
        found.add("sku", as_text(offers[0].get("sku")) if offers else None, "offers.sku", kind)
        product_id = (as_text(entity.get("productID")) or "").rsplit(":", 1)[-1]
        if IDENTIFIER.match(product_id):
            found.add("sku", product_id, "productID", kind)
        for key in ("gtin13", "gtin", "gtin14", "gtin12", "gtin8", "isbn"):
            found.add("gtin", as_text(entity.get(key)), key, kind)
        found.add("mpn", as_text(entity.get("mpn")), "mpn", kind)
        found.add("brand", _brand(as_text(entity.get("brand"))), "brand", kind)
        found.add("brand", _brand(as_text(entity.get("manufacturer"))), "manufacturer", kind)
        description = as_text(entity.get("description"))
        found.add(
            "description", strip_html(description) if description else None, "description", kind
        )
        found.add("mainImage", _image_url(entity.get("image")), "image", kind)
        found.add("url", as_text(entity.get("url")), "url", kind)
        for offer in offers[:1]:
            found.add("url", as_text(offer.get("url")), "offers.url", kind)


# (itemprop, field) of tags shops emit loose in the buy box, outside any parsed Product
_LOOSE_ITEMPROPS = (
    ("price", "price"),
    ("lowPrice", "price"),
    ("priceCurrency", "currency"),
    ("sku", "sku"),
    ("gtin13", "gtin"),
    ("mpn", "mpn"),
    ("brand", "brand"),
)
_TILE_ITEMPROPS = (
    ("name", "name"),
    *_LOOSE_ITEMPROPS,
    ("availability", "availability"),
    ("image", "mainImage"),
    ("url", "url"),
)


def opengraph_and_meta(page: Page, found: FoundBySource) -> None:
    """OpenGraph product tags, the description meta tag, loose itemprop tags, the canonical."""
    tags = (  # (field, kind, meta names)
        ("price", "opengraph", ("product:price:amount", "og:price:amount")),
        ("price", "opengraph", ("product:sale_price:amount",)),
        ("currency", "opengraph", ("product:price:currency", "og:price:currency")),
        ("availability", "opengraph", ("product:availability", "og:availability")),
        ("sku", "opengraph", ("product:retailer_item_id", "product:sku")),
        ("brand", "opengraph", ("product:brand", "og:brand")),
        ("gtin", "opengraph", ("product:upc", "product:ean", "product:gtin")),
        ("name", "opengraph", ("og:title",)),
        ("description", "opengraph", ("og:description",)),
        ("mainImage", "opengraph", ("og:image", "og:image:url", "og:image:secure_url")),
        ("url", "opengraph", ("og:url",)),
        ("description", "meta", ("description",)),
    )
    for name, kind, metas in tags:
        for value in meta_values(page, *metas):
            if name == "availability":
                value = normalize_availability(value)
            found.add(name, value, metas[0], kind)
    for prop, name in _LOOSE_ITEMPROPS:
        for value in page.selector.xpath("//meta[@itemprop=$p]/@content", p=prop).getall():
            found.add(name, value, f"itemprop={prop}", "meta")
    for value in page.selector.xpath("//link[@itemprop='availability']/@href").getall():
        found.add("availability", normalize_availability(value), "itemprop=availability", "meta")
    for value in page.selector.xpath("//link[@rel='canonical']/@href").getall():
        found.add("url", value, "link[rel=canonical]", "meta")


def scope_itemprops(scope: Selector, found: FoundBySource) -> None:
    """Microdata inside one listing tile, read straight from its itemprop attributes."""
    for prop, name in _TILE_ITEMPROPS:
        for el in scope.xpath(".//*[@itemprop=$p]", p=prop):
            attrs = el.attrib
            value = attrs.get("content") or attrs.get("href") or attrs.get("src")
            value = value or collapse_whitespace(" ".join(el.xpath(".//text()").getall()))
            if name == "availability":
                value = normalize_availability(value)
            found.add(name, value, f"itemprop={prop}", "microdata")
