"""Values a page writes after a label: "SKU: 12345", <dt>Salary</dt><dd>€60k</dd>, table rows
(<th>Brand</th><td>Acme</td>) and a label element followed by its value."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lxml import etree

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.intents.visible import SKIPPED_TAGS, node_text, visible_text

# The end of a label pattern: a label is followed by a separator or the value, never by more
# letters ("Ref" does not start "Referenzen").
LABEL_END = r"(?![^\W\d_])\s*[:#.]?\s*(?:[:#]\s*)?"


def label_texts(elements: Iterable[etree._Element]) -> list[tuple[etree._Element, str]]:
    """(element, own text) of the elements whose own text is short enough to be a label: what
    `values_after_label` reads, found once for all the labels asked about."""
    found = []
    for el in elements:
        if el.text and el.tag not in SKIPPED_TAGS:
            own = collapse_whitespace(el.text)
            if own and len(own) <= 60:
                found.append((el, own))
    return found


def values_after_label(
    texts: Iterable[tuple[etree._Element, str]], label: re.Pattern
) -> Iterator[tuple[str, etree._Element]]:
    """(value, label element) for each of `label_texts` that starts with `label`: the value
    is the rest of that text, the text after the element, or the next cell or element."""
    for el, own in texts:
        if not label.match(own):
            continue
        rest = label.sub("", own, count=1).strip(" :#.-")
        if not rest:
            rest = label.sub("", visible_text(el), count=1).strip(" :#.-")
        if rest and len(rest) < 60:
            yield rest, el
            continue
        holder = el
        # <td><span>SKU</span></td><td>123</td>: the value sits next to the label's cell
        while holder.getnext() is None and holder.getparent() is not None:
            parent = holder.getparent()
            if visible_text(parent) != visible_text(holder):
                break
            holder = parent
        tail = collapse_whitespace(holder.tail or "").strip(" :#")
        if tail:
            yield tail, el
        elif holder.getnext() is not None:
            value = visible_text(holder.getnext())
            if value and len(value) < 60:
                yield value, el


def label_pairs(layout) -> Iterator[tuple[str, str]]:
    """(label, value) pairs in a text page's visible content (see `layout.Layout`): <dt>/<dd>,
    <th>/<td>, and a short leaf element followed by its value."""
    for el in layout.iter_visible("dt", "th"):
        sibling = el.getnext()
        if sibling is not None and sibling.tag in ("dd", "td"):
            yield node_text(el), node_text(sibling)
    for el in layout.iter_visible("strong", "b", "span", "label", "h3", "h4", "div"):
        label = node_text(el)
        if not label or len(label) > 40 or len(el):
            continue
        sibling = el.getnext()
        tail = collapse_whitespace(el.tail or "")
        if tail:
            yield label, tail
        elif sibling is not None and isinstance(sibling.tag, str):
            yield label, node_text(sibling)
