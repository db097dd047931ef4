"""Intent templates as clients send and read them. A template travels as its YAML text: the
text is the template (line numbers in problems refer to it)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EXAMPLE_YAML = """name: shop_products
intent: product
start_urls:
  - https://shop.example/catalogue/
records:
  key: [sku]
fields:
  sku:
    type: string
    required: true
    extract:
      - jsonld: Product.sku
"""
MAX_TEMPLATE_CHARS = 200_000


class _TemplateText(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"yaml": EXAMPLE_YAML}]}
    )

    yaml: str = Field(
        min_length=1, max_length=MAX_TEMPLATE_CHARS, description="The template's YAML."
    )


class TemplateCreate(_TemplateText):
    """A new template; its name is the YAML's `name`."""


class TemplateUpdate(_TemplateText):
    """The next version of a template; the YAML's `name` must stay the same."""


class TemplateValidate(_TemplateText):
    """A template to check without storing it."""


class TemplateProblem(BaseModel):
    file: str
    line: int | None
    path: str = Field(description="The field's path in the template, e.g. fields.price.extract[0].")
    message: str


class TemplateValidation(BaseModel):
    valid: bool
    name: str | None = None
    problems: list[TemplateProblem] = []


class TemplatePublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "shop_products",
                    "origin": "stored",
                    "read_only": False,
                    "version": 2,
                    "intent": "product",
                    "description": "",
                    "fields": ["sku"],
                    "sha256": "5be1…",
                    "created_at": "2026-11-28T09:00:00Z",
                    "updated_at": "2026-11-28T09:15:02Z",
                }
            ]
        }
    )

    name: str
    origin: Literal["shipped", "stored"]
    read_only: bool = Field(description="Shipped templates cannot be updated or deleted.")
    version: int | None = Field(description="The latest version of a stored template.")
    intent: str
    description: str
    fields: list[str] = Field(description="The fields the template itself defines.")
    sha256: str
    created_at: datetime | None
    updated_at: datetime | None


class TemplateDetail(TemplatePublic):
    yaml: str


class TemplateVersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    sha256: str
    intent: str
    description: str
    created_at: datetime
    created_by: str | None
