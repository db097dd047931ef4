"""The prices a shop page shows, best first: near the title and the buy button, current, the
product's own. Filtered out or marked down: struck-through and "was" prices, prices in blocks of
other products, in grids of tiles or in the page chrome, shipping costs, instalments, savings,
add-ons and net prices shown beside gross ones."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from dataops_spiders.intents.currencies import (
    BARE_NUMBER,
    CURRENCY_ONLY,
    PRICE_TEXT,
    price_amount,
)
from dataops_spiders.intents.visible import (
    SKIPPED_TAGS,
    hidden_in_ancestry,
    is_struck,
    names_search,
    naming_words,
    text_after,
    text_before,
    visible_text,
    words_of,
)

_DIGITS = re.compile(r"\d")
_DECIMAL = re.compile(r"\d[.,]\d{2}(?!\d)")
_PERCENT = re.compile(r"[-+]?\d+(?:[.,]\d+)?\s*%")

# Class-name words (see naming_words) that say what a price is.
PRICE_CLASS = re.compile(r"price|preis|prix|precio|preco|preço|prezzo|cena|cijena|hinta|pris", re.I)
_CURRENT_WORDS = words_of("sale special final current actual now promo offer selling main new our")
_OLD_WORDS = words_of(
    "old was before strike strikethrough striked crossed compare rrp uvp msrp original previous "
    "regular reference statt avant antes barred retail full listprice oldprice initial"
)
_NET_WORDS = words_of("notax net nett netto excl exclusive")
_NOT_PRICE_WORDS = words_of(
    "shipping delivery versand livraison envio instalment installment installments financing "
    "monthly unit unitprice saving savings save points"
)
# Text before or in a price that says it is not the product's price.
_NOT_PRICE_TEXT = re.compile(
    r"shipping|delivery|postage|versand|lieferung|livraison|envío|envio|frete|spedizione|"
    r"dostava|doprava|porto\b|/\s*(?:mo|month|mes|mois|monat)\b|per month|a month|monthly|"
    r"monatlich|par mois|al mes|cuotas|\braten\b|mensualit|instal+ment|financ|you save|\bsave\b|"
    r"payments? of|\d\s*[x×]\s|interest[- ]free|klarna|afterpay|clearpay|zahlungen|plazos|"
    r"parcelas|\brate da\b|\braty\b|"
    r"\bspare|sparen|économisez|ahorra|risparmi|/\s*(?:kg|l|m|m²|100\s*g|100\s*ml)\b|"
    r"pro (?:kg|liter|l|m)\b|per (?:kg|l|m)\b|free|gratis|gratuit|\bpoints?\b|punkte|"
    r"discount|rabatt|remise|descuento|sconto|desconto|скидка|zniżka|sleva|popust|"
    r"運費|免運|省|點|折扣|優惠",
    re.I,
)
# A net price beside the gross one: shoppers pay the gross.
_TAX_EXCLUDED = re.compile(
    r"excl|exkl|ohne mwst|netto|\bnet\b|without (?:vat|tax)|ex\.? vat|\bht\b|hors tax|sin iva|"
    r"senza iva|sem iva|bez dph|bez vat|brez ddv|bez pdv|ilman alv|exkl\. moms|без ндс",
    re.I,
)
# Labels written before a price, in the text or the table cell before it.
_PRICE_LABEL = re.compile(
    r"\b(?:price|preis|prix|precio|preço|prezzo|cena|cijena|hinta|pris|now|sale|jetzt|nur|"
    r"ahora|maintenant|ora|agora|teraz)\b",
    re.I,
)
_OLD_PRICE_LABEL = re.compile(
    r"list price|\bwas\b|\brrp\b|\buvp\b|statt|msrp|regular price|original price|before|"
    r"antes|avant|prix barré|prix initial|precio anterior|prezzo di listino|prezzo pieno|"
    r"vorher|bisher|alter preis|cena katalogowa|běžná cena",
    re.I,
)
_FROM_PRICE = re.compile(r"\b(?:from|ab|desde|à partir de|a partir de|da|od)\b|起", re.I)


@dataclass(eq=False)  # spots are compared by identity
class PriceSpot:
    element: etree._Element
    text: str  # all the element says: "Now only 1.299,00 € incl. VAT"
    value: str  # the price in it: "1.299,00 €"
    amount: float
    score: float = 0.0
    old: bool = False  # struck through, or classed as a former price beside a current one
    struck: bool = False
    foreign: bool = False  # in a related-products block or the page chrome
    grid: bool = False  # in a grid of product tiles
    net: bool = False  # said to exclude tax
    bare: bool = False  # a number without currency, priced only by its class name


def _price_text_of(el: etree._Element) -> tuple[str, str] | None:
    """(text, price) when the element reads as one price ("Now 1.299,00 €" → "1.299,00 €")."""
    text = visible_text(el)
    if not text or len(text) > 60 or not _DIGITS.search(text):
        return None
    matches = list(PRICE_TEXT.finditer(text))
    if len(matches) == 1:
        rest = text[: matches[0].start()] + " " + text[matches[0].end() :]
        if _DECIMAL.search(_PERCENT.sub("", rest)):
            return None  # "statt 4.50CHF 2.25": two prices, one of them without its currency
        return text, matches[0].group(0).strip()
    if not matches and BARE_NUMBER.match(text) and names_search(el, PRICE_CLASS):
        return text, text
    return None


def price_spots(layout) -> list[PriceSpot]:
    """Every visible price of a shop page (see `shop_layout.ShopLayout`), best first."""
    spots: list[PriceSpot] = []
    taken: dict[int, PriceSpot] = {}  # element id → the spot found in it or in a descendant
    for el in reversed(layout.elements):  # children first, so a wrapper defers to its content
        if el.tag in SKIPPED_TAGS or el.tag in ("html", "body"):
            continue
        priced_class = names_search(el, PRICE_CLASS)
        own = (el.text or "") + "".join(c.tail or "" for c in el)
        if not priced_class and not _DIGITS.search(own) and not CURRENCY_ONLY.search(own):
            continue
        read = _price_text_of(el)
        amount = price_amount(read[1]) if read else None
        if not amount:
            continue
        text, value = read
        inner = [taken[id(d)] for d in el.iterdescendants() if id(d) in taken]
        same = next((s for s in inner if s.amount == amount), None)
        if same is not None:
            # a wrapper reads its child's price: credit the child with the wrapper's class
            same.score += 1.0 if priced_class else 0.0
            taken[id(el)] = same
            continue
        if inner and all(s.bare for s in inner) and PRICE_TEXT.search(text):
            # "$249<span class=cents>99</span>": the spans were fragments of this price
            spots = [s for s in spots if s not in inner]
        elif inner:
            continue  # a block holding several prices is not one price
        spot = _read_spot(layout, el, text, value, amount, priced_class)
        if spot is not None:
            taken[id(el)] = spot
            spots.append(spot)
    _settle_old_prices(layout, spots)
    _mark_grids(layout, spots)
    for spot in spots:
        spot.score -= 4.0 * spot.old + 6.0 * spot.foreign + 3.0 * spot.grid
    # best first; among equals the one shown first
    return sorted(spots, key=lambda s: (-s.score, layout.position(s.element)))


def _read_spot(
    layout, el: etree._Element, text: str, value: str, amount: float, priced_class: bool
) -> PriceSpot | None:
    """Score one price element, or None when it is hidden or not a product price at all."""
    if hidden_in_ancestry(el):
        return None
    ancestry = [el, *el.iterancestors()]
    words = set().union(*(naming_words(a) for a in ancestry[:3]))
    # the label of this price is what precedes it after any earlier number ("SAVE 150 $249")
    before, after = re.split(r"\d", text_before(el))[-1], text_after(el)
    if (
        text.startswith("+")  # an add-on: warranty, gift wrap, assembly
        or _NOT_PRICE_TEXT.search(text)
        or _NOT_PRICE_TEXT.search(before[-30:])
        or words & _NOT_PRICE_WORDS
    ):
        return None
    spot = PriceSpot(el, text, value, amount)
    spot.struck = any(is_struck(a) for a in ancestry[:4])
    spot.old = spot.struck or bool(words & _OLD_WORDS) or bool(_OLD_PRICE_LABEL.search(before))
    spot.foreign = layout.is_foreign(el)
    spot.bare = not PRICE_TEXT.search(text)
    spot.net = bool(
        _TAX_EXCLUDED.search(f"{before[-20:]} {text} {after[:20]}") or words & _NET_WORDS
    )
    spot.score = (
        2.0 * priced_class
        + 1.0 * bool(words & _CURRENT_WORDS)
        + 2.0 * (el.get("itemprop") == "price")
        + 1.0 * (not spot.bare)
        - 1.0 * bool(_FROM_PRICE.search(f"{before[-15:]} {text}"))
        - 2.0 * spot.net
        + 1.0 * bool(_PRICE_LABEL.search(before))
    )
    if layout.title is not None:
        spot.score += 4.0 / (1 + layout.distance(el, layout.title) / 3)
        spot.score -= 1.0 * (layout.position(el) < layout.position(layout.title))
    if layout.buy:
        spot.score += 2.0 / (1 + min(layout.distance(el, b) for b in layout.buy) / 3)
    return spot


def _settle_old_prices(layout, spots: list[PriceSpot]) -> None:
    """A price is "old" beside a current one: a lone price classed old ("price-old-live") is not."""
    for spot in spots:
        if spot.old and not spot.struck:
            spot.old = any(
                s is not spot
                and not s.old
                and not s.net
                and layout.distance(s.element, spot.element) <= 6
                for s in spots
            )


def _mark_grids(layout, spots: list[PriceSpot]) -> None:
    """Prices in a grid of look-alike tiles (3+ siblings of one tag and class, several prices)
    belong to other products, whatever the grid's class names say."""
    tiles: dict[tuple, set[int]] = {}
    amounts: dict[tuple, set[float]] = {}
    keys_of: dict[int, list[tuple]] = {}
    for spot in spots:
        keys = keys_of[id(spot)] = []
        node = spot.element
        for _ in range(6):
            parent = node.getparent()
            if parent is None or node is layout.root or id(node) in layout.title_line:
                break
            key = (id(parent), node.tag, node.get("class") or "")
            tiles.setdefault(key, set()).add(id(node))
            amounts.setdefault(key, set()).add(spot.amount)
            keys.append(key)
            node = parent
    for spot in spots:
        spot.grid = any(len(tiles[k]) >= 3 and len(amounts[k]) >= 2 for k in keys_of[id(spot)])
