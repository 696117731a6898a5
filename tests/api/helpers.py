"""Helpers for HTTP tests: an app on the test database and bearer tokens for each role."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from backroom.api.app import create_app
from backroom.api.auth import create_token, revoke_token
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork

PROBLEM_KEYS = {"type", "title", "status", "code", "detail"}
_PATH_PARAM = re.compile(r"\{[^}]+\}")


def client_for(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


def token(engine: Engine, role: str, name: str = "") -> tuple[int, str]:
    with UnitOfWork(engine).transaction() as conn:
        return create_token(conn, role, name or f"test {role}")


def headers(engine: Engine, role: str) -> dict[str, str]:
    return bearer(token(engine, role)[1])


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def revoke(engine: Engine, token_id: int) -> None:
    with UnitOfWork(engine).transaction() as conn:
        assert revoke_token(conn, token_id)


@dataclass(frozen=True)
class ApiRoute:
    path: str
    methods: frozenset[str]
    route: APIRoute

    @property
    def concrete_path(self) -> str:
        """The path with every parameter filled with a dummy value."""
        return _PATH_PARAM.sub("1", self.path)


def api_routes(app: FastAPI) -> list[ApiRoute]:
    """Every route of the JSON API, including those of included routers (which FastAPI keeps
    nested); dashboard pages and the docs live outside ``/api/``."""
    found = []
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        path = context.path
        if isinstance(original, APIRoute) and path and path.startswith("/api/"):
            found.append(ApiRoute(path, frozenset(context.methods or ()), original))
    return found


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status`` (and ``code``); returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["type"].endswith("/" + body["code"])
    assert isinstance(body["detail"], str) and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    return body


@contextmanager
def cli_database(db_url: str) -> Iterator[None]:
    """Point the CLI (which reads cached settings) at ``db_url`` for the duration."""
    previous = os.environ.get("BACKROOM_DATABASE_URL")
    os.environ["BACKROOM_DATABASE_URL"] = db_url
    get_settings.cache_clear()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("BACKROOM_DATABASE_URL", None)
        else:
            os.environ["BACKROOM_DATABASE_URL"] = previous
        get_settings.cache_clear()
