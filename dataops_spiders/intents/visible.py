"""What a reader sees of an element (its text, whether it shows at all) and the names a page
gives it (class, id, itemprop, test hooks), read as words."""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from dataops_spiders.cleaners import collapse_whitespace


def words_of(text: str) -> frozenset[str]:
    return frozenset(text.split())


BLOCK_TAGS = words_of(
    "div p li ul ol table tr td th dd dt dl br section article header footer form "
    "h1 h2 h3 h4 h5 h6 button label"
)
SKIPPED_TAGS = words_of("script style noscript template select option head title")
_CENTS_TAGS = words_of("sup span small b strong em i u")
_STRUCK_TAGS = words_of("del s strike")
NAMING_ATTRS = (
    "class",
    "id",
    "itemprop",
    "data-auto",
    "data-cy",
    "data-qa",
    "data-qa-qualifier",
    "data-test",
    "data-test-id",
    "data-testid",
)
# Hidden from everyone. Screen-reader-only text ("sr-only", aria-hidden twins) is not hidden
# here: shops put the clean "$249.99" there and draw the visible one in fragments.
_HIDDEN_CLASS = re.compile(
    r"^(?:.*[-_])?(?:hidden|d-none|hide|invisible)(?:--?[a-z0-9]{4,8})?$",  # CSS-module hashes
    re.I,
)
_NAMING_SET = frozenset(NAMING_ATTRS)
_NO_WORDS: frozenset[str] = frozenset()
_NEGATED_TOKEN = re.compile(r"^(?:no|not|without|has-no|is-not)[-_]", re.I)
_NAME_PARTS = re.compile(r"[-_\d]+")
_CAMEL_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_WORD = re.compile(r"\w+")
_CENTS = re.compile(r"\d{2}")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_TOKEN_SPLIT = re.compile(r"[\s_\-]+")


# ---------------------------------------------------------------------------- names


def class_tokens_of(name: str) -> list[str]:
    """Lower-case words of a class or id: "jobCard_mainContent" → job, card, main, content."""
    return [t.lower() for t in _TOKEN_SPLIT.split(_CAMEL.sub(" ", name)) if t]


def class_tokens(el) -> frozenset[str]:
    """Words of an element's class and id attributes."""
    classes, ident = el.get("class"), el.get("id")
    if not classes and not ident:
        return _NO_WORDS
    return _class_and_id_tokens(f"{classes or ''} {ident or ''}")


@lru_cache(maxsize=8192)
def _class_and_id_tokens(names: str) -> frozenset[str]:
    return frozenset(class_tokens_of(names))


def _names(el: etree._Element) -> str:
    """el's naming attributes in one string (the order is of no matter to their readers)."""
    items = el.items()
    return " ".join([value for name, value in items if name in _NAMING_SET]) if items else ""


def names_search(el: etree._Element, pattern: re.Pattern) -> bool:
    """Whether pattern occurs in the names a page gives el (classes, id, itemprop, test hooks)."""
    names = _names(el)
    return bool(names) and _search_names(pattern, names)


def a_name_matches(el: etree._Element, pattern: re.Pattern) -> bool:
    """Whether one of the names a page gives el matches pattern from its start."""
    names = _names(el)
    return bool(names) and _match_a_name(pattern, names)


def naming_words(el: etree._Element) -> frozenset[str]:
    """Words of el's names: "pdp-priceOld__value" → {pdp, priceold, price, old, value}."""
    names = _names(el)
    return _words_in_names(names) if names else _NO_WORDS


# Pages repeat a few class names on thousands of elements: read each string once.
@lru_cache(maxsize=8192)
def _search_names(pattern: re.Pattern, names: str) -> bool:
    return bool(pattern.search(names))


@lru_cache(maxsize=8192)
def _match_a_name(pattern: re.Pattern, names: str) -> bool:
    return any(pattern.match(name) for name in names.split())


@lru_cache(maxsize=8192)
def _words_in_names(names: str) -> frozenset[str]:
    words: set[str] = set()
    for token in names.split():
        if _NEGATED_TOKEN.match(token):
            continue
        for part in _NAME_PARTS.split(token):
            words.add(part.lower())
            words.update(w.lower() for w in _CAMEL_WORDS.findall(part))
    words.discard("")
    return frozenset(words)


def text_words(text: str) -> set[str]:
    """Lower-case words of a text, single letters left out."""
    return {t for t in _WORD.findall(text.lower()) if len(t) > 1}


def overlap(a: str, b: str) -> float:
    """Share of a's words found in b: how well a name matches the page's title."""
    ta, tb = text_words(a), text_words(b)
    return len(ta & tb) / len(ta) if ta else 0.0


# ---------------------------------------------------------------------------- visibility


def is_hidden(el: etree._Element) -> bool:
    if el.tag in ("html", "body"):  # scripts toggle classes there for focus styles, not to hide
        return False
    style = (el.get("style") or "").replace(" ", "").lower()
    classes = el.get("class")
    return (
        el.get("hidden") is not None
        or (el.tag == "input" and (el.get("type") or "").lower() == "hidden")
        or "display:none" in style
        or "visibility:hidden" in style
        or (bool(classes) and _match_a_name(_HIDDEN_CLASS, classes))
    )


def hidden_in_ancestry(el: etree._Element) -> bool:
    """Whether el or one of its ancestors is hidden."""
    return is_hidden(el) or any(is_hidden(a) for a in el.iterancestors())


def is_struck(el: etree._Element) -> bool:
    return el.tag in _STRUCK_TAGS or "line-through" in (el.get("style") or "")


# ---------------------------------------------------------------------------- texts


def node_text(el) -> str:
    """Visible text of an lxml element, whitespace collapsed (scripts and styles left out)."""
    if not isinstance(el.tag, str):
        return ""
    parts = el.xpath(".//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]")
    return collapse_whitespace(" ".join(parts))


def visible_text(el: etree._Element, skip_struck: bool = True) -> str:
    """Text a reader sees in el: no scripts, no hidden parts, no struck-through old prices.

    Inline pieces join without a space, so "<span>$</span><span>99</span><sup>95</sup>" reads
    "$99.95", as it looks.
    """
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        hidden = is_hidden(node) or (skip_struck and is_struck(node))
        if tag and tag not in SKIPPED_TAGS and not hidden:
            block = tag in BLOCK_TAGS
            text = node.text or ""
            if tag in _CENTS_TAGS and _CENTS.fullmatch(text) and "".join(parts)[-1:].isdigit():
                text = "." + text  # "$249<sup>99</sup>" shows 249.99
            parts.append(" " + text if block else text)
            for child in node:
                walk(child)
            if block:
                parts.append(" ")
        if node is not el and node.tail:
            parts.append(node.tail)

    walk(el)
    return collapse_whitespace("".join(parts))


def text_before(el: etree._Element, limit: int = 40) -> str:
    """Text just before el on its line, or in the label cell before its table cell: where
    labels such as "Shipping:", "List price" or "ab" sit."""
    parts: list[str] = []
    node = el
    while (parent := node.getparent()) is not None:
        chunk: list[str] = []
        reached_block = False
        for sibling in node.itersiblings(preceding=True):  # nearest first
            chunk.insert(0, sibling.tail or "")
            if isinstance(sibling.tag, str) and sibling.tag in BLOCK_TAGS:
                reached_block = True
                break
            if isinstance(sibling.tag, str):
                chunk.insert(0, visible_text(sibling, skip_struck=False))
        if not reached_block:
            chunk.insert(0, parent.text or "")
        parts.insert(0, "".join(chunk))
        if reached_block or len(collapse_whitespace("".join(parts))) >= limit:
            break
        if parent.tag in BLOCK_TAGS:
            label = parent.getprevious()
            if parent.tag in ("td", "dd") and label is not None and label.tag in ("th", "td", "dt"):
                parts.insert(0, visible_text(label, skip_struck=False) + " ")
            break
        node = parent
    return collapse_whitespace("".join(parts))[-limit:]


def text_after(el: etree._Element, limit: int = 30) -> str:
    following = [el.tail or ""]
    sibling = el.getnext()
    if sibling is not None:
        following.append(visible_text(sibling))
    return collapse_whitespace(" ".join(following))[:limit]
