"""Accounting fixtures: the tiny inventory store (two warehouses, a few SKUs)."""

from __future__ import annotations

import pytest

from backroom.db.uow import UnitOfWork
from tests.inventory.store import build_store


@pytest.fixture
def store(uow: UnitOfWork) -> UnitOfWork:
    build_store(uow)
    return uow
