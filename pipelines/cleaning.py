"""Cleaning layer (DESIGN §1, layer 3): bytes to text to cleaned HTML to main content text.

Plain functions with no Scrapy import, so the control API can run them on posted HTML:

``decode_body(body, headers, declared_encoding)``
    Evidence for the encoding, most authoritative first: a byte-order mark (it cannot be wrong
    about the bytes that follow it, which is why browsers, Scrapy and w3lib all read it first),
    the encoding the caller already knows (Scrapy's response encoding, or a user's override),
    the HTTP ``charset``, the document's own ``<meta charset>`` or XML declaration, then
    detection through w3lib's ``html_to_unicode`` (strict UTF-8, a body cut inside a UTF-8
    character included, then charset-normalizer). Bytes that do not decode become U+FFFD.

``clean_html(html, main_text=...)``
    Drops what never carries a record's data: scripts (JSON-LD too: extraction reads structured
    data from the raw HTML), styles, noscript, iframes, embedded objects, SVG, comments, hidden
    form inputs, event-handler attributes, ``<link>`` other than canonical/alternate/prev/next.
    Then page boilerplate, from the most to the least certain evidence:

    1. tag names: ``<nav>`` (breadcrumbs excepted), and ``<header>``/``<footer>`` at page level
       (inside an article, section or main they are the article's own header and stay);
    2. ARIA roles: navigation, banner, contentinfo, search; an ``aria-label`` naming cookies,
       consent or advertising;
    3. class and id tokens, word by word: a token is boilerplate when every word of it is a
       boilerplate word ("footer", "cookie", "share", "ads", ...) or a neutral qualifier ("site",
       "wrapper", "bar", ...), at least one being boilerplate. So ``site-footer`` and
       ``cookie-banner`` go while ``product-footer-price`` and ``main-nav-content`` stay: "price"
       and "content" are neither. Page-chrome words (header, footer, ...) count only at page level,
       and a microdata item (``itemscope``) is never removed for its class;
    4. an ``<aside>`` or ``<section>`` whose first heading announces related or recommended items.

    An element that holds an ``<h1>``, ``<main>`` or ``role="main"`` is never removed, nor is
    anything inside an ``<h1>``. Tables, ``<time>``, ``<meta>``, forms and every attribute other
    than event handlers and inline styles are kept for extraction. Text is NFC-normalised,
    zero-width characters are dropped and whitespace collapsed, except in ``<pre>``/``<textarea>``.
    With ``main_text=True`` trafilatura isolates the main content text of the cleaned page.

``clean_page(item, needs_main_text)``
    Both, on the dict form of a PageItem. Never raises on what a server may send: binary,
    empty, truncated or very large bodies.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import lxml.html
from lxml import etree
from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

logger = logging.getLogger(__name__)


def _not_a_discard_notice(record: logging.LogRecord) -> bool:
    # trafilatura warns "discarding data" whenever a page has no main text: normal on listings.
    return not record.getMessage().startswith("discarding data")


logging.getLogger("trafilatura.core").addFilter(_not_a_discard_notice)

EMPTY_DOCUMENT = "<html><head></head><body></body></html>"
# trafilatura needs ~1.5 s per MB of HTML; past this it reads the beginning of the cleaned page,
# where page chrome is already gone and the main content starts.
MAIN_TEXT_MAX_CHARS = 1_000_000

# ---------------------------------------------------------------------------------------------
# Decoding


def decode_body(
    body: bytes, headers: Mapping[Any, Any] | None, declared_encoding: str | None
) -> tuple[str, str]:
    """Decode an HTTP body to text; return ``(text, python codec name used)``."""
    if not isinstance(body, bytes | bytearray | memoryview):
        body = b""
    body = bytes(body)
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None:
        decoded = _decode_with(body[len(bom) :], bom_encoding)
        if decoded is not None:
            return decoded
    content_type = header_value(headers, "Content-Type")
    meta_encoding = html_body_declared_encoding(body)
    if meta_encoding and meta_encoding.replace("_", "-").startswith(("utf-16", "utf-32")):
        # A <meta> readable as ASCII proves the page is not UTF-16/32 (WHATWG: use UTF-8).
        meta_encoding = "utf-8"
    for label in (declared_encoding, http_content_type_encoding(content_type), meta_encoding):
        decoded = _decode_with(body, label)
        if decoded is not None:
            return decoded
    encoding, text = html_to_unicode(None, body, default_encoding="utf-8", auto_detect_fun=_sniff)
    return _without_nul(text), codecs.lookup(encoding).name


def _decode_with(body: bytes, label: str | None) -> tuple[str, str] | None:
    """Decode with a declared label, or None when the label names no usable text codec."""
    if not label or not isinstance(label, str):
        return None
    try:
        codec = resolve_encoding(label.strip())
        if codec is None:
            return None
        name = codecs.lookup(codec).name
        # bytes.decode refuses codecs that are not text encodings ("hex", "rot13"): LookupError.
        return _without_nul(body.decode(name, "replace")), name
    except (LookupError, ValueError, TypeError):
        return None


def _sniff(body: bytes) -> str | None:
    """Guess an undeclared encoding: UTF-8 when it decodes (even cut short), else ask a detector."""
    try:
        # An incremental decoder tolerates a multi-byte character cut by a truncated download.
        codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    return best.encoding if best is not None else "cp1252"


def _without_nul(text: str) -> str:
    # HTML parsers turn NUL into U+FFFD; doing it here keeps every later parser from choking.
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def header_value(headers: Mapping[Any, Any] | None, name: str) -> str | None:
    """First value of a header, case-insensitive; keys str or bytes, values str, bytes or lists."""
    if not isinstance(headers, Mapping):
        return None
    wanted = name.lower()
    for key, value in headers.items():
        key_text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key_text.lower() != wanted:
            continue
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value if isinstance(value, str) else None
    return None


# ---------------------------------------------------------------------------------------------
# Cleaning

# Never data: code, styling, embedded documents, graphics. Their tail text is kept.
_KILLED_TAGS = (
    "script",  # JSON-LD included: extraction reads structured data from the raw HTML
    "style",
    "noscript",
    "template",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "param",
    "svg",
    "canvas",
)
_IS_JAVASCRIPT_URL = (
    "starts-with(translate(normalize-space(.), 'JAVASCRIPT', 'javascript'), 'javascript:')"
)
_JAVASCRIPT_URLS = f"//@href[{_IS_JAVASCRIPT_URL}] | //@src[{_IS_JAVASCRIPT_URL}]"
_KEPT_LINK_RELS = frozenset({"canonical", "alternate", "prev", "next", "amphtml"})
_NEVER_REMOVED = frozenset({"html", "head", "body", "main", "h1", "title", "meta", "base"})
# HTML: a <header>/<footer> inside these belongs to that content, not to the page.
_SECTIONING = frozenset({"article", "aside", "main", "nav", "section"})
_CONTENT_ROLES = frozenset({"main", "article"})
_NOISE_ROLES = frozenset({"navigation", "banner", "contentinfo", "search"})

# Words that name page furniture or noise when they make up a class or id.
_NOISE_WORDS = frozenset(
    """
    nav navbar navigation menu menubar megamenu sidebar skip skiplink announcement
    social share shares sharing sharethis addthis shariff sharebar
    cookie cookies cookiebanner cookiebar cookiebot cybot consent gdpr ccpa cmp onetrust didomi
    usercentrics truste osano iubenda
    ad ads advert adverts advertisement advertisements advertising adsbygoogle adslot adunit
    adsense adblock dfp sponsored taboola outbrain
    newsletter subscribe signup login popup
    related recommended recommendations similar trending popular
    comment comments disqus copyright
    """.split()  # noqa: SIM905 - a word list reads better as words than as 60 quoted strings
)
# Page-chrome words: a "footer" inside a product card is the card's, so these need page level.
_CHROME_WORDS = frozenset({"header", "footer", "masthead", "topbar", "toolbar", "bottombar"})
# Words that only qualify: neutral on their own, they do not save a token from being noise.
_NEUTRAL_WORDS = frozenset(
    """
    site global main top bottom primary secondary mobile desktop sticky fixed wrapper wrap
    container inner outer area bar block box holder module section region widget widgets panel
    links link list buttons button btn icons icon banner dialog overlay notice notification
    slot unit sdk col column left right zone placeholder frame bg js
    posts articles products stories items entries lg md sm xs xl
    """.split()  # noqa: SIM905 - as above
)
_ARIA_NOISE = re.compile(r"\b(cookies?|consent|advert\w*|sponsored)\b", re.IGNORECASE)
_RELATED_HEADING = re.compile(
    r"^\W*(related|recommended|you (may|might) also|more (from|like|stories|articles|news)"
    r"|read (next|more)|popular|trending|most (read|viewed|popular)|customers (who|also)"
    r"|(also|frequently) (bought|viewed)|similar|see also"
    r"|articles similaires|à lire aussi|vous aimerez|ähnliche|das könnte|auch interessant"
    r"|weitere artikel|relacionad|también te|artículos relacionados|potrebbe interessarti)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_HEADINGS = ("h2", "h3", "h4", "h5", "h6")

_SPACE = re.compile(r"\s+")
# Zero-width and soft-hyphen characters, C0/C1 controls other than whitespace, and what lxml
# refuses to store in a text node (XML 1.0: lone surrogates, U+FFFE, U+FFFF), which the parser
# itself can produce from character references such as &#1;.
_INVISIBLE = re.compile(
    "[\u200b\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
)


def clean_html(html: str, *, main_text: bool) -> tuple[str, str | None]:
    """Return ``(cleaned HTML, main content text or None)``; see the module docstring."""
    root = _parse(html)
    if root is None:
        return EMPTY_DOCUMENT, None
    _drop_code_and_embeds(root)
    _drop_links_and_hidden_inputs(root)
    _drop_boilerplate(root)
    _normalise_text(root)
    cleaned = lxml.html.tostring(root, encoding="unicode", method="html")
    return cleaned, (extract_main_text(cleaned) if main_text else None)


def extract_main_text(cleaned_html: str) -> str | None:
    """Main content text by trafilatura (precision first, no comments); None when it finds none.

    Pages longer than MAIN_TEXT_MAX_CHARS are read up to that length, so one huge page cannot
    stall the pipeline for tens of seconds.
    """
    import trafilatura

    from dataops_spiders.intents.main_text import TRAFILATURA_SETTINGS

    try:
        text = trafilatura.extract(cleaned_html[:MAIN_TEXT_MAX_CHARS], **TRAFILATURA_SETTINGS)
    except Exception as exc:  # trafilatura's heuristics raise assorted errors on odd trees
        logger.debug("main text extraction failed: %s", exc)
        return None
    text = text.strip() if text else ""
    return text or None


def _parse(html: str) -> lxml.html.HtmlElement | None:
    if not isinstance(html, str):
        return None
    # lxml refuses control characters in text it is handed later (a dropped element's tail),
    # and str input that carries an XML declaration: strip the first, give it UTF-8 bytes.
    data = _INVISIBLE.sub("", html).encode("utf-8")
    if not data.strip():
        return None
    parser = lxml.html.HTMLParser(  # one per call: lxml parsers are not shared across threads
        encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True, no_network=True
    )
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):  # "Document is empty": only comments or blanks
        return None
    return root if isinstance(root.tag, str) else None


def _drop_code_and_embeds(root: lxml.html.HtmlElement) -> None:
    # lxml's C-level strippers: lxml_html_clean's Cleaner walks the tree in Python, ~10x slower.
    etree.strip_elements(root, *_KILLED_TAGS, with_tail=False)
    etree.strip_tags(root, "blink", "marquee")
    etree.strip_attributes(root, "style")
    for attribute in root.xpath("//@*[starts-with(name(), 'on')] | " + _JAVASCRIPT_URLS):
        del attribute.getparent().attrib[attribute.attrname]


def _drop_links_and_hidden_inputs(root: lxml.html.HtmlElement) -> None:
    for link in list(root.iter("link")):
        rels = set((link.get("rel") or "").lower().split())
        if not rels & _KEPT_LINK_RELS:
            link.drop_tree()
    for field in list(root.iter("input")):
        if (field.get("type") or "").strip().lower() == "hidden":
            field.drop_tree()


def _drop_boilerplate(root: lxml.html.HtmlElement) -> None:
    protected = _protected(root)
    stack = [child for child in root if isinstance(child.tag, str)]
    while stack:
        element = stack.pop()
        if element.tag == "h1":
            continue  # nothing inside the page title is noise
        if element not in protected and noise_reason(element) is not None:
            element.drop_tree()  # keeps the tail text
            continue
        stack.extend(child for child in element if isinstance(child.tag, str))


def _protected(root: lxml.html.HtmlElement) -> set[lxml.html.HtmlElement]:
    """The h1s, main content landmarks and all their ancestors."""
    anchors = root.xpath("//h1 | //main | //*[@role='main']")
    protected: set[lxml.html.HtmlElement] = set(anchors)
    for anchor in anchors:
        protected.update(anchor.iterancestors())
    return protected


def noise_reason(element: lxml.html.HtmlElement) -> str | None:
    """Why this element is page noise (tag, role, aria-label, class/id, heading), or None."""
    tag = element.tag
    if not isinstance(tag, str) or tag in _NEVER_REMOVED:
        return None
    roles = set((element.get("role") or "").lower().split())
    if roles & _CONTENT_ROLES:
        return None
    if tag == "nav" or "navigation" in roles:
        return None if _is_breadcrumb(element) else "navigation"
    if roles & _NOISE_ROLES:
        return f"role={sorted(roles & _NOISE_ROLES)[0]}"
    if tag in ("header", "footer") and _at_page_level(element):
        return f"page {tag}"
    label = element.get("aria-label")
    if label and _ARIA_NOISE.search(label):
        return f"aria-label {label.strip()!r}"
    if element.get("itemscope") is not None:
        return None  # a microdata item is content, whatever its class says ("ad" on classifieds)
    for token in _class_and_id_tokens(element):
        verdict = _token_verdict(token)
        if verdict == "noise" or (verdict == "chrome" and _at_page_level(element)):
            return f"class/id {token!r}"
    if tag in ("aside", "section") and _announces_related(element):
        return "related-content block"
    return None


def _is_breadcrumb(element: lxml.html.HtmlElement) -> bool:
    marks = " ".join(element.get(a) or "" for a in ("aria-label", "class", "id")).lower()
    return "breadcrumb" in marks


def _at_page_level(element: lxml.html.HtmlElement) -> bool:
    """Not inside article/aside/main/nav/section, a main/article role, nor a microdata item."""
    for ancestor in element.iterancestors():
        if ancestor.tag in _SECTIONING or ancestor.get("itemscope") is not None:
            return False
        if set((ancestor.get("role") or "").lower().split()) & _CONTENT_ROLES:
            return False
    return True


def _class_and_id_tokens(element: lxml.html.HtmlElement) -> Iterator[str]:
    yield from (element.get("class") or "").split()
    element_id = (element.get("id") or "").strip()
    if element_id:
        yield element_id


@lru_cache(maxsize=8192)
def _token_verdict(token: str) -> str | None:
    """'noise', 'chrome' (page furniture if at page level) or None for one class or id token."""
    words = [w.lower() for w in _WORD.findall(token)]
    if not words:
        return None
    verdict = None
    for word in words:
        if word in _NOISE_WORDS:
            verdict = "noise"
        elif word in _CHROME_WORDS:
            verdict = verdict or "chrome"
        elif word not in _NEUTRAL_WORDS and not (len(word) == 1 or word.isdigit()):
            return None  # a content word ("price", "content", "product") vetoes the match
    return verdict


def _announces_related(element: lxml.html.HtmlElement) -> bool:
    """Its first heading, a child or grandchild, says "Related", "You may also like", ..."""
    for child in element:
        candidates = [child] if child.tag in _HEADINGS else child.iterchildren(*_HEADINGS)
        for heading in candidates:
            return bool(_RELATED_HEADING.match(_SPACE.sub(" ", heading.text_content()).strip()))
    return False


def _normalise_text(root: lxml.html.HtmlElement) -> None:
    preformatted = {node for pre in root.iter("pre", "textarea") for node in pre.iter()}
    for element in root.iter():
        if element.text:
            element.text = _normalise(element.text, keep_space=element in preformatted)
        if element.tail:
            element.tail = _normalise(element.tail, keep_space=element.getparent() in preformatted)


def _normalise(text: str, *, keep_space: bool) -> str:
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    return text if keep_space else _SPACE.sub(" ", text)


# ---------------------------------------------------------------------------------------------
# The page, as the pipeline sees it

# Bodies of these types are not documents: nothing to decode or clean.
_TEXT_TYPES = re.compile(r"^(text/|application/(xhtml\+xml|xml|json|ld\+json)|[^;]*\+xml)")


def clean_page(item: Mapping[str, Any], needs_main_text: bool) -> dict[str, Any]:
    """Decode and clean a PageItem's body: ``{html, encoding, cleaned_html, main_text}``.

    A body whose Content-Type is not textual (image, PDF, archive...) yields empty HTML rather
    than mojibake that later layers would parse as a page. A ``str`` body is taken as decoded.
    """
    headers = item.get("headers")
    declared = item.get("encoding")
    body = item.get("body")
    content_type = (header_value(headers, "Content-Type") or "").strip().lower()
    if content_type and not _TEXT_TYPES.match(content_type):
        return {"html": "", "encoding": None, "cleaned_html": "", "main_text": None}
    if isinstance(body, str):
        html, encoding = body, (declared if isinstance(declared, str) and declared else "utf-8")
    else:
        html, encoding = decode_body(body or b"", headers, declared)
    cleaned_html, main_text = clean_html(html, main_text=needs_main_text)
    return {
        "html": html,
        "encoding": encoding,
        "cleaned_html": cleaned_html,
        "main_text": main_text,
    }


# ---------------------------------------------------------------------------------------------
# Scrapy pipeline


def needs_main_text(template) -> bool:
    """Main-text isolation (trafilatura) is the costly part: run it only where it is read."""
    if template.intent in ("article", "job_posting"):
        return True
    return any(
        rule.kind == "regex" and rule.scope == "text"
        for spec in template.fields.values()
        for rule in spec.extract
    )


class CleaningPipeline:
    """Decodes and cleans each page in the worker pool; the raw bytes are dropped afterwards."""

    PAYLOAD_KEYS = ("url", "headers", "body", "encoding")

    def __init__(self, crawler):
        from dataops_spiders.workers import WorkerPool

        self.crawler = crawler
        self.workers = WorkerPool.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item):
        from itemadapter import ItemAdapter

        adapter = ItemAdapter(item)
        payload = {key: adapter.get(key) for key in self.PAYLOAD_KEYS}
        main_text = needs_main_text(self.crawler.spider.template)
        adapter.update(await self.workers.run(clean_page, payload, main_text))
        adapter["body"] = None
        return item
