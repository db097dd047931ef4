"""/api/export: a committed version, or the diff of two, streamed as a file."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from control_api.deps import (
    DatasetQuery,
    FromVersion,
    SessionDep,
    SessionFactoryDep,
    ToVersion,
    Viewer,
)
from control_api.errors import responses
from control_api.schemas.common import MAX_INT
from control_api.services.exports import ExportStream, diff_export, version_export

router = APIRouter(prefix="/export", tags=["export"], responses=responses(404, 409))

FILE = {
    200: {
        "description": "The file, streamed, with its name in Content-Disposition",
        "content": {
            "text/csv": {},
            "application/json": {},
            "application/x-ndjson": {},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
        },
    }
}


def _response(stream: ExportStream) -> StreamingResponse:
    return StreamingResponse(
        stream.chunks,
        media_type=stream.media_type,
        headers={"Content-Disposition": stream.content_disposition()},
    )


@router.get("", response_class=StreamingResponse, responses=FILE)
def export_version(
    session: SessionDep,
    sessions: SessionFactoryDep,
    _key: Viewer,
    dataset: DatasetQuery,
    version: Annotated[
        int | None, Query(ge=1, le=MAX_INT, description="Default: the latest committed version.")
    ] = None,
    format: Literal["csv", "json", "jsonl", "xlsx"] = "csv",
    confidences: Annotated[bool, Query(description="Add each field's confidence.")] = False,
) -> StreamingResponse:
    """A committed version as CSV, JSON, JSON lines or XLSX; every row carries its source URL and
    spreadsheet cells that could run as formulas are neutralised."""
    return _response(version_export(sessions, session, dataset, version, format, confidences))


@router.get("/diff", response_class=StreamingResponse, responses=FILE)
def export_diff(
    session: SessionDep,
    _key: Viewer,
    dataset: DatasetQuery,
    a: FromVersion,
    b: ToVersion,
    format: Literal["csv", "xlsx"] = "csv",
) -> StreamingResponse:
    """What changed from version a to version b: one row per added or removed record and per
    changed field, with old and new values."""
    return _response(diff_export(session, dataset, a, b, format))
