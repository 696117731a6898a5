"""A small demo store: two warehouses with bins, a few dozen SKUs with stock, and orders.

Seeded through the real services (catalog import, warehouse creation, receipts, putaway, then
orders through allocation, waves, picking, packing and shipping — ``demo.orders``), so the
demo exercises the same code as production. Idempotent: a database that already has products
is left alone. Deterministic: a fixed random seed.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from backroom.catalog.csvio import COLUMNS, read_csv
from backroom.catalog.model import gtin_check_digit
from backroom.catalog.services import import_products
from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.demo.orders import seed_orders
from backroom.inventory import services as inv
from backroom.inventory.locations import WarehouseSpec, create_bins, create_warehouse
from backroom.inventory.services import ReceiptLine

WAREHOUSES = [
    WarehouseSpec(code="EWR", name="Newark fulfillment center", postal_code="07114",
                  country="US", address_line1="100 Port St", city="Newark", region="NJ",
                  latitude=40.6895, longitude=-74.1745),
    WarehouseSpec(code="RNO", name="Reno fulfillment center", postal_code="89502",
                  country="US", address_line1="2500 E 2nd St", city="Reno", region="NV",
                  latitude=39.5296, longitude=-119.8138),
]
LAYOUTS = {"EWR": "A-F x 1-12 x 1-3", "RNO": "A-D x 1-10 x 1-3"}

# (name, size mm, weight g, unit cost, tracking, shelf life days)
ITEMS: list[tuple[str, tuple[int, int, int], int, str, str, int | None]] = [
    ("Trail running shoe", (330, 210, 120), 780, "38.50", "none", None),
    ("Merino wool socks (3 pack)", (200, 120, 40), 180, "6.20", "none", None),
    ("Insulated water bottle 750 ml", (280, 80, 80), 390, "7.90", "none", None),
    ("Headlamp 400 lm", (120, 80, 60), 140, "11.40", "none", None),
    ("Ultralight rain jacket", (300, 250, 60), 320, "41.00", "none", None),
    ("Trekking poles (pair)", (680, 100, 80), 560, "24.75", "none", None),
    ("Dry bag 20 l", (250, 180, 50), 210, "5.60", "none", None),
    ("Camp stove", (150, 150, 110), 430, "19.90", "serial", None),
    ("Energy gel, salted caramel", (110, 60, 15), 40, "0.85", "lot", 365),
    ("Trail mix 500 g", (220, 150, 60), 520, "3.10", "lot", 180),
    ("Electrolyte tablets", (130, 35, 35), 70, "2.40", "lot", 720),
    ("Sunscreen SPF 50", (160, 55, 40), 130, "4.30", "lot", 540),
]
VARIANTS = ["S", "M", "L"]


def seed_demo(uow: UnitOfWork, seed: int = 7) -> dict[str, Any] | None:
    """Create the demo store in an empty database; returns counts, or None if not empty."""
    with uow.read() as conn:
        if conn.execute(select(func.count()).select_from(PRODUCTS)).scalar_one():
            return None
    rng = random.Random(seed)
    with uow.transaction():
        skus = _products(uow)
        bins = {wh.code: _warehouse(uow, wh) for wh in WAREHOUSES}
        units = _stock(uow, rng, skus, bins)
        flow = seed_orders(uow, rng, skus, list(bins))
    return {"warehouses": len(WAREHOUSES), "bins": sum(len(b) for b in bins.values()),
            "products": len(skus), "units": units, **flow}


def _products(uow: UnitOfWork) -> list[tuple[str, str, str]]:
    """Import the demo catalog through the CSV importer; returns (sku, tracking, unit cost)."""
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    skus = []
    for n, (name, (length, width, height), grams, cost, tracking, shelf) in enumerate(ITEMS):
        for v, variant in enumerate(VARIANTS):
            sku = f"DEMO-{n + 1:02d}{variant}"
            body = f"0614141{n + 1:03d}{v:02d}"
            gtin = body + str(gtin_check_digit(body))
            cells = {"sku": sku, "name": f"{name} ({variant})", "description": "",
                     "barcode": gtin, "length_mm": str(length), "width_mm": str(width),
                     "height_mm": str(height), "weight_g": str(grams), "tracking": tracking,
                     "shelf_life_days": str(shelf or ""), "inner_qty": "6", "case_qty": "24",
                     "standard_cost": cost, "active": "true"}
            out.write(",".join(f'"{cells[c]}"' for c in COLUMNS) + "\n")
            skus.append((sku, tracking, cost))
    import_products(uow, read_csv(out.getvalue(), get_settings().base_currency))
    return skus


def _warehouse(uow: UnitOfWork, spec: WarehouseSpec) -> list[str]:
    create_warehouse(uow, spec)
    create_bins(uow, spec.code, LAYOUTS[spec.code])
    from backroom.inventory.tables import LOCATIONS
    from backroom.inventory.tables import WAREHOUSES as WH

    with uow.read() as conn:
        rows = conn.execute(select(LOCATIONS.c.code).join(WH, WH.c.id == LOCATIONS.c.warehouse_id)
                            .where(WH.c.code == spec.code, LOCATIONS.c.kind == "storage")
                            .order_by(LOCATIONS.c.code)).scalars().all()
    return list(rows)


def _stock(uow: UnitOfWork, rng: random.Random, skus: list[tuple[str, str, str]],
           bins: dict[str, list[str]]) -> int:
    """Receive two purchase orders per warehouse, put everything away, reserve a few orders."""
    today = clock.now().date()
    units = 0
    for wh, wh_bins in bins.items():
        for po in (1, 2):
            lines = []
            for sku, tracking, cost in skus:
                if tracking == "serial":
                    lines += [ReceiptLine(sku, 1, Decimal(cost), lot=f"SN-{wh}-{sku}-{po}{k}")
                              for k in range(3)]
                    continue
                qty = rng.randint(12, 80)
                lot = expiry = None
                if tracking == "lot":
                    lot = f"L{today:%y%m}-{wh}-{po}"
                    expiry = today + timedelta(days=rng.randint(60, 400))
                price = Decimal(cost) * Decimal(rng.choice(["0.95", "1.00", "1.05"]))
                lines.append(ReceiptLine(sku, qty, price.quantize(Decimal("0.01")), lot=lot,
                                         expiry=expiry))
            receipt = inv.receive(uow, wh, lines, reference=f"PO-{wh}-{po:04d}")
            units += sum(m["qty"] for m in receipt.moves)
            _putaway(uow, rng, receipt.moves, wh_bins, skus)
    return units


def _putaway(uow: UnitOfWork, rng: random.Random, moves: list[dict[str, Any]],
             wh_bins: list[str], skus: list[tuple[str, str, str]]) -> None:
    lot_of = _lots_of_receipt(uow, [m["id"] for m in moves])
    home = {sku: wh_bins[(i * 7) % len(wh_bins)] for i, (sku, _, _) in enumerate(skus)}
    for m in moves:
        qty = m["qty"]
        keep = max(qty // 10, 0) if rng.random() < 0.3 else 0  # some stays in input
        if qty - keep > 0:
            inv.move(uow, m["sku"], qty - keep, m["to"], home[m["sku"]],
                     lot=lot_of.get(m["id"]), reason="putaway", reference=m["reference"])


def _lots_of_receipt(uow: UnitOfWork, move_ids: list[int]) -> dict[int, str]:
    from backroom.inventory.tables import LOTS, MOVES

    with uow.read() as conn:
        rows = conn.execute(select(MOVES.c.id, LOTS.c.code).join(LOTS, LOTS.c.id == MOVES.c.lot_id)
                            .where(MOVES.c.id.in_(move_ids))).all()
    return {r.id: r.code for r in rows}
