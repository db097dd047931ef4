"""Dependencies the routers declare with ``Annotated``: sessions, the caller's key, its role.

    def handler(session: SessionDep, key: Annotated[Principal, Depends(require_role("operator"))])

or the shorthands ``Viewer``, ``Operator`` and ``Admin``. A key comes as ``X-API-Key: KEY`` or
``Authorization: Bearer KEY``: missing or unknown → 401, a role too low → 403.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BeforeValidator
from sqlalchemy.orm import Session, sessionmaker

from control_api.config import ApiSettings
from control_api.errors import Forbidden, Unauthorized, Unprocessable
from control_api.identity import Principal
from control_api.models import ROLES
from control_api.schemas.common import MAX_INT, MAX_PAGE, NAME_CHARS, PRINTABLE
from control_api.services.apikeys import authenticate

# auto_error=False: a missing key is our 401 in our error shape, not FastAPI's 403.
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")
_bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token.")


def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


def get_sessions(request: Request) -> sessionmaker[Session]:
    return request.app.state.sessions


def get_session(request: Request) -> Iterator[Session]:
    """A session for reading; closed at the end, anything uncommitted rolled back."""
    with request.app.state.sessions() as session:
        yield session


def get_write_session(request: Request) -> Iterator[Session]:
    """A session whose transaction takes SQLite's write lock first (read-then-write safe)."""
    with request.app.state.write_sessions() as session:
        yield session


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]


def current_key(
    session: SessionDep,
    api_key: Annotated[str | None, Depends(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    presented = api_key or (bearer.credentials if bearer is not None else None)
    if not presented:
        raise Unauthorized(
            "an API key is required: send X-API-Key: KEY or Authorization: Bearer KEY"
        )
    principal = authenticate(session, presented)
    # End the lookup's transaction (its connection goes back to the pool): a long request, a
    # streamed export say, must not hold one open; the principal is plain data.
    session.rollback()
    if principal is None:
        raise Unauthorized("the API key is unknown or revoked")
    return principal


CurrentKey = Annotated[Principal, Depends(current_key)]


@functools.cache
def require_role(role: str) -> Callable[[Principal], Principal]:
    """A dependency: the caller's key, if its role includes ``role`` (else 403)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")

    def check(key: CurrentKey) -> Principal:
        if not key.can(role):
            raise Forbidden(f"this needs the {role} role; the key {key.name!r} is {key.role}")
        return key

    check.__name__ = f"require_{role}"
    return check


Viewer = Annotated[Principal, Depends(require_role("viewer"))]
Operator = Annotated[Principal, Depends(require_role("operator"))]
Admin = Annotated[Principal, Depends(require_role("admin"))]


def single_query_values(request: Request) -> None:
    """Refuse a query parameter given twice (?actor=a&actor=b): which one was meant is unclear,
    and silently taking the last one would answer a question the client did not ask."""
    seen: set[str] = set()
    for name, _value in request.query_params.multi_items():
        if name in seen:
            raise Unprocessable(
                f"query.{name}: given more than once",
                {"fields": [{"field": f"query.{name}", "message": "given more than once"}]},
            )
        seen.add(name)


class PageParams:
    """``?limit=&offset=`` of every list endpoint."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_INT, description="Items to skip.")] = 0,
    ):
        self.limit = limit
        self.offset = offset

    def slice(self, items: list) -> list:
        return items[self.offset : self.offset + self.limit]


Pagination = Annotated[PageParams, Depends()]


def _iso_time(value: object) -> object:
    # pydantic would also read "0.84" as a Unix time: a client meaning a date gets an error.
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise ValueError("expected an ISO 8601 time, e.g. 2026-11-28T09:00:00Z")
    return value


def _in_utc(moment: datetime | None) -> datetime | None:
    """A time without a zone is UTC (the store's zone); any other is converted to UTC."""
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first UTC time there is
        raise ValueError("the time is out of range") from None


# Query parameters several resources share.
TimeQuery = Annotated[datetime | None, BeforeValidator(_iso_time), AfterValidator(_in_utc)]
DatasetQuery = Annotated[
    str, Query(max_length=NAME_CHARS, pattern=PRINTABLE, description="The dataset's name.")
]
FromVersion = Annotated[int, Query(ge=1, le=MAX_INT, description="The version to compare from.")]
ToVersion = Annotated[int, Query(ge=1, le=MAX_INT, description="The version to compare to.")]
