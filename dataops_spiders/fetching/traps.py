"""Crawler traps: URLs that a site can generate without end.

    repeating path     /a/b/a/b/a/b/… (relative links resolved against the wrong base)
    deep path          more path segments than any real page has
    query explosion    too many parameters, a parameter repeated, or a query that grows
                       along a chain of links (facet after facet, session ids appended)
    calendar           a year/month in the URL years ahead of today ("next month" links never
                       end; past dates are left alone: archives of old articles are real)

``trap_reason(url)`` judges a URL alone; ``query_growth(parent, child)`` says whether a link
extends its page's query, so the caller can count how long such a chain has grown.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl, urlsplit

MAX_PATH_SEGMENTS = 15
MAX_SEGMENT_REPEATS = 3  # the same segment (or run of segments) in a row
MAX_QUERY_PARAMS = 10
MAX_PARAM_REPEATS = 3
MAX_QUERY_CHARS = 400
CALENDAR_YEARS = 2  # a date more than this many years ahead is a calendar running away

# A year and a month with a separator (2031/05, 2031-05): a bare 203105 is as likely an id.
_YEAR_MONTH = re.compile(r"(?<!\d)((?:19|2\d|[3-9]\d)\d{2})[-/_.](0[1-9]|1[0-2])(?!\d)")
_YEAR_PARAM = re.compile(r"^(year|yr|y|date|month|day|from|to|start|end|week)$", re.I)


def _segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _repeating_run(segments: list[str]) -> str | None:
    """The first run of 1-3 segments repeated MAX_SEGMENT_REPEATS times in a row."""
    for size in (1, 2, 3):
        for start in range(len(segments) - size * MAX_SEGMENT_REPEATS + 1):
            run = segments[start : start + size]
            copies = [
                segments[start + n * size : start + (n + 1) * size]
                for n in range(MAX_SEGMENT_REPEATS)
            ]
            if all(copy == run for copy in copies):
                return "/".join(run)
    return None


def _years_in(url_path: str, query: list[tuple[str, str]]) -> list[int]:
    years = [int(match.group(1)) for match in _YEAR_MONTH.finditer(url_path)]
    for name, value in query:
        if _YEAR_PARAM.match(name):
            years += [int(m.group(1)) for m in _YEAR_MONTH.finditer(value)]
            if value.isdigit() and len(value) == 4:
                years.append(int(value))
    return years


def trap_reason(url: str, today: date | None = None) -> str | None:
    """Why ``url`` looks like a trap (a short reason for the crawl graph), or None."""
    parts = urlsplit(url)
    segments = _segments(parts.path)
    if len(segments) > MAX_PATH_SEGMENTS:
        return f"trap: path of {len(segments)} segments"
    repeated = _repeating_run(segments)
    if repeated is not None:
        return f"trap: path repeats {repeated!r}"
    query = parse_qsl(parts.query, keep_blank_values=True)
    if len(parts.query) > MAX_QUERY_CHARS:
        return f"trap: query of {len(parts.query)} characters"
    if len(query) > MAX_QUERY_PARAMS:
        return f"trap: {len(query)} query parameters"
    names = [name for name, _ in query]
    for name in set(names):
        if names.count(name) > MAX_PARAM_REPEATS:
            return f"trap: query parameter {name!r} repeated {names.count(name)} times"
    this_year = (today or date.today()).year
    for year in _years_in(parts.path, query):
        if year - this_year > CALENDAR_YEARS:
            return f"trap: calendar date in {year}"
    return None


def query_growth(parent: str, child: str) -> bool:
    """True when ``child`` keeps every query parameter of ``parent`` (same path) and adds
    more: one more step of a query growing along links."""
    a, b = urlsplit(parent), urlsplit(child)
    if a.path != b.path or not b.query:
        return False
    before = set(parse_qsl(a.query, keep_blank_values=True))
    after = set(parse_qsl(b.query, keep_blank_values=True))
    return before < after
