"""A product's identifiers on the visible page: SKU, MPN, GTIN and brand, read after their
labels ("SKU:", "Item #", "Art.-Nr.", "Réf.", "Código", spec table rows) and from elements named
for them (class="product-reference", data-sku)."""

from __future__ import annotations

import re

from dataops_spiders.intents.found import FoundBySource
from dataops_spiders.intents.labels import LABEL_END, values_after_label
from dataops_spiders.intents.visible import SKIPPED_TAGS, a_name_matches, visible_text

SKU_LABEL = re.compile(
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
    r"n[°º]\s*d'annonce|annonce\s*n[°º]|n[°º]\s*(?:de\s*)?anuncio)" + LABEL_END,
    re.I,
)
# A model number is the manufacturer's: an MPN, not the shop's SKU.
_MPN_LABEL = re.compile(
    r"^\s*(?:mpn|manufacturer\s*part\s*(?:no\.?|number)|part\s*(?:no\.?|number)|"
    r"model\s*(?:no\.?|number|#)|modell?(?:nummer)?|modèle|modelo|型號|型号|"
    r"hersteller-?\s*(?:artikel)?-?\s*(?:nr\.?|nummer)|herstellernummer|"
    r"réf(?:érence)?\s*fabricant|referencia\s*(?:del\s*)?fabricante)" + LABEL_END,
    re.I,
)
_GTIN_LABEL = re.compile(
    r"^\s*(?:ean(?:-?13)?|gtin(?:-?1[234]|-?8)?|upc|isbn(?:-?13)?|jan)" + LABEL_END, re.I
)
_BRAND_LABEL = re.compile(
    r"^\s*(?:brand|marke|hersteller|marque|marca|merk|marka|značka|znamka|бренд|"
    r"производитель)" + LABEL_END,
    re.I,
)
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]{1,39}$")
_DIGITS = re.compile(r"\d")
# Class names of an element holding the product's own identifier ("product-reference", "sku").
_SKU_CLASS = re.compile(
    r"^(?:.*[-_])?(?:sku|product-?id|product-?code|product-?number|product-?reference|"
    r"item-?number|article-?number|art-?nr|reference|style-?number)(?:$|[-_])",
    re.I,
)
_SKU_ATTRS = ("data-sku", "data-product-sku", "data-item-sku", "data-article-number")


def gtin_check_digit_ok(digits: str) -> bool:
    """GS1 check digit: what tells a GTIN from any other number of the same length."""
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _identifier(value: str) -> str | None:
    """The identifier a labelled value starts with; it has a digit, unlike words."""
    token = value.strip(" :#.,;()[]").split(" ")[0].strip(" :#.,;()[]")
    return token if IDENTIFIER.match(token) and _DIGITS.search(token) else None


def identifier_candidates(layout, found: FoundBySource) -> None:
    """sku, mpn, gtin and brand of a shop page (see `shop_layout.ShopLayout`), outside blocks
    of other products."""
    for raw, el in values_after_label(layout.label_texts, SKU_LABEL):
        if not layout.is_foreign(el):
            found.add("sku", _identifier(raw), "sku-label", "heuristic")
    for el in layout.elements:
        if el.get("itemprop") == "sku" and el.tag != "meta":
            value = el.get("content") or visible_text(el)
            found.add("sku", _identifier(value), "itemprop=sku", "heuristic")
        elif el.tag not in SKIPPED_TAGS and a_name_matches(el, _SKU_CLASS):
            text = SKU_LABEL.sub("", visible_text(el), count=1)
            if text and len(text) < 80 and not layout.is_foreign(el):
                found.add("sku", _identifier(text), "sku-element", "heuristic")
    for attr in _SKU_ATTRS:
        el = next(
            (e for e in layout.root.iterfind(f".//*[@{attr}]") if not layout.is_foreign(e)), None
        )
        if el is not None:
            found.add("sku", _identifier(el.get(attr) or ""), attr, "heuristic")
    for raw, el in values_after_label(layout.label_texts, _MPN_LABEL):
        if not layout.is_foreign(el):
            found.add("mpn", _identifier(raw), "mpn-label", "heuristic")
    for raw, el in values_after_label(layout.label_texts, _GTIN_LABEL):
        digits = re.sub(r"[\s-]", "", raw)
        if not layout.is_foreign(el) and gtin_check_digit_ok(digits):
            found.add("gtin", digits, "gtin-label", "heuristic")
    for raw, el in values_after_label(layout.label_texts, _BRAND_LABEL):
        if len(raw) < 40 and not layout.is_foreign(el):
            found.add("brand", raw, "brand-label", "heuristic")
