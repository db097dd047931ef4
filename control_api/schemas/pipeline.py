"""/api/pipeline: the cleaning → extraction → confidence layers on HTML the client posts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from control_api.schemas.templates import MAX_TEMPLATE_CHARS

MAX_HTML_CHARS = 5 * 1024 * 1024
MAX_URL_CHARS = 4096
# "custom" reads only the fields a template defines: alone it has nothing to read.
Intent = Literal["product", "article", "job_posting", "listing"]

EXAMPLE = {
    "url": "https://shop.example/product/kettle.html",
    "html": "<html><head><title>Kettle</title></head><body><h1>Kettle</h1>"
    '<p class="price">€ 49.99</p></body></html>',
    "intent": "product",
}


class PipelineRequest(BaseModel):
    """A page and what to read it with: exactly one of template, template_text, intent."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    url: str = Field(
        min_length=1,
        max_length=MAX_URL_CHARS,
        pattern=r"^https?://[^\s]+$",
        description="Where the page is from: relative links and URL rules resolve against it "
        "(it is not fetched).",
    )
    html: str = Field(max_length=MAX_HTML_CHARS, description="The page's HTML (5 MiB at most).")
    template: str | None = Field(
        default=None, max_length=64, description="A shipped or stored template, by name."
    )
    template_text: str | None = Field(
        default=None, max_length=MAX_TEMPLATE_CHARS, description="A template's YAML, to try it."
    )
    intent: Intent | None = Field(default=None, description="An intent alone, no rules.")


class FieldResult(BaseModel):
    value: Any
    type: str | None = None
    confidence: float
    source: str | None
    valid: bool | None = None
    reasons: list[str]
    errors: list[str] | None = None
    alternatives: list[dict[str, Any]] | None = None


class RecordResult(BaseModel):
    record_key: str
    key_source: str | None = Field(default=None, description="What the key was made from.")
    canonical_url: str | None = None
    record_confidence: float
    low_confidence_fields: list[str]
    fields: dict[str, FieldResult]


class PageClass(BaseModel):
    kind: Literal["item", "listing", "other"]
    reason: str


class CleanedPage(BaseModel):
    title: str | None
    encoding: str | None
    cleaned_html_chars: int
    main_text_chars: int | None = Field(
        description="Length of the main text isolated (none: the template does not read it)."
    )


class PipelineResult(BaseModel):
    template: str
    intent: str
    min_confidence: float
    page: PageClass
    cleaned: CleanedPage
    records: list[RecordResult]
