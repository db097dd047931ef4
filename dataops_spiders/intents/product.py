"""The built-in `product` intent: one product page (or one product tile of a listing) as a record.

Extractors, most trusted first: the page's own schema.org Product in JSON-LD and microdata,
OpenGraph product tags, loose itemprop/meta tags, then heuristics over the visible page for the
many shops that publish no markup:

- price: the price element nearest the main heading and the buy button, not struck through or
  classed as a former price, not in a related-products block, a grid of product tiles or the
  page chrome, not a shipping cost, an instalment, a saving or an add-on;
- sku, mpn, gtin, brand: values written after labels ("SKU:", "Item #", "Art.-Nr.", "Réf.",
  "Código", spec table rows) and elements named for them (class="product-reference");
- availability: stock texts and buy buttons in several languages.

Field names follow schema.org / zyte-common-items. Values are returned as found (trimmed); the
extraction layer coerces them (prices with price-parser).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from dataops_spiders.cleaners import strip_html
from dataops_spiders.intents.base import Intent
from dataops_spiders.intents.structured import get_path, meta_values
from dataops_spiders.page import Page
from dataops_spiders.records import Candidate, Classification
from dataops_spiders.templates import FieldSpec


def _words_of(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ---------------------------------------------------------------------------- schema.org

PRODUCT_TYPES = _words_of("Product ProductGroup IndividualProduct ProductModel SomeProducts")
# Product entities under these keys describe other products, never the page's own.
FOREIGN_KEYS = _words_of("isRelatedTo isSimilarTo isAccessoryOrSparePartFor isConsumableFor")
_TYPE_NAMES = {t.lower(): t for t in (*PRODUCT_TYPES, "ItemList", "Offer", "AggregateOffer")}
_LIST_PRICE_TYPES = re.compile(r"strikethrough|listprice|msrp|srp|invoice", re.I)

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
NEGATIVE_AVAILABILITY = _words_of("OutOfStock SoldOut Discontinued")

# ---------------------------------------------------------------------------- visible texts

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

# Buy buttons: one that is live says the product can be bought now.
_BUY_TEXT = re.compile(
    r"add(?:ing)? to (?:cart|basket|bag|trolley)|add to my bag|buy now|buy it now|purchase|"
    r"in den (?:warenkorb|einkaufswagen)|jetzt kaufen|kaufen|ajouter au panier|acheter|"
    r"añadir al (?:carrito|carro|cesta)|agregar al (?:carrito|carro)|comprar|aggiungi al carrello|"
    r"acquista|adicionar ao carrinho|in winkel(?:wagen|mand)|do koszyka|kup teraz|do košíku|"
    r"koupit|kúpiť|\bkupi\b|košaric|kosárba|в корзину|купить|sepete ekle|adaugă în coș|"
    r"adauga in cos|pievienot grozam|į krepšelį|lisää ostoskoriin|\bköp\b|"
    r"加入購物車|立即購買|加入购物车|立即购买|カートに入れる",
    re.I,
)

# ---------------------------------------------------------------------------- prices

_ISO_CODES = (
    "USD|EUR|GBP|CHF|JPY|CNY|INR|RUB|PLN|CZK|HUF|RON|BGN|SEK|NOK|DKK|ISK|TRY|UAH|BRL|ARS|CLP|"
    "COP|MXN|PEN|CAD|AUD|NZD|SGD|HKD|TWD|KRW|THB|VND|PHP|IDR|MYR|PKR|BDT|LKR|AED|SAR|QAR|KWD|"
    "BHD|OMR|EGP|ZAR|NGN|KES|ILS|BYN|KZT|HRK|RSD|BAM|MKD|ALL|GEL|AMD|AZN"
)
# Symbols naming one currency; "$", "kr" and "¥" name several and give no code.
CURRENCY_SYMBOLS = {
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "₽": "RUB",
    "руб": "RUB",
    "₩": "KRW",
    "₺": "TRY",
    "₴": "UAH",
    "₪": "ILS",
    "฿": "THB",
    "₫": "VND",
    "₱": "PHP",
    "₦": "NGN",
    "zł": "PLN",
    "kč": "CZK",
    "lei": "RON",
    "лв": "BGN",
    "r$": "BRL",
    "nt$": "TWD",
    "kn": "HRK",
}
_OLD_CODES = {"RUR": "RUB", "BYR": "BYN", "TRL": "TRY"}  # still in some shops' markup
_CURRENCY = (
    rf"(?:{_ISO_CODES}|[$€£¥₹₽₩₺₴₪฿₫₱₦]|R\$|NT\$|zł|Kč|Ft|lei|лв|руб\.?|р\.|kr\.?|Rs\.?|"
    r"元|円|SR|ر\.س|د\.إ|ريال|درهم|KM|din\.?|kn|Kn|KN)"
)
_NUMBER = r"\d{1,3}(?:[ .,'\u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
PRICE_TEXT = re.compile(
    rf"(?<![A-Za-z]){_CURRENCY}\s*(?:{_NUMBER})|(?:{_NUMBER})\s*(?:,-|\.-)?\s*{_CURRENCY}(?![A-Za-z])"
)
_CURRENCY_ONLY = re.compile(rf"(?<![A-Za-z]){_CURRENCY}(?![A-Za-z])")
_BARE_NUMBER = re.compile(rf"^\D{{0,3}}(?:{_NUMBER})(?:\s*,-)?\D{{0,6}}$")
_DIGITS = re.compile(r"\d")
_DECIMAL = re.compile(r"\d[.,]\d{2}(?!\d)")
_PERCENT = re.compile(r"[-+]?\d+(?:[.,]\d+)?\s*%")

# Class-name words (see _words) that say what a price is.
_PRICE_CLASS = re.compile(
    r"price|preis|prix|precio|preco|preço|prezzo|cena|cijena|hinta|pris", re.I
)
_CURRENT_WORDS = _words_of("sale special final current actual now promo offer selling main new our")
_OLD_WORDS = _words_of(
    "old was before strike strikethrough striked crossed compare rrp uvp msrp original previous "
    "regular reference statt avant antes barred retail full listprice oldprice initial"
)
_NET_WORDS = _words_of("notax net nett netto excl exclusive")
_NOT_PRICE_WORDS = _words_of(
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

# ---------------------------------------------------------------------------- page regions

# Class-name words of blocks showing other products than the page's own.
_FOREIGN_WORDS = _words_of(
    "related relatedproducts recommend recommended recommendation recommendations recs reco "
    "similar upsell upsells crosssell crosssells recently viewed accessories suggestions "
    "alternative alternatives other others complementary also megamenu minicart minibasket flyout"
)
# Sliders hold the main product's photos as often as other products: foreign only with many links.
_SLIDER_WORDS = _words_of("carousel slider swiper slick teaser teasers")
# The page's chrome: a class that *is* the header/footer/menu, not one that mentions it.
_CHROME_TOKEN = re.compile(
    r"^(?:(?:site|page|global|main|top|bottom|sticky)[-_]?)?"
    r"(?:header|footer|nav|navbar|navigation|menu|mega-?menu|submenu|breadcrumbs?|mini-?cart)"
    r"(?:$|[-_])",
    re.I,
)
_NEGATED_TOKEN = re.compile(r"^(?:no|not|without|has-no|is-not)[-_]", re.I)
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
_SECTION_HEADING_WORDS = _words_of("nav navigation category menu logo site breadcrumb")
_TITLE_TAGS = _words_of("h1 h2 h3 h4 div span a p strong")
# Hidden from everyone. Screen-reader-only text ("sr-only", aria-hidden twins) is not hidden
# here: shops put the clean "$249.99" there and draw the visible one in fragments.
_HIDDEN_CLASS = re.compile(
    r"^(?:.*[-_])?(?:hidden|d-none|hide|invisible)(?:--?[a-z0-9]{4,8})?$",  # CSS-module hashes
    re.I,
)
_BLOCK_TAGS = _words_of(
    "div p li ul ol table tr td th dd dt dl br section article header footer form "
    "h1 h2 h3 h4 h5 h6 button label"
)
_CENTS_TAGS = _words_of("sup span small b strong em i u")
_SKIPPED_TAGS = _words_of("script style noscript template select option head title")
_STRUCK_TAGS = _words_of("del s strike")
_NAMING_ATTRS = (
    "class",
    "id",
    "itemprop",
    "data-auto",
    "data-cy",
    "data-qa",
    "data-qa-qualifier",
    "data-test",
    "data-test-id",
    "data-testid",
)

# ---------------------------------------------------------------------------- identifiers

# A label is followed by a separator or the value, never by more letters ("Referenzen").
_LABEL_END = r"(?![^\W\d_])\s*[:#.]?\s*(?:[:#]\s*)?"
_SKU_LABEL = re.compile(
    r"^\s*(?:sku|item\s*(?:#|no\.?|number|code|id)|article\s*(?:no\.?|number|code)|"
    r"art\.?\s*-?\s*nr\.?|artikel-?\s*(?:nr\.?|nummer)|artikelnummer|bestellnummer|best\.?-?nr\.?|"
    r"produktnummer|product\s*(?:code|id|no\.?|number)|prod\.?\s*code|"
    r"ref(?:erence|érence)?\.?|r[ée]f\.?\s*(?:produit|article)?|code\s*(?:produit|article)|"
    r"c[óo]digo(?:\s*(?:de\s*)?(?:producto|produto|artículo|articolo))?|cod\.?\s*art\.?|"
    r"cod(?:ul)?\s*produs(?:ului)?|codice(?:\s*articolo|\s*prodotto)?|"
    r"id\s*(?:do\s*|del\s*)?produ(?:to|cto|ktu|it)|šifra(?:\s*proizvoda)?|sifra|"
    r"kód(?:\s*produktu)?|kod(?:\s*produktu|\s*towaru)?|katalogové číslo|tuotenumero|varenummer|"
    r"artikelnr\.?|артикул|код\s*товара|商品編號|商品编号|"
    # classifieds: the ad's number is what identifies the item
    r"ad\s*(?:id|no\.?|number)|post(?:ing)?\s*id|anzeige(?:n-?nr\.?|nummer)?|"
    r"n[°º]\s*d'annonce|annonce\s*n[°º]|n[°º]\s*(?:de\s*)?anuncio)" + _LABEL_END,
    re.I,
)
# A model number is the manufacturer's: an MPN, not the shop's SKU.
_MPN_LABEL = re.compile(
    r"^\s*(?:mpn|manufacturer\s*part\s*(?:no\.?|number)|part\s*(?:no\.?|number)|"
    r"model\s*(?:no\.?|number|#)|modell?(?:nummer)?|modèle|modelo|型號|型号|"
    r"hersteller-?\s*(?:artikel)?-?\s*(?:nr\.?|nummer)|herstellernummer|"
    r"réf(?:érence)?\s*fabricant|referencia\s*(?:del\s*)?fabricante)" + _LABEL_END,
    re.I,
)
_GTIN_LABEL = re.compile(
    r"^\s*(?:ean(?:-?13)?|gtin(?:-?1[234]|-?8)?|upc|isbn(?:-?13)?|jan)" + _LABEL_END, re.I
)
_BRAND_LABEL = re.compile(
    r"^\s*(?:brand|marke|hersteller|marque|marca|merk|marka|značka|znamka|бренд|"
    r"производитель)" + _LABEL_END,
    re.I,
)
_STOCK_LABEL = re.compile(
    r"^\s*(?:availability|stock|in stock\?|verfügbarkeit|lieferbarkeit|lieferstatus|lagerstatus|"
    r"disponibilité|disponibilidad|disponibilità|disponibilidade|dostępność|dostupnost|"
    r"beschikbaarheid|наличие)" + _LABEL_END,
    re.I,
)
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]{1,39}$")
# Class names of an element holding the product's own identifier ("product-reference", "sku").
_SKU_CLASS = re.compile(
    r"^(?:.*[-_])?(?:sku|product-?id|product-?code|product-?number|product-?reference|"
    r"item-?number|article-?number|art-?nr|reference|style-?number)(?:$|[-_])",
    re.I,
)
_SKU_ATTRS = ("data-sku", "data-product-sku", "data-item-sku", "data-article-number")

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


# ---------------------------------------------------------------------------- small helpers


def _clean(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def _tokens(text: str) -> set[str]:
    return {t for t in re.findall(r"\w+", text.lower()) if len(t) > 1}


def _overlap(a: str, b: str) -> float:
    """Share of a's words found in b: how well a name matches the page's title."""
    ta, tb = _tokens(a), _tokens(b)
    return len(ta & tb) / len(ta) if ta else 0.0


def _types(obj: dict) -> set[str]:
    """schema.org types of obj; shops write "product" and "http://schema.org/Product" alike."""
    raw = obj.get("@type") or []
    raw = raw if isinstance(raw, list) else [raw]
    names = (str(t).rsplit("/", 1)[-1] for t in raw)
    return {_TYPE_NAMES.get(n.lower(), n) for n in names}


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
    if _BUY_TEXT.search(text):
        return "InStock"
    return None


def currency_code(text: str) -> str | None:
    """ISO 4217 code of the currency written in a price; None when ambiguous ("$", "kr")."""
    match = re.search(rf"(?<![A-Za-z])(?:{_ISO_CODES}|{'|'.join(_OLD_CODES)})(?![A-Za-z])", text)
    if match:
        return _OLD_CODES.get(match.group(0), match.group(0))
    lowered = text.lower()
    for symbol, code in sorted(CURRENCY_SYMBOLS.items(), key=lambda kv: -len(kv[0])):
        if symbol.isalpha():
            if re.search(rf"(?<![^\W\d_]){re.escape(symbol)}(?![^\W\d_])", lowered):
                return code
        elif symbol in lowered:
            return code
    return None


# Symbols several currencies share, resolved by the page's language and region ("fr-CA" → CAD).
_SHARED_SYMBOLS: dict[str, tuple[dict[str, str], str | None]] = {
    "$": (
        {"ca": "CAD", "au": "AUD", "nz": "NZD", "mx": "MXN", "ar": "ARS", "cl": "CLP",
         "co": "COP", "sg": "SGD", "hk": "HKD", "tw": "TWD", "br": "BRL"},
        "USD",  # the dollar of most pages that do not say which
    ),
    "kr": ({"sv": "SEK", "se": "SEK", "da": "DKK", "dk": "DKK", "nb": "NOK", "nn": "NOK",
            "no": "NOK", "is": "ISK"}, None),
    "¥": ({"ja": "JPY", "jp": "JPY", "zh": "CNY", "cn": "CNY"}, None),
}  # fmt: skip


def currency_of_symbol(price: str, language: str) -> str | None:
    """ISO code for a "$", "kr" or "¥" price given the page's language tag ("en-CA", "sv")."""
    parts = [p.lower() for p in re.split(r"[-_]", language or "") if p]
    for symbol, (by_locale, default) in _SHARED_SYMBOLS.items():
        if re.search(rf"(?<![A-Za-z]){re.escape(symbol)}(?![A-Za-z])", price, re.I):
            region = next((by_locale[p] for p in reversed(parts) if p in by_locale), None)
            return region or default
    return None


def gtin_check_digit_ok(digits: str) -> bool:
    """GS1 check digit: what tells a GTIN from any other number of the same length."""
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def price_amount(text: Any) -> float | None:
    """The number in a price text, read as the field coercion reads it (price-parser)."""
    from price_parser import Price

    amount = Price.fromstring(str(text)).amount
    return float(amount) if amount is not None else None


def _as_text(value: Any) -> str | None:
    """A scalar from a schema.org value that may be a string, a number or a {name: …} thing."""
    if isinstance(value, list):
        return next((t for t in map(_as_text, value) if t), None)
    if isinstance(value, dict):
        for key in ("name", "value", "@id", "url"):
            if isinstance(value.get(key), (str, int, float)):
                return _as_text(value[key])
        return None
    if isinstance(value, bool) or value is None:
        return None
    return _clean(value) or None


def _image_url(value: Any) -> str | None:
    if isinstance(value, list):
        return next((u for u in map(_image_url, value) if u), None)
    if isinstance(value, dict):
        return _as_text(value.get("url") or value.get("contentUrl") or value.get("@id"))
    return _as_text(value)


def _brand(value: str | None) -> str | None:
    """A brand without the label some shops mark up with it ("More from brand: Acme")."""
    if value and ":" in value and len(value) > 25:
        return value.rsplit(":", 1)[-1].strip() or None
    return value


def _identifier(value: str) -> str | None:
    """The identifier a labelled value starts with; it has a digit, unlike words."""
    token = value.strip(" :#.,;()[]").split(" ")[0].strip(" :#.,;()[]")
    return token if _IDENTIFIER.match(token) and _DIGITS.search(token) else None


@dataclass
class _Found:
    """Candidates per field, deduplicated by (value, source) and kept in the order added."""

    by_field: dict[str, list[Candidate]] = field(default_factory=dict)

    def add(self, name: str, value: Any, source: str, kind: str) -> None:
        value = _clean(value) if value is not None else ""
        if not value:
            return
        source = f"product:{kind}:{source}"
        items = self.by_field.setdefault(name, [])
        if not any(c.value == value and c.source == source for c in items):
            items.append(Candidate(value=value, source=source, kind=kind))

    def first(self, name: str) -> Candidate | None:
        return next(iter(self.by_field.get(name, [])), None)


# ---------------------------------------------------------------------------- structured data


def _product_entities(data: Any) -> list[tuple[dict, bool]]:
    """(entity, nested) for every Product, skipping products that describe other products."""
    found: list[tuple[dict, bool]] = []

    def walk(obj: Any, inside_product: bool, key: str | None) -> None:
        if isinstance(obj, list):
            for item in obj:
                walk(item, inside_product, key)
        elif isinstance(obj, dict) and key not in FOREIGN_KEYS:
            is_product = bool(_types(obj) & PRODUCT_TYPES)
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
    entities = _product_entities(page.structured.get(syntax, []))
    if not entities:
        return []

    def score(indexed: tuple[int, tuple[dict, bool]]) -> float:
        index, (entity, nested) = indexed
        name = _as_text(entity.get("name")) or ""
        has_offer = bool(get_path(entity, "offers")) or "ProductGroup" in _types(entity)
        return 2.0 * _overlap(name, title) + has_offer + (not nested) * 0.5 - 0.01 * index

    _, (best, _) = max(enumerate(entities), key=score)
    name = (_as_text(best.get("name")) or "").lower()
    siblings = [
        e
        for e, nested in entities
        if e is not best and not nested and name and (_as_text(e.get("name")) or "").lower() == name
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
        value = _as_text(offer.get(key))
        if value:
            yield f"offers.{key}", value
    specs = offer.get("priceSpecification")
    for spec in specs if isinstance(specs, list) else [specs]:
        if isinstance(spec, dict) and not _LIST_PRICE_TYPES.search(str(spec.get("priceType", ""))):
            value = _as_text(spec.get("price"))
            if value:
                yield "offers.priceSpecification.price", value
    value = _as_text(offer.get("highPrice"))
    if value:
        yield "offers.highPrice", value


def _rank_offers(offers: list[dict], shown: float | None) -> list[dict]:
    """The offer the page shows first: priced as the visible price, then in stock, then in order."""

    def key(indexed: tuple[int, dict]) -> tuple:
        index, offer = indexed
        prices = [price_amount(v) for _, v in _offer_prices(offer)]
        availability = normalize_availability(_as_text(offer.get("availability")) or "")
        return (shown is None or shown not in prices, availability in NEGATIVE_AVAILABILITY, index)

    return [offer for _, offer in sorted(enumerate(offers), key=key)]


def _structured_candidates(page: Page, found: _Found, title: str, shown: float | None) -> None:
    for syntax, kind in (("json-ld", "jsonld"), ("microdata", "microdata")):
        entities = main_entities(page, syntax, title)
        if not entities:
            continue
        entity = entities[0]
        offers = [offer for e in entities for offer in _offers(e)]
        found.add("name", _as_text(entity.get("name")), "name", kind)
        for offer in _rank_offers(offers, shown):
            for path, value in _offer_prices(offer):
                found.add("price", value, path, kind)
            currency = _as_text(offer.get("priceCurrency"))
            found.add(
                "currency", currency_code(currency or "") or currency, "offers.priceCurrency", kind
            )
            availability = normalize_availability(_as_text(offer.get("availability")) or "")
            found.add("availability", availability, "offers.availability", kind)
        for e in entities:
            found.add("sku", _as_text(e.get("sku")), "sku", kind)
        found.add("sku", _as_text(offers[0].get("sku")) if offers else None, "offers.sku", kind)
        product_id = (_as_text(entity.get("productID")) or "").rsplit(":", 1)[-1]
        if _IDENTIFIER.match(product_id):
            found.add("sku", product_id, "productID", kind)
        for key in ("gtin13", "gtin", "gtin14", "gtin12", "gtin8", "isbn"):
            found.add("gtin", _as_text(entity.get(key)), key, kind)
        found.add("mpn", _as_text(entity.get("mpn")), "mpn", kind)
        found.add("brand", _brand(_as_text(entity.get("brand"))), "brand", kind)
        found.add("brand", _brand(_as_text(entity.get("manufacturer"))), "manufacturer", kind)
        description = _as_text(entity.get("description"))
        found.add(
            "description", strip_html(description) if description else None, "description", kind
        )
        found.add("mainImage", _image_url(entity.get("image")), "image", kind)
        found.add("url", _as_text(entity.get("url")), "url", kind)
        for offer in offers[:1]:
            found.add("url", _as_text(offer.get("url")), "offers.url", kind)


def _opengraph_and_meta(page: Page, found: _Found) -> None:
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
    # itemprop tags outside any parsed Product (shops often emit them loose in the buy box)
    for prop, name in (
        ("price", "price"),
        ("lowPrice", "price"),
        ("priceCurrency", "currency"),
        ("sku", "sku"),
        ("gtin13", "gtin"),
        ("mpn", "mpn"),
        ("brand", "brand"),
    ):
        for value in page.selector.xpath("//meta[@itemprop=$p]/@content", p=prop).getall():
            found.add(name, value, f"itemprop={prop}", "meta")
    for value in page.selector.xpath("//link[@itemprop='availability']/@href").getall():
        found.add("availability", normalize_availability(value), "itemprop=availability", "meta")
    for value in page.selector.xpath("//link[@rel='canonical']/@href").getall():
        found.add("url", value, "link[rel=canonical]", "meta")


# ---------------------------------------------------------------------------- elements


def _class_tokens(el: etree._Element) -> list[str]:
    """The names a page gives an element: classes, id, itemprop and test hooks."""
    return " ".join(el.get(a) or "" for a in _NAMING_ATTRS).split()


def _words(el: etree._Element) -> set[str]:
    """Words of el's names: "pdp-priceOld__value" → {pdp, priceold, price, old, value}."""
    words: set[str] = set()
    for token in _class_tokens(el):
        if _NEGATED_TOKEN.match(token):
            continue
        for part in re.split(r"[-_\d]+", token):
            words.add(part.lower())
            words.update(w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", part))
    words.discard("")
    return words


def _is_hidden(el: etree._Element) -> bool:
    if el.tag in ("html", "body"):  # scripts toggle classes there for focus styles, not to hide
        return False
    style = (el.get("style") or "").replace(" ", "").lower()
    return (
        el.get("hidden") is not None
        or (el.tag == "input" and (el.get("type") or "").lower() == "hidden")
        or "display:none" in style
        or "visibility:hidden" in style
        or any(_HIDDEN_CLASS.match(t) for t in (el.get("class") or "").split())
    )


def _is_struck(el: etree._Element) -> bool:
    return el.tag in _STRUCK_TAGS or "line-through" in (el.get("style") or "")


def _visible_text(el: etree._Element, skip_struck: bool = True) -> str:
    """Text a reader sees in el: no scripts, no hidden parts, no struck-through old prices.

    Inline pieces join without a space, so "<span>$</span><span>99</span><sup>95</sup>" reads
    "$99.95", as it looks.
    """
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        hidden = _is_hidden(node) or (skip_struck and _is_struck(node))
        if tag and tag not in _SKIPPED_TAGS and not hidden:
            block = tag in _BLOCK_TAGS
            text = node.text or ""
            if (
                tag in _CENTS_TAGS
                and re.fullmatch(r"\d{2}", text)
                and "".join(parts)[-1:].isdigit()
            ):
                text = "." + text  # "$249<sup>99</sup>" shows 249.99
            parts.append(" " + text if block else text)
            for child in node:
                walk(child)
            if block:
                parts.append(" ")
        if node is not el and node.tail:
            parts.append(node.tail)

    walk(el)
    return _clean("".join(parts))


def _text_before(el: etree._Element, limit: int = 40) -> str:
    """Text just before el on its line, or in the label cell before its table cell: where
    labels such as "Shipping:", "List price" or "ab" sit."""
    parts: list[str] = []
    node = el
    while (parent := node.getparent()) is not None:
        chunk: list[str] = []
        reached_block = False
        for sibling in node.itersiblings(preceding=True):  # nearest first
            chunk.insert(0, sibling.tail or "")
            if isinstance(sibling.tag, str) and sibling.tag in _BLOCK_TAGS:
                reached_block = True
                break
            if isinstance(sibling.tag, str):
                chunk.insert(0, _visible_text(sibling, skip_struck=False))
        if not reached_block:
            chunk.insert(0, parent.text or "")
        parts.insert(0, "".join(chunk))
        if reached_block or len(_clean("".join(parts))) >= limit:
            break
        if parent.tag in _BLOCK_TAGS:
            label = parent.getprevious()
            if parent.tag in ("td", "dd") and label is not None and label.tag in ("th", "td", "dt"):
                parts.insert(0, _visible_text(label, skip_struck=False) + " ")
            break
        node = parent
    return _clean("".join(parts))[-limit:]


def _text_after(el: etree._Element, limit: int = 30) -> str:
    following = [el.tail or ""]
    sibling = el.getnext()
    if sibling is not None:
        following.append(_visible_text(sibling))
    return _clean(" ".join(following))[:limit]


# ---------------------------------------------------------------------------- layout


@dataclass
class _Layout:
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
    def of(cls, root: etree._Element, title_hint: str, in_scope: bool) -> _Layout:
        layout = cls(root=root)
        layout.elements = [e for e in root.iter() if isinstance(e.tag, str)]
        layout.order = {e: i for i, e in enumerate(layout.elements)}
        layout.title = _find_title(layout.elements, title_hint, in_scope)
        if layout.title is not None:
            layout.title_line = {id(e) for e in [layout.title, *layout.title.iterancestors()]}
        layout.buy = [e for e in layout.elements if _is_buy_button(e)]
        for e in layout.elements:
            if e.tag in ("h2", "h3", "h4", "h5") or "title" in _words(e):
                text = _visible_text(e)
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
            if _visible_text(parent) != _visible_text(heading):
                return section
        return None

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
        words = _words(el)
        if words & _FOREIGN_WORDS:
            return True
        if words & _SLIDER_WORDS:
            links = {h for h in el.xpath(".//a/@href") if not _NOT_A_PAGE.match(h)}
            if len(links) >= 3:
                return True
        return any(_CHROME_TOKEN.match(t) for t in _class_tokens(el))


def _find_title(elements: list, hint: str, in_scope: bool) -> etree._Element | None:
    """The product's main heading: the h1 named like the page title, else a title-classed element.

    `hint` is the page's og:title or <title>; shops add their own name to it, so the heading
    whose words it contains wins, and an h1 wins ties.
    """
    candidates = []
    for i, e in enumerate(elements):
        words = _words(e)
        named = e.get("itemprop") == "name" or bool(words & {"title", "name", "heading"})
        is_heading = e.tag == "h1" or (in_scope and e.tag in ("h2", "h3", "h4"))
        if not is_heading and not (named and e.tag in _TITLE_TAGS):
            continue
        text = _visible_text(e) if not _is_hidden(e) else ""
        if not text or len(text) > 300:
            continue
        overlap = _overlap(text, hint)
        if not is_heading and not in_scope and overlap < 0.5 and "product" not in words:
            continue  # "title" classes name headings of every kind; trust one only when it matches
        score = (
            overlap
            + (0.3 if e.tag == "h1" else 0.0)
            + min(len(_tokens(text)), 10) * 0.01  # product names are longer than section names
            - (0.5 if words & _SECTION_HEADING_WORDS else 0.0)
            - 0.0001 * i
        )
        candidates.append((score, e))
    return max(candidates, key=lambda c: c[0])[1] if candidates else None


def _is_buy_button(el: etree._Element) -> bool:
    if el.tag not in ("button", "input", "a"):
        return False
    if el.tag == "input" and (el.get("type") or "").lower() not in ("submit", "button", "image"):
        return False
    text = _visible_text(el) or el.get("value") or el.get("title") or el.get("aria-label") or ""
    if len(text) > 40:
        return False
    words = _words(el) | {w.lower() for w in re.split(r"[-_\W]+", el.get("name") or "")}
    return bool(
        _BUY_TEXT.search(text)
        or any({"add", target} <= words for target in ("cart", "basket", "bag"))
        or "addtocart" in words
        or {"buy", "now"} <= words
    )


# ---------------------------------------------------------------------------- prices on the page


@dataclass(eq=False)  # spots are compared by identity
class _PriceSpot:
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
    text = _visible_text(el)
    if not text or len(text) > 60 or not _DIGITS.search(text):
        return None
    matches = list(PRICE_TEXT.finditer(text))
    if len(matches) == 1:
        rest = text[: matches[0].start()] + " " + text[matches[0].end() :]
        if _DECIMAL.search(_PERCENT.sub("", rest)):
            return None  # "statt 4.50CHF 2.25": two prices, one of them without its currency
        return text, matches[0].group(0).strip()
    if (
        not matches
        and _BARE_NUMBER.match(text)
        and _PRICE_CLASS.search(" ".join(_class_tokens(el)))
    ):
        return text, text
    return None


def _price_spots(layout: _Layout) -> list[_PriceSpot]:
    """Every visible price, best first: near the title and the buy button, current, our own."""
    spots: list[_PriceSpot] = []
    taken: dict[int, _PriceSpot] = {}  # element id → the spot found in it or in a descendant
    for el in reversed(layout.elements):  # children first, so a wrapper defers to its content
        if el.tag in _SKIPPED_TAGS or el.tag in ("html", "body"):
            continue
        priced_class = bool(_PRICE_CLASS.search(" ".join(_class_tokens(el))))
        own = (el.text or "") + "".join(c.tail or "" for c in el)
        if not priced_class and not _DIGITS.search(own) and not _CURRENCY_ONLY.search(own):
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
    layout: _Layout, el: etree._Element, text: str, value: str, amount: float, priced_class: bool
) -> _PriceSpot | None:
    """Score one price element, or None when it is hidden or not a product price at all."""
    ancestry = [el, *el.iterancestors()]
    if any(_is_hidden(a) for a in ancestry):
        return None
    words = set().union(*(_words(a) for a in ancestry[:3]))
    # the label of this price is what precedes it after any earlier number ("SAVE 150 $249")
    before, after = re.split(r"\d", _text_before(el))[-1], _text_after(el)
    if (
        text.startswith("+")  # an add-on: warranty, gift wrap, assembly
        or _NOT_PRICE_TEXT.search(text)
        or _NOT_PRICE_TEXT.search(before[-30:])
        or words & _NOT_PRICE_WORDS
    ):
        return None
    spot = _PriceSpot(el, text, value, amount)
    spot.struck = any(_is_struck(a) for a in ancestry[:4])
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


def _settle_old_prices(layout: _Layout, spots: list[_PriceSpot]) -> None:
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


def _mark_grids(layout: _Layout, spots: list[_PriceSpot]) -> None:
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


# ---------------------------------------------------------------------------- labels, stock, image


def _labelled_values(layout: _Layout, label: re.Pattern) -> Iterator[tuple[str, etree._Element]]:
    """Values written after a label: "SKU: 12345", <dt>Art.-Nr.</dt><dd>12345</dd>, table rows."""
    for el in layout.elements:
        if el.tag in _SKIPPED_TAGS:
            continue
        own = _clean(el.text or "")
        if not own or len(own) > 60 or not label.match(own):
            continue
        rest = label.sub("", own, count=1).strip(" :#.-")
        if not rest:
            rest = label.sub("", _visible_text(el), count=1).strip(" :#.-")
        if rest and len(rest) < 60:
            yield rest, el
            continue
        holder = el
        # <td><span>SKU</span></td><td>123</td>: the value sits next to the label's cell
        while holder.getnext() is None and holder.getparent() is not None:
            parent = holder.getparent()
            if _visible_text(parent) != _visible_text(holder):
                break
            holder = parent
        tail = _clean(holder.tail or "").strip(" :#")
        if tail:
            yield tail, el
        elif holder.getnext() is not None:
            value = _visible_text(holder.getnext())
            if value and len(value) < 60:
                yield value, el


def _identifier_candidates(layout: _Layout, found: _Found) -> None:
    for raw, el in _labelled_values(layout, _SKU_LABEL):
        if not layout.is_foreign(el):
            found.add("sku", _identifier(raw), "sku-label", "heuristic")
    for el in layout.elements:
        if el.get("itemprop") == "sku" and el.tag != "meta":
            value = el.get("content") or _visible_text(el)
            found.add("sku", _identifier(value), "itemprop=sku", "heuristic")
        elif el.tag not in _SKIPPED_TAGS and any(_SKU_CLASS.match(t) for t in _class_tokens(el)):
            text = _SKU_LABEL.sub("", _visible_text(el), count=1)
            if text and len(text) < 80 and not layout.is_foreign(el):
                found.add("sku", _identifier(text), "sku-element", "heuristic")
    for attr in _SKU_ATTRS:
        el = next(
            (e for e in layout.root.iterfind(f".//*[@{attr}]") if not layout.is_foreign(e)), None
        )
        if el is not None:
            found.add("sku", _identifier(el.get(attr) or ""), attr, "heuristic")
    for raw, el in _labelled_values(layout, _MPN_LABEL):
        if not layout.is_foreign(el):
            found.add("mpn", _identifier(raw), "mpn-label", "heuristic")
    for raw, el in _labelled_values(layout, _GTIN_LABEL):
        digits = re.sub(r"[\s-]", "", raw)
        if not layout.is_foreign(el) and gtin_check_digit_ok(digits):
            found.add("gtin", digits, "gtin-label", "heuristic")
    for raw, el in _labelled_values(layout, _BRAND_LABEL):
        if len(raw) < 40 and not layout.is_foreign(el):
            found.add("brand", raw, "brand-label", "heuristic")


def _availability_candidates(layout: _Layout, found: _Found) -> None:
    """Stock texts and buy buttons, the one nearest the title first."""
    statuses: list[tuple[int, str, str]] = []
    for el in layout.elements:
        if el.tag in _SKIPPED_TAGS or not _STOCK_CLASS.search(" ".join(_class_tokens(el))):
            continue
        text = _visible_text(el)
        if not text or len(text) > 80 or layout.is_foreign(el):
            continue
        status = normalize_availability(text)
        if status and not any(_is_hidden(a) for a in [el, *el.iterancestors()]):
            statuses.append((layout.distance(el, layout.title), status, "stock-text"))
    for raw, el in _labelled_values(layout, _STOCK_LABEL):
        status = normalize_availability(raw)
        if status and not layout.is_foreign(el):
            statuses.append((layout.distance(el, layout.title), status, "stock-label"))
    for el in layout.elements:  # "Sold out", "Notify me when available" in place of a buy button
        if el.tag == "button" and el not in layout.buy and not layout.is_foreign(el):
            status = normalize_availability(_visible_text(el))
            if status in NEGATIVE_AVAILABILITY or status in ("PreOrder", "BackOrder"):
                statuses.append((layout.distance(el, layout.title), status, "stock-button"))
    for button in layout.buy:
        if layout.is_foreign(button) or any(
            _is_hidden(a) for a in [button, *button.iterancestors()]
        ):
            continue
        disabled = button.get("disabled") is not None or "disabled" in _words(button)
        status = "InStock"
        if disabled:  # a greyed-out "Sold out" says which; a greyed-out "Add to cart" says no
            text = _visible_text(button) or button.get("value") or ""
            status = normalize_availability(text) or "OutOfStock"
            status = "OutOfStock" if status == "InStock" else status
        statuses.append((layout.distance(button, layout.title), status, "buy-button"))
    for _distance, status, source in sorted(statuses, key=lambda s: s[0]):
        found.add("availability", status, source, "heuristic")


def _image_candidates(layout: _Layout, found: _Found, base_url: str) -> None:
    """The first image in a product gallery ("gallery", "zoom", "product-image" blocks)."""
    pictures = _words_of("gallery zoom primary hero main image media photo")
    for el in layout.root.iter("img"):
        src = el.get("data-zoom-image") or el.get("data-src") or el.get("src") or ""
        if not src or src.startswith("data:") or layout.is_foreign(el):
            continue
        for near in [el, *list(el.iterancestors())[:4]]:
            words = _words(near)
            if {"gallery", "zoom"} & words or ("product" in words and words & pictures):
                found.add("mainImage", urljoin(base_url, src), "gallery-image", "heuristic")
                return


def _description_candidates(layout: _Layout, found: _Found) -> None:
    """The paragraphs of the first block named for the description ("product-description")."""
    for el in layout.elements:
        words = _words(el)
        if not words & {"description", "desc", "beschreibung", "descripcion"} or el.tag in (
            "meta",
            "script",
        ):
            continue
        if layout.is_foreign(el) or any(_is_hidden(a) for a in [el, *el.iterancestors()]):
            continue
        paragraphs = [_visible_text(p) for p in el.iter("p")]
        text = " ".join(p for p in paragraphs if p) or _visible_text(el)
        if len(text) >= 40:
            found.add("description", text, "description-block", "heuristic")
            return


@dataclass
class _Visible:
    """What the visible page says, kept apart so it can be weighed against the markup."""

    found: _Found
    best_price: _PriceSpot | None
    old_amounts: set[float]


def _visible_candidates(layout: _Layout, base_url: str) -> _Visible:
    found = _Found()
    spots = _price_spots(layout)
    ours = [s for s in spots if not s.old and not s.foreign]
    for i, spot in enumerate(ours[:3]):
        found.add(
            "price", spot.value, "price-near-title" if i == 0 else "price-on-page", "heuristic"
        )
    for spot in ours[:1]:
        parent = spot.element.getparent()
        context = _visible_text(parent)[:80] if parent is not None else ""
        code = currency_code(spot.text) or currency_code(context)
        code = code or currency_of_symbol(spot.value, _page_language(layout.root))
        found.add("currency", code, "currency-of-price", "heuristic")
    if layout.title is not None:
        found.add("name", _visible_text(layout.title), "title-heading", "heuristic")
    _identifier_candidates(layout, found)
    _availability_candidates(layout, found)
    _description_candidates(layout, found)
    _image_candidates(layout, found, base_url)
    old = {s.amount for s in spots if s.old and not s.foreign}
    return _Visible(found, ours[0] if ours else None, old)


# ---------------------------------------------------------------------------- the intent


def _page_language(el: etree._Element) -> str:
    root = el.getroottree().getroot()
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    if not lang:
        locale = root.xpath("//meta[@property='og:locale']/@content")
        lang = locale[0] if locale else ""
    return lang


def _page_title(page: Page) -> str:
    for value in meta_values(page, "og:title"):
        return value
    return _clean(page.selector.xpath("string(//title)").get() or "")


def _merge(structured: _Found, visible: _Visible) -> _Found:
    """Markup first, unless the visible page contradicts it.

    A structured price the page shows only as a former price (the sale started after the markup
    was written) yields to the visible current price; a structured "out of stock" yields to a live
    buy button beside the title when no stock text agrees with it.
    """
    merged = _Found({k: list(v) for k, v in structured.by_field.items()})
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


def _scope_itemprops(scope: Selector, found: _Found) -> None:
    """Microdata inside one listing tile, read straight from its itemprop attributes."""
    props = (
        ("name", "name"),
        ("price", "price"),
        ("lowPrice", "price"),
        ("priceCurrency", "currency"),
        ("sku", "sku"),
        ("gtin13", "gtin"),
        ("mpn", "mpn"),
        ("brand", "brand"),
        ("availability", "availability"),
        ("image", "mainImage"),
        ("url", "url"),
    )
    for prop, name in props:
        for el in scope.xpath(".//*[@itemprop=$p]", p=prop):
            attrs = el.attrib
            value = attrs.get("content") or attrs.get("href") or attrs.get("src")
            value = value or _clean(" ".join(el.xpath(".//text()").getall()))
            if name == "availability":
                value = normalize_availability(value)
            found.add(name, value, f"itemprop={prop}", "microdata")


def _absolute_urls(by_field: dict[str, list[Candidate]], base: str) -> dict[str, list[Candidate]]:
    for name in ("url", "mainImage"):
        if name in by_field:
            by_field[name] = [
                Candidate(urljoin(base, c.value), c.source, c.kind, c.from_template)
                for c in by_field[name]
            ]
    return by_field


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
            title = _page_title(page)
            visible = _visible_candidates(_Layout.of(page.selector.root, title, False), page.url)
            structured = _Found()
            shown = visible.best_price.amount if visible.best_price else None
            _structured_candidates(page, structured, title, shown)
            _opengraph_and_meta(page, structured)
            found = _merge(structured, visible)
            found.add("url", page.url, "page-url", "heuristic")
        else:
            found = _Found()
            _scope_itemprops(scope, found)
            visible = _visible_candidates(_Layout.of(scope.root, "", True), page.url).found
            for name, items in visible.by_field.items():
                found.by_field.setdefault(name, []).extend(items)
            for href in scope.xpath(".//a/@href").getall()[:1]:
                found.add("url", href, "first-link", "heuristic")
        return _absolute_urls(found.by_field, page.url)

    def classify(self, page: Page) -> Classification:
        return classify_product_page(page)


# ---------------------------------------------------------------------------- classification


def classify_product_page(page: Page) -> Classification:
    """item: the page sells one product; listing: many priced products; other: neither."""
    title = _page_title(page)
    entities = [
        e
        for syntax in ("json-ld", "microdata")
        for e, nested in _product_entities(page.structured.get(syntax, []))
        if not nested
    ]
    names = {(_as_text(e.get("name")) or "").lower() for e in entities} - {""}
    layout = _Layout.of(page.selector.root, title, in_scope=False)
    heading = _visible_text(layout.title) if layout.title is not None else title
    main = next(
        (m[0] for s in ("json-ld", "microdata") if (m := main_entities(page, s, title))), None
    )
    if main is not None:
        main_name = _as_text(main.get("name")) or ""
        if len(names) <= 1 or _overlap(main_name, heading) >= 0.6:
            return Classification("item", 0.95, "schema.org Product named like the main heading")
    og_type = " ".join(meta_values(page, "og:type")).lower()
    if "product" in og_type:
        return Classification("item", 0.85, f"og:type is {og_type!r}")
    spots = [s for s in _price_spots(layout) if not s.old and not s.foreign]
    tiles = [s for s in spots if s.grid]
    near_title = [
        s
        for s in spots
        if not s.grid and layout.title is not None and layout.distance(s.element, layout.title) <= 8
    ]
    item_lists = [
        o
        for o in page.structured.get("json-ld", [])
        if isinstance(o, dict) and "ItemList" in _types(o)
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
