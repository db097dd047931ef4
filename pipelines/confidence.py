"""Confidence layer (DESIGN §3): how far to trust each extracted value, and why.

A field's confidence is the product of four kinds of evidence, each reported as a short reason
that names the factor and its effect, so a reviewer can see why a value scored what it did::

    confidence = agreement(prior, witnesses) * dissent * validation * plausibility   (in [0, 1])

prior
    How trustworthy the rule kind that produced the value is on its own
    (``records.KIND_PRIOR``: JSON-LD 0.95 ... heuristics 0.6; an unknown kind 0.5).
    Reason: ``"jsonld prior 0.95"``.

agreement (witnesses)
    Candidates of another kind that found the same value are independent witnesses; repeats of
    the chosen value's own kind are not. Like independent testimony, each witness with prior q
    removes a share of the remaining doubt: ``1 - (1 - prior) * product(1 - AGREEMENT_WEIGHT * q)``.
    More witnesses never lower the score. Values are compared normalised: case- and
    space-insensitive strings (a long text also agrees with its own truncation), numbers for
    prices, decimals and ints (to the cent), the same calendar day for dates, URLs without
    fragment or trailing slash, lists as sets. Reason: ``"2 of 3 independent extractors agree
    (+0.04)"``.

dissent
    Each other kind whose candidates are all plausible different values multiplies by
    ``1 - w * q`` (q its prior). ``w`` is DISSENT_WEIGHT, or TEMPLATE_DISSENT_WEIGHT (much
    smaller) when the chosen value comes from a template rule that validated and the dissenter
    does not: the data team wrote that rule for this site, intent extractors are generic guesses.
    The other way round, a template value disagreeing with a heuristic one weighs fully.
    Implausible candidates ("Call for price" in a price field) do not dissent.
    Reason: ``"disagrees with jsonld value 19.99 (x0.52)"``.

validation
    ``x INVALID_FACTOR`` when the value failed its type coercion or the template's validators,
    so an invalid value never outscores the same value valid. Reason: ``"validated"`` or
    ``"failed validation: below min 0 (x0.5)"``.

plausibility
    One factor per implausible trait of the value itself: boilerplate ("Add to cart",
    "Loading...", "N/A"), template syntax (``{{price}}``), HTML markup, mis-decoded characters,
    a URL in a text field, a name too long to be a name, a number that is not one, a zero,
    negative or absurd price, a date far in the future, before 1900 or the Unix epoch, an
    unusable URL. Reason: ``"looks like boilerplate (x0.1)"``. An empty value scores 0.

Record level: ``record_confidence`` is the weighted mean over fields (required fields weigh 2,
others 1; a required field without a value counts 0; an optional one without a value is left
out), and ``low_confidence_fields`` lists the fields with a value under ``min_confidence`` plus
the required fields without one.
"""

from __future__ import annotations

import contextlib
import math
import re
import unicodedata
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dataops_spiders.records import KIND_PRIOR

UNKNOWN_PRIOR = 0.5
AGREEMENT_WEIGHT = 0.5
DISSENT_WEIGHT = 0.5
TEMPLATE_DISSENT_WEIGHT = 0.15
INVALID_FACTOR = 0.5
REQUIRED_WEIGHT = 2
# A candidate this implausible is noise, not a competing reading of the field.
DISSENT_PLAUSIBILITY_FLOOR = 0.5

NUMERIC_TYPES = ("price", "decimal", "int")
TEXT_TYPES = ("string", "text")

# ---------------------------------------------------------------------------------------------
# Records and runs


def score_record(record: dict[str, Any], min_confidence: float) -> dict[str, Any]:
    """A copy of ``record`` with per-field confidence and reasons, and record-level scores."""
    fields = record.get("fields") if isinstance(record.get("fields"), dict) else {}
    scored: dict[str, Any] = {}
    low: list[str] = []
    weighted_sum = 0.0
    weights = 0
    for name, field in fields.items():
        field = dict(field) if isinstance(field, dict) else {"value": field}
        confidence, reasons = score_field(str(name), field)
        field["confidence"], field["reasons"] = confidence, reasons
        scored[name] = field
        required = bool(field.get("required"))
        weight = REQUIRED_WEIGHT if required else 1
        if not is_empty(field.get("value")):
            weighted_sum += weight * confidence
            weights += weight
            if confidence < min_confidence:
                low.append(name)
        elif required:
            weights += weight
            low.append(name)
    record_confidence = round(weighted_sum / weights, 3) if weights else 0.0
    return {
        **record,
        "fields": scored,
        "record_confidence": record_confidence,
        "low_confidence_fields": low,
    }


def summarize_confidence(records: list[dict[str, Any]], top: int = 10) -> dict[str, Any]:
    """Run summary: mean record confidence and which fields were most often low confidence."""
    scores = [
        r["record_confidence"]
        for r in records
        if isinstance(r.get("record_confidence"), int | float)
        and math.isfinite(r["record_confidence"])
    ]
    low_counts: Counter[str] = Counter()
    records_with_low = 0
    for record in records:
        names = record.get("low_confidence_fields") or []
        records_with_low += bool(names)
        low_counts.update(str(name) for name in names)
    ranked = sorted(low_counts.items(), key=lambda item: (-item[1], item[0]))
    return {
        "records": len(records),
        "mean_record_confidence": round(sum(scores) / len(scores), 3) if scores else None,
        "low_confidence_fields": sum(low_counts.values()),
        "records_with_low_confidence": records_with_low,
        "top_low_confidence_fields": [{"field": name, "count": n} for name, n in ranked[:top]],
    }


# ---------------------------------------------------------------------------------------------
# One field


def score_field(name: str, field: dict[str, Any]) -> tuple[float, list[str]]:
    """Confidence of one field's chosen value in [0, 1] (3 decimals) and the reasons for it."""
    value = field.get("value")
    if is_empty(value):
        return 0.0, ["no value found"]
    field_type = field.get("type") if isinstance(field.get("type"), str) else "string"
    kind = field.get("kind") if isinstance(field.get("kind"), str) else None
    from_template = field.get("from_template") is True
    valid = field.get("valid", True) is not False
    prior = _prior(kind)
    reasons = [
        f"{kind or 'unknown'} prior {prior:g}" + (" (template rule)" if from_template else "")
    ]

    agreeing, dissenting = _witnesses(value, field_type, kind, field.get("candidates"))
    doubt = 1.0 - prior
    for witness_kind in agreeing:
        doubt *= 1.0 - AGREEMENT_WEIGHT * _prior(witness_kind)
    confidence = 1.0 - doubt
    independent = 1 + len(agreeing) + len(dissenting)
    if independent > 1:
        reasons.append(
            f"{1 + len(agreeing)} of {independent} independent extractors agree"
            + (f" (+{confidence - prior:.2f})" if agreeing else "")
        )
    else:
        reasons.append("no independent extractor to compare with")

    for dissent_kind, candidate in dissenting:
        lenient = from_template and valid and candidate.get("from_template") is not True
        weight = TEMPLATE_DISSENT_WEIGHT if lenient else DISSENT_WEIGHT
        factor = 1.0 - weight * _prior(dissent_kind)
        confidence *= factor
        reasons.append(
            f"disagrees with {dissent_kind} value {_show(candidate.get('value'))} (x{factor:.2f})"
        )

    if valid:
        reasons.append("validated")
    else:
        errors = field.get("errors")
        first = str(errors[0]) if isinstance(errors, list | tuple) and errors else ""
        confidence *= INVALID_FACTOR
        reasons.append(f"failed validation{': ' + first if first else ''} (x{INVALID_FACTOR:g})")

    for factor, reason in plausibility(name, value, field_type):
        confidence *= factor
        reasons.append(f"{reason} (x{factor:g})")

    return round(min(1.0, max(0.0, confidence)), 3), reasons


def _prior(kind: str | None) -> float:
    return KIND_PRIOR.get(kind, UNKNOWN_PRIOR) if kind is not None else UNKNOWN_PRIOR


def _witnesses(
    value: Any, field_type: str, kind: str | None, candidates: Any
) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    """Other kinds that found the same value, and other kinds that found only other values."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for candidate in candidates if isinstance(candidates, list | tuple) else ():
        if not isinstance(candidate, dict) or is_empty(candidate.get("value")):
            continue
        candidate_kind = candidate.get("kind") if isinstance(candidate.get("kind"), str) else None
        if candidate_kind != kind:  # the chosen value's own kind repeats, it does not witness
            by_kind.setdefault(candidate_kind or "unknown", []).append(candidate)
    chosen = normalise(value, field_type)
    agreeing: list[str] = []
    dissenting: list[tuple[str, dict[str, Any]]] = []
    for other_kind, found in by_kind.items():
        if any(_same(chosen, normalise(c["value"], field_type), field_type) for c in found):
            agreeing.append(other_kind)
            continue
        plausible = [
            c
            for c in found
            if _plausibility_factor(c["value"], field_type) >= DISSENT_PLAUSIBILITY_FLOOR
        ]
        if plausible:
            dissenting.append((other_kind, plausible[0]))
    return agreeing, dissenting


def _show(value: Any, limit: int = 40) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Comparing values


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | dict):
        return len(value) == 0
    return False


def normalise(value: Any, field_type: str) -> Any:
    """A comparable form of a value for its field type; falls back to normalised text."""
    if field_type in NUMERIC_TYPES:
        number = to_number(value)
        if number is not None:
            return number
    elif field_type == "date":
        day = to_date(value)
        if day is not None:
            return day
    elif field_type == "url" and isinstance(value, str):
        return _normalise_url(value)
    elif field_type == "bool" and isinstance(value, bool):
        return value
    elif field_type == "list" and isinstance(value, list | tuple | set):
        return frozenset(_normalise_text(item) for item in value)
    return _normalise_text(value)


def _same(a: Any, b: Any, field_type: str) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) < 0.005 + 1e-9 * max(abs(a), abs(b))
    if field_type == "text" and isinstance(a, str) and isinstance(b, str):
        short, long = sorted((a.rstrip(" .…"), b.rstrip(" .…")), key=len)
        return short == long or (len(short) >= 20 and short in long)
    return type(a) is type(b) and a == b


def _normalise_text(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _normalise_url(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return _normalise_text(url)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def to_number(value: Any) -> float | None:
    """A finite float from a number or a price-like string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        try:
            number = float(value)
        except (OverflowError, ValueError):
            return None
        return number if math.isfinite(number) else None
    if isinstance(value, str) and len(value) < 200:
        with contextlib.suppress(ValueError):  # coerced values are plain: "1.299" is not 1299
            return to_number(float(value.strip()))
        from price_parser import Price

        amount = Price.fromstring(value).amount_float
        return amount if amount is not None and math.isfinite(amount) else None
    return None


def to_date(value: Any) -> date | None:
    """The calendar day of a date, datetime or ISO 8601 string (aware times counted in UTC)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            try:
                value = date.fromisoformat(value.strip()[:10])
            except ValueError:
                return None
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            with contextlib.suppress(OverflowError, ValueError):  # out of datetime's range
                value = value.astimezone(UTC)
        return value.date()
    return value if isinstance(value, date) else None


# ---------------------------------------------------------------------------------------------
# Plausibility

_TEMPLATE_SYNTAX = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}]*\}|<%.*?%>|\[\[[^\]]*\]\]", re.S)
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?>")
_MOJIBAKE = re.compile("\ufffd|Ã[\u0080-\u00bf]|â€")
_BARE_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_NAME_LIKE = re.compile(r"name|title|headline|brand|company|author|label|sku|model", re.I)
_URL_LIKE = re.compile(r"url|link|href|image|img|photo|website|logo|src", re.I)
# Texts of buttons, placeholders and states that land in a field when a rule hits the wrong node,
# written as _is_boilerplate() compares them: lower case, words only ("N/A" is "n a").
_BOILERPLATE_TEXT = """
add to cart|add to basket|add to bag|add to wishlist|add to wish list|buy now|shop now
in den warenkorb|ajouter au panier|añadir al carrito|aggiungi al carrello
loading|loading please wait|please wait|n a|na|none|null|undefined|nan|nil|tbd|tba
object object|click here|read more|learn more|more info|see more|show more|view more
sign in|log in|login|sign up|register|subscribe|skip to content|skip to main content
menu|home|search|share|close|ok|cancel|accept|accept all|accept cookies|cookie settings
enable javascript|javascript is required|please enable javascript
price|title|name|description|placeholder|untitled|default|test|lorem ipsum|error
not found|page not found|404|access denied|forbidden|select|choose an option|select size
"""
_BOILERPLATE = frozenset(p.strip() for p in _BOILERPLATE_TEXT.replace("\n", "|").split("|")) - {""}
FAR_FUTURE = timedelta(days=2 * 365)
ABSURD_PRICE = 1e9  # above a billion in any currency, digits were glued (SKU, phone, two prices)


def plausibility(name: str, value: Any, field_type: str) -> list[tuple[float, str]]:
    """Factors below 1 for the implausible traits of one value, each with its reason."""
    problems: list[tuple[float, str]] = []
    if isinstance(value, str):
        problems += _text_problems(name, value, field_type)
    elif isinstance(value, list | tuple) and value:
        texts = [v for v in value if isinstance(v, str)]
        junk = sum(1 for v in texts if _is_boilerplate(v) or not v.strip())
        if texts and junk * 2 > len(value):
            problems.append((0.3, "most list items look like boilerplate"))
    if field_type in NUMERIC_TYPES:
        problems += _number_problems(value, field_type)
    elif field_type == "date":
        problems += _date_problems(value)
    elif field_type == "url":
        problems += _url_problems(value)
    return problems


def _plausibility_factor(value: Any, field_type: str) -> float:
    factor = 1.0
    for problem_factor, _ in plausibility("", value, field_type):
        factor *= problem_factor
    return factor


def _is_boilerplate(text: str) -> bool:
    words = " ".join(re.findall(r"\w+", text.casefold()))
    return len(text) <= 60 and words in _BOILERPLATE


def _text_problems(name: str, text: str, field_type: str) -> list[tuple[float, str]]:
    stripped = text.strip()
    problems: list[tuple[float, str]] = []
    if _TEMPLATE_SYNTAX.search(stripped):
        problems.append((0.05, "template syntax in value"))
    elif _is_boilerplate(stripped):
        problems.append((0.1, "looks like boilerplate"))
    elif not any(ch.isalnum() or unicodedata.category(ch) == "Sc" for ch in stripped):
        problems.append((0.2, "no letters or digits"))
    if _MARKUP.search(stripped):
        problems.append((0.5, "contains HTML markup"))
    if _MOJIBAKE.search(stripped):
        problems.append((0.7, "mis-decoded characters"))
    if field_type in TEXT_TYPES and not _URL_LIKE.search(name) and _BARE_URL.fullmatch(stripped):
        problems.append((0.3, "URL in a text field"))
    if field_type == "string" and _NAME_LIKE.search(name) and len(stripped) > 250:
        problems.append((0.4, "too long for a name"))
    elif field_type == "string" and len(stripped) > 2000:
        problems.append((0.6, "very long for a string field"))
    return problems


def _number_problems(value: Any, field_type: str) -> list[tuple[float, str]]:
    number = to_number(value)
    if number is None:
        return [(0.3, "not a number")]
    if field_type != "price":
        return []
    if number == 0:
        return [(0.2, "zero price")]
    if number < 0:
        return [(0.1, "negative price")]
    if number > ABSURD_PRICE:
        return [(0.3, "out of range: absurd price")]
    return []


def _date_problems(value: Any) -> list[tuple[float, str]]:
    day = to_date(value)
    if day is None:
        return [(0.4, "not a date")]
    if day > date.today() + FAR_FUTURE:
        return [(0.3, "far in the future")]
    if day.year < 1900:
        return [(0.3, "before 1900")]
    if day == date(1970, 1, 1):
        return [(0.3, "Unix epoch placeholder date")]
    return []


def _url_problems(value: Any) -> list[tuple[float, str]]:
    if not isinstance(value, str):
        return [(0.3, "not a URL")]
    url = value.strip()
    lowered = url.lower()
    if lowered in ("#", "about:blank") or lowered.startswith(("javascript:", "data:")):
        return [(0.1, "not a usable URL")]
    try:
        parts = urlsplit(url)
    except ValueError:
        return [(0.3, "not a URL")]
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [(0.7, "relative or non-web URL")]
    return []


# ---------------------------------------------------------------------------------------------
# Scrapy pipeline

MAX_ALTERNATIVES = 3


def compact_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record as it is published: per field its value, score, source, reasons, and the
    few other values extractors proposed (what a reviewer picks from), not every candidate."""
    fields = {}
    for name, field in record["fields"].items():
        others = [
            {"value": c["value"], "source": c["source"]}
            for c in field.get("candidates", [])
            if c["value"] != field["value"]
        ]
        fields[name] = {
            "value": field["value"],
            "type": field.get("type"),
            "confidence": field["confidence"],
            "source": field["source"],
            "valid": field["valid"],
            "reasons": field["reasons"],
            **(
                {"errors": field["errors"]}
                if field["value"] is not None and field["errors"]
                else {}
            ),
            **({"alternatives": others[:MAX_ALTERNATIVES]} if others else {}),
        }
    return {**record, "fields": fields}


class ConfidencePipeline:
    """Scores every record of a page (cheap: runs inline) and keeps the run's confidence stats."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        from itemadapter import ItemAdapter

        adapter = ItemAdapter(item)
        min_confidence = self.crawler.spider.template.min_confidence
        scored = [
            compact_record(score_record(r, min_confidence)) for r in adapter.get("records") or []
        ]
        adapter["records"] = scored
        for record in scored:
            self.stats.inc_value("dataops/records")
            self.stats.inc_value("dataops/record_confidence_sum", record["record_confidence"])
            for name in record["low_confidence_fields"]:
                self.stats.inc_value("dataops/fields_low_confidence")
                self.stats.inc_value(f"dataops/low_confidence/{name}")
        return item
