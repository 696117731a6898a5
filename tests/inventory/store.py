"""A tiny store for ledger tests: two warehouses with bins and a few SKUs, inserted directly."""

from __future__ import annotations

from sqlalchemy import insert

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.db.uow import UnitOfWork
from backroom.inventory.tables import LOCATIONS, WAREHOUSES

SKUS = {"PLAIN": "none", "LOTTED": "lot", "SERIAL": "serial", "OTHER": "none"}


def build_store(uow: UnitOfWork, bins: int = 3) -> None:
    now = clock.now()
    with uow.transaction() as conn:
        for code in ("WH1", "WH2"):
            wid = conn.execute(insert(WAREHOUSES).values(
                code=code, name=code, postal_code="10001", country="US", created_at=now,
                address_line1="", address_line2="", city="", region="", active=True,
            ).returning(WAREHOUSES.c.id)).scalar_one()
            rows = [{"code": f"{code}-{kind.upper()}", "warehouse_id": wid, "kind": kind,
                     "physical": True, "name": kind, "zone": "", "active": True}
                    for kind in ("input", "pack", "output", "quarantine")]
            rows += [{"code": f"{code}-A-{b:02d}-1", "warehouse_id": wid, "kind": "storage",
                      "physical": True, "name": "", "zone": "", "active": True, "aisle": "A",
                      "bay": b, "level": 1} for b in range(1, bins + 1)]
            conn.execute(insert(LOCATIONS), [{"aisle": None, "bay": None, "level": None, **r}
                                             for r in rows])
        conn.execute(insert(PRODUCTS), [
            {"sku": sku, "name": sku.title(), "description": "", "tracking": tracking,
             "active": True, "created_at": now, "updated_at": now, "standard_cost_minor": 100}
            for sku, tracking in SKUS.items()])
