"""A job ad's facts as people write them: employment types ("Full-time" → FULL_TIME), salaries
with their period ("£35k to £45k per annum"), places ("Portland, OR") and "Title at Employer"."""

from __future__ import annotations

import re
from typing import Any

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.intents.currencies import PRICE_RE
from dataops_spiders.intents.entities import clean_value, names_of
from dataops_spiders.intents.structured import get_path, resolve

# ------------------------------------------------------------------------- employment type

# Words people write, per schema.org employmentType value (en, de, fr, es, it, nl).
_EMPLOYMENT_WORDS: tuple[tuple[str, str], ...] = (
    ("FULL_TIME", r"full[\s-]?time|vollzeit|temps plein|tiempo completo|jornada completa|"
                  r"tempo pieno|voltijd"),
    ("PART_TIME", r"part[\s-]?time|teilzeit|temps partiel|tiempo parcial|media jornada|"
                  r"tempo parziale|deeltijd"),
    ("INTERN", r"intern(?:ship)?|praktikum|stage|prácticas|practicas|tirocinio|stagiair"),
    ("TEMPORARY", r"temporary|temp|seasonal|fixed[\s-]term|befristet|cdd|temporal|"
                  r"tempo determinato|tijdelijk"),
    # "permanent contract" and "fixed-term contract" say nothing about contracting
    ("CONTRACTOR", r"(?<!permanent )(?<!fixed-term )(?<!fixed term )contract(?:or)?|"
                   r"freelance(?:r)?|freiberuflich|indépendant|autónomo"),
    ("VOLUNTEER", r"volunteer|ehrenamt(?:lich)?|bénévol(?:e|at)|voluntariado|volontariato"),
    ("PER_DIEM", r"per[\s-]diem"),
)  # fmt: skip
_EMPLOYMENT_RES = tuple(
    (name, re.compile(rf"\b(?:{rx})\b", re.I)) for name, rx in _EMPLOYMENT_WORDS
)
EMPLOYMENT_TYPES = {name for name, _ in _EMPLOYMENT_WORDS} | {"OTHER"}


def employment_types(text: str) -> str | None:
    """schema.org employmentType values in a text: "Full-time, Contract" → FULL_TIME, CONTRACTOR."""
    key = re.sub(r"[\s-]+", "_", text.strip()).upper()
    if key in EMPLOYMENT_TYPES:
        return key
    found = {}
    for name, pattern in _EMPLOYMENT_RES:
        match = pattern.search(text)
        if match:
            found[name] = match.start()
    return ", ".join(sorted(found, key=found.get)) or None


# --------------------------------------------------------------------------------- salaries

_PERIODS = {
    "HOUR": "an hour", "DAY": "a day", "WEEK": "a week", "MONTH": "a month", "YEAR": "a year",
}  # fmt: skip
_SYMBOLS = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3", "JPY": "\u00a5", "INR": "\u20b9",
            "CAD": "CA$", "AUD": "A$"}  # fmt: skip
_AMOUNT = rf"(?:{PRICE_RE.pattern})(?:\s?[kK]\b)?"
_DASHES = "-\u2013\u2014"
# How often a salary is paid: "a year", "per annum", "/hr", "pro Jahr", "par mois", "p.a."
_PERIOD = (
    r"(?:a|an|per|/|pro|par|por|al)\s*(?:year|yr|annum|month|mo|week|wk|day|hour|hr|jahr|monat|"
    r"stunde|an|mois|heure|año|mes|hora)\b|p\.?a\.?|annually|yearly|monthly|hourly"
)
PERIOD_RE = re.compile(_PERIOD, re.I)
# "$90,000 - $110,000 a year", "£35k to £45k per annum", "Up to €60.000 brutto", "$25 an hour"
SALARY_RE = re.compile(
    rf"(?:(?:up to|from|starting at|bis zu|ab|jusqu'à|hasta|desde)\s+)?{_AMOUNT}"
    rf"(?:\s*(?:[{_DASHES}]|to|bis|à|a)\s*(?:{_AMOUNT}|\d[\d.,]*\s?[kK]?))?"
    rf"(?:\s*(?:{_PERIOD})|\s+(?:brutto|gross))?",
    re.I,
)


def _money(value: Any, currency: str) -> str:
    number = float(str(value).replace(",", ""))
    shown = f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"
    symbol = _SYMBOLS.get(currency.upper())
    return f"{symbol}{shown}" if symbol else f"{shown} {currency}".strip()


def salary_from_schema(value: Any) -> str | None:
    """baseSalary (MonetaryAmount) as a person would write it: "$90,000 - $110,000 a year"."""
    if isinstance(value, (int, float, str)):
        return collapse_whitespace(str(value)) or None
    if not isinstance(value, dict):
        return None
    currency = str(value.get("currency") or "")
    amount = value.get("value")
    unit = ""
    try:
        if isinstance(amount, dict):
            unit = str(amount.get("unitText") or "")
            low, high = amount.get("minValue"), amount.get("maxValue")
            single = amount.get("value")
            if low is not None and high is not None and str(low) != str(high):
                text = f"{_money(low, currency)} - {_money(high, currency)}"
            elif single is not None or low is not None or high is not None:
                first = next(v for v in (single, low, high) if v is not None)
                text = _money(first, currency)
            else:
                return None
        elif amount is not None:
            text = _money(amount, currency)
        else:
            return None
    except ValueError:
        return None
    period = _PERIODS.get(unit.upper())
    return f"{text} {period}" if period else text


_RANGED = re.compile(rf"\d\s*[{_DASHES}]")
_NUMBER = re.compile(r"(\d(?:[\d.,\u00a0 ]*\d)?)\s?([kK])?(?![a-zA-Z])")


def amounts(text: str) -> list[int]:
    """Whole amounts in a salary text, thousands separators and "k" understood: "£35k" → 35000."""
    found = []
    for digits, thousands in _NUMBER.findall(text):
        # "60.000" and "60,000" group thousands; "19.50" has cents
        whole = re.sub(r"[.,](\d{1,2})$", "", digits.strip())
        number = int(re.sub(r"\D", "", whole) or 0)
        found.append(number * 1000 if thousands else number)
    return found


def salaries_in(text: str) -> list[str]:
    """Salary amounts in a text, those with a range or a period first."""
    found = [m.group(0).strip() for m in SALARY_RE.finditer(text)]
    return sorted(found, key=lambda s: not (PERIOD_RE.search(s) or _RANGED.search(s)))


# ---------------------------------------------------------------------------- job locations


# Countries whose addresses are read "City, ST": elsewhere a region code means little to readers.
_REGION_COUNTRIES = {"US", "CA", "AU"}


def country_name(code: str) -> str:
    """English name of an ISO 3166 country code (babel comes with trafilatura); else as given."""
    if not re.fullmatch(r"[A-Za-z]{2}", code):
        return code
    from babel import Locale

    return Locale("en").territories.get(code.upper(), code)


def _address_value(value: Any, index: dict) -> str:
    value = resolve(value, index)
    if isinstance(value, dict):
        value = value.get("name") or ""
    return clean_value(value) if value else ""


def _place_text(place: Any, index: dict) -> str | None:
    """A Place as job boards show it: "Portland, OR", "Berlin, Germany"."""
    place = resolve(place, index)
    if isinstance(place, str):
        return collapse_whitespace(place) or None
    if not isinstance(place, dict):
        return None
    address = resolve(place.get("address"), index)
    if isinstance(address, str):
        return collapse_whitespace(address) or None
    if not isinstance(address, dict):
        return clean_value(place.get("name") or "") or None
    city = _address_value(address.get("addressLocality"), index)
    region = _address_value(address.get("addressRegion"), index)
    country = _address_value(address.get("addressCountry"), index)
    if city and region and country.upper() in _REGION_COUNTRIES:
        return f"{city}, {region}"
    parts = [city or region, country_name(country) if country else ""]
    return ", ".join(dict.fromkeys(p for p in parts if p)) or None


def location_from_schema(entity: dict, index: dict) -> str | None:
    """jobLocation as readable text; remote jobs say "Remote (United States)"."""
    places = [p for p in (_place_text(v, index) for v in get_path(entity, "jobLocation")) if p]
    if "TELECOMMUTE" in str(entity.get("jobLocationType") or "").upper():
        regions = [
            country_name(n)
            for n in names_of(get_path(entity, "applicantLocationRequirements"), index)
        ]
        places.insert(0, f"Remote ({', '.join(regions)})" if regions else "Remote")
    return "; ".join(dict.fromkeys(places)) or None


_AT_EMPLOYER = re.compile(r"^(.*?)\s*\b(?:at|bei|chez|@)\s+(\S.*)$", re.I)
_CAREERS = re.compile(
    r"(?i)careers?|jobs?|karriere|stellen(?:angebote)?|emplois?|carrières?|empleos?|work"
)


def split_job_title(title: str) -> tuple[str, str | None]:
    """("Senior Engineer", "Acme") from "Senior Engineer at Acme"; "Jobs at Acme" → ("", "Acme")."""
    match = _AT_EMPLOYER.match(title)
    if not match or len(match.group(2).split()) > 6:
        return title, None
    job, org = match.groups()
    if not job or _CAREERS.fullmatch(job):
        return "", org.strip()
    return job.strip(f" |{_DASHES}"), org.strip()
