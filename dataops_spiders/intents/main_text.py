"""A page's main text: the cleaning layer's when it ran, else trafilatura's."""

from __future__ import annotations

from dataops_spiders.intents.per_page import per_page
from dataops_spiders.page import Page

# Cheap settings, shared with the cleaning layer: precision over recall, no comment threads,
# tables kept (spec sheets, facts).
TRAFILATURA_SETTINGS = {
    "fast": True,
    "favor_precision": True,
    "include_comments": False,
    "include_tables": True,
    "deduplicate": False,
}


def _trafilatura_text(html_text: str, url: str) -> str | None:
    """Main text by trafilatura; None when it finds none or fails on the document."""
    import trafilatura

    try:
        return trafilatura.extract(html_text, url=url, **TRAFILATURA_SETTINGS)
    except Exception:  # trafilatura/lxml raise assorted errors on broken documents
        return None


@per_page  # classify() and candidates() of one page both read it
def main_text(page: Page) -> tuple[str | None, str]:
    """The page's main text and where it came from: the cleaning layer's, else trafilatura's."""
    if page.main_text:
        return page.main_text, "main_text"
    return _trafilatura_text(page.html or "", page.url), "trafilatura"


def word_count(text: str | None) -> int:
    return len(text.split()) if text else 0
