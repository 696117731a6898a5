"""A shop with two warehouses far apart (New Jersey and Nevada) and three products, inserted
directly; orders come in through the API channel (``tests.orders.lifecyclekit``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inventory
from backroom.inventory.tables import LOCATIONS, WAREHOUSES
from backroom.orders.demand import Demand, demand
from tests.orders.lifecyclekit import api_order

# code, postal code, latitude, longitude (EWR is set up first: priority 1)
SITES = (("EWR", "07094", 40.7895, -74.0565), ("RNO", "89502", 39.4991, -119.7681))
# sku, weight g, length, width, height mm, tracking
GOODS = (("MUG", 400, 120, 100, 100, "none"), ("TEAPOT", 1200, 250, 200, 180, "none"),
         ("TEA-LOT", 300, 150, 100, 60, "lot"))


def build_shop(uow: UnitOfWork) -> dict[str, int]:
    """The warehouses (each with an input location) and products; {code or sku: id}."""
    now = clock.now()
    ids: dict[str, int] = {}
    with uow.transaction() as conn:
        for code, postal, lat, lon in SITES:
            wid = conn.execute(insert(WAREHOUSES).values(
                code=code, name=code, postal_code=postal, country="US", latitude=lat,
                longitude=lon, created_at=now, address_line1="", address_line2="", city="",
                region="", active=True).returning(WAREHOUSES.c.id)).scalar_one()
            conn.execute(insert(LOCATIONS).values(
                code=f"{code}-INPUT", warehouse_id=wid, kind="input", physical=True,
                name="input", zone="", active=True))
            ids[code] = wid
        conn.execute(insert(PRODUCTS), [
            {"sku": sku, "name": sku.title(), "description": "", "tracking": tracking,
             "active": True, "created_at": now, "updated_at": now, "standard_cost_minor": 100,
             "weight_g": weight, "length_mm": a, "width_mm": b, "height_mm": c}
            for sku, weight, a, b, c, tracking in GOODS])
        ids.update({r.sku: r.id for r in conn.execute(select(PRODUCTS.c.sku, PRODUCTS.c.id))})
    return ids


def stock(uow: UnitOfWork, warehouse: str, **units: int) -> None:
    inventory.receive(uow, warehouse, [inventory.ReceiptLine(sku.replace("_", "-"), qty,
                                                             Decimal("2.00"))
                                       for sku, qty in units.items()])


def order(uow: UnitOfWork, external_id: str, lines: dict[str, int], **extra: Any) -> Demand:
    """An API order shipped to Springfield, IL; its open demand."""
    outcome = api_order(uow, external_id, list(lines.values()), skus=tuple(lines), **extra)
    return demand(uow, outcome.order_id)
