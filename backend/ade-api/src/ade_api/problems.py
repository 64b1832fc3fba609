"""RFC 9457 problem details: the one table mapping errors to HTTP answers.

Every error response ADE sends is `application/problem+json` with `type`, `title`, `status`,
`detail`, the request id, and `errors: [{loc, msg}]` for input problems. Nothing else ever
reaches a client: unexpected exceptions are logged with the request id and answered 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from ade_api import errors

logger = logging.getLogger("ade_api.errors")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://ade.dev/problems/"

# error class -> (status, slug, title). Subclasses resolve to their nearest entry.
ERROR_TABLE: dict[type[errors.DomainError], tuple[int, str, str]] = {
    errors.InvalidInputError: (400, "invalid-input", "Invalid input"),
    errors.AuthenticationRequiredError: (401, "unauthenticated", "Authentication required"),
    errors.PermissionDeniedError: (403, "forbidden", "Permission denied"),
    errors.NotFoundError: (404, "not-found", "Not found"),
    errors.ConflictError: (409, "conflict", "Conflict"),
    errors.SetupCompleteError: (409, "setup-complete", "Setup already complete"),
    errors.SetupTokenInvalidError: (403, "setup-token-invalid", "Invalid setup token"),
    errors.SetupNotConfiguredError: (503, "setup-token-not-configured", "Setup not configured"),
    errors.PreconditionFailedError: (412, "precondition-failed", "Precondition failed"),
    errors.PayloadTooLargeError: (413, "payload-too-large", "Payload too large"),
    errors.UnsupportedMediaTypeError: (415, "unsupported-media-type", "Unsupported media type"),
    errors.UnreadableDocumentError: (422, "unreadable-document", "Unreadable document"),
    errors.ResourceLimitError: (422, "resource-limit-exceeded", "Resource limit exceeded"),
    errors.PreconditionRequiredError: (428, "precondition-required", "Precondition required"),
    errors.RateLimitedError: (429, "rate-limited", "Too many requests"),
    errors.ServiceUnavailableError: (503, "service-unavailable", "Service unavailable"),
}

# Status codes raised by the framework itself (unknown route, wrong method...).
_HTTP_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Permission denied"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"loc": {"type": "array"}, "msg": {"type": "string"}},
            },
        },
    },
}
_PROBLEM_DESCRIPTIONS = {
    400: "Invalid input.",
    401: "No or bad credentials.",
    403: "Permission denied.",
    404: "Not found (or not visible to the caller).",
    409: "Conflict with the resource's current state.",
    412: "If-Match names a stale version.",
    413: "Payload too large.",
    415: "Unsupported media type.",
    422: "Request validation failed, or a file ADE cannot read (unreadable, over a limit).",
    428: "If-Match is required.",
    429: "Too many requests; see Retry-After.",
    503: "A part ADE needs is not working here (e.g. the sandbox jail).",
}


# What any route under /workspaces/{workspace_id} may answer besides its success.
WORKSPACE_PROBLEMS = (400, 401, 403, 404, 409, 413, 422)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` documenting these error statuses as problem details (the `Problem`
    schema is added to the document by `install_problem_handlers`)."""
    return {
        status: {
            "description": _PROBLEM_DESCRIPTIONS[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def problem_response(
    request: Request,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors_list: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build one problem-details response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    request_id = _request_id(request)
    if request_id:
        body["request_id"] = request_id
        # Set here too: a 500 is answered outside the middleware that normally adds it.
        headers = {**(headers or {}), "X-Request-ID": request_id}
    if errors_list is not None:
        body["errors"] = errors_list
    return JSONResponse(
        jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _lookup(error: errors.DomainError) -> tuple[int, str, str]:
    for cls in type(error).__mro__:
        if cls in ERROR_TABLE:
            return ERROR_TABLE[cls]
    return 500, "internal-error", "Internal server error"


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    status, slug, title = _lookup(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, errors.AuthenticationRequiredError):
        headers["WWW-Authenticate"] = "Bearer"
    problems = [{"loc": list(p.loc), "msg": p.msg} for p in exc.errors] if exc.errors else None
    return problem_response(
        request,
        status=status,
        slug=slug,
        title=title,
        detail=exc.detail,
        errors_list=problems,
        headers=headers or None,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))}
        for error in exc.errors()
    ]
    return problem_response(
        request,
        status=422,
        slug="validation-error",
        title="Request validation failed",
        detail=f"{len(problems)} problem(s) in the request",
        errors_list=problems,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug, title = _HTTP_TITLES.get(exc.status_code, ("http-error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    return problem_response(
        request,
        status=exc.status_code,
        slug=slug,
        title=title,
        detail=detail,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the request carried (PostgreSQL: a NUL character in text,
    # a number out of range). The request's transaction is already rolled back.
    logger.warning(
        "database refused a request value: %s",
        type(getattr(exc, "orig", exc)).__name__,
        extra={"request_id": _request_id(request), "path": request.url.path},
    )
    return problem_response(
        request,
        status=400,
        slug="invalid-input",
        title="Invalid input",
        detail="a value in the request cannot be stored or searched for "
        "(e.g. a NUL character, or a number out of range)",
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception(
        "unhandled error",
        extra={"request_id": _request_id(request), "path": request.url.path},
    )
    return problem_response(
        request,
        status=500,
        slug="internal-error",
        title="Internal server error",
        detail="Something went wrong on our side; the request id identifies it in our logs.",
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers: domain errors, validation, framework HTTP errors, values the
    database refuses, the rest."""
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected_error)

    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build_openapi()  # cached by FastAPI after the first build
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
