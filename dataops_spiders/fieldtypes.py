"""Turning raw extracted values into typed field values, and checking them against validators.

Values come out JSON-ready: decimals and prices as strings ("1299.00", exact), dates as ISO 8601.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urljoin, urlsplit

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.templates import Validators

_TRUE = {"true", "yes", "y", "1", "on", "instock", "in stock", "available"}
_FALSE = {"false", "no", "n", "0", "off", "outofstock", "out of stock", "unavailable"}
_BLANK_LINES = re.compile(r"\n\s*\n\s*(\n\s*)+")
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


@dataclass(frozen=True)
class Coerced:
    value: Any
    ok: bool
    error: str | None = None


def _scalar(raw: Any) -> Any:
    """A list where one value is expected: take its first non-empty member."""
    if isinstance(raw, (list, tuple)):
        return next((v for v in raw if v not in (None, "", [], {})), None)
    if isinstance(raw, dict):  # schema.org often nests: {"@type": "Brand", "name": "Acme"}
        return raw.get("name") or raw.get("@id") or raw.get("url")
    return raw


def _text(raw: Any) -> str:
    text = str(raw).replace("\r\n", "\n")
    lines = [collapse_whitespace(line) for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float, Decimal)):
        return Decimal(str(raw))
    from price_parser import Price

    return Price.fromstring(str(raw)).amount


def parse_date(raw: Any) -> str | None:
    """ISO 8601 for a date or datetime written any common way; None when it is not a date."""
    if isinstance(raw, (datetime, date)):
        return raw.isoformat()
    text = str(raw).strip()
    if not text or len(text) > 100:
        return None
    if _ISO_DATE.match(text):
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed.date().isoformat() if len(text) == 10 else parsed.isoformat()
    import dateparser

    parsed = dateparser.parse(
        text, settings={"STRICT_PARSING": False, "PREFER_DAY_OF_MONTH": "first"}
    )
    if parsed is None:
        return None
    has_time = bool(re.search(r"\d{1,2}:\d{2}", text))
    return parsed.isoformat() if has_time else parsed.date().isoformat()


def coerce(raw: Any, field_type: str, base_url: str = "") -> Coerced:
    """Convert `raw` to `field_type`; `ok` False with a reason when it cannot be."""
    if field_type == "list":
        items = raw if isinstance(raw, (list, tuple)) else [raw]
        values = [_text(_scalar(v)) for v in items if _scalar(v) not in (None, "")]
        values = [v for v in values if v]
        return Coerced(values, bool(values), None if values else "empty")
    value = _scalar(raw)
    if value is None or (isinstance(value, str) and not value.strip()):
        return Coerced(None, False, "empty")
    try:
        return _COERCERS[field_type](value, base_url)
    except (ValueError, TypeError, InvalidOperation, OverflowError) as exc:
        return Coerced(None, False, f"not a {field_type}: {exc}")


def _string(value: Any, _: str) -> Coerced:
    text = collapse_whitespace(str(value))
    return Coerced(text, bool(text), None if text else "empty")


def _text_value(value: Any, _: str) -> Coerced:
    text = _text(value)
    return Coerced(text, bool(text), None if text else "empty")


def _int(value: Any, _: str) -> Coerced:
    number = _number(value)
    if number is None or number != number.to_integral_value():
        return Coerced(None, False, f"not an integer: {str(value)[:40]!r}")
    return Coerced(int(number), True)


def _decimal(value: Any, _: str) -> Coerced:
    number = _number(value)
    if number is None:
        return Coerced(None, False, f"no number in {str(value)[:40]!r}")
    return Coerced(str(number), True)


def _price(value: Any, _: str) -> Coerced:
    number = _number(value)
    if number is None:
        return Coerced(None, False, f"no price in {str(value)[:40]!r}")
    if number < 0:
        return Coerced(str(number), False, "negative price")
    return Coerced(
        f"{number:.2f}" if number == number.quantize(Decimal("0.01")) else str(number), True
    )


def _date(value: Any, _: str) -> Coerced:
    parsed = parse_date(value)
    return Coerced(
        parsed, parsed is not None, None if parsed else f"not a date: {str(value)[:40]!r}"
    )


def _url(value: Any, base_url: str) -> Coerced:
    url = urljoin(base_url, str(value).strip())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return Coerced(None, False, f"not an http(s) URL: {str(value)[:60]!r}")
    return Coerced(url, True)


def _bool(value: Any, _: str) -> Coerced:
    if isinstance(value, bool):
        return Coerced(value, True)
    text = collapse_whitespace(str(value)).lower().rsplit("/", 1)[-1]
    if text in _TRUE:
        return Coerced(True, True)
    if text in _FALSE:
        return Coerced(False, True)
    return Coerced(None, False, f"not a yes/no value: {text[:40]!r}")


_COERCERS = {
    "string": _string,
    "text": _text_value,
    "int": _int,
    "decimal": _decimal,
    "price": _price,
    "date": _date,
    "url": _url,
    "bool": _bool,
}


def validate(value: Any, rules: Validators) -> list[str]:
    """Every validator the value fails, as readable reasons (empty list: valid)."""
    errors: list[str] = []
    values = value if isinstance(value, list) else [value]
    for item in values:
        if rules.regex is not None and not re.search(rules.regex, str(item)):
            errors.append(f"does not match {rules.regex!r}")
        if rules.min is not None or rules.max is not None:
            try:
                number = Decimal(str(item))
            except InvalidOperation:
                errors.append("not a number for min/max")
            else:
                if rules.min is not None and number < Decimal(str(rules.min)):
                    errors.append(f"below min {rules.min}")
                if rules.max is not None and number > Decimal(str(rules.max)):
                    errors.append(f"above max {rules.max}")
        if rules.allowed is not None and item not in rules.allowed:
            errors.append(f"{str(item)[:40]!r} is not one of the allowed values")
    length = len(value) if isinstance(value, (list, str)) else None
    if length is not None:
        if rules.min_length is not None and length < rules.min_length:
            errors.append(f"shorter than {rules.min_length}")
        if rules.max_length is not None and length > rules.max_length:
            errors.append(f"longer than {rules.max_length}")
    return errors
