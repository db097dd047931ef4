"""/api/audit: who did what, when, to which entity; and what changed between two versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from control_api.deps import (
    DatasetQuery,
    FromVersion,
    Pagination,
    SessionDep,
    TimeQuery,
    ToVersion,
    Viewer,
)
from control_api.errors import responses
from control_api.schemas.audit import AuditEntryPublic
from control_api.schemas.common import PRINTABLE, Page
from control_api.schemas.datasets import VersionComparison
from control_api.services import audit
from dataops_spiders.store import diff_versions

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditEntryPublic])
def audit_log(
    session: SessionDep,
    _key: Viewer,
    page: Pagination,
    actor: Annotated[str | None, Query(pattern=PRINTABLE, description="The key name.")] = None,
    action: Annotated[str | None, Query(pattern=PRINTABLE, description="template.update")] = None,
    entity_type: Annotated[str | None, Query(pattern=PRINTABLE, description="template")] = None,
    entity_id: Annotated[str | None, Query(pattern=PRINTABLE)] = None,
    since: Annotated[TimeQuery, Query(description="From this time (inclusive).")] = None,
    until: Annotated[TimeQuery, Query(description="Before this time.")] = None,
) -> Page[AuditEntryPublic]:
    """The audit log, newest first, filtered and paginated."""
    where = audit.AuditFilter(actor, action, entity_type, entity_id, since, until)
    entries, total = audit.list_entries(session, where, page.limit, page.offset)
    return Page(
        items=[AuditEntryPublic.model_validate(e) for e in entries],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/compare", response_model=VersionComparison, responses=responses(404, 409))
def compare_versions(
    session: SessionDep,
    _key: Viewer,
    dataset: DatasetQuery,
    a: FromVersion,
    b: ToVersion,
) -> VersionComparison:
    """Records added, removed and changed (with each changed field's old and new value)
    going from version a to version b; both must be committed."""
    return VersionComparison.model_validate(diff_versions(session, dataset, a, b).as_dict())
