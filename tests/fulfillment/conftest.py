"""Fixtures shared by the fulfillment tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backroom.db.uow import UnitOfWork
from tests.fulfillment.fo_setup import fixed_clock, make_store


@pytest.fixture
def store(uow: UnitOfWork) -> Iterator[UnitOfWork]:
    """The fulfillment store (``fo_setup.make_store``) on a fixed Monday clock; modules that
    need it for every test say ``pytestmark = pytest.mark.usefixtures("store")``."""
    with fixed_clock():
        make_store(uow)
        yield uow
