"""The crawl's cleaning → extraction → confidence layers on posted HTML, with no fetch.

The layers are the pipelines' plain functions, called on the same item dict the Scrapy pipelines
build. They are imported when a request comes, not when the API starts: lxml, trafilatura and
extruct would otherwise weigh on the idle API's memory."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from control_api.errors import ApiError, Unprocessable
from control_api.schemas.pipeline import PipelineRequest, PipelineResult
from control_api.services import templates
from dataops_spiders.templates import IntentTemplate, TemplateError

HTML_HEADERS = {"Content-Type": "text/html; charset=utf-8"}
# The body as sent (JSON escapes included) may be this large; the HTML itself 5 MiB of text.
MAX_BODY_BYTES = 32 * 1024 * 1024


class PayloadTooLarge(ApiError):
    status_code, code = 413, "payload_too_large"


def check_size(content_length: str | None) -> None:
    """413 before reading a body that announces itself as too large."""
    if content_length and content_length.isdigit() and int(content_length) > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"the request body is {int(content_length):,} bytes; at most "
            f"{MAX_BODY_BYTES:,} are read (the HTML itself may hold 5 MiB of text)"
        )


def _only_one(body: PipelineRequest) -> None:
    given = [name for name in ("template", "template_text", "intent") if getattr(body, name)]
    if len(given) != 1:
        message = "give exactly one of template, template_text or intent" + (
            f" (got {', '.join(given)})" if given else ""
        )
        fields = [{"field": f"body.{name}", "message": message} for name in given or ["template"]]
        raise Unprocessable(message, {"fields": fields})


def resolve_template(session: Session, body: PipelineRequest) -> IntentTemplate:
    """The template to run: by name (404 if unknown), from YAML (422 with line/field problems),
    or an intent alone."""
    _only_one(body)
    if body.template_text is not None:
        return templates.parse_or_422(body.template_text)
    if body.intent is not None:
        return templates.parse_or_422(f"name: try_{body.intent}\nintent: {body.intent}\n")
    info = templates.get_template(session, body.template)
    try:
        return templates.validate(info.text or "")
    except TemplateError as exc:  # a shipped file broken on disk
        raise Unprocessable(f"template {body.template!r} does not parse: {exc}") from None


def run(template: IntentTemplate, url: str, html: str) -> PipelineResult:
    """Clean, extract and score one page as a crawl would (CPU-bound: call from a thread)."""
    from pipelines.cleaning import clean_page, needs_main_text
    from pipelines.confidence import compact_record, score_record
    from pipelines.extraction import extract_page

    main_text = needs_main_text(template)
    item: dict[str, Any] = {"url": url, "headers": HTML_HEADERS, "body": html, "encoding": "utf-8"}
    item.update(clean_page(item, main_text))
    item.update(
        status=200,
        fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        page_kind=template.crawl.kind_of_url(url),
        depth=0,
        referer=None,
        fetched_via="static",
    )
    extracted = extract_page(item, template)
    records = [
        compact_record(score_record(record, template.min_confidence))
        for record in extracted["records"]
    ]
    return PipelineResult(
        template=template.name,
        intent=template.intent,
        min_confidence=template.min_confidence,
        page={"kind": extracted["page_kind"], "reason": extracted["reason"]},
        cleaned={
            "title": _title(item),
            "encoding": item.get("encoding"),
            "cleaned_html_chars": len(item.get("cleaned_html") or ""),
            "main_text_chars": len(item["main_text"]) if item.get("main_text") else None,
        },
        records=records,
    )


def _title(item: dict[str, Any]) -> str | None:
    from dataops_spiders.page import Page

    title = Page.from_item(item).selector.css("title::text").get()
    return " ".join(title.split()) if title else None
