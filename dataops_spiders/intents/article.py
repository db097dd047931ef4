"""The `article` intent: a news story or blog post as one record.

Every field is looked for in several independent places, because the confidence layer rewards
agreement: schema.org JSON-LD and microdata (NewsArticle, BlogPosting, Article…), OpenGraph
`article:*` tags, plain `<meta name=…>` tags, and the visible page, which on many news sites is
all there is: the main <h1>, "By Jane Doe" bylines, <time datetime> stamps, the <title> minus the
site's name, and the main text isolated by trafilatura. Visible-page heuristics skip page chrome
(navigation, sidebars, comments, related-story boxes) so a commenter is never taken for the author.

The page-reading helpers here (layout, titles, dates, main text) are shared with the job posting
intent.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any, ClassVar
from urllib.parse import urlsplit

from dataops_spiders.cleaners import collapse_whitespace
from dataops_spiders.intents.base import Intent
from dataops_spiders.intents.listing import (
    Found,
    ListingEvidence,
    absolute_url,
    class_tokens,
    entry_candidates,
    image_url,
    listing_evidence,
    node_text,
)
from dataops_spiders.intents.structured import _types, _walk, find_entities, get_path
from dataops_spiders.page import Page
from dataops_spiders.records import Candidate, Classification
from dataops_spiders.templates import FieldSpec

ARTICLE_TYPES = {
    "Article", "NewsArticle", "BlogPosting", "LiveBlogPosting", "ReportageNews",
    "AnalysisNewsArticle", "OpinionNewsArticle", "ReviewNewsArticle", "BackgroundNewsArticle",
    "AskPublicNewsArticle", "TechArticle", "ScholarlyArticle", "Report", "SatiricalArticle",
}  # fmt: skip
COLLECTION_TYPES = {"CollectionPage", "ItemList", "SearchResultsPage"}

# ------------------------------------------------------------------------------ page chrome

# Class/id words of blocks around an article that hold names, dates and links of other things.
CHROME_TOKENS = {
    "comment", "comments", "reply", "replies", "related", "recommended", "recommendations",
    "similar", "share", "sharing", "social", "newsletter", "subscribe",
    "subscription", "promo", "advert", "advertisement", "ad", "ads", "sponsored", "cookie",
    "consent", "popular", "trending", "breadcrumb", "breadcrumbs", "menu", "navbar", "nav",
    "navigation", "outbrain", "taboola", "disqus", "pagination", "pager",
}  # fmt: skip
# Words that name the site's own header/footer only outside the article ("post-footer" is content).
SITE_CHROME_TOKENS = {"footer", "masthead", "topbar", "header"}
# Sidebars: other stories beside an article, but the facts box ("Location", "Salary") of a job ad.
SIDEBAR_TOKENS = {"sidebar", "widget", "widgets"}
CHROME_ROLES = {"navigation", "complementary", "contentinfo", "banner", "search", "menu"}
# How many elements before/after the headline its byline and date may be.
NEAR_BEFORE, NEAR_AFTER = 15, 60
_LOGO_TOKENS = {"logo", "brand", "branding", "site", "sitename"}
_STORY_TOKENS = {"entry", "post", "article", "story", "news", "blog", "page"}
_STANDFIRST_TOKENS = {
    "standfirst", "dek", "deck", "subheadline", "subtitle", "lede", "summary", "excerpt",
    "teaser", "intro", "strapline",
}  # fmt: skip


def _tag(el) -> str:
    return el.tag if isinstance(el.tag, str) else ""


def _within(el, *tags: str) -> bool:
    return any(_tag(a) in tags or (a.get("role") or "") == "main" for a in el.iterancestors())


def _site_header(el) -> bool:
    """A <header> of the site (logo, menu), not the header of the article itself."""
    return (
        _tag(el) == "header"
        and not _within(el, "article", "main")
        and (el.find(".//nav") is not None or (el.get("role") or "") == "banner")
    )


def _sidebar(el) -> bool:
    return _tag(el) == "aside" or (el.get("role") or "").lower() == "complementary"


def _chrome_by_markup(el) -> bool:
    if _tag(el) == "nav" or _sidebar(el) or (el.get("role") or "").lower() in CHROME_ROLES:
        return True
    if _tag(el) == "footer" and not _within(el, "article"):
        return True
    return _site_header(el)


def _headline_element(root):
    """The page's main <h1>: not the logo, not in menus or sidebars; inside the article if any."""
    found = []
    for h1 in root.iter("h1"):
        text = node_text(h1)
        if len(text) < 3 or class_tokens(h1) & _LOGO_TOKENS:
            continue
        if any(_chrome_by_markup(a) for a in [h1, *h1.iterancestors()]):
            continue
        found.append(h1)
    if found:
        return min(found, key=lambda h: not _within(h, "article", "main"))
    for el in root.iter():  # no usable <h1>: class="headline", "entry-title", "post-title"…
        tokens = class_tokens(el) if isinstance(el.tag, str) else set()
        titled = "headline" in tokens or ("title" in tokens and tokens & _STORY_TOKENS)
        if (
            titled
            and 3 <= len(node_text(el)) < 300
            and not any(_chrome_by_markup(a) for a in el.iterancestors())
        ):
            return el
    return None


def _content_element(root, headline):
    """The element holding the article: the <article> around the headline, or the smallest
    ancestor of the headline with a page's worth of text, or the longest <article>/<main>."""
    if headline is not None:
        for a in headline.iterancestors():
            if _tag(a) == "article" and len(node_text(a)) >= 500:
                return a
        node = headline
        for a in headline.iterancestors():
            node = a
            if len(node_text(a)) >= 1000:
                break
        return node
    blocks = [e for e in root.iter("article", "main") if not _chrome_by_markup(e)]
    if blocks:
        return max(blocks, key=lambda e: len(node_text(e)))
    body = root.find(".//body")
    return body if body is not None else root


@dataclass
class Layout:
    """Where things are on a page: its main headline, the article element and the chrome."""

    root: Any
    headline: Any
    content: Any
    chrome: set = field(default_factory=set)

    def visible(self, el) -> bool:
        """Outside page chrome (navigation, sidebars, comments, related stories)."""
        if not self.chrome:
            return True
        return el not in self.chrome and not any(a in self.chrome for a in el.iterancestors())

    @cached_property
    def lang(self) -> str:
        """The page's language tag (<html lang>), "" when it does not say."""
        return (self.root.getroottree().getroot().get("lang") or "").strip()

    def iter_visible(self, *tags: str) -> Iterator:
        for el in self.content.iter(*tags):
            if isinstance(el.tag, str) and self.visible(el):
                yield el

    @cached_property
    def _order(self) -> dict:
        return {el: i for i, el in enumerate(self.root.iter())}

    def near_headline(self, el) -> bool:
        """Within a few elements of the headline in page order: the article's own header."""
        if self.headline is None:
            return False
        distance = self._order.get(el, -(10**9)) - self._order[self.headline]
        return -NEAR_BEFORE <= distance <= NEAR_AFTER


# classify and candidates of one page share it; a few pages only, documents can be large
@lru_cache(maxsize=2)
def page_layout(root, scoped: bool = False, sidebars: bool = False) -> Layout:
    """Layout of a document (or of one scoped element, where nothing counts as chrome).

    With `sidebars`, asides are content and the whole body is searched: job ads keep their
    facts box there, where articles keep other stories.
    """
    headline = _headline_element(root)
    if scoped:
        return Layout(root, headline, root)
    chrome = set()
    for el in root.iter():
        if not isinstance(el.tag, str) or (headline is not None and _contains(el, headline)):
            continue
        tokens = class_tokens(el)
        if sidebars and (_sidebar(el) or tokens & SIDEBAR_TOKENS) and not tokens & CHROME_TOKENS:
            continue
        site_part = tokens & SITE_CHROME_TOKENS and not _within(el, "article", "main")
        if _chrome_by_markup(el) or tokens & (CHROME_TOKENS | SIDEBAR_TOKENS) or site_part:
            chrome.add(el)
    if sidebars:
        body = root.find(".//body")
        return Layout(root, headline, body if body is not None else root, chrome)
    return Layout(root, headline, _content_element(root, headline), chrome)


def _contains(el, other) -> bool:
    return el is other or any(a is el for a in other.iterancestors())


# --------------------------------------------------------------------- structured data helpers


def jsonld_index(page: Page) -> dict[str, dict]:
    """JSON-LD nodes by @id, so {"@id": "#author"} references can be followed."""
    return {
        str(o["@id"]): o
        for o in _walk(page.structured.get("json-ld", []))
        if "@id" in o and len(o) > 1
    }


def resolve(value: Any, index: dict[str, dict]) -> Any:
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and "@id" in value:
        return index.get(str(value["@id"]), value)
    return value


def clean_value(value: Any) -> str:
    """A JSON-LD/microdata string as text: entities decoded, tags dropped, spaces collapsed."""
    return collapse_whitespace(re.sub(r"<[^>]+>", " ", html.unescape(str(value))))


def html_to_text(value: str) -> str:
    """Text of an HTML fragment (job descriptions in JSON-LD), paragraphs kept apart."""
    value = html.unescape(str(value))
    value = re.sub(r"(?i)<br\s*/?>|</(?:p|div|li|h[1-6]|tr|ul|ol)>", "\n", value)
    value = re.sub(r"<[^>]+>", " ", value)
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
        if text and not re.match(r"^(https?:)?//|^www\.", text) and text not in names:
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


def _same_page(a: str, b: str) -> bool:
    def norm(u: str) -> str:
        parts = urlsplit(u)
        return f"{parts.netloc.lower().removeprefix('www.')}{parts.path.rstrip('/')}"

    return bool(a and b) and norm(a) == norm(b)


def page_urls(page: Page) -> list[str]:
    canonical = absolute_url(page.url, page.selector.xpath("//link[@rel='canonical']/@href").get())
    return [u for u in (canonical, page.url) if u]


def entity_url(entity: dict, base: str) -> list[str]:
    urls = []
    for key in ("url", "mainEntityOfPage", "@id"):
        for value in get_path(entity, key):
            value = value.get("@id") or value.get("url") if isinstance(value, dict) else value
            url = absolute_url(base, value) if isinstance(value, str) else None
            if url and url not in urls:
                urls.append(url)
    return urls


def primary_entities(page: Page, types: Iterable[str]) -> dict[str, dict]:
    """Per syntax (json-ld, microdata), the entity describing this page itself.

    Pages also carry entities of other pages (teasers, series parts): the one whose URL is the
    page's wins, else the first one.
    """
    urls = page_urls(page)
    chosen: dict[str, dict] = {}
    for entity in find_entities(page, types):
        syntax = entity["_syntax"]
        mine = any(_same_page(u, p) for u in entity_url(entity, page.url) for p in urls)
        if syntax not in chosen or (mine and not chosen[syntax].get("_mine")):
            chosen[syntax] = {**entity, "_mine": mine}
    return chosen


def opengraph(page: Page, prop: str) -> list[str]:
    values = []
    for block in page.structured.get("opengraph", []):
        value = block.get(prop)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and v.strip():
                values.append(v.strip())
    return values


def meta_named(page: Page, *names: str) -> list[str]:
    """Content of <meta name=…> / <meta http-equiv=…> (not OpenGraph's property=, counted apart)."""
    lower = "translate(@{0},'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz')"
    values = []
    for name in names:
        xpath = f"//meta[{lower.format('name')}=$n or {lower.format('http-equiv')}=$n]/@content"
        values += [v.strip() for v in page.selector.xpath(xpath, n=name.lower()).getall()]
    return [v for v in values if v]


# ------------------------------------------------------------------------------ page titles

# Pipes, dashes, middots, bullets, guillemets and '::' between a title and a site name.
TITLE_SEPARATOR = re.compile("(\\s+[|\\-\u2013\u2014\u00b7\u2022\u00bb\u203a:]{1,2}\\s+)")
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "gob", "gouv"}


def _norm(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def site_label(url: str) -> str:
    """The registrable name of a host without a suffix list: news.bbc.co.uk → bbc."""
    labels = [label for label in urlsplit(url).hostname.split(".") if label] if url else []
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else (labels[0] if labels else "")


def site_names(page: Page) -> list[str]:
    names = opengraph(page, "og:site_name") + meta_named(page, "application-name")
    index = jsonld_index(page)
    for entity in find_entities(page, ["WebSite"], syntaxes=("json-ld",)):
        names += names_of(entity.get("name"), index)
    for entity in find_entities(page, ARTICLE_TYPES, syntaxes=("json-ld",)):
        names += names_of(entity.get("publisher"), index)
    return names


def _is_site_part(part: str, names: list[str], label: str) -> bool:
    norm = _norm(part)
    if not norm:
        return True
    if any(_norm(n) == norm for n in names):
        return True
    if len(part.split()) > 4:
        return False
    return (len(label) >= 3 and label in norm) or (len(norm) >= 4 and norm in label)


def title_without_site(title: str, names: list[str], url: str, prefer: str | None = None) -> str:
    """A <title> without the site's name: "Storm hits coast | Daily Planet" → "Storm hits coast".

    `prefer` (the visible h1) wins when it is one of the parts; site parts are recognised by the
    site's declared name or its host name, at either end, never by position alone.
    """
    pieces = TITLE_SEPARATOR.split(collapse_whitespace(title))
    parts = pieces[::2]
    if len(parts) == 1:
        return parts[0]
    if prefer and any(_norm(p) == _norm(prefer) for p in parts):
        return next(p for p in parts if _norm(p) == _norm(prefer))
    label = site_label(url)
    start, end = 0, len(parts)
    while end - start > 1 and _is_site_part(parts[end - 1], names, label):
        end -= 1
    while end - start > 1 and _is_site_part(parts[start], names, label):
        start += 1
    return "".join(pieces[2 * start : 2 * end - 1]).strip()


# ------------------------------------------------------------------------------------ dates

_MONTHS = (
    r"jan(?:uary|vier|uar|\.)?|feb(?:ruary|ruar|\.)?|febrero|février|fevrier|mar(?:ch|s|zo|\.)?|"
    r"märz|apr(?:il|\.)?|avril|abril|may|mayo|mai|june?|juin|junio|juni|july?|juillet|julio|juli|"
    r"aug(?:ust|\.)?|août|agosto|sep(?:t(?:ember)?|tembre|tiembre|\.)?|oct(?:ober|obre|\.)?|"
    r"oktober|octubre|nov(?:ember|embre|iembre|\.)?|dec(?:ember|\.)?|dez(?:ember)?|décembre|"
    r"diciembre|enero|janvier|januar"
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TIME = r"(?:,?\s*(?:at\s+|um\s+|à\s+)?\d{1,2}[:.h]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,4}\b)?)?"
# A date as people write it: ISO, numeric, with a month name (en, de, fr, es), or relative.
DATE_RE = re.compile(
    r"(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b" + _TIME + r"|"
    rf"\b{_WEEKDAY}(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}" + _TIME + r"|"
    rf"\b{_WEEKDAY}\d{{1,2}}(?:st|nd|rd|th|\.|er)?\s+(?:de\s+)?(?:{_MONTHS})\.?,?\s+(?:de\s+)?\d{{4}}"
    + _TIME
    + r"|\b\d+\+?\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\s+ago\b"
    r"|\b(?:today|yesterday|just now)\b)",
    re.I,
)
_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=[/\-_.]|$)"
)
_UPDATED_WORDS = {"updated", "update", "modified", "lastmod", "revised", "aktualisiert"}
_DATE_TOKENS = {"date", "published", "pubdate", "timestamp", "dateline", "posted", "updated"}
_PUBLISHED_LABEL = re.compile(
    r"(?:published|posted|first published|veröffentlicht|publié|publicado|pubblicato)"
    r"(?:\s+on|\s+am|\s+le|\s+el|\s+at)?\s*:?\s*",
    re.I,
)
_UPDATED_LABEL = re.compile(
    r"(?:last\s+)?(?:updated|modified|aktualisiert|mis à jour|actualizado|aggiornato)"
    r"(?:\s+on|\s+am|\s+le|\s+el|\s+at)?\s*:?\s*",
    re.I,
)


PUBLISHED_META = (
    "date", "pubdate", "publishdate", "publish-date", "publish_date", "published_date",
    "publication_date", "article.published", "article:published_time", "article_date_original",
    "parsely-pub-date", "sailthru.date", "dc.date", "dc.date.issued", "dcterms.date",
    "dcterms.issued", "dcterms.created", "citation_publication_date", "citation_date",
    "original-publish-date", "cxenseparse:recs:publishtime",
)  # fmt: skip
MODIFIED_META = (
    "lastmod", "last-modified", "article.updated", "article:modified_time", "dcterms.modified",
    "dc.date.modified", "revised", "parsely-updated", "sailthru.lastmodified",
)  # fmt: skip
AUTHOR_META = (
    "author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
    "citation_author",
)  # fmt: skip


_NUMERIC_DATE = re.compile(r"^(\d{1,2})([./])(\d{1,2})\2(\d{4})(?:,?\s+(\d{1,2}:\d{2}))?")


def written_date(text: str, lang: str) -> str:
    """A visible date with the order of its numbers settled, so that no parser has to guess:
    dots are day-first wherever they are used, slashes too outside American English.
    "12.06.2024" → "2024-06-12"; "05/06/2024" stays as written on an en-US page."""
    match = _NUMERIC_DATE.match(text.strip())
    if not match:
        return text
    first, separator, second, year, clock = match.groups()
    if separator == "/" and lang.lower() in ("", "en", "en-us"):
        return text
    try:
        day = date(int(year), int(second), int(first))
    except ValueError:  # 31.02. or 13/13/: not a day, leave it as written
        return text
    return day.isoformat() + (f" {int(clock[:-3]):02d}{clock[-3:]}" if clock else "")


def url_date(url: str) -> str | None:
    """The publication day many sites put in article URLs: /2024/01/05/slug → 2024-01-05."""
    match = _URL_DATE.search(urlsplit(url).path)
    if not match:
        return None
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _is_updated(el) -> bool:
    around = [el, *list(el.iterancestors())[:2]]
    words = set().union(*(class_tokens(a) for a in around)) | {
        w.lower() for a in around for w in re.split(r"\W+", a.get("itemprop") or "")
    }
    label = collapse_whitespace(
        " ".join((el.getparent() if el.getparent() is not None else el).xpath("./text()"))
    )
    return bool(words & _UPDATED_WORDS or {"datemodified"} & words) or bool(
        _UPDATED_LABEL.match(label)
    )


def time_elements(layout: Layout) -> tuple[list[str], list[str]]:
    """(published, modified) values of visible <time> elements, in page order."""
    published, modified = [], []
    for el in layout.iter_visible("time"):
        value = (el.get("datetime") or "").strip() or written_date(node_text(el), layout.lang)
        if not value:
            continue
        (modified if _is_updated(el) else published).append(value)
    return published, modified


def date_class_texts(layout: Layout) -> tuple[list[str], list[str]]:
    """(published, modified) dates in elements classed as dates (class="date", "posted-on"…)."""
    published, modified = [], []
    for el in layout.iter_visible():
        if not class_tokens(el) & _DATE_TOKENS or next(el.iter("time"), None) is not None:
            continue  # <time> elements are read on their own
        text = node_text(el)
        match = DATE_RE.search(text) if len(text) < 120 else None
        if match:
            stamp = written_date(match.group(0), layout.lang)
            (modified if _is_updated(el) else published).append(stamp)
    return published, modified


def short_texts(layout: Layout, limit: int = 160) -> Iterator[tuple[Any, str]]:
    """Innermost visible elements with a short text: where bylines and date lines live."""
    for el in layout.iter_visible():
        if el.tag in ("script", "style", "noscript", "time"):
            continue
        text = node_text(el)
        if not text or len(text) > limit:
            continue
        if any(node_text(c) == text for c in el if isinstance(c.tag, str)):
            continue  # a child says the same: take the innermost
        yield el, text


def labelled_dates(layout: Layout) -> tuple[list[str], list[str]]:
    """(published, modified) dates written out: "Published on 5 January 2024", "Updated: …"."""
    published, modified = [], []
    for _, text in short_texts(layout):
        for label, bucket in ((_UPDATED_LABEL, modified), (_PUBLISHED_LABEL, published)):
            for match in label.finditer(text):
                stamp = DATE_RE.match(text, match.end())
                if stamp:
                    bucket.append(written_date(stamp.group(0).strip(), layout.lang))
    return published, modified


# --------------------------------------------------------------------------------- bylines

_BY = re.compile(
    r"^(?:by|written by|words by|posted by|reported by|story by|text by|von|par|por|di|door)"
    r"\s*:?\s+(.+)$",
    re.I,
)
_BYLINE_TOKENS = {"byline", "author", "authors", "writer", "contributor", "contributors", "creator"}
_ROLE_WORDS = {
    "reporter", "correspondent", "editor", "editors", "writer", "staff", "contributor",
    "contributing", "columnist", "journalist", "photographer", "producer", "analyst", "updated",
    "published", "posted", "min", "mins", "minutes", "read", "follow", "email", "twitter",
    "redakteur", "redaktion", "rédaction", "redacción",
}  # fmt: skip
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*", re.I)
_BYLINE_CUT = re.compile(
    "\\s+(?:[|\u2022\u00b7\u2014\u2013]|-\\s|on\\s|in\\s|for\\s|at\\s|updated|published|posted)",
    re.I,
)


def _plausible_name(part: str) -> bool:
    words = part.split()
    if not 1 <= len(words) <= 5 or len(part) > 60 or any(ch.isdigit() for ch in part):
        return False
    lowered = {w.lower().strip(".,") for w in words}
    if (lowered | {w.removesuffix("s") for w in lowered}) & _ROLE_WORDS:
        return False
    # Names are capitalised where the script has case: "the end of" is not a name.
    first = part[0]
    return first.isalpha() and (first.isupper() or not first.islower())


def names_in_byline(text: str) -> list[str]:
    """Author names in a byline: "By Jane Doe and John Roe | 5 Jan 2024" → [Jane Doe, John Roe]."""
    text = collapse_whitespace(text)
    match = _BY.match(text)
    text = match.group(1) if match else text
    stamp = DATE_RE.search(text)
    if stamp:
        text = text[: stamp.start()]
    text = _BYLINE_CUT.split(text, maxsplit=1)[0]
    names = []
    for part in _NAME_SPLIT.split(text):
        part = part.strip(" .,:;")
        if _plausible_name(part) and part not in names:
            names.append(part)
    return names


def byline_elements(layout: Layout) -> Iterator[Any]:
    """Visible elements marked up as bylines/authors (class, rel=author), outermost first."""
    seen: list = []
    for el in layout.iter_visible():
        marked = class_tokens(el) & _BYLINE_TOKENS or "author" in (el.get("rel") or "").split()
        if not marked or any(_contains(s, el) for s in seen):
            continue
        if len(node_text(el)) > 200:
            continue  # an author bio, not a byline
        seen.append(el)
        yield el


def byline_names_marked_in(el) -> list[str]:
    """Names in one byline element: its links' texts (names are usually linked), else its text."""
    links = [node_text(a) for a in el.iter("a")]
    return [n for t in links for n in names_in_byline(t)] or names_in_byline(node_text(el))


def byline_names_marked(layout: Layout) -> list[str]:
    names: list[str] = []
    for el in byline_elements(layout):
        names += [n for n in byline_names_marked_in(el) if n not in names]
    return names


def byline_names_written(layout: Layout) -> list[str]:
    """Names after "By …" in short visible texts."""
    names: list[str] = []
    for _, text in short_texts(layout):
        if _BY.match(text):
            names += [n for n in names_in_byline(text) if n not in names]
    return names


# ------------------------------------------------------------------------------- main text


@lru_cache(maxsize=2)  # classify, then candidates, of the same page
def trafilatura_text(html_text: str, url: str) -> str | None:
    """Main text by trafilatura with cheap settings (one page may ask twice: classify, extract)."""
    import trafilatura

    try:
        return trafilatura.extract(
            html_text,
            url=url,
            fast=True,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
        )
    except Exception:  # trafilatura/lxml raise assorted errors on broken documents
        return None


def main_text(page: Page) -> tuple[str | None, str]:
    """The page's main text and where it came from: the cleaning layer's, else trafilatura's."""
    if page.main_text:
        return page.main_text, "main_text"
    return trafilatura_text(page.html or "", page.url), "trafilatura"


def drop_leading_headline(text: str, headlines: Iterable[str]) -> str:
    first, _, rest = text.strip().partition("\n")
    if rest and any(_norm(first) == _norm(h) for h in headlines if h):
        return rest.strip()
    return text.strip()


def paragraph_text(layout: Layout) -> str:
    """The article's visible paragraphs, joined: a DOM-only view of the body."""
    headline = layout.headline
    header = next(headline.iterancestors("header"), None) if headline is not None else None
    paragraphs = []
    for p in layout.iter_visible("p"):
        if header is not None and _contains(header, p):
            continue
        text = node_text(p)
        if text and not _BY.match(text):
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def word_count(text: str | None) -> int:
    return len(text.split()) if text else 0


# ------------------------------------------------------------------------------- the intent


def _language(value: Any) -> str:
    """ISO 639-1 code of a language tag, as zyte-common-items gives it: "en-US", "en_GB" → "en"."""
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name") or ""
    code = re.split(r"[-_]", str(value).strip(), maxsplit=1)[0].lower()
    return code if re.fullmatch(r"[a-z]{2,3}", code) else ""


class ArticleIntent(Intent):
    """News stories and blog posts."""

    name: ClassVar[str] = "article"
    fields: ClassVar[dict[str, FieldSpec]] = {
        "headline": FieldSpec(type="string", required=True),
        "articleBody": FieldSpec(type="text", required=True),
        "datePublished": FieldSpec(type="date"),
        "dateModified": FieldSpec(type="date"),
        "authors": FieldSpec(type="list"),
        "description": FieldSpec(type="text"),
        "mainImage": FieldSpec(type="url"),
        "inLanguage": FieldSpec(type="string"),
        "url": FieldSpec(type="url"),
    }

    def candidates(self, page: Page, scope=None) -> dict[str, list[Candidate]]:
        found = Found(self.name)
        if scope is None:
            layout = page_layout(page.selector.root)
            self._structured(page, found)
            if layout.headline is not None:  # the visible headline before the head's titles
                found.add("headline", node_text(layout.headline), "heuristic", "h1")
            self._head(page, layout, found)
        else:
            layout = page_layout(scope.root, scoped=True)
            found.take(
                entry_candidates(scope.root, page.url, self.name),
                {"name": "headline", "url": "url", "mainImage": "mainImage"},
            )
        self._visible(page, layout, found, scoped=scope is not None)
        return found.result(self.fields)

    def _structured(self, page: Page, found: Found) -> None:
        index = jsonld_index(page)
        for syntax, entity in primary_entities(page, ARTICLE_TYPES).items():
            kind = "jsonld" if syntax == "json-ld" else "microdata"

            def values(key: str, entity=entity) -> list[Any]:
                return get_path(entity, key)

            found.add_all("headline", map(clean_value, values("headline")), kind, "headline")
            found.add_all("headline", map(clean_value, values("name")), kind, "name")
            for date_key, field_name in (
                ("datePublished", "datePublished"),
                ("dateCreated", "datePublished"),
                ("dateModified", "dateModified"),
            ):
                found.add_all(field_name, map(str, values(date_key)), kind, date_key)
            authors = names_of(values("author"), index) or names_of(values("creator"), index)
            found.add("authors", authors, kind, "author")
            found.add_all(
                "description", map(clean_value, values("description")), kind, "description"
            )
            images = image_urls_of(values("image"), index, page.url)
            found.add_all("mainImage", images, kind, "image")
            found.add_all(
                "mainImage",
                image_urls_of(values("thumbnailUrl"), index, page.url),
                kind,
                "thumbnailUrl",
            )
            found.add_all("inLanguage", map(_language, values("inLanguage")), kind, "inLanguage")
            found.add_all("url", entity_url(entity, page.url)[:1], kind, "url")
            found.add_all(
                "articleBody", map(html_to_text, values("articleBody")), kind, "articleBody"
            )

    def _head(self, page: Page, layout: Layout, found: Found) -> None:
        """OpenGraph and meta tags, and the <title>: what the page says about itself."""
        og = "opengraph"
        found.add_all("headline", opengraph(page, "og:title"), og, "og:title")
        found.add_all("headline", meta_named(page, "twitter:title"), "meta", "twitter:title")
        title = page.selector.xpath("//title/text()").get()
        if title:
            h1 = node_text(layout.headline) if layout.headline is not None else None
            stripped = title_without_site(title, site_names(page), page.url, prefer=h1)
            found.add("headline", stripped, "meta", "title")
        found.add_all(
            "datePublished", opengraph(page, "article:published_time"), og, "article:published_time"
        )
        found.add_all(
            "dateModified", opengraph(page, "article:modified_time"), og, "article:modified_time"
        )
        found.add_all("dateModified", opengraph(page, "og:updated_time"), og, "og:updated_time")
        found.add_all("datePublished", meta_named(page, *PUBLISHED_META), "meta", "date")
        found.add_all("dateModified", meta_named(page, *MODIFIED_META), "meta", "modified")
        authors = [n for v in meta_named(page, *AUTHOR_META) for n in names_in_byline(v)]
        found.add("authors", list(dict.fromkeys(authors)), "meta", "author")
        og_authors = [n for v in opengraph(page, "article:author") for n in names_in_byline(v)]
        found.add("authors", og_authors, og, "article:author")
        found.add_all("description", opengraph(page, "og:description"), og, "og:description")
        found.add_all(
            "description",
            meta_named(page, "description", "twitter:description"),
            "meta",
            "description",
        )
        for image in opengraph(page, "og:image") + opengraph(page, "og:image:url"):
            found.add("mainImage", absolute_url(page.url, image), og, "og:image")
        for image in meta_named(page, "twitter:image", "twitter:image:src"):
            found.add("mainImage", absolute_url(page.url, image), "meta", "twitter:image")
        found.add_all(
            "inLanguage", [_language(v) for v in opengraph(page, "og:locale")], og, "og:locale"
        )
        found.add_all(
            "inLanguage",
            [_language(v) for v in meta_named(page, "content-language", "language", "dc.language")],
            "meta",
            "content-language",
        )
        canonical = page.selector.xpath("//link[@rel='canonical']/@href").get()
        found.add("url", absolute_url(page.url, canonical), "meta", "canonical")
        for url in opengraph(page, "og:url"):
            found.add("url", absolute_url(page.url, url), og, "og:url")

    def _visible(self, page: Page, layout: Layout, found: Found, scoped: bool) -> None:
        """Heuristics on the visible page: what a reader sees."""
        heur = "heuristic"
        found.add("authors", byline_names_marked(layout), heur, "byline")
        found.add("authors", byline_names_written(layout), "text", "byline")
        published, modified = time_elements(layout)
        found.add_all("datePublished", published[:1], heur, "time")
        found.add_all("dateModified", modified[:1], heur, "time")
        published, modified = date_class_texts(layout)
        found.add_all("datePublished", published[:1], heur, "date-class")
        found.add_all("dateModified", modified[:1], heur, "date-class")
        published, modified = labelled_dates(layout)
        found.add_all("datePublished", published[:1], "text", "published-label")
        found.add_all("dateModified", modified[:1], "text", "updated-label")
        for el in layout.iter_visible():
            if el is not layout.content and class_tokens(el) & _STANDFIRST_TOKENS:
                text = node_text(el)
                if 40 <= len(text) <= 600:
                    found.add("description", text, heur, "standfirst")
                    break
        images = [img for fig in layout.iter_visible("figure") for img in fig.iter("img")]
        images += list(layout.iter_visible("img"))
        for img in images:
            if _looks_like_photo(img):
                found.add("mainImage", image_url(img, page.url), heur, "img")
                break
        if not scoped:
            lang = layout.root.get("lang") or layout.root.get("xml:lang")
            found.add("inLanguage", _language(lang) if lang else None, heur, "html-lang")
            found.add("datePublished", url_date(page.url), heur, "url-date")
            found.add("url", page.url, heur, "page-url")
            self._body(page, layout, found)
        else:
            found.add("articleBody", paragraph_text(layout), heur, "paragraphs")

    def _body(self, page: Page, layout: Layout, found: Found) -> None:
        """articleBody: the structured body when it is complete, the extracted main text, the
        visible paragraphs. A structured body much shorter than the page's is a teaser."""
        headlines = [c.value for c in found.fields["headline"]]
        text, how = main_text(page)
        extracted = drop_leading_headline(text, headlines) if text else None
        paragraphs = paragraph_text(layout)
        structured = found.fields.pop("articleBody", [])
        longest = max(len(extracted or ""), len(paragraphs))
        for candidate in structured:
            if len(candidate.value) >= 0.6 * longest:
                found.fields["articleBody"].append(candidate)
        found.add("articleBody", extracted, "text", how)
        if len(paragraphs) >= 200:
            found.add("articleBody", paragraphs, "heuristic", "paragraphs")
        for candidate in structured:
            if candidate not in found.fields["articleBody"]:
                found.fields["articleBody"].append(candidate)

    def classify(self, page: Page) -> Classification:
        entities = find_entities(page, ARTICLE_TYPES)
        urls = page_urls(page)
        mine = [
            e
            for e in entities
            if any(_same_page(u, p) for u in entity_url(e, page.url) for p in urls)
        ]
        if len(entities) >= 3 and not mine:
            return Classification(
                "listing", 0.8, f"{len(entities)} article entities, none for this page"
            )
        if entities:
            kind = sorted({t for e in entities for t in _types(e)} & ARTICLE_TYPES)[0]
            return Classification("item", 0.95, f"schema.org {kind} data")
        layout = page_layout(page.selector.root)
        listing = listing_evidence(layout.root)
        if listing and listing.share >= 0.5 and len(listing.group.entries) >= 5:
            return Classification("listing", 0.8, _teasers(listing))
        if find_entities(page, COLLECTION_TYPES):
            return Classification("listing", 0.75, "schema.org collection page")
        if sells_something(page, layout):
            return Classification("other", 0.7, "a product page (product data or buy button)")
        text, _ = main_text(page)
        words = word_count(text)
        dated, signed = dated_and_signed(layout)
        og_types = opengraph(page, "@type") + meta_named(page, "og:type")
        og_article = "article" in {t.lower() for t in og_types}
        headline = layout.headline is not None
        evidence = [
            name
            for name, ok in (("byline", signed), ("date", dated), ("og:type article", og_article))
            if ok
        ]
        # A byline and a date under the headline make even a short news item an article.
        if headline and ((words >= 250 and evidence) or (words >= 120 and dated and signed)):
            score = min(0.6 + 0.1 * len(evidence), 0.9)
            reason = f"headline, {', '.join(evidence)}, {words} words of text"
            return Classification("item", round(score, 2), reason)
        if og_article and words >= 150:
            return Classification("item", 0.7, f"og:type article, {words} words of text")
        if headline and words >= 500:
            return Classification("item", 0.6, f"headline and {words} words of text")
        if listing and listing.is_listing:
            return Classification("listing", 0.6, _teasers(listing))
        return Classification("other", 0.6, f"no article markup; {words} words of main text")


def _teasers(listing: ListingEvidence) -> str:
    return f"{len(listing.group.entries)} teasers hold {listing.share:.0%} of the text"


_PRODUCT_TYPES = {"Product", "ProductGroup", "IndividualProduct", "ProductModel"}
_BUY = re.compile(
    r"add to (?:cart|basket|bag|trolley)|buy now|in den (?:warenkorb|einkaufswagen)|"
    r"ajouter au panier|añadir al (?:carrito|carro|cesta)|aggiungi al carrello|"
    r"in (?:de )?winkelwagen|do koszyka|adicionar ao carrinho",
    re.I,
)


def sells_something(page: Page, layout: Layout) -> bool:
    """A product page: schema.org Product data, og:type product, or a buy button."""
    if find_entities(page, _PRODUCT_TYPES):
        return True
    if any(t.lower().startswith("product") for t in opengraph(page, "@type")):
        return True
    buttons = layout.root.xpath("//button | //input[@type='submit'] | //a[contains(@class, 'btn')]")
    return any(_BUY.search(node_text(b) or b.get("value") or "") for b in buttons[:200])


def dated_and_signed(layout: Layout) -> tuple[bool, bool]:
    """Whether a date and a byline sit next to the headline, where articles put them (a date
    in a review or a footer says nothing about the page being an article)."""
    near = layout.near_headline
    dated = any(near(el) for el in layout.iter_visible("time"))
    signed = any(near(el) and byline_names_marked_in(el) for el in byline_elements(layout))
    for el, text in short_texts(layout):
        if not near(el):
            continue
        classed_date = bool(class_tokens(el) & _DATE_TOKENS) and bool(DATE_RE.search(text))
        labelled = any(DATE_RE.match(text, m.end()) for m in _PUBLISHED_LABEL.finditer(text))
        dated = dated or classed_date or labelled
        signed = signed or bool(_BY.match(text) and names_in_byline(text))
    return dated, signed


_ICON_TOKENS = {"logo", "icon", "avatar", "sprite", "badge", "emoji", "author", "profile"}


def _looks_like_photo(img) -> bool:
    """A content picture, not a logo, icon, avatar or tracking pixel."""
    if class_tokens(img) & _ICON_TOKENS or any(
        class_tokens(a) & _ICON_TOKENS for a in list(img.iterancestors())[:2]
    ):
        return False
    for attr in ("width", "height"):
        value = re.match(r"\d+", img.get(attr) or "")
        if value and int(value.group()) < 150:
            return False
    return image_url(img, "http://x/") is not None
