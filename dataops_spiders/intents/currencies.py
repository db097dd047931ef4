"""Money as pages write it: price texts, the currency they name, and the amount they say."""

from __future__ import annotations

import re
from typing import Any

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
# One price with its currency on either side, as a product page shows it: "1.299,00 €".
PRICE_TEXT = re.compile(
    rf"(?<![A-Za-z]){_CURRENCY}\s*(?:{_NUMBER})|(?:{_NUMBER})\s*(?:,-|\.-)?\s*{_CURRENCY}(?![A-Za-z])"
)
CURRENCY_ONLY = re.compile(rf"(?<![A-Za-z]){_CURRENCY}(?![A-Za-z])")
# A number that may be a price when its element is classed as one: "1.299,-", "€ 45".
BARE_NUMBER = re.compile(rf"^\D{{0,3}}(?:{_NUMBER})(?:\s*,-)?\D{{0,6}}$")

_LIST_CURRENCY = (
    r"(?:[$€£¥₹₩₽₺]|R\$|US\$|C\$|A\$|\b(?:USD|EUR|GBP|CHF|CAD|AUD|JPY|INR|SEK|NOK|DKK|PLN|CZK)\b)"
)
_AMOUNT = r"\d{1,3}(?:[.,\s\u00a0\u202f]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
# An amount with its currency, either side, inside running text (list entries, salaries):
# "$1,299.00", "19,99 €", "EUR 45", "1.299 kr". A trailing currency followed by digits belongs
# to the next amount ("Runner 1 $99").
PRICE_RE = re.compile(
    rf"{_LIST_CURRENCY}\s?(?:{_AMOUNT})"
    rf"|(?<![\w.,])(?:{_AMOUNT})\s?(?:{_LIST_CURRENCY}|\bkr\b|zł|Kč|\bLei\b)(?!\s?\d)",
    re.I,
)


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


def price_amount(text: Any) -> float | None:
    """The number in a price text, read as the field coercion reads it (price-parser)."""
    from price_parser import Price

    amount = Price.fromstring(str(text)).amount
    return float(amount) if amount is not None else None
