"""/api/datasets: the versioned datasets of the store and their versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from control_api.deps import Pagination, SessionDep, Viewer
from control_api.errors import responses
from control_api.schemas.common import NAME_CHARS, PRINTABLE, Page
from control_api.schemas.datasets import DatasetPublic, VersionPublic
from dataops_spiders.store import list_datasets, list_versions

router = APIRouter(prefix="/datasets", tags=["datasets"])

SUMMARY_COUNTS = ("records", "added", "removed", "changed", "mean_confidence", "low_confidence")


@router.get("", response_model=Page[DatasetPublic])
def datasets(session: SessionDep, _key: Viewer, page: Pagination) -> Page[DatasetPublic]:
    """Datasets by name, with their number of committed versions and the latest one's size."""
    infos = list_datasets(session)
    return Page(
        items=[DatasetPublic(**info.__dict__) for info in page.slice(infos)],
        total=len(infos),
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{name}/versions", response_model=Page[VersionPublic], responses=responses(404))
def versions(
    name: Annotated[str, Path(max_length=NAME_CHARS, pattern=PRINTABLE)],
    session: SessionDep,
    _key: Viewer,
    page: Pagination,
    all: Annotated[bool, Query(description="Also open, failed and quarantined versions.")] = False,
) -> Page[VersionPublic]:
    """The versions of a dataset, oldest first, with what changed in each."""
    found = list_versions(session, name, include_uncommitted=all)
    items = [
        VersionPublic(
            number=v.number,
            status=v.status,
            created_at=v.created_at,
            committed_at=v.committed_at,
            note=v.note,
            **{k: (v.summary or {}).get(k) for k in SUMMARY_COUNTS},
        )
        for v in page.slice(found)
    ]
    return Page(items=items, total=len(found), limit=page.limit, offset=page.offset)
