"""/api/hitl: human review of low-confidence fields (the queue, approve, correct)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from control_api.deps import DatasetQuery, Operator, Pagination, SessionDep, Viewer, WriteSessionDep
from control_api.errors import responses
from control_api.schemas.common import MAX_INT, PRINTABLE, Page
from control_api.schemas.hitl import ApproveBody, CorrectBody, ReviewPublic, ReviewStatus
from control_api.services import hitl

router = APIRouter(prefix="/hitl", tags=["review"])

ReviewId = Annotated[int, Path(ge=1, le=MAX_INT, description="The review's id.")]


@router.get("", response_model=Page[ReviewPublic], responses=responses(404))
def review_queue(
    session: SessionDep,
    _key: Viewer,
    page: Pagination,
    dataset: DatasetQuery | None = None,
    status: Annotated[
        ReviewStatus | Literal["all"], Query(description="A status, or all (default: pending).")
    ] = "pending",
    field: Annotated[
        str | None, Query(max_length=100, pattern=PRINTABLE, description="One field's reviews.")
    ] = None,
) -> Page[ReviewPublic]:
    """Low-confidence fields of committed versions, oldest first (default: pending ones)."""
    wanted = None if status == "all" else status
    items, total = hitl.queue(session, dataset, wanted, field, page.limit, page.offset)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{review_id}", response_model=ReviewPublic, responses=responses(404))
def get_review(review_id: ReviewId, session: SessionDep, _key: Viewer) -> ReviewPublic:
    """One review: the value, its confidence and reasons, and any decision."""
    return hitl.get_review(session, review_id)


@router.post("/{review_id}/approve", response_model=ReviewPublic, responses=responses(404, 409))
def approve(
    review_id: ReviewId,
    session: WriteSessionDep,
    key: Operator,
    body: ApproveBody | None = None,
) -> ReviewPublic:
    """The value is right: from the next version on, while the site gives this same value, the
    field scores 1.0."""
    review = hitl.approve(session, review_id, key, body.note if body else None)
    session.commit()
    return review


@router.post("/{review_id}/correct", response_model=ReviewPublic, responses=responses(404, 409))
def correct(
    review_id: ReviewId, body: CorrectBody, session: WriteSessionDep, key: Operator
) -> ReviewPublic:
    """The right value: from the next version on, while the site gives the value reviewed, the
    field takes this one (confidence 1.0). 422 when it does not fit the field's type."""
    review = hitl.correct(session, review_id, key, body.value, body.note)
    session.commit()
    return review
