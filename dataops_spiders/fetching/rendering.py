"""Does a statically fetched page need a browser to show its content?

A page built by JavaScript arrives as a shell: an empty mount point (``<div id="root">``,
``<app-root>``, ``#__next``), a ``<noscript>`` asking for JavaScript, and bytes that are mostly
script. Any one of those is common on server-rendered pages too (analytics bundles, an unused
noscript), so the verdict weighs them against the text a reader would see, and a caller only
asks when the page also lacked what the template needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

# Mount points of the common front-end frameworks (React, Next, Nuxt, Vue, Angular, Svelte, Ember).
APP_ROOT_IDS = frozenset(
    {
        "root",
        "app",
        "__next",
        "__nuxt",
        "___gatsby",
        "svelte",
        "ember-app",
        "main-app",
        "react-root",
    }
)
APP_ROOT_TAGS = frozenset({"app-root", "ng-app"})
ASKS_FOR_JAVASCRIPT = re.compile(r"enable javascript|javascript (is )?(required|disabled)", re.I)
# Below this much visible text a page has no content to speak of: menus and footers alone
# are longer on a server-rendered shop page.
THIN_TEXT_CHARS = 400
MOSTLY_SCRIPT = 0.6  # share of the document's bytes inside <script>


@dataclass(frozen=True)
class RenderingVerdict:
    needs_browser: bool
    reason: str  # what gave it away, or why not
    text_chars: int
    script_share: float


def _empty(element: lxml.html.HtmlElement) -> bool:
    return len(element) == 0 and not (element.text or "").strip()


def _app_root(root: lxml.html.HtmlElement) -> str | None:
    for element in root.iter(etree.Element):
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in APP_ROOT_TAGS and _empty(element):
            return f"empty <{tag}>"
        identifier = element.get("id")
        if identifier in APP_ROOT_IDS and _empty(element):
            return f"empty #{identifier}"
        if element.get("data-reactroot") is not None and _empty(element):
            return "empty [data-reactroot]"
    return None


def _visible_text_chars(body: lxml.html.HtmlElement | None, enough: int) -> int:
    """Characters of visible text in ``body``, counted until ``enough`` (then it is enough)."""
    if body is None:
        return 0
    total = 0
    for element in body.iter(etree.Element):
        # A <script>'s own text is not visible, its tail is.
        own = element.text if element.tag not in ("script", "style", "noscript", "template") else ""
        tail = element.tail if element is not body else None
        for text in (own, tail):
            if text:
                total += len(text.strip())
        if total >= enough:
            break
    return total


def _script_bytes(root: lxml.html.HtmlElement) -> int:
    return sum(len(script.text or "") for script in root.iter("script"))


def rendering_verdict(html: str) -> RenderingVerdict:
    """Whether ``html`` looks like a JavaScript shell whose content only a browser would see."""
    try:
        root = lxml.html.document_fromstring(html) if html.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    return verdict_of_tree(root, len(html))


def verdict_of_tree(root: lxml.html.HtmlElement | None, size: int) -> RenderingVerdict:
    """The verdict on a page already parsed (a Scrapy response's ``selector.root``) whose
    document is ``size`` characters long."""
    if root is None or not isinstance(root.tag, str):
        return RenderingVerdict(False, "no HTML to judge", 0, 0.0)
    body = root.find("body")
    text_chars = _visible_text_chars(body, THIN_TEXT_CHARS)
    if text_chars >= THIN_TEXT_CHARS:  # most pages stop here, after a few elements
        return RenderingVerdict(
            False, f"at least {text_chars} characters of visible text", text_chars, 0.0
        )
    script_share = _script_bytes(root) / max(size, 1)
    signs = []
    mount = _app_root(root)
    if mount:
        signs.append(mount)
    noscript = " ".join(n.text_content() for n in root.iter("noscript"))
    if ASKS_FOR_JAVASCRIPT.search(noscript):
        signs.append("a <noscript> asking for JavaScript")
    if script_share >= MOSTLY_SCRIPT:
        signs.append(f"{script_share:.0%} of the bytes are script")
    if not signs:
        return RenderingVerdict(
            False, f"thin ({text_chars} characters) but no sign of an app", text_chars, script_share
        )
    reason = f"{text_chars} characters of visible text; " + ", ".join(signs)
    return RenderingVerdict(True, reason, text_chars, script_share)
