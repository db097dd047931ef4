"""Shapes shared by every resource: paginated lists."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

Item = TypeVar("Item")

MAX_PAGE = 500
# Ids, version numbers and offsets are INTEGER columns: larger numbers are refused, not sent.
MAX_INT = 2**31 - 1
# Names and filters are printable text: a control character (NUL above all, which PostgreSQL
# cannot store) is refused as invalid input on every database alike.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
NAME_CHARS = 200  # the longest dataset name the store keeps


class Page(BaseModel, Generic[Item]):
    """One page of a list: ``items``, and ``total`` matching items for the next ``offset``."""

    items: list[Item]
    total: int = Field(ge=0)
    limit: int = Field(ge=1, le=MAX_PAGE)
    offset: int = Field(ge=0)
