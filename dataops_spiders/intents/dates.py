"""Publication and update dates on a text page: <time> elements, elements classed as dates,
"Published on …" / "Updated: …" lines, the meta tags that carry them, and the day in a URL.
Visible dates are returned as written, with the order of their numbers settled."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.intents.text_layout import TextLayout, short_texts
from dataops_spiders.intents.visible import class_tokens, node_text

_MONTHS = (
    r"jan(?:uary|vier|uar|\.)?|feb(?:ruary|ruar|\.)?|febrero|février|fevrier|mar(?:ch|s|zo|\.)?|"
    r"märz|apr(?:il|\.)?|avril|abril|may|mayo|mai|june?|juin|junio|juni|july?|juillet|julio|juli|"
    r"aug(?:ust|\.)?|août|agosto|sep(?:t(?:ember)?|tembre|tiembre|\.)?|oct(?:ober|obre|\.)?|"
    r"oktober|octubre|nov(?:ember|embre|iembre|\.)?|dec(?:ember|\.)?|dez(?:ember)?|décembre|"
    r"diciembre|enero|janvier|januar"
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TIME = r"(?:,?\s*(?:at\s+|um\s+|à\s+)?\d{1,2}[:.h]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,4}\b)?)?"
# A date as people write it: ISO, numeric, with a month name (en, de, fr, es), or relative.
DATE_RE = re.compile(
    r"(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b" + _TIME + r"|"
    rf"\b{_WEEKDAY}(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}" + _TIME + r"|"
    rf"\b{_WEEKDAY}\d{{1,2}}(?:st|nd|rd|th|\.|er)?\s+(?:de\s+)?(?:{_MONTHS})\.?,?\s+(?:de\s+)?\d{{4}}"
    + _TIME
    + r"|\b\d+\+?\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\s+ago\b"
    r"|\b(?:today|yesterday|just now)\b)",
    re.I,
)
_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=[/\-_.]|$)"
)
_UPDATED_WORDS = {"updated", "update", "modified", "lastmod", "revised", "aktualisiert"}
DATE_TOKENS = {"date", "published", "pubdate", "timestamp", "dateline", "posted", "updated"}
PUBLISHED_LABEL = re.compile(
    r"(?:published|posted|first published|veröffentlicht|publié|publicado|pubblicato)"
    r"(?:\s+on|\s+am|\s+le|\s+el|\s+at)?\s*:?\s*",
    re.I,
)
_UPDATED_LABEL = re.compile(
    r"(?:last\s+)?(?:updated|modified|aktualisiert|mis à jour|actualizado|aggiornato)"
    r"(?:\s+on|\s+am|\s+le|\s+el|\s+at)?\s*:?\s*",
    re.I,
)
_NOT_WORD = re.compile(r"\W+")

PUBLISHED_META = (
    "date", "pubdate", "publishdate", "publish-date", "publish_date", "published_date",
    "publication_date", "article.published", "article:published_time", "article_date_original",
    "parsely-pub-date", "sailthru.date", "dc.date", "dc.date.issued", "dcterms.date",
    "dcterms.issued", "dcterms.created", "citation_publication_date", "citation_date",
    "original-publish-date", "cxenseparse:recs:publishtime",
)  # fmt: skip
MODIFIED_META = (
    "lastmod", "last-modified", "article.updated", "article:modified_time", "dcterms.modified",
    "dc.date.modified", "revised", "parsely-updated", "sailthru.lastmodified",
)  # fmt: skip

_NUMERIC_DATE = re.compile(r"^(\d{1,2})([./])(\d{1,2})\2(\d{4})(?:,?\s+(\d{1,2}:\d{2}))?")


def written_date(text: str, lang: str) -> str:
    """A visible date with the order of its numbers settled, so that no parser has to guess:
    dots are day-first wherever they are used, slashes too outside American English.
    "12.06.2024" → "2024-06-12"; "05/06/2024" stays as written on an en-US page."""
    match = _NUMERIC_DATE.match(text.strip())
    if not match:
        return text
    first, separator, second, year, clock = match.groups()
    if separator == "/" and lang.lower() in ("", "en", "en-us"):
        return text
    try:
        day = date(int(year), int(second), int(first))
    except ValueError:  # 31.02. or 13/13/: not a day, leave it as written
        return text
    return day.isoformat() + (f" {int(clock[:-3]):02d}{clock[-3:]}" if clock else "")


def url_date(url: str) -> str | None:
    """The publication day many sites put in article URLs: /2024/01/05/slug → 2024-01-05."""
    match = _URL_DATE.search(urlsplit(url).path)
    if not match:
        return None
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _is_updated(el) -> bool:
    around = [el, *list(el.iterancestors())[:2]]
    words = set().union(*(class_tokens(a) for a in around)) | {
        w.lower() for a in around for w in _NOT_WORD.split(a.get("itemprop") or "")
    }
    label = collapse_whitespace(
        " ".join((el.getparent() if el.getparent() is not None else el).xpath("./text()"))
    )
    return bool(words & _UPDATED_WORDS or {"datemodified"} & words) or bool(
        _UPDATED_LABEL.match(label)
    )


def time_elements(layout: TextLayout) -> tuple[list[str], list[str]]:
    """(published, modified) values of visible <time> elements, in page order."""
    published, modified = [], []
    for el in layout.iter_visible("time"):
        value = (el.get("datetime") or "").strip() or written_date(node_text(el), layout.lang)
        if not value:
            continue
        (modified if _is_updated(el) else published).append(value)
    return published, modified


def date_class_texts(layout: TextLayout) -> tuple[list[str], list[str]]:
    """(published, modified) dates in elements classed as dates (class="date", "posted-on"…)."""
    published, modified = [], []
    for el in layout.iter_visible():
        if not class_tokens(el) & DATE_TOKENS or next(el.iter("time"), None) is not None:
            continue  # <time> elements are read on their own
        text = node_text(el)
        match = DATE_RE.search(text) if len(text) < 120 else None
        if match:
            stamp = written_date(match.group(0), layout.lang)
            (modified if _is_updated(el) else published).append(stamp)
    return published, modified


def labelled_dates(layout: TextLayout) -> tuple[list[str], list[str]]:
    """(published, modified) dates written out: "Published on 5 January 2024", "Updated: …"."""
    published, modified = [], []
    for _, text in short_texts(layout):
        for label, bucket in ((_UPDATED_LABEL, modified), (PUBLISHED_LABEL, published)):
            for match in label.finditer(text):
                stamp = DATE_RE.match(text, match.end())
                if stamp:
                    bucket.append(written_date(stamp.group(0).strip(), layout.lang))
    return published, modified
