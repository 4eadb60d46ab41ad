"""RFC 9457 problem documents: the ONE place where errors become HTTP responses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import DomainError

log = logging.getLogger("sync_server")
PROBLEM_TYPE = "https://pos-member-terminal.invalid/problems/"
MEDIA_TYPE = "application/problem+json"


def problem_response(
    status: int, code: str, title: str, detail: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update(extra)
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 429 and "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _title(code: str) -> str:
    return code.replace("_", " ").capitalize()


def for_domain_error(exc: DomainError) -> JSONResponse:
    params = {k: v for k, v in exc.params.items() if isinstance(v, str | int | float | bool)}
    return problem_response(exc.status, exc.code, _title(exc.code), exc.message, **params)


def invalid_request(errors: list[dict[str, Any]]) -> JSONResponse:
    """422 for a request that does not match the schema (at most 50 errors listed)."""
    listed = [
        {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in errors[:50]
    ]
    return problem_response(
        422,
        "invalid_request",
        "Invalid request",
        "The request does not match the schema.",
        errors=listed,
    )


def internal_error(exc: BaseException) -> JSONResponse:
    log.error("unhandled error", exc_info=exc)
    return problem_response(
        500, "internal_error", "Internal error", "The server failed; nothing was committed."
    )


def install(app: FastAPI) -> None:
    async def domain_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return for_domain_error(exc)

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return invalid_request(list(exc.errors()))

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem_response(exc.status_code, code, _title(code), str(exc.detail))

    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        return internal_error(exc)

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(Exception, unexpected)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
