"""Layer 4: fields from the template's ordered rules, then the intent's own extractors.

For each field every rule and intent extractor proposes candidates; each is cleaned, coerced to
the field's type and validated; the first valid candidate wins (template rules come first, so
explicit rules always beat intent defaults). All candidates travel on to the confidence layer,
which rewards independent extractors that agree.

Template CSS/XPath rules read the raw HTML, as the user sees it in the browser's inspector;
`regex` rules read the cleaned main text by default (`in: html` or `in: url` to change that).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from dataops_spiders.cleaners import apply_cleaners, collapse_whitespace
from dataops_spiders.fieldtypes import coerce, validate
from dataops_spiders.page import Page
from dataops_spiders.records import Candidate, Classification
from dataops_spiders.templates import ExtractionRule, FieldSpec, IntentTemplate

logger = logging.getLogger(__name__)

MAX_CANDIDATES_KEPT = 8


def field_specs(template: IntentTemplate) -> dict[str, FieldSpec]:
    """The intent's default fields, overridden and extended by the template's own."""
    specs: dict[str, FieldSpec] = {}
    if template.intent != "custom":
        from dataops_spiders.intents import get_intent

        specs.update(get_intent(template.intent).fields)
    specs.update(template.fields)
    return specs


def _node_value(node) -> str:
    """Text of a selected node: attribute/text nodes as they are, elements by their text."""
    if isinstance(node.root, str):
        return node.root
    return collapse_whitespace(" ".join(node.xpath(".//text()").getall()))


def rule_values(rule: ExtractionRule, page: Page, scope=None) -> list[Any]:
    """What one template rule finds: its first match, or all matches with `all: true`."""
    if rule.kind in ("css", "xpath"):
        base = scope if scope is not None else page.selector
        nodes = base.css(rule.expr) if rule.kind == "css" else base.xpath(rule.expr)
        values: list[Any] = [_node_value(n) for n in nodes]
    elif rule.kind == "regex":
        values = _regex_values(rule, page, scope)
    else:
        from dataops_spiders.intents import structured

        if rule.kind == "jsonld":
            values = structured.jsonld_values(page, rule.expr)
        elif rule.kind == "microdata":
            values = structured.microdata_values(page, rule.expr)
        else:
            values = structured.meta_values(page, rule.expr)
    values = [v for v in values if v not in (None, "", [], {}) and str(v).strip()]
    if rule.all:
        return [values] if values else []
    return values[:1]


def _regex_values(rule: ExtractionRule, page: Page, scope) -> list[str]:
    if rule.scope == "url":
        text = page.url
    elif rule.scope == "html":
        text = scope.get() if scope is not None else page.html
    elif scope is not None:
        text = _node_value(scope)
    else:
        text = page.text
    pattern = re.compile(rule.expr)
    found = []
    for match in pattern.finditer(text):
        found.append(match.group(rule.group) if pattern.groups else match.group(0))
        if not rule.all:
            break
    return found


def template_candidates(name: str, spec: FieldSpec, page: Page, scope=None) -> list[Candidate]:
    candidates = []
    for index, rule in enumerate(spec.extract):
        try:
            values = rule_values(rule, page, scope)
        except ValueError as exc:  # e.g. an XPath that compiles but fails on this document
            logger.warning("fields.%s.extract[%d] failed on %s: %s", name, index, page.url, exc)
            continue
        source = f"fields.{name}.extract[{index}] {rule.describe()}"
        for value in values:
            cleaned = apply_cleaners(value, rule.clean)
            candidates.append(Candidate(cleaned, source, rule.kind, from_template=True))
    return candidates


def resolve_field(spec: FieldSpec, candidates: list[Candidate], base_url: str) -> dict[str, Any]:
    """Coerce and validate each candidate; the first valid one is the field's value."""
    kept: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    chosen: dict[str, Any] | None = None
    for candidate in candidates:
        raw = apply_cleaners(candidate.value, spec.clean)
        coerced = coerce(raw, spec.type, base_url)
        if not coerced.ok:
            continue
        errors = validate(coerced.value, spec.validate_)
        entry = {
            **candidate.as_dict(),
            "value": coerced.value,
            "valid": not errors,
            "errors": errors,
        }
        identity = (repr(coerced.value), candidate.kind)
        if identity not in seen and len(kept) < MAX_CANDIDATES_KEPT:
            seen.add(identity)
            kept.append(entry)
        if chosen is None and not errors:
            chosen = entry
    if chosen is None and kept:
        chosen = kept[0]  # present but failing validation: keep it, flagged, for review
    if chosen is not None and chosen not in kept:
        kept.insert(0, chosen)
    return {
        "value": chosen["value"] if chosen else None,
        "type": spec.type,
        "required": spec.required,
        "source": chosen["source"] if chosen else None,
        "kind": chosen["kind"] if chosen else None,
        "from_template": chosen["from_template"] if chosen else False,
        "valid": bool(chosen and chosen["valid"]),
        "errors": chosen["errors"] if chosen else ["not found"],
        "candidates": kept,
    }


def canonical_url(page: Page) -> str:
    from urllib.parse import urljoin, urlsplit

    from w3lib.url import canonicalize_url

    href = page.selector.xpath("//link[@rel='canonical']/@href").get()
    if href:
        absolute = urljoin(page.url, href.strip())
        if urlsplit(absolute).netloc == urlsplit(page.url).netloc:
            return canonicalize_url(absolute)
    return canonicalize_url(page.url)


def record_scopes(page: Page, template: IntentTemplate) -> list | None:
    """The elements that each hold one record, or None when the page is one record."""
    each = template.records.each
    if each is not None:
        base = page.selector
        return list(base.css(each.expr) if each.kind == "css" else base.xpath(each.expr))
    if template.intent != "custom":
        from dataops_spiders.intents import get_intent

        return get_intent(template.intent).record_scopes(page)
    return None


def _has_content(fields: dict[str, dict[str, Any]]) -> bool:
    required = [f for f in fields.values() if f["required"]]
    pool = required or list(fields.values())
    return any(f["value"] not in (None, "", []) for f in pool)


def _record_key(fields: dict, template: IntentTemplate, fallback: str) -> tuple[str, str]:
    keys = template.records.key
    if keys:
        values = [fields.get(k, {}).get("value") for k in keys]
        if all(v not in (None, "", []) for v in values):
            return "|".join(str(v) for v in values), "fields:" + ",".join(keys)
        missing = [k for k, v in zip(keys, values, strict=True) if v in (None, "", [])]
        return fallback, f"url (key field missing: {', '.join(missing)})"
    return fallback, "url"


def extract_records(page: Page, template: IntentTemplate) -> list[dict[str, Any]]:
    """Every record of one page (one, or one per repeated element), unscored."""
    specs = field_specs(template)
    intent = None
    if template.intent != "custom":
        from dataops_spiders.intents import get_intent

        intent = get_intent(template.intent)
    scopes = record_scopes(page, template)
    if scopes is None and template.intent == "listing":
        return []  # a listing intent's records are its entries; a page without any has none
    canonical = canonical_url(page)
    records = []
    for index, scope in enumerate(scopes if scopes else [None]):
        found = intent.candidates(page, scope) if intent is not None else {}
        fields = {}
        for name, spec in specs.items():
            candidates = template_candidates(name, spec, page, scope)
            if spec.intent_default:
                candidates += found.get(name, [])
            fields[name] = resolve_field(spec, candidates, page.url)
        if not _has_content(fields):
            continue
        fallback = canonical if scope is None else f"{canonical}#{index}"
        key, key_source = _record_key(fields, template, fallback)
        records.append(
            {
                "record_key": key,
                "key_source": key_source,
                "source_url": page.url,
                "canonical_url": canonical,
                "template": template.name,
                "intent": template.intent,
                "fields": fields,
            }
        )
    return records


def classify_page(page: Page, template: IntentTemplate, known: str | None) -> Classification:
    """Item page, listing or other: what the spider knows (URL patterns), else the intent says."""
    if known:
        return Classification(known, 1.0, "template URL pattern or direct_item start URL")
    if template.intent == "custom":
        return Classification("item", 0.5, "custom template: every page may hold a record")
    from dataops_spiders.intents import get_intent

    return get_intent(template.intent).classify(page)


def _extracts_from(kind: str, template: IntentTemplate) -> bool:
    if kind == "item":
        return True
    # a listing holds records only when the template (or the listing intent) splits it
    return kind == "listing" and (template.records.each is not None or template.intent == "listing")


def extract_page(item: dict[str, Any], template: IntentTemplate) -> dict[str, Any]:
    """Worker-process entry point: a cleaned PageItem's dict in; its kind and records out."""
    page = Page.from_item(item)
    verdict = classify_page(page, template, item.get("page_kind"))
    records = extract_records(page, template) if _extracts_from(verdict.kind, template) else []
    for record in records:
        record["fetched_at"] = item.get("fetched_at")
        record["page_kind"] = verdict.kind
    return {"page_kind": verdict.kind, "reason": verdict.reason, "records": records}


# ------------------------------------------------------------------- Scrapy pipeline


class ExtractionPipeline:
    """Runs `extract_page` in the worker pool; drops pages that hold no record."""

    PAYLOAD_KEYS = (
        "url",
        "status",
        "headers",
        "html",
        "cleaned_html",
        "main_text",
        "fetched_at",
        "page_kind",
        "depth",
        "referer",
        "fetched_via",
    )

    def __init__(self, crawler):
        from dataops_spiders.workers import WorkerPool

        self.crawler = crawler
        self.stats = crawler.stats
        self.workers = WorkerPool.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item):
        from itemadapter import ItemAdapter
        from scrapy.exceptions import DropItem

        adapter = ItemAdapter(item)
        template = self.crawler.spider.template
        payload = {key: adapter.get(key) for key in self.PAYLOAD_KEYS}
        result = await self.workers.run(extract_page, payload, template)
        # The HTML has served its purpose; keeping it would hold every page in memory downstream.
        for key in ("html", "cleaned_html", "main_text"):
            adapter[key] = None
        records = result["records"]
        adapter["records"] = records
        adapter["page_kind"] = result["page_kind"]
        adapter["page_kind_reason"] = result["reason"]
        self.stats.inc_value(f"dataops/pages/{result['page_kind']}")
        if not records:
            if result["page_kind"] == "item":
                self.stats.inc_value("dataops/item_pages_without_record")
            raise DropItem(
                f"no record on {adapter['url']} ({result['page_kind']}: {result['reason']})",
                log_level="DEBUG",
            )
        self.stats.inc_value("dataops/records_extracted", len(records))
        return item
