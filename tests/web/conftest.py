"""Dashboard fixtures: an app on the test database (SQLite and PostgreSQL), a seeded store."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from backroom.api.app import create_app
from backroom.db.uow import UnitOfWork
from tests.web.seed import Store, make_token, seed_store


@pytest.fixture
def client(uow: UnitOfWork) -> TestClient:
    return TestClient(create_app(uow.engine), follow_redirects=False)


@pytest.fixture
def store(uow: UnitOfWork) -> Store:
    return seed_store(uow)


@pytest.fixture
def sign_in(client: TestClient, uow: UnitOfWork) -> Callable[[str], str]:
    """Put a fresh token of ``role`` into the client's session cookie; returns the token."""

    def sign(role: str = "warehouse") -> str:
        token = make_token(uow, role)
        client.cookies.set("backroom_token", token, domain="testserver.local")
        return token

    return sign


@pytest.fixture
def warehouse_client(client: TestClient, sign_in: Callable[[str], str]) -> TestClient:
    sign_in("warehouse")
    return client
