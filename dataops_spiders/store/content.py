"""What makes two records "the same": the content hash, and keys the database can index.

A record's content is its fields' values plus its source URL (and the review decisions that
set any of them, see store.reviews). Not fetched_at, confidences, reasons or alternatives: an
unchanged page crawled again hashes the same, so the new version stores nothing new for it.
The hash is sha256 over canonical JSON (sorted keys, no spaces).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# A btree index entry must fit in a third of a PostgreSQL page (2704 bytes); keys are indexed.
MAX_KEY_BYTES = 1000
_KEY_HEAD_CHARS = 200


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def canonical_json(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def json_safe(record: dict[str, Any]) -> dict[str, Any]:
    """The record as plain JSON types (Decimal → str, dates → ISO), as the store keeps it.

    Keys keep their order: exports list fields in the template's order."""
    return json.loads(json.dumps(record, ensure_ascii=False, default=_json_default))


def field_values(record: dict[str, Any]) -> dict[str, Any]:
    """{field: value} of a record whose fields are {name: {"value": ..., ...}}."""
    fields = record.get("fields")
    if not isinstance(fields, dict):
        return {}
    return {
        name: field.get("value") if isinstance(field, dict) else field
        for name, field in fields.items()
    }


def field_reviews(record: dict[str, Any]) -> dict[str, Any]:
    """{field: review marker} of the fields a person's decision set (see store.reviews)."""
    fields = record.get("fields")
    if not isinstance(fields, dict):
        return {}
    return {
        name: field["review"]
        for name, field in fields.items()
        if isinstance(field, dict) and field.get("review")
    }


def record_content(record: dict[str, Any]) -> dict[str, Any]:
    content = {"fields": field_values(record), "source_url": record.get("source_url")}
    # A reviewed value is not the same content as the value unreviewed: an approval must
    # reach the next version even though the value did not change.
    reviews = field_reviews(record)
    if reviews:
        content["reviews"] = reviews
    return content


def content_hash(record: dict[str, Any]) -> str:
    """sha256 (hex) of the record's content: field values and source URL."""
    return hashlib.sha256(canonical_json(record_content(record)).encode()).hexdigest()


def storable_key(key: str) -> str:
    """The key itself, or for an over-long one (a huge URL) a stable, still readable stand-in."""
    if len(key.encode()) <= MAX_KEY_BYTES:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[:_KEY_HEAD_CHARS]}…sha256:{digest}"
