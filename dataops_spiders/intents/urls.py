"""Absolute http(s) URLs for the links and pictures a page refers to."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

_NOT_A_PAGE = ("#", "javascript:", "mailto:", "tel:", "data:")


def absolute_url(base: str, href: str | None) -> str | None:
    """An http(s) URL for a link or image reference, None for anchors, scripts and data: URIs."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(_NOT_A_PAGE):
        return None
    url = urljoin(base, href)
    return url if urlsplit(url).scheme in ("http", "https") else None


def image_url(img, base: str) -> str | None:
    """The real picture of an <img>: lazy-loading attributes first, then srcset, then src."""
    for attr in ("data-src", "data-lazy-src", "data-original", "data-srcset", "srcset", "src"):
        value = (img.get(attr) or "").strip()
        if attr.endswith("srcset"):
            value = value.split(",")[0].strip().split(" ")[0]
        url = absolute_url(base, value)
        if url:
            return url
    return None


def is_page_link(anchor) -> bool:
    """Whether an <a> leads to another page (not an anchor, a script, mail or a phone)."""
    return not (anchor.get("href") or "#").strip().startswith(_NOT_A_PAGE)
