"""RFC 9457 problem+json responses for every error, with a stable ``code``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backroom.core.errors import BackroomError

log = logging.getLogger("backroom.api")
PROBLEM = "application/problem+json"


def problem(status: int, title: str, code: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": f"https://backroom.dev/problems/{code}", "title": title, "status": status,
            "code": code, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(BackroomError)
    async def _domain(request: Request, exc: BackroomError) -> JSONResponse:
        body = exc.as_dict()
        code, detail = body.pop("code"), body.pop("detail")
        return problem(exc.status, exc.title, code, detail, **body)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
            if err.get("type") == "json_invalid":
                loc = []  # its location is a character offset, not a field
            item: dict[str, Any] = {"field": ".".join(loc) or "body", "message": err.get("msg")}
            if "input" in err and isinstance(err["input"], str | int | float | bool):
                item["value"] = err["input"]
            errors.append(item)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem(422, "Invalid input", "validation_failed", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized",
                403: "forbidden"}.get(exc.status_code, "http_error")
        response = problem(exc.status_code, str(exc.detail), code, str(exc.detail))
        response.headers.update(exc.headers or {})  # e.g. Allow on 405
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "Internal error", "internal_error",
                       "an unexpected error occurred; it has been logged")
