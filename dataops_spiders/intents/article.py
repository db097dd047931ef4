"""The `article` intent: a news story or blog post as one record.

Every field is looked for in several independent places, because the confidence layer rewards
agreement: schema.org JSON-LD and microdata (NewsArticle, BlogPosting, Article…), OpenGraph
`article:*` tags, plain `<meta name=…>` tags, and the visible page, which on many news sites is
all there is: the main <h1>, "By Jane Doe" bylines (`bylines`), <time datetime> stamps
(`dates`), the <title> minus the site's name (`titles`), and the main text isolated by
trafilatura (`main_text`). Visible-page heuristics skip page chrome (`text_layout`).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from dataops_spiders.intents.base import Intent
from dataops_spiders.intents.bylines import (
    AUTHOR_META,
    BY,
    byline_elements,
    byline_names_marked,
    byline_names_marked_in,
    byline_names_written,
    names_in_byline,
)
from dataops_spiders.intents.dates import (
    DATE_RE,
    DATE_TOKENS,
    MODIFIED_META,
    PUBLISHED_LABEL,
    PUBLISHED_META,
    date_class_texts,
    labelled_dates,
    time_elements,
    url_date,
)
from dataops_spiders.intents.entities import (
    ARTICLE_TYPES,
    clean_value,
    entity_url,
    html_to_text,
    image_urls_of,
    is_pages_own,
    names_of,
    primary_entities,
)
from dataops_spiders.intents.entries import ListingEvidence, listing_evidence
from dataops_spiders.intents.found import Found
from dataops_spiders.intents.listing import entry_candidates
from dataops_spiders.intents.main_text import main_text, word_count
from dataops_spiders.intents.structured import (
    entity_types,
    find_entities,
    get_path,
    jsonld_index,
    meta_named,
    opengraph,
)
from dataops_spiders.intents.text_layout import (
    TextLayout,
    contains,
    page_text_layout,
    scope_text_layout,
    short_texts,
)
from dataops_spiders.intents.titles import drop_leading_headline, site_names, title_without_site
from dataops_spiders.intents.urls import absolute_url, image_url
from dataops_spiders.intents.visible import class_tokens, node_text
from dataops_spiders.page import Page
from dataops_spiders.records import Candidate, Classification
from dataops_spiders.templates import FieldSpec

COLLECTION_TYPES = {"CollectionPage", "ItemList", "SearchResultsPage"}
_ARTICLE_TYPE_NAMES = {t.lower(): t for t in ARTICLE_TYPES}
_STANDFIRST_TOKENS = {
    "standfirst", "dek", "deck", "subheadline", "subtitle", "lede", "summary", "excerpt",
    "teaser", "intro", "strapline",
}  # fmt: skip


def paragraph_text(layout: TextLayout) -> str:
    """The article's visible paragraphs, joined: a DOM-only view of the body."""
    headline = layout.headline
    header = next(headline.iterancestors("header"), None) if headline is not None else None
    paragraphs = []
    for p in layout.iter_visible("p"):
        if header is not None and contains(header, p):
            continue
        text = node_text(p)
        if text and not BY.match(text):
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


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
            layout = page_text_layout(page)
            self._structured(page, found)
            if layout.headline is not None:  # the visible headline before the head's titles
                found.add("headline", node_text(layout.headline), "heuristic", "h1")
            self._head(page, layout, found)
        else:
            layout = scope_text_layout(scope.root)
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

    def _head(self, page: Page, layout: TextLayout, found: Found) -> None:
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

    def _visible(self, page: Page, layout: TextLayout, found: Found, scoped: bool) -> None:
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

    def _body(self, page: Page, layout: TextLayout, found: Found) -> None:
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
        mine = [e for e in entities if is_pages_own(e, page)]
        if len(entities) >= 3 and not mine:
            return Classification(
                "listing", 0.8, f"{len(entities)} article entities, none for this page"
            )
        if entities:
            types = {_ARTICLE_TYPE_NAMES.get(t.lower()) for e in entities for t in entity_types(e)}
            kind = sorted(types - {None})[0]
            return Classification("item", 0.95, f"schema.org {kind} data")
        layout = page_text_layout(page)
        listing = listing_evidence(page)
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


def sells_something(page: Page, layout: TextLayout) -> bool:
    """A product page: schema.org Product data, og:type product, or a buy button."""
    if find_entities(page, _PRODUCT_TYPES):
        return True
    if any(t.lower().startswith("product") for t in opengraph(page, "@type")):
        return True
    buttons = layout.root.xpath("//button | //input[@type='submit'] | //a[contains(@class, 'btn')]")
    return any(_BUY.search(node_text(b) or b.get("value") or "") for b in buttons[:200])


def dated_and_signed(layout: TextLayout) -> tuple[bool, bool]:
    """Whether a date and a byline sit next to the headline, where articles put them (a date
    in a review or a footer says nothing about the page being an article)."""
    near = layout.near_headline
    dated = any(near(el) for el in layout.iter_visible("time"))
    signed = any(near(el) and byline_names_marked_in(el) for el in byline_elements(layout))
    for el, text in short_texts(layout):
        if not near(el):
            continue
        classed_date = bool(class_tokens(el) & DATE_TOKENS) and bool(DATE_RE.search(text))
        labelled = any(DATE_RE.match(text, m.end()) for m in PUBLISHED_LABEL.finditer(text))
        dated = dated or classed_date or labelled
        signed = signed or bool(BY.match(text) and names_in_byline(text))
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
