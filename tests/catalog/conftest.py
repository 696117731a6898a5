"""Catalog test helpers: product specs, CSV text, stock on hand and outbox reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from backroom.catalog.model import ProductSpec, gtin_check_digit
from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.inventory.tables import LEVELS, LOCATIONS, WAREHOUSES


def gtin13(n: int) -> str:
    body = f"200{n:09d}"
    return body + str(gtin_check_digit(body))


def spec(sku: str = "MUG-1", **changes: Any) -> ProductSpec:
    return ProductSpec(sku=sku, name=f"Product {sku}").with_changes(changes)


def product_count(uow: UnitOfWork) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(PRODUCTS)).scalar_one())


def events(uow: UnitOfWork) -> list[tuple[str, dict[str, Any]]]:
    with uow.read() as conn:
        rows = conn.execute(select(OUTBOX.c.type, OUTBOX.c.payload).order_by(OUTBOX.c.id))
        return [(r.type, r.payload) for r in rows]


def put_stock(uow: UnitOfWork, product_id: int, on_hand: int) -> None:
    """Stock on hand in a bin, written straight into the inventory projection."""
    with uow.transaction() as conn:
        wh = conn.execute(insert(WAREHOUSES).values(
            code="WH1", name="Main", postal_code="10115", country="DE", created_at=clock.now())
            .returning(WAREHOUSES.c.id)).scalar_one()
        loc = conn.execute(insert(LOCATIONS).values(
            code="WH1-A-01", warehouse_id=wh, kind="storage", physical=True)
            .returning(LOCATIONS.c.id)).scalar_one()
        conn.execute(insert(LEVELS).values(location_id=loc, sku_id=product_id, lot_id=0,
                                           physical=True, on_hand=on_hand, reserved=0))
