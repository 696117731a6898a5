"""Demo orders at every step of the flow, made by the real use cases: imported through the
API channel, allocated (cost-optimal sourcing), released in waves, picked, packed and
shipped — some all the way, some waiting on the floor, so every dashboard page has work on it.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select

from backroom.db.uow import UnitOfWork
from backroom.fulfillment import allocation, pick_service
from backroom.fulfillment.boxes import seed_default_boxes
from backroom.fulfillment.pack_accept import pack_as_proposed
from backroom.fulfillment.shipping_service import ship_fulfillment_order
from backroom.fulfillment.sourcing.samples import CITIES
from backroom.fulfillment.tables import FULFILLMENT_ORDERS, PICK_BATCHES
from backroom.fulfillment.waves import WaveRule, create_wave
from backroom.orders import apiformat
from backroom.orders.intake import import_order
from backroom.orders.model import ChannelKind

ORDERS = 36


def seed_orders(uow: UnitOfWork, rng: random.Random, skus: list[tuple[str, str, str]],
                warehouses: list[str]) -> dict[str, int]:
    """Import ``ORDERS`` orders and move them along; returns how many reached each step."""
    seed_default_boxes(uow)
    plain = [(sku, cost) for sku, tracking, cost in skus if tracking == "none"]
    for n in range(ORDERS):
        import_order(uow, "API", apiformat.parse_order(_order(rng, n, plain)), actor="demo",
                     kind=ChannelKind.API)
    allocated = allocation.allocate_ready(uow).orders
    for wh in warehouses:
        create_wave(uow, WaveRule(wh, max_orders=12, totes=6))
    picked = _pick_first_batches(uow)
    shipped = _pack_and_ship(uow, limit=6)
    return {"orders": ORDERS, "allocated": allocated, "picked_batches": picked,
            "shipped": shipped}


def _order(rng: random.Random, n: int, plain: list[tuple[str, str]]) -> dict[str, Any]:
    city, postal = rng.choices(CITIES, [c[4] for c in CITIES])[0][:2]
    chosen = rng.sample(plain, rng.choice((1, 1, 1, 2, 2, 3)))
    lines = [{"external_id": str(k + 1), "sku": sku, "qty": rng.choice((1, 1, 2)),
              "unit_price": f"{float(cost) * 2.4:.2f}"} for k, (sku, cost) in enumerate(chosen)]
    return {"external_id": f"DEMO-{1001 + n}", "currency": "USD",
            "customer_name": f"Demo customer {n + 1}",
            "ship_to": {"name": f"Demo customer {n + 1}", "line1": f"{10 + n} Market St",
                        "city": city, "postal_code": postal, "country": "US"},
            "lines": lines, "shipping": "4.90", "payment": {"status": "paid"}}


def _pick_first_batches(uow: UnitOfWork) -> int:
    """Pick the first cart of each warehouse; the rest stays released for the pick screen."""
    with uow.read() as conn:
        rows = conn.execute(select(PICK_BATCHES.c.id, PICK_BATCHES.c.warehouse_id)
                            .where(PICK_BATCHES.c.state == "open")
                            .order_by(PICK_BATCHES.c.id)).all()
    first: dict[int, int] = {}
    for r in rows:
        first.setdefault(r.warehouse_id, r.id)
    for batch in first.values():
        pick_service.confirm_all(uow, batch)
    return len(first)


def _pack_and_ship(uow: UnitOfWork, *, limit: int) -> int:
    """Pack the picked orders as proposed; ship the first ``limit`` of them."""
    with uow.read() as conn:
        fos = list(conn.execute(select(FULFILLMENT_ORDERS.c.id).where(
            FULFILLMENT_ORDERS.c.state == "picked").order_by(FULFILLMENT_ORDERS.c.id)
        ).scalars())
    shipped = 0
    for n, fo in enumerate(fos):
        if n % 3 == 2:
            continue  # left picked: work for the pack screen
        pack_as_proposed(uow, fo)
        if shipped < limit:
            ship_fulfillment_order(uow, fo)
            shipped += 1
    return shipped
