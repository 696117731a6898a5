"""A warehouse with stock in bins and API orders, turned into fulfillment orders the way
allocation does (reserve in a warehouse, tell the order, open the fulfillment order)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fulfillment_orders
from backroom.fulfillment.allocation import reserve_line
from backroom.inventory import services as inventory
from backroom.inventory.tables import LEVELS, LOCATIONS, WAREHOUSES
from tests.inventory.store import build_store
from tests.orders.lifecyclekit import api_order

__all__ = ["api_order", "bin_level", "open_fo", "stocked"]


def stocked(uow: UnitOfWork, bins: dict[str, dict[str, int]] | None = None) -> None:
    """WH1 and WH2 with bins A-01..A-05; ``bins`` puts units of a SKU in a bin."""
    build_store(uow, bins=5)
    layout = bins or {"WH1-A-01-1": {"PLAIN": 10}, "WH1-A-04-1": {"OTHER": 10},
                      "WH1-A-02-1": {"PLAIN": 4}}
    for code, units in layout.items():
        wh = code.split("-")[0]
        inventory.receive(uow, wh, [inventory.ReceiptLine(sku, qty, Decimal("2.00"))
                                    for sku, qty in units.items()])
        for sku, qty in units.items():
            inventory.move(uow, sku, qty, f"{wh}-INPUT", code)


def open_fo(uow: UnitOfWork, order: Any, warehouse: str = "WH1") -> int:
    """Reserve every line of ``order`` in ``warehouse`` and open its fulfillment order."""
    with uow.transaction() as conn:
        wh = conn.execute(select(WAREHOUSES.c.id).where(WAREHOUSES.c.code == warehouse)
                          ).scalar_one()
        lines = []
        for line in _lines(conn, order):
            reserve_line(uow, conn, wh, line.id, line.product_id, line.qty)
            lines.append((line.id, line.product_id, line.qty))
        return fulfillment_orders.create(conn, _order_id(order), wh, lines)


def _order_id(order: Any) -> int:
    return int(order["id"] if isinstance(order, dict) else order.order_id)


def _lines(conn: Any, order: Any) -> list[Any]:
    from backroom.orders.tables import ORDER_LINES

    return list(conn.execute(select(ORDER_LINES).where(
        ORDER_LINES.c.order_id == _order_id(order)).order_by(ORDER_LINES.c.position)))


def bin_level(uow: UnitOfWork, code: str, sku_id: int | None = None) -> tuple[int, int]:
    """(on hand, reserved) of a location, summed over SKUs unless one is named."""
    with uow.read() as conn:
        q = (select(LEVELS.c.on_hand, LEVELS.c.reserved).join(
            LOCATIONS, LOCATIONS.c.id == LEVELS.c.location_id).where(LOCATIONS.c.code == code))
        if sku_id is not None:
            q = q.where(LEVELS.c.sku_id == sku_id)
        rows = conn.execute(q).all()
    return sum(r.on_hand for r in rows), sum(r.reserved for r in rows)
