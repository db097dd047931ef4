"""Reading schema.org data (JSON-LD, microdata, OpenGraph) and meta tags out of a Page."""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator
from typing import Any

from dataops_spiders.intents.per_page import per_page
from dataops_spiders.page import Page

# What XPath's translate() lowers in the tag attributes the page gives: ASCII letters only.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def entity_types(obj: dict) -> set[str]:
    """schema.org types of obj as written, without the vocabulary: "http://schema.org/Product"
    and "Product" are the same type."""
    raw = obj.get("@type") or []
    raw = raw if isinstance(raw, list) else [raw]
    return {str(t).rsplit("/", 1)[-1] for t in raw}


def is_of_type(obj: dict, types: Iterable[str]) -> bool:
    """Whether obj has one of the types, whatever their case: shops write "product" too."""
    return _has_type(obj, _lowered(types))


def _lowered(types: Iterable[str]) -> frozenset[str]:
    return frozenset(t.lower() for t in types)


def _has_type(obj: dict, lowered: frozenset[str]) -> bool:
    return any(t.lower() in lowered for t in entity_types(obj))


def walk_entities(obj: Any) -> Iterator[dict]:
    """Every dict inside obj, depth first (@graph containers and nested entities included)."""
    if isinstance(obj, dict):
        yield obj
        for value in obj.values():
            yield from walk_entities(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from walk_entities(value)


def find_entities(
    page: Page, types: Iterable[str], syntaxes=("json-ld", "microdata")
) -> list[dict]:
    """schema.org entities of the given types, JSON-LD first, then microdata."""
    wanted = _lowered(types)
    found: list[dict] = []
    for syntax in syntaxes:
        for obj in walk_entities(page.structured.get(syntax, [])):
            if _has_type(obj, wanted):
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
    """A template's `jsonld:` rule: 'Product.offers.price' (typed) or 'offers.price' (any)."""
    return _values_of(page, "json-ld", path)


def microdata_values(page: Page, path: str) -> list[Any]:
    """A template's `microdata:` rule, read as `jsonld_values` reads JSON-LD."""
    return _values_of(page, "microdata", path)


def _values_of(page: Page, syntax: str, path: str) -> list[Any]:
    head, _, rest = path.partition(".")
    if head[:1].isupper() and rest:
        entities = find_entities(page, [head], syntaxes=(syntax,))
        path = rest
    else:
        entities = [o for o in page.structured.get(syntax, []) if isinstance(o, dict)]
    values: list[Any] = []
    for entity in entities:
        values.extend(get_path(entity, path))
    return values


def jsonld_index(page: Page) -> dict[str, dict]:
    """JSON-LD nodes by @id, so {"@id": "#author"} references can be followed."""
    return {
        str(o["@id"]): o
        for o in walk_entities(page.structured.get("json-ld", []))
        if "@id" in o and len(o) > 1
    }


def resolve(value: Any, index: dict[str, dict]) -> Any:
    """The node a bare {"@id": …} reference points to (see `jsonld_index`), else the value."""
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and "@id" in value:
        return index.get(str(value["@id"]), value)
    return value


def opengraph(page: Page, prop: str) -> list[str]:
    """Values of one OpenGraph property ("og:title", "article:author"), as extruct read them."""
    values = []
    for block in page.structured.get("opengraph", []):
        value = block.get(prop)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and v.strip():
                values.append(v.strip())
    return values


def meta_values(page: Page, *names: str) -> list[str]:
    """Content of <meta name=…> / <meta property=…> / <meta itemprop=…> tags, in the order named."""
    return _meta_contents(page, names, ("name", "property", "itemprop"))


def meta_named(page: Page, *names: str) -> list[str]:
    """Content of <meta name=…> / <meta http-equiv=…> (not OpenGraph's property=, counted apart)."""
    return _meta_contents(page, names, ("name", "http-equiv"))


def _meta_contents(page: Page, names: Iterable[str], attrs: tuple[str, ...]) -> list[str]:
    """Per name, in document order, the content of the meta tags whose `attrs` give that name
    (letter case aside, but for itemprop, whose values are case-sensitive names)."""
    index = _meta_index(page)
    values: list[str] = []
    for name in names:
        wanted = name.lower()
        found = sorted({hit for attr in attrs for hit in index.get((attr, wanted), ())})
        values.extend(content for _, content in found)
    return values


@per_page
def _meta_index(page: Page) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """(attribute, value) → (position, content) of the page's <meta> tags with a content."""
    index: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for position, meta in enumerate(page.selector.root.iter("meta")):
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        for attr in ("name", "property", "http-equiv", "itemprop"):
            value = meta.get(attr)
            if value is not None:
                key = value if attr == "itemprop" else value.translate(_ASCII_LOWER)
                index.setdefault((attr, key), []).append((position, content))
    return index
