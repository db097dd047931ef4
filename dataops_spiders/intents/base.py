"""What an intent is: default fields, extractors for them, and a page classifier."""

from __future__ import annotations

from typing import ClassVar

from dataops_spiders.page import Page
from dataops_spiders.records import Candidate, Classification
from dataops_spiders.templates import FieldSpec


class Intent:
    """Base of the built-in intents. Subclasses set `name` and `fields` and implement both methods.

    `candidates()` returns, per field, every value the intent's extractors found, best first,
    each tagged with its source and kind so confidence can weigh agreement between them.
    `scope` is set when a template splits a page into several records: extract inside it only.
    """

    name: ClassVar[str]
    fields: ClassVar[dict[str, FieldSpec]]
    key_fields: ClassVar[tuple[str, ...]] = ()

    def candidates(self, page: Page, scope=None) -> dict[str, list[Candidate]]:
        raise NotImplementedError

    def classify(self, page: Page) -> Classification:
        raise NotImplementedError

    def record_scopes(self, page: Page) -> list | None:
        """Elements that each hold one record (listings); None means the page is one record."""
        return None
