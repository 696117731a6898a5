"""Two clerks ship the same packed fulfillment order at once (SQLite and PostgreSQL): it ships
once, and the loser's label is voided again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
from sqlalchemy import select

from backroom.core.errors import BackroomError
from backroom.db.uow import UnitOfWork
from backroom.fulfillment.shipping_service import ship_fulfillment_order
from backroom.shipping.tables import SHIPMENTS
from tests.fulfillment.fo_setup import (
    events,
    level,
    open_reservations,
    picked_fo,
)
from tests.fulfillment.test_ship import audit_ok, pack

pytestmark = pytest.mark.usefixtures("store")


def test_order_ships_once_and_the_other_label_is_voided_when_two_ship_at_once(
        uow: UnitOfWork) -> None:
    fo = picked_fo(uow, {"PLAIN": 6})
    pack(uow, fo, [{"PLAIN": 6}])
    start = Barrier(2)

    def ship() -> Any:
        start.wait()
        try:
            return ship_fulfillment_order(UnitOfWork(uow.engine), fo.fo_id)
        except BackroomError as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        outcomes = [f.result() for f in [pool.submit(ship) for _ in range(2)]]
    shipped = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, BackroomError)]
    assert len(shipped) == 1 and len(refused) == 1, outcomes
    assert refused[0].code == "conflict"
    with uow.read() as conn:
        states = sorted(conn.execute(select(SHIPMENTS.c.state)).scalars())
    assert states in (["purchased", "voided"], ["purchased"])  # or refused before buying
    assert len(events(uow, "order.shipped")) == 1
    assert level(uow, "CUSTOMER", "PLAIN") == 6
    assert open_reservations(uow, fo.line_ids["PLAIN"]) == 0
    audit_ok(uow)
