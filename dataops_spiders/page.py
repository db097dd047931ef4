"""The page every layer works on: raw HTML, its cleaned form, and parses made once, on demand."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from parsel import Selector

logger = logging.getLogger(__name__)

STRUCTURED_SYNTAXES = ("json-ld", "microdata", "opengraph")


@dataclass
class Page:
    url: str
    html: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    cleaned_html: str | None = None  # set by the cleaning layer
    main_text: str | None = None  # set by the cleaning layer
    depth: int = 0
    referer: str | None = None
    fetched_via: str = "static"

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Page:
        """Rebuild a Page from a PageItem (or its dict form, as sent to a worker process)."""
        return cls(
            url=item["url"],
            html=item.get("html") or "",
            status=item.get("status", 200),
            headers=dict(item.get("headers") or {}),
            cleaned_html=item.get("cleaned_html"),
            main_text=item.get("main_text"),
            depth=item.get("depth", 0),
            referer=item.get("referer"),
            fetched_via=item.get("fetched_via", "static"),
        )

    @cached_property
    def selector(self) -> Selector:
        """Selector over the raw HTML: structured data, meta tags and template rules read it."""
        return Selector(text=self.html or "<html></html>", base_url=self.url)

    @cached_property
    def cleaned_selector(self) -> Selector:
        """Selector over the cleaned HTML (falls back to the raw HTML before cleaning ran)."""
        if self.cleaned_html is None:
            return self.selector
        return Selector(text=self.cleaned_html or "<html></html>", base_url=self.url)

    @cached_property
    def text(self) -> str:
        """Readable text of the page: the main text when cleaning found it, else all text."""
        if self.main_text:
            return self.main_text
        from dataops_spiders.cleaners import collapse_whitespace

        return collapse_whitespace(" ".join(self.cleaned_selector.xpath("//body//text()").getall()))

    @cached_property
    def structured(self) -> dict[str, list[dict]]:
        """schema.org data of the page (JSON-LD, microdata, OpenGraph) in extruct's uniform form."""
        import extruct

        try:
            data = extruct.extract(
                self.html,
                base_url=self.url,
                syntaxes=list(STRUCTURED_SYNTAXES),
                uniform=True,
                errors="ignore",
            )
        except Exception as exc:  # extruct raises whatever its parsers raise on broken markup
            logger.debug("structured data unreadable on %s: %s", self.url, exc)
            data = {}
        return {syntax: data.get(syntax) or [] for syntax in STRUCTURED_SYNTAXES}
