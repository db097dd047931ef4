"""Making exported cells safe to open in a spreadsheet: formula injection and link targets.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and tab
or carriage return as a way to smuggle one in), so text scraped from the web could run
``=HYPERLINK(...)`` or DDE payloads on the machine of whoever opens the export. OWASP's advice
is to prefix such cells with an apostrophe; we follow it with two deliberate additions:

* We also look past leading whitespace (``" =1+1"``): LibreOffice's CSV import can trim spaces
  before it evaluates, so the first *non-blank* character counts as well as the first one.
  The full-width forms (``＝＋－＠``) count too, since some spreadsheet locales normalise them.
* The escape is reversible: a string that already starts with apostrophes in front of
  something formula-like gets one more, so ``restore(neutralise(s)) == s`` for every ``s`` and
  no two inputs share an output. The price is that escaping is not idempotent (escaping twice
  adds two apostrophes), which is the right trade for a data export: nothing is lost.

Numbers are not text: a plain number literal such as ``-5`` or ``-5.00`` can never be a
formula, so fields typed as numbers keep them numeric (see ``number_literal``). In any other
field ``-5`` is text and is escaped like all text.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
ESCAPE = "'"

# Excel's documented limits: characters in one cell, characters in one hyperlink target.
MAX_CELL_CHARS = 32_767
MAX_LINK_CHARS = 2_079

# Characters XML 1.0 cannot carry (openpyxl refuses them): C0 controls other than tab, LF, CR.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NUMBER_LITERAL = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_URL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f-\x9f\"<>\\]")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as the start of a formula."""
    return text[:1] in FORMULA_TRIGGERS or text.lstrip()[:1] in FORMULA_TRIGGERS


def _needs_escape(text: str) -> bool:
    # Apostrophes already in front of a formula-like string get one more, so that the
    # escape stays reversible (see restore).
    return is_formula_like(text.lstrip(ESCAPE))


def neutralise(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet could take it for a formula."""
    return ESCAPE + text if _needs_escape(text) else text


def restore(text: str) -> str:
    """The original of a neutralised string (the inverse of ``neutralise``)."""
    if text.startswith(ESCAPE) and _needs_escape(text[1:]):
        return text[1:]
    return text


def is_safe(text: str) -> bool:
    """True when no spreadsheet would evaluate ``text`` typed into a cell."""
    return not is_formula_like(text)


def number_literal(text: str) -> Decimal | None:
    """The number a plain decimal literal (``-5``, ``1299.00``, ``1E+3``) denotes, else None.

    Only for fields typed as numbers: ``00123`` in a SKU column must stay text.
    """
    if not _NUMBER_LITERAL.fullmatch(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only admits valid literals
        return None
    return number if number.is_finite() else None


def xml_safe(text: str) -> str:
    """``text`` without the control characters an XLSX file cannot hold (each becomes U+FFFD)."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def excel_length(text: str) -> int:
    """Length as Excel counts it (UTF-16 code units: an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def safe_link(url: object) -> str | None:
    """``url`` when it may become a clickable link: absolute http(s), nothing else.

    Refuses ``javascript:``, ``data:``, ``file:``, scheme-relative and formula-shaped values,
    whitespace or control characters anywhere, and targets longer than Excel accepts.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_LINK_CHARS:
        return None
    if _URL_FORBIDDEN.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url
