"""A tiny warehouse with stock, API orders for its SKUs, and reserve/ship steps that move real
inventory and the order-line counters together (as the fulfillment area will)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inventory
from backroom.inventory.tables import POSITIONS, RESERVATIONS
from backroom.orders import apiformat, progress
from backroom.orders.intake import import_order
from backroom.orders.lifecycle import reservation_reference
from backroom.orders.model import ChannelKind
from tests.inventory.store import build_store

BIN = "WH1-INPUT"


def stocked(uow: UnitOfWork, units: int = 5000) -> None:
    build_store(uow)
    inventory.receive(uow, "WH1", [inventory.ReceiptLine("PLAIN", units, Decimal("2.00")),
                                   inventory.ReceiptLine("OTHER", units, Decimal("3.00"))])


def api_order(uow: UnitOfWork, external_id: str, quantities: list[int],
              updated_at: str = "2026-11-23T10:00:00Z", skus: tuple[str, ...] = ("PLAIN",
                                                                               "OTHER"),
              **extra: Any) -> Any:
    body = {"external_id": external_id, "currency": "USD", "updated_at": updated_at,
            "ship_to": {"name": "Ann Lee", "line1": "1 Main St", "city": "Springfield",
                        "postal_code": "62701", "country": "US"},
            "lines": [{"external_id": str(i + 1), "sku": skus[i], "qty": q, "unit_price": "1.00"}
                      for i, q in enumerate(quantities)], **extra}
    return import_order(uow, "API", apiformat.parse_order(body), actor="test",
                        kind=ChannelKind.API)


def reserve(uow: UnitOfWork, line_id: int, sku: str, qty: int) -> None:
    with uow.transaction():
        inventory.reserve(uow, "WH1", sku, qty, reservation_reference(line_id))
        progress.record_reserved(uow, line_id, qty)


def unreserve(uow: UnitOfWork, line_id: int, qty: int) -> None:
    with uow.transaction():
        inventory.release(uow, reference=reservation_reference(line_id), qty=qty)
        progress.record_unreserved(uow, line_id, qty)


def ship(uow: UnitOfWork, line_id: int, sku: str, qty: int) -> None:
    with uow.transaction():
        progress.record_shipped(uow, line_id, qty)
        inventory.ship(uow, sku, qty, BIN, reference=reservation_reference(line_id))


def reserved_in_inventory(uow: UnitOfWork, line_id: int) -> int:
    r = RESERVATIONS.c
    with uow.read() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(r.open_qty), 0)).where(
            r.reference == reservation_reference(line_id), r.state == "active")).scalar_one())


def position_reserved(uow: UnitOfWork) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(POSITIONS.c.reserved), 0)))
                   .scalar_one())
