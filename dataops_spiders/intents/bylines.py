"""Author names in bylines: elements marked up as bylines (class="byline", rel=author) and
short texts that start "By …", in several languages, without roles, dates or places."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.intents.dates import DATE_RE
from dataops_spiders.intents.text_layout import TextLayout, contains, short_texts
from dataops_spiders.intents.visible import class_tokens, node_text

BY = re.compile(
    r"^(?:by|written by|words by|posted by|reported by|story by|text by|von|par|por|di|door)"
    r"\s*:?\s+(.+)$",
    re.I,
)
AUTHOR_META = (
    "author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
    "citation_author",
)  # fmt: skip
_BYLINE_TOKENS = {"byline", "author", "authors", "writer", "contributor", "contributors", "creator"}
_ROLE_WORDS = {
    "reporter", "correspondent", "editor", "editors", "writer", "staff", "contributor",
    "contributing", "columnist", "journalist", "photographer", "producer", "analyst", "updated",
    "published", "posted", "min", "mins", "minutes", "read", "follow", "email", "twitter",
    "redakteur", "redaktion", "rédaction", "redacción",
}  # fmt: skip
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*", re.I)
_BYLINE_CUT = re.compile(
    "\\s+(?:[|\u2022\u00b7\u2014\u2013]|-\\s|on\\s|in\\s|for\\s|at\\s|updated|published|posted)",
    re.I,
)


def _plausible_name(part: str) -> bool:
    words = part.split()
    if not 1 <= len(words) <= 5 or len(part) > 60 or any(ch.isdigit() for ch in part):
        return False
    lowered = {w.lower().strip(".,") for w in words}
    if (lowered | {w.removesuffix("s") for w in lowered}) & _ROLE_WORDS:
        return False
    # Names are capitalised where the script has case: "the end of" is not a name.
    first = part[0]
    return first.isalpha() and (first.isupper() or not first.islower())


def names_in_byline(text: str) -> list[str]:
    """Author names in a byline: "By Jane Doe and John Roe | 5 Jan 2024" → [Jane Doe, John Roe]."""
    text = collapse_whitespace(text)
    match = BY.match(text)
    text = match.group(1) if match else text
    stamp = DATE_RE.search(text)
    if stamp:
        text = text[: stamp.start()]
    text = _BYLINE_CUT.split(text, maxsplit=1)[0]
    names = []
    for part in _NAME_SPLIT.split(text):
        part = part.strip(" .,:;")
        if _plausible_name(part) and part not in names:
            names.append(part)
    return names


def byline_elements(layout: TextLayout) -> Iterator[Any]:
    """Visible elements marked up as bylines/authors (class, rel=author), outermost first."""
    seen: list = []
    for el in layout.iter_visible():
        marked = class_tokens(el) & _BYLINE_TOKENS or "author" in (el.get("rel") or "").split()
        if not marked or any(contains(s, el) for s in seen):
            continue
        if len(node_text(el)) > 200:
            continue  # an author bio, not a byline
        seen.append(el)
        yield el


def byline_names_marked_in(el) -> list[str]:
    """Names in one byline element: its links' texts (names are usually linked), else its text."""
    links = [node_text(a) for a in el.iter("a")]
    return [n for t in links for n in names_in_byline(t)] or names_in_byline(node_text(el))


def byline_names_marked(layout: TextLayout) -> list[str]:
    names: list[str] = []
    for el in byline_elements(layout):
        names += [n for n in byline_names_marked_in(el) if n not in names]
    return names


def byline_names_written(layout: TextLayout) -> list[str]:
    """Names after "By …" in short visible texts."""
    names: list[str] = []
    for _, text in short_texts(layout):
        if BY.match(text):
            names += [n for n in names_in_byline(text) if n not in names]
    return names
