"""/api/pipeline: try a template (or an intent) on a page's HTML, without crawling."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header

from control_api.deps import Operator, SessionDep
from control_api.errors import ErrorBody, responses
from control_api.schemas.pipeline import PipelineRequest, PipelineResult
from control_api.services import pipeline

router = APIRouter(prefix="/pipeline", tags=["pipeline"])

TOO_LARGE = {413: {"model": ErrorBody, "description": "The request body is too large"}}


def body_size_limit(content_length: Annotated[str | None, Header()] = None) -> None:
    pipeline.check_size(content_length)


@router.post(
    "",
    response_model=PipelineResult,
    responses={**responses(404), **TOO_LARGE},
    dependencies=[Depends(body_size_limit)],
)
def run_pipeline(body: PipelineRequest, session: SessionDep, key: Operator) -> PipelineResult:
    """Cleaning → extraction → confidence on the posted HTML: the records with each field's
    value, confidence, reasons and source, the page's class, and what cleaning kept."""
    template = pipeline.resolve_template(session, body)
    session.rollback()  # the store is not needed while the CPU works
    return pipeline.run(template, body.url, body.html)
