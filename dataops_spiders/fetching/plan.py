"""Which requests of a crawl go through the browser.

    static    none
    browser   all of them
    auto      static first; a page that turns out to be a JavaScript shell is fetched again in
              the browser, and its section (site and first path segment: /app of
              shop.example/app/product/1) is remembered, here and in the source profile, so the
              section's later pages go straight to the browser. A section, not the whole site:
              shops often serve a client-rendered app beside server-rendered catalogue pages.

When the browser cannot be used (no Chromium, or it crashes), the plan falls back to static
HTTP for the rest of the crawl: static pages still crawl.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from dataops_spiders.fetching.rendering import RenderingVerdict, verdict_of_tree
from dataops_spiders.templates import FetchSpec

VIA_META = "dataops_fetched_via"  # how a page was fetched: "static" or "browser"
CHOICE_META = "dataops_fetch"  # on page requests: "plan", "browser" or "static" (see FetchRouting)

# schema.org types whose presence in the static HTML means the intent's data is already there
# (a client-rendered page whose server still embeds its JSON-LD needs no browser).
STRUCTURED_TYPES = {
    "product": ("Product", "ProductGroup"),
    "article": ("Article", "NewsArticle", "BlogPosting", "Report", "TechArticle"),
    "job_posting": ("JobPosting",),
}


def site_of(url: str) -> str:
    """host[:port], lowercase: what source profiles are kept by."""
    return urlsplit(url).netloc.rsplit("@", 1)[-1].lower()


def section_of(url: str) -> str:
    """The first path segment of ``url`` ("/app" of /app/product/1; "/" for the home page)."""
    segment = urlsplit(url).path.lstrip("/").split("/", 1)[0]
    return "/" + segment if segment and "/" in urlsplit(url).path.lstrip("/") else "/"


WHOLE_SITE = "*"  # a site all of whose pages need the browser


def _carries_structured_data(response, intent: str) -> bool:
    types = STRUCTURED_TYPES.get(intent)
    if not types:
        return False
    names = "|".join(types)
    pattern = re.compile(rf'"(?:https?://schema\.org/)?(?:{names})"')
    for script in response.xpath('//script[@type="application/ld+json"]/text()').getall():
        if pattern.search(script):
            return True
    itemtypes = " ".join(response.xpath("//@itemtype").getall())
    return any(f"schema.org/{t}" in itemtypes for t in types)


class FetchPlan:
    def __init__(self, strategy: str, spec: FetchSpec, intent: str):
        self.strategy = strategy
        self.spec = spec
        self.intent = intent
        # auto: where the browser is needed, {site: {section or WHOLE_SITE}}
        self.browser_sections: dict[str, set[str]] = {}
        self.browser_broken: str | None = None  # why the browser cannot be used, once known

    @property
    def uses_browser(self) -> bool:
        return self.strategy != "static" and self.browser_broken is None

    def wants_browser(self, url: str) -> bool:
        if not self.uses_browser:
            return False
        if self.strategy == "browser":
            return True
        sections = self.browser_sections.get(site_of(url), ())
        return WHOLE_SITE in sections or section_of(url) in sections

    def meta_for(self, url: str, choice: str = "plan") -> dict[str, Any]:
        """Request.meta that fetches ``url`` the way ``choice`` asks ("plan": as this plan
        decides; "browser", unless the browser is unusable; "static")."""
        if choice == "browser":
            browser = self.uses_browser
        else:
            browser = choice == "plan" and self.wants_browser(url)
        if not browser:
            return {VIA_META: "static"}
        from dataops_spiders.fetching.browser import browser_meta  # imports scrapy-playwright

        return {**browser_meta(self.spec), VIA_META: "browser"}

    def needs_rerender(self, response) -> RenderingVerdict | None:
        """auto: the verdict when a statically fetched page is a shell the browser must render;
        None when it is not (or the plan does not re-render)."""
        if self.strategy != "auto" or not self.uses_browser:
            return None
        if response.meta.get(VIA_META, "static") != "static":
            return None
        verdict = verdict_of_tree(response.selector.root, len(response.text))
        if not verdict.needs_browser or _carries_structured_data(response, self.intent):
            return None
        return verdict

    def learn(self, url: str) -> bool:
        """Remember that ``url``'s section needs the browser; True the first time."""
        sections = self.browser_sections.setdefault(site_of(url), set())
        section = section_of(url)
        if section in sections or WHOLE_SITE in sections:
            return False
        sections.add(section)
        return True

    def known(self, site: str, sections: list[str]) -> None:
        """What an earlier crawl learnt about ``site`` (from its source profile)."""
        self.browser_sections.setdefault(site, set()).update(sections)

    def give_up_browser(self, why: str) -> bool:
        """Stop using the browser for this crawl; True the first time."""
        if self.browser_broken is not None:
            return False
        self.browser_broken = why
        return True
