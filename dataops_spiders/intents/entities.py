"""The schema.org entity a page is about (pages carry entities of other pages too), and plain
values read out of entities: text without markup, person and organisation names, image URLs."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.intents.structured import find_entities, get_path, resolve
from dataops_spiders.intents.urls import absolute_url
from dataops_spiders.page import Page

ARTICLE_TYPES = {
    "Article", "NewsArticle", "BlogPosting", "LiveBlogPosting", "ReportageNews",
    "AnalysisNewsArticle", "OpinionNewsArticle", "ReviewNewsArticle", "BackgroundNewsArticle",
    "AskPublicNewsArticle", "TechArticle", "ScholarlyArticle", "Report", "SatiricalArticle",
}  # fmt: skip
_TAG = re.compile(r"<[^>]+>")
_LINE_END = re.compile(r"(?i)<br\s*/?>|</(?:p|div|li|h[1-6]|tr|ul|ol)>")
_URL_LIKE = re.compile(r"^(https?:)?//|^www\.")


def clean_value(value: Any) -> str:
    """A JSON-LD/microdata string as text: entities decoded, tags dropped, spaces collapsed."""
    return collapse_whitespace(_TAG.sub(" ", html.unescape(str(value))))


def html_to_text(value: str) -> str:
    """Text of an HTML fragment (job descriptions in JSON-LD), paragraphs kept apart."""
    value = html.unescape(str(value))
    value = _LINE_END.sub("\n", value)
    value = _TAG.sub(" ", value)
    lines = [collapse_whitespace(line) for line in html.unescape(value).split("\n")]
    return "\n".join(line for line in lines if line)


def names_of(value: Any, index: dict[str, dict]) -> list[str]:
    """Names in a schema.org Person/Organization value: a string, an entity, a list of them."""
    names = []
    for item in value if isinstance(value, list) else [value]:
        item = resolve(item, index)
        if isinstance(item, dict):
            item = item.get("name") or ""
            item = item[0] if isinstance(item, list) and item else item
        text = clean_value(item) if isinstance(item, str) else ""
        if text and not _URL_LIKE.match(text) and text not in names:
            names.append(text)
    return names


def image_urls_of(value: Any, index: dict[str, dict], base: str) -> list[str]:
    """URLs in a schema.org image value: a string, an ImageObject, a list of them."""
    urls = []
    for item in value if isinstance(value, list) else [value]:
        item = resolve(item, index)
        if isinstance(item, dict):
            item = item.get("url") or item.get("contentUrl") or ""
            item = item[0] if isinstance(item, list) and item else item
        url = absolute_url(base, item) if isinstance(item, str) else None
        if url and url not in urls:
            urls.append(url)
    return urls


def same_page(a: str, b: str) -> bool:
    """Whether two URLs name one page (www., letter case of the host and a final / aside)."""

    def norm(u: str) -> str:
        parts = urlsplit(u)
        return f"{parts.netloc.lower().removeprefix('www.')}{parts.path.rstrip('/')}"

    return bool(a and b) and norm(a) == norm(b)


def page_urls(page: Page) -> list[str]:
    """The page's canonical URL, when it gives one, and the URL it was fetched from."""
    canonical = absolute_url(page.url, page.selector.xpath("//link[@rel='canonical']/@href").get())
    return [u for u in (canonical, page.url) if u]


def entity_url(entity: dict, base: str) -> list[str]:
    """The URLs an entity gives for itself: url, mainEntityOfPage, @id."""
    urls = []
    for key in ("url", "mainEntityOfPage", "@id"):
        for value in get_path(entity, key):
            value = value.get("@id") or value.get("url") if isinstance(value, dict) else value
            url = absolute_url(base, value) if isinstance(value, str) else None
            if url and url not in urls:
                urls.append(url)
    return urls


def is_pages_own(entity: dict, page: Page) -> bool:
    """Whether an entity says it describes this page (by its URLs)."""
    urls = page_urls(page)
    return any(same_page(u, p) for u in entity_url(entity, page.url) for p in urls)


def primary_entities(page: Page, types: Iterable[str]) -> dict[str, dict]:
    """Per syntax (json-ld, microdata), the entity describing this page itself.

    Pages also carry entities of other pages (teasers, series parts): the one whose URL is the
    page's wins, else the first one.
    """
    chosen: dict[str, dict] = {}
    for entity in find_entities(page, types):
        syntax = entity["_syntax"]
        mine = is_pages_own(entity, page)
        if syntax not in chosen or (mine and not chosen[syntax].get("_mine")):
            chosen[syntax] = {**entity, "_mine": mine}
    return chosen
