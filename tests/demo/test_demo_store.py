"""The demo store `make run` serves: seeded through the real use cases, orders at every step
of the flow, and every audit check clean (also after the books are posted)."""

from __future__ import annotations

from sqlalchemy import func, select

from backroom.accounting.audit import run_all
from backroom.accounting.posting import post_pending
from backroom.db.uow import UnitOfWork
from backroom.demo.seed import seed_demo
from backroom.fulfillment.tables import FULFILLMENT_ORDERS, PICK_BATCHES
from backroom.shipping.tables import SHIPMENTS


def test_demo_store_has_orders_at_every_step_and_clean_books_when_seeded(
        uow: UnitOfWork) -> None:
    seeded = seed_demo(uow)
    assert seeded is not None and seeded["orders"] == 36 and seeded["shipped"] == 6
    with uow.read() as conn:
        states = dict(conn.execute(select(FULFILLMENT_ORDERS.c.state, func.count())
                                   .group_by(FULFILLMENT_ORDERS.c.state)).all())
        open_batches = conn.execute(select(func.count()).select_from(PICK_BATCHES).where(
            PICK_BATCHES.c.state == "open")).scalar_one()
        labels = conn.execute(select(func.count()).select_from(SHIPMENTS).where(
            SHIPMENTS.c.tracking_number.is_not(None))).scalar_one()
    assert states["shipped"] == 6 and labels == 6
    assert states.get("packed", 0) >= 1 and states.get("picked", 0) >= 1
    assert open_batches >= 1 and (states.get("released", 0) + states.get("waiting", 0)) >= 1
    assert seed_demo(uow) is None  # idempotent: a store with products is left alone
    post_pending(uow)
    assert run_all(uow).ok  # inventory, books and fulfillment checks
