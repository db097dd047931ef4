"""Reading schema.org data (JSON-LD, microdata, OpenGraph) and meta tags out of a Page."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from dataops_spiders.page import Page


def _types(obj: dict) -> set[str]:
    raw = obj.get("@type") or []
    raw = raw if isinstance(raw, list) else [raw]
    # "http://schema.org/Product" and "Product" are the same type
    return {str(t).rsplit("/", 1)[-1] for t in raw}


def _walk(obj: Any) -> Iterator[dict]:
    """Every dict inside obj, depth first (@graph containers and nested entities included)."""
    if isinstance(obj, dict):
        yield obj
        for value in obj.values():
            yield from _walk(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _walk(value)


def find_entities(page: Page, types: Iterable[str], syntaxes=("json-ld", "microdata")) -> list[dict]:
    """schema.org entities of the given types, JSON-LD first, then microdata."""
    wanted = set(types)
    found: list[dict] = []
    for syntax in syntaxes:
        for obj in _walk(page.structured.get(syntax, [])):
            if _types(obj) & wanted:
                found.append({**obj, "_syntax": syntax})
    return found


def get_path(obj: Any, path: str) -> list[Any]:
    """Values at a dotted path ('offers.price'); lists are traversed, so one path can give many."""
    current = [obj]
    for part in path.split("."):
        nxt: list[Any] = []
        for value in current:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and part in item:
                    nxt.append(item[part])
        current = nxt
    flat: list[Any] = []
    for value in current:
        flat.extend(value if isinstance(value, list) else [value])
    return [v for v in flat if v not in (None, "", [], {})]


def jsonld_values(page: Page, path: str) -> list[Any]:
    """A template's `jsonld:` rule: 'Product.offers.price' (typed) or 'offers.price' (any entity)."""
    head, _, rest = path.partition(".")
    if head[:1].isupper() and rest:
        entities = find_entities(page, [head], syntaxes=("json-ld",))
        path = rest
    else:
        entities = [o for o in page.structured.get("json-ld", []) if isinstance(o, dict)]
    values: list[Any] = []
    for entity in entities:
        values.extend(get_path(entity, path))
    return values


def microdata_values(page: Page, path: str) -> list[Any]:
    head, _, rest = path.partition(".")
    if head[:1].isupper() and rest:
        entities = find_entities(page, [head], syntaxes=("microdata",))
        path = rest
    else:
        entities = [o for o in page.structured.get("microdata", []) if isinstance(o, dict)]
    values: list[Any] = []
    for entity in entities:
        values.extend(get_path(entity, path))
    return values


def meta_values(page: Page, *names: str) -> list[str]:
    """Content of <meta name=…> / <meta property=…> / <meta itemprop=…> tags, in the order named."""
    values: list[str] = []
    for name in names:
        lowered = name.lower()
        xpath = (
            "//meta[translate(@name,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz')=$n"
            " or translate(@property,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz')=$n"
            " or @itemprop=$n]/@content"
        )
        values.extend(v.strip() for v in page.selector.xpath(xpath, n=lowered).getall() if v.strip())
    return values
