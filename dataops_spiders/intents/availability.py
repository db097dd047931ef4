"""Whether a product can be bought: schema.org availability values, stock texts in several
languages, "Availability:" labels and buy buttons, read as schema.org ItemAvailability names."""

from __future__ import annotations

import re
from typing import Any

from dataops_spiders.intents.found import FoundBySource
from dataops_spiders.intents.labels import LABEL_END, values_after_label
from dataops_spiders.intents.visible import (
    SKIPPED_TAGS,
    hidden_in_ancestry,
    names_search,
    naming_words,
    visible_text,
    words_of,
)

AVAILABILITY_NAMES = (
    "InStock",
    "OutOfStock",
    "PreOrder",
    "BackOrder",
    "LimitedAvailability",
    "Discontinued",
    "InStoreOnly",
    "OnlineOnly",
    "SoldOut",
)
_AVAILABILITY_BY_KEY = {name.lower(): name for name in AVAILABILITY_NAMES}
NEGATIVE_AVAILABILITY = words_of("OutOfStock SoldOut Discontinued")

# Stock texts, most specific first: "not in stock" must win over "in stock".
_AVAILABILITY_TEXTS: tuple[tuple[str, str], ...] = (
    (
        "OutOfStock",
        r"out[\s-]of[\s-]stock|sold[\s-]out|not (?:in stock|available)|currently unavailable|"
        r"unavailable|"
        r"notify me|when available|back in stock|benachrichtig|wieder verfügbar|prévenez-moi|"
        r"m'avertir|avísame|avisarme|avvisami|"
        r"no longer available|nicht (?:auf lager|lieferbar|verfügbar|vorrätig)|ausverkauft|"
        r"vergriffen|derzeit nicht|rupture de stock|épuisé|indisponible|non disponible|"
        r"plus disponible|agotado|sin stock|sin existencias|no disponible|esgotado|indisponível|"
        r"esaurito|non disponibile|uitverkocht|niet (?:leverbaar|op voorraad)|niedostępn|"
        r"brak w magazynie|nedostupn|vyprodáno|nije dostupn|нет в наличии|немає в наявності",
    ),
    ("PreOrder", r"pre[\s-]?order|vorbestell|précommande|preventa|pré-venda|prenota"),
    ("BackOrder", r"back[\s-]?order"),
    ("Discontinued", r"discontinued|nicht mehr erhältlich|descatalogado"),
    ("InStoreOnly", r"in[\s-]store only|nur im (?:markt|geschäft|laden)|uniquement en magasin"),
    (
        "LimitedAvailability",
        r"limited (?:availability|stock)|begrenzt verfügbar|stock limité|disponibilidad limitada",
    ),
    (
        "InStock",
        r"in stock|available|auf lager|sofort lieferbar|lieferbar|verfügbar|vorrätig|en stock|"
        r"disponible|en existencia|disponível|em estoque|disponibile|op voorraad|dostępn|"
        r"na stanie|skladem|na zalogi|dostupn|в наличии|є в наявності|"
        # a few left is still in stock
        r"only \d+ left|few left|nur noch \d+|plus que \d+|últimas? \d+",
    ),
)
_AVAILABILITY_RES = tuple(
    (name, re.compile(rf"\b(?:{rx})", re.I)) for name, rx in _AVAILABILITY_TEXTS
)
_STOCK_CLASS = re.compile(r"avail|stock|lager|verfueg|verfüg|dispon|inventory|zaloga|sklad", re.I)
_STOCK_LABEL = re.compile(
    r"^\s*(?:availability|stock|in stock\?|verfügbarkeit|lieferbarkeit|lieferstatus|lagerstatus|"
    r"disponibilité|disponibilidad|disponibilità|disponibilidade|dostępność|dostupnost|"
    r"beschikbaarheid|наличие)" + LABEL_END,
    re.I,
)

# Buy buttons: one that is live says the product can be bought now.
BUY_TEXT = re.compile(
    r"add(?:ing)? to (?:cart|basket|bag|trolley)|add to my bag|buy now|buy it now|purchase|"
    r"in den (?:warenkorb|einkaufswagen)|jetzt kaufen|kaufen|ajouter au panier|acheter|"
    r"añadir al (?:carrito|carro|cesta)|agregar al (?:carrito|carro)|comprar|aggiungi al carrello|"
    r"acquista|adicionar ao carrinho|in winkel(?:wagen|mand)|do koszyka|kup teraz|do košíku|"
    r"koupit|kúpiť|\bkupi\b|košaric|kosárba|в корзину|купить|sepete ekle|adaugă în coș|"
    r"adauga in cos|pievienot grozam|į krepšelį|lisää ostoskoriin|\bköp\b|"
    r"加入購物車|立即購買|加入购物车|立即购买|カートに入れる",
    re.I,
)


def normalize_availability(value: Any) -> str | None:
    """A schema.org ItemAvailability name for a URL (http://schema.org/InStock) or visible text."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    key = re.sub(r"[^a-z]", "", text.rsplit("/", 1)[-1].lower())
    if " " not in text and key in _AVAILABILITY_BY_KEY:  # "InStock", "schema.org/InStock"
        return _AVAILABILITY_BY_KEY[key]
    for name, rx in _AVAILABILITY_RES:
        if rx.search(text):
            return name
    if BUY_TEXT.search(text):
        return "InStock"
    return None


def availability_candidates(layout, found: FoundBySource) -> None:
    """Stock texts and buy buttons of a shop page (see `shop_layout.ShopLayout`), the one
    nearest the title first."""
    statuses: list[tuple[int, str, str]] = []
    for el in layout.elements:
        if el.tag in SKIPPED_TAGS or not names_search(el, _STOCK_CLASS):
            continue
        text = visible_text(el)
        if not text or len(text) > 80 or layout.is_foreign(el):
            continue
        status = normalize_availability(text)
        if status and not hidden_in_ancestry(el):
            statuses.append((layout.distance(el, layout.title), status, "stock-text"))
    for raw, el in values_after_label(layout.label_texts, _STOCK_LABEL):
        status = normalize_availability(raw)
        if status and not layout.is_foreign(el):
            statuses.append((layout.distance(el, layout.title), status, "stock-label"))
    for el in layout.elements:  # "Sold out", "Notify me when available" in place of a buy button
        if el.tag == "button" and el not in layout.buy and not layout.is_foreign(el):
            status = normalize_availability(visible_text(el))
            if status in NEGATIVE_AVAILABILITY or status in ("PreOrder", "BackOrder"):
                statuses.append((layout.distance(el, layout.title), status, "stock-button"))
    for button in layout.buy:
        if layout.is_foreign(button) or hidden_in_ancestry(button):
            continue
        disabled = button.get("disabled") is not None or "disabled" in naming_words(button)
        status = "InStock"
        if disabled:  # a greyed-out "Sold out" says which; a greyed-out "Add to cart" says no
            text = visible_text(button) or button.get("value") or ""
            status = normalize_availability(text) or "OutOfStock"
            status = "OutOfStock" if status == "InStock" else status
        statuses.append((layout.distance(button, layout.title), status, "buy-button"))
    for _distance, status, source in sorted(statuses, key=lambda s: s[0]):
        found.add("availability", status, source, "heuristic")
