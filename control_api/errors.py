"""One JSON shape for every error, and never a stack trace to a client:

    {"error": {"code": "not_found", "message": "dataset 'shop' has no version 7", "details": {}}}

Handlers turn the store's errors, request validation and unexpected exceptions into it; the
routers raise ApiError (or its subclasses) for their own refusals.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from starlette.exceptions import HTTPException

from dataops_spiders.store.db import describe_error, is_unavailable_error
from dataops_spiders.store.errors import (
    DatasetBusy,
    DatasetNotFound,
    SchemaOutdated,
    StoreError,
    StoreUnavailable,
    VersionConflict,
    VersionNotCommitted,
    VersionNotFound,
)

logger = logging.getLogger("control_api")

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "validation_error",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorBody(BaseModel):
    """What every error answers (the OpenAPI docs show it for each error status)."""

    error: ErrorDetail


class ApiError(Exception):
    """An error the client can act on: its status, a stable code and a message for people."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.headers = headers


class Unauthorized(ApiError):
    status_code, code = 401, "unauthorized"

    def __init__(self, message: str):
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="dataops"'})


class Forbidden(ApiError):
    status_code, code = 403, "forbidden"


class NotFound(ApiError):
    status_code, code = 404, "not_found"


class Conflict(ApiError):
    status_code, code = 409, "conflict"


class Unprocessable(ApiError):
    status_code, code = 422, "validation_error"


def error_response(
    status_code: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, details=details or {}))
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code, headers=headers)


# Store errors carry messages written for the person who sees them: they pass through as is.
_STORE_ERRORS: list[tuple[type[StoreError], int, str]] = [
    (DatasetNotFound, 404, "not_found"),
    (VersionNotFound, 404, "not_found"),
    (VersionNotCommitted, 409, "version_not_committed"),
    (DatasetBusy, 409, "dataset_busy"),
    (VersionConflict, 409, "conflict"),
    (StoreUnavailable, 503, "store_unavailable"),
    (SchemaOutdated, 503, "schema_outdated"),
]


def field_name(location: tuple | list) -> str:
    """("body", "yaml") → "body.yaml"; ("query", "version") → "query.version"."""
    return ".".join(str(part) for part in location)


async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
    code = STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message, headers=exc.headers)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    fields = [
        {"field": field_name(error["loc"]), "message": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    message = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "invalid request"
    return error_response(422, "validation_error", message, {"fields": fields})


async def _store_error(request: Request, exc: StoreError) -> JSONResponse:
    for kind, status_code, code in _STORE_ERRORS:
        if isinstance(exc, kind):
            return error_response(status_code, code, str(exc))
    return await _unexpected(request, exc)


async def _database_error(request: Request, exc: SQLAlchemyError) -> JSONResponse:
    if isinstance(exc, IntegrityError):
        # Two writers raced for the same name or version number: the loser may simply retry.
        return error_response(409, "conflict", "changed concurrently by another request: retry")
    if isinstance(exc, DataError):
        # The database refused a value the request carried (a NUL character, say).
        return error_response(
            422, "validation_error", f"a value was refused: {describe_error(exc)}"
        )
    if is_unavailable_error(exc):
        logger.warning("store unavailable during %s: %s", request.url.path, describe_error(exc))
        return error_response(503, "store_unavailable", "the store cannot be reached; retry later")
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    reference = uuid.uuid4().hex[:12]
    logger.error(
        "unexpected error %s on %s %s", reference, request.method, request.url.path, exc_info=exc
    )
    return error_response(
        500,
        "internal_error",
        "the server failed to answer; its log names the cause under this reference",
        {"reference": reference},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_exception_handler(Exception, _unexpected)


def responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of a route's error answers, all in the ErrorBody shape."""
    described = {
        400: "The request cannot be read (a body that does not parse, say)",
        401: "No API key, or a key that is unknown or revoked",
        403: "The key's role does not allow this",
        404: "No such entity (the message names the id)",
        409: "Conflicts with the current state",
        422: "Invalid input (details name each field)",
        503: "The store or Scrapyd cannot be reached",
    }
    return {code: {"model": ErrorBody, "description": described[code]} for code in status_codes}
