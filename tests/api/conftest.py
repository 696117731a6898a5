"""Fixtures for HTTP tests: a client of the real app on the test database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backroom.db.uow import UnitOfWork
from tests.api.helpers import client_for, headers


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    with client_for(uow.engine) as test_client:
        yield test_client


@pytest.fixture
def admin(uow: UnitOfWork) -> dict[str, str]:
    return headers(uow.engine, "admin")
