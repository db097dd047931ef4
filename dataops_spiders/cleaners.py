"""Named value cleaners a template can list under a field's or a rule's `clean:`."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable

_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]+>")


def collapse_whitespace(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def normalize_unicode(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def strip_html(text: str) -> str:
    return collapse_whitespace(html.unescape(_TAG.sub(" ", text)))


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


CLEANERS: dict[str, Callable[[str], str]] = {
    "strip": str.strip,
    "collapse_whitespace": collapse_whitespace,
    "normalize_unicode": normalize_unicode,
    "lower": str.lower,
    "upper": str.upper,
    "strip_html": strip_html,
    "unescape": html.unescape,
    "digits": lambda text: re.sub(r"\D", "", text),
    "first_line": first_line,
}


def apply_cleaners(value: object, names: tuple[str, ...]) -> object:
    """Apply cleaners to a string, or to each string of a list; other values pass through."""
    if isinstance(value, list):
        return [apply_cleaners(v, names) for v in value]
    if not isinstance(value, str):
        return value
    for name in names:
        value = CLEANERS[name](value)
    return value
