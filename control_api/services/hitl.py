"""Human review through the API: the queue, and approving or correcting a field's value.

The store does the work (dataops_spiders.store.reviews): this checks what a person sends,
refuses a second decision, and writes the audit entry in the same transaction."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from control_api.errors import Conflict, NotFound, Unprocessable
from control_api.identity import Principal
from control_api.schemas.hitl import ReviewPublic
from control_api.services import audit
from dataops_spiders.fieldtypes import coerce
from dataops_spiders.store.content import canonical_json
from dataops_spiders.store.models import (
    REVIEW_APPROVED,
    REVIEW_CORRECTED,
    REVIEW_PENDING,
    Dataset,
    FieldReview,
    Membership,
    RecordBody,
    RecordKey,
)
from dataops_spiders.store.reviews import decide, list_reviews
from dataops_spiders.store.versions import find_dataset, in_version

NUMERIC_TYPES = ("int", "decimal", "price")
TEXT_TYPES = ("string", "text", "url", "date")
MAX_VALUE_CHARS = 100_000
VALUE_FIELD = "body.value"


def _public(review: FieldReview, dataset: str) -> ReviewPublic:
    return ReviewPublic(
        id=review.id,
        dataset=dataset,
        version=review.version,
        key=review.key,
        field=review.field,
        value=review.value,
        confidence=review.confidence,
        reasons=review.reasons,
        source_url=review.source_url,
        status=review.status,
        corrected_value=review.corrected_value,
        decided_by=review.decided_by,
        decided_at=review.decided_at,
        note=review.note,
        applied_in_version=review.applied_in_version,
    )


def _dataset_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Dataset.id, Dataset.name).where(Dataset.id.in_(ids)))
    return {dataset_id: name for dataset_id, name in rows}


def queue(
    session: Session,
    dataset: str | None,
    status: str | None,
    field: str | None,
    limit: int,
    offset: int,
) -> tuple[list[ReviewPublic], int]:
    """Matching reviews, oldest first (404 for an unknown dataset), and their total."""
    dataset_id = find_dataset(session, dataset).id if dataset is not None else None
    found, total = list_reviews(session, dataset_id, status, field, limit, offset)
    names = _dataset_names(session, {review.dataset_id for review in found})
    return [_public(review, names[review.dataset_id]) for review in found], total


def _review(session: Session, review_id: int) -> FieldReview:
    review = session.scalar(
        select(FieldReview)
        .where(FieldReview.id == review_id)
        .execution_options(populate_existing=True)
    )
    if review is None:
        raise NotFound(f"no review with id {review_id}")
    return review


def get_review(session: Session, review_id: int) -> ReviewPublic:
    review = _review(session, review_id)
    return _public(review, _dataset_names(session, {review.dataset_id})[review.dataset_id])


def _pending(session: Session, review_id: int) -> FieldReview:
    review = _review(session, review_id)
    if review.status != REVIEW_PENDING:
        by = f" by {review.decided_by}" if review.decided_by else ""
        raise Conflict(f"review {review_id} is already {review.status}{by}: nothing to decide")
    return review


def field_type(session: Session, review: FieldReview) -> str | None:
    """The type the record of the review's version gives the field (compact records carry it)."""
    body = session.scalar(
        select(RecordBody.body)
        .join(Membership, Membership.body_id == RecordBody.id)
        .join(RecordKey, RecordKey.id == Membership.key_id)
        .where(
            RecordKey.dataset_id == review.dataset_id,
            RecordKey.key == review.key,
            in_version(Membership, review.version),
        )
    )
    field = ((body or {}).get("fields") or {}).get(review.field)
    kind = field.get("type") if isinstance(field, dict) else None
    return kind if isinstance(kind, str) else None


def _refuse(field: str, kind: str | None, message: str) -> Unprocessable:
    what = f"field {field!r}" + (f" is a {kind}" if kind else "")
    text = f"{VALUE_FIELD}: {message} ({what})"
    return Unprocessable(text, {"fields": [{"field": VALUE_FIELD, "message": message}]})


def checked_value(field: str, kind: str | None, value: Any) -> Any:
    """The correction as the field's type stores it (a price "19.9" is "19.90"), or 422."""
    if value is None:
        raise _refuse(field, kind, "a correction needs a value")
    if len(canonical_json(value)) > MAX_VALUE_CHARS:
        raise _refuse(field, kind, f"longer than {MAX_VALUE_CHARS} characters")
    if kind is None:
        return value
    if kind in NUMERIC_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _refuse(field, kind, "must be a number")
        try:  # a plain number: "-5" is minus five, not the 5 a price parser finds in it
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise _refuse(field, kind, "must be a number") from None
        if not number.is_finite():
            raise _refuse(field, kind, "must be a finite number")
        value = number
    elif kind == "bool" and not isinstance(value, bool):
        raise _refuse(field, kind, "must be true or false")
    elif kind == "list" and not (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    ):
        raise _refuse(field, kind, "must be a list of texts")
    elif kind in TEXT_TYPES and not isinstance(value, str):
        raise _refuse(field, kind, "must be a text")
    coerced = coerce(value, kind)
    if not coerced.ok:
        raise _refuse(field, kind, coerced.error or f"not a valid {kind}")
    return coerced.value


def _decide(
    session: Session,
    review: FieldReview,
    actor: Principal,
    status: str,
    corrected: Any,
    note: str | None,
) -> ReviewPublic:
    before = {"status": review.status, "value": review.value}
    if not decide(session, review.id, status, actor.name, corrected, note):
        _pending(session, review.id)  # raises 409, saying who decided first
    after = {"status": status, "value": corrected if status == REVIEW_CORRECTED else review.value}
    audit.record(
        session,
        actor,
        f"review.{'approve' if status == REVIEW_APPROVED else 'correct'}",
        "field_review",
        review.id,
        {
            "key": review.key,
            "field": review.field,
            "version": review.version,
            "before": before,
            "after": after,
            **({"note": note} if note else {}),
        },
    )
    return get_review(session, review.id)


def approve(session: Session, review_id: int, actor: Principal, note: str | None) -> ReviewPublic:
    review = _pending(session, review_id)
    return _decide(session, review, actor, REVIEW_APPROVED, None, note)


def correct(
    session: Session, review_id: int, actor: Principal, value: Any, note: str | None
) -> ReviewPublic:
    review = _pending(session, review_id)
    corrected = checked_value(review.field, field_type(session, review), value)
    return _decide(session, review, actor, REVIEW_CORRECTED, corrected, note)
