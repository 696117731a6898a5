"""The store and orders of ``bench pipeline``, seeded through the real services (not timed).

Three warehouses (Secaucus NJ, Dallas TX, Reno NV — the sourcing sample's), each with a bin
layout A–T × 1–25 × 1–2, 500 SKUs with sizes, weights and GTINs, and different stock mixes
put away into bins; the default box catalog. Orders (fixed seed): 1–5 lines, 1–3 units each,
to the sample's 41 US cities weighted by population, through the API channel's format.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from backroom.catalog.csvio import COLUMNS, read_csv
from backroom.catalog.model import gtin_check_digit
from backroom.catalog.services import import_products
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.fulfillment.boxes import seed_default_boxes
from backroom.fulfillment.sourcing.samples import CITIES, LINE_COUNTS, QUANTITIES, WAREHOUSES
from backroom.inventory import services as inv
from backroom.inventory.locations import WarehouseSpec, create_bins, create_warehouse
from backroom.inventory.tables import LOCATIONS
from backroom.inventory.tables import WAREHOUSES as WAREHOUSES_TABLE
from backroom.orders import apiformat
from backroom.orders.drafts import OrderDraft

SKUS = 500
LAYOUT = "A-T x 1-25 x 1-2"
STOCK_PER_SKU = 400  # units per stocked SKU and warehouse


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    dims: tuple[int, int, int]
    weight_g: int
    price: str


def items(rng: random.Random) -> list[Item]:
    out = []
    for n in range(SKUS):
        size = sorted((rng.randint(40, 400), rng.randint(40, 300), rng.randint(20, 200)),
                      reverse=True)
        volume_l = size[0] * size[1] * size[2] / 1e6
        weight = max(50, min(8000, int(volume_l * rng.uniform(150, 450))))
        out.append(Item(f"P-{n + 1:04d}", (size[0], size[1], size[2]), weight,
                        f"{rng.uniform(4, 120):.2f}"))
    return out


def seed_store(uow: UnitOfWork, seed: int) -> list[Item]:
    rng = random.Random(seed)
    catalog = items(rng)
    _catalog(uow, catalog)
    for code, postal, lat, lon, share in WAREHOUSES:
        create_warehouse(uow, WarehouseSpec(code=code, name=f"{code} fulfillment center",
                                            postal_code=postal, country="US",
                                            address_line1="1 Dock Rd", city=code,
                                            latitude=lat, longitude=lon))
        create_bins(uow, code, LAYOUT)
        _stock(uow, rng, code, share, catalog, _bins(uow, code))
    seed_default_boxes(uow)
    return catalog


def _bins(uow: UnitOfWork, warehouse: str) -> list[str]:
    loc, wh = LOCATIONS.c, WAREHOUSES_TABLE.c
    with uow.read() as conn:
        return list(conn.execute(select(loc.code).join(WAREHOUSES_TABLE, wh.id == loc.warehouse_id)
                                 .where(wh.code == warehouse, loc.kind == "storage")
                                 .order_by(loc.code)).scalars())


def _catalog(uow: UnitOfWork, catalog: list[Item]) -> None:
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    for n, item in enumerate(catalog):
        body = f"0890000{n + 1:05d}"
        cells = {"sku": item.sku, "name": f"Item {n + 1}", "description": "",
                 "barcode": body + str(gtin_check_digit(body)),
                 "length_mm": str(item.dims[0]), "width_mm": str(item.dims[1]),
                 "height_mm": str(item.dims[2]), "weight_g": str(item.weight_g),
                 "tracking": "none", "shelf_life_days": "", "inner_qty": "", "case_qty": "",
                 "standard_cost": f"{Decimal(item.price) * Decimal('0.45'):.2f}",
                 "active": "true"}
        out.write(",".join(f'"{cells[c]}"' for c in COLUMNS) + "\n")
    import_products(uow, read_csv(out.getvalue(), get_settings().base_currency))


def _stock(uow: UnitOfWork, rng: random.Random, wh: str, share: float, catalog: list[Item],
           bins: list[str]) -> None:
    stocked = [i for i in catalog if rng.random() < share]
    lines = [inv.ReceiptLine(i.sku, STOCK_PER_SKU, Decimal(i.price) * Decimal("0.45"))
             for i in stocked]
    receipt = inv.receive(uow, wh, lines, reference=f"PO-{wh}")
    with uow.transaction():
        for n, move in enumerate(receipt.moves):
            inv.move(uow, move["sku"], move["qty"], move["to"], bins[(n * 7) % len(bins)],
                     reason="putaway", reference=move["reference"])


def _pick(rng: random.Random, table: tuple[tuple[int, float], ...]) -> int:
    return rng.choices([v for v, _ in table], [w for _, w in table])[0]


def orders(count: int, catalog: list[Item], seed: int) -> list[OrderDraft]:
    """``count`` API-channel orders (drafts, already parsed) with a fixed seed."""
    rng = random.Random(seed + 1)
    weights = [c[4] for c in CITIES]
    popularity = [1.0 / (n + 5) for n in range(len(catalog))]
    drafts = []
    for n in range(count):
        city, postal = rng.choices(CITIES, weights)[0][:2]
        chosen: set[int] = set()
        while len(chosen) < _pick(rng, LINE_COUNTS):
            chosen.add(rng.choices(range(len(catalog)), popularity)[0])
        lines = [{"external_id": str(k + 1), "sku": catalog[i].sku,
                  "qty": _pick(rng, QUANTITIES), "unit_price": catalog[i].price}
                 for k, i in enumerate(sorted(chosen))]
        drafts.append(apiformat.parse_order({
            "external_id": f"BENCH-{n + 1:06d}", "currency": "USD",
            "ship_to": {"name": f"Customer {n + 1}", "line1": f"{n + 1} Main St",
                        "city": city, "postal_code": postal, "country": "US"},
            "lines": lines, "payment": {"status": "paid"}}))
    return drafts
