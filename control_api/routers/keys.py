"""/api/keys: API keys, managed by admins (the plain key is shown once, at creation)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from control_api.deps import Admin, Pagination, SessionDep, WriteSessionDep
from control_api.errors import NotFound, responses
from control_api.models import ApiKey
from control_api.schemas.common import MAX_INT, Page
from control_api.schemas.keys import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from control_api.services import apikeys

router = APIRouter(prefix="/keys", tags=["keys"])


def _public(key: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=key.id,
        name=key.name,
        role=key.role,
        prefix=apikeys.shown_prefix(key),
        created_at=key.created_at,
        created_by=key.created_by,
        revoked_at=key.revoked_at,
    )


@router.get("", response_model=Page[ApiKeyPublic])
def list_keys(
    session: SessionDep, _admin: Admin, page: Pagination, include_revoked: bool = True
) -> Page[ApiKeyPublic]:
    """Keys, oldest first, with their role and prefix (never the key itself)."""
    keys = apikeys.list_keys(session, include_revoked)
    return Page(
        items=[_public(key) for key in page.slice(keys)],
        total=len(keys),
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
)
def create_key(body: ApiKeyCreate, session: WriteSessionDep, admin: Admin) -> ApiKeyCreated:
    """Create a key; the answer holds the key itself, which is never shown again."""
    issued = apikeys.create_key(session, body.role, body.name, actor=admin)
    session.commit()
    return ApiKeyCreated(**_public(issued.record).model_dump(), key=issued.plain)


@router.delete("/{key_id}", response_model=ApiKeyPublic, responses=responses(404, 409))
def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=MAX_INT)], session: WriteSessionDep, admin: Admin
) -> ApiKeyPublic:
    """Revoke a key at once (the last active admin key cannot be revoked)."""
    key = apikeys.get_key(session, key_id)
    if key is None:
        raise NotFound(f"no API key with id {key_id}")
    apikeys.revoke_key(session, key, actor=admin)
    session.commit()
    return _public(key)
