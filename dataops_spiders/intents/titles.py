"""A page's title without the site's name ("Storm hits coast | Daily Planet" → "Storm hits
coast"), the names a site gives itself, and the headline a main text starts with."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.intents.entities import ARTICLE_TYPES, names_of
from dataops_spiders.intents.structured import find_entities, jsonld_index, meta_named, opengraph
from dataops_spiders.page import Page

# Pipes, dashes, middots, bullets, guillemets and '::' between a title and a site name.
TITLE_SEPARATOR = re.compile("(\\s+[|\\-\u2013\u2014\u00b7\u2022\u00bb\u203a:]{1,2}\\s+)")
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "gob", "gouv"}
_NOT_WORD = re.compile(r"\W+")


def _norm(text: str) -> str:
    return _NOT_WORD.sub("", text.lower())


def site_label(url: str) -> str:
    """The registrable name of a host without a suffix list: news.bbc.co.uk → bbc."""
    labels = [label for label in urlsplit(url).hostname.split(".") if label] if url else []
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else (labels[0] if labels else "")


def site_names(page: Page) -> list[str]:
    """Names the site gives itself: og:site_name, application-name, its WebSite and publisher."""
    names = opengraph(page, "og:site_name") + meta_named(page, "application-name")
    index = jsonld_index(page)
    for entity in find_entities(page, ["WebSite"], syntaxes=("json-ld",)):
        names += names_of(entity.get("name"), index)
    for entity in find_entities(page, ARTICLE_TYPES, syntaxes=("json-ld",)):
        names += names_of(entity.get("publisher"), index)
    return names


def _is_site_part(part: str, names: list[str], label: str) -> bool:
    norm = _norm(part)
    if not norm:
        return True
    if any(_norm(n) == norm for n in names):
        return True
    if len(part.split()) > 4:
        return False
    return (len(label) >= 3 and label in norm) or (len(norm) >= 4 and norm in label)


def title_without_site(title: str, names: list[str], url: str, prefer: str | None = None) -> str:
    """A <title> without the site's name: "Storm hits coast | Daily Planet" → "Storm hits coast".

    `prefer` (the visible h1) wins when it is one of the parts; site parts are recognised by the
    site's declared name or its host name, at either end, never by position alone.
    """
    pieces = TITLE_SEPARATOR.split(collapse_whitespace(title))
    parts = pieces[::2]
    if len(parts) == 1:
        return parts[0]
    if prefer and any(_norm(p) == _norm(prefer) for p in parts):
        return next(p for p in parts if _norm(p) == _norm(prefer))
    label = site_label(url)
    start, end = 0, len(parts)
    while end - start > 1 and _is_site_part(parts[end - 1], names, label):
        end -= 1
    while end - start > 1 and _is_site_part(parts[start], names, label):
        start += 1
    return "".join(pieces[2 * start : 2 * end - 1]).strip()


def drop_leading_headline(text: str, headlines: Iterable[str]) -> str:
    """A main text without its first line when that line is the headline (extractors keep it)."""
    first, _, rest = text.strip().partition("\n")
    if rest and any(_norm(first) == _norm(h) for h in headlines if h):
        return rest.strip()
    return text.strip()
