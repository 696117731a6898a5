"""A small store inserted with plain Core statements (independent of the area services).

Two warehouses; in MAIN a few bins and stock of three products (one in two lots); one open
reservation; BACK holds a little of one product. Figures are chosen so each page's numbers are
easy to check by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from backroom.api.auth import create_token
from backroom.catalog.tables import BARCODES, PACKAGINGS, PRODUCTS
from backroom.db.uow import UnitOfWork
from backroom.inventory.tables import (
    LEVELS,
    LOCATIONS,
    LOTS,
    POSITIONS,
    RESERVATIONS,
    SETTINGS,
    WAREHOUSES,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class Store:
    products: dict[str, int]
    warehouses: dict[str, int]
    locations: dict[str, int]
    lots: dict[str, int]


def _add(conn: Connection, table: Table, **values: Any) -> int:
    return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())


def _product(conn: Connection, sku: str, name: str, **extra: Any) -> int:
    values: dict[str, Any] = {"sku": sku, "name": name, "description": "", "tracking": "none",
                              "active": True, "created_at": T0, "updated_at": T0, **extra}
    return _add(conn, PRODUCTS, **values)


def _products(conn: Connection) -> dict[str, int]:
    ids = {
        "MUG-RED": _product(conn, "MUG-RED", "Red mug", weight_g=350, length_mm=120,
                            width_mm=90, height_mm=100, standard_cost_minor=450,
                            description="Stoneware, 330 ml"),
        "MUG-BLUE": _product(conn, "MUG-BLUE", "Blue mug", weight_g=350),
        "TEA-GREEN": _product(conn, "TEA-GREEN", "Green tea 100 g", tracking="lot",
                              shelf_life_days=365),
        "OLD-LAMP": _product(conn, "OLD-LAMP", "Discontinued lamp", active=False),
    }
    _add(conn, BARCODES, code="4006381333931", product_id=ids["MUG-RED"], packaging="each")
    _add(conn, BARCODES, code="14006381333938", product_id=ids["MUG-RED"], packaging="case")
    _add(conn, PACKAGINGS, product_id=ids["MUG-RED"], name="each", qty=1)
    _add(conn, PACKAGINGS, product_id=ids["MUG-RED"], name="case", qty=12)
    return ids


def _warehouse(conn: Connection, code: str, name: str, city: str) -> int:
    return _add(conn, WAREHOUSES, code=code, name=name, city=city, postal_code="10115",
                country="DE", created_at=T0)


def _location(conn: Connection, code: str, warehouse_id: int, kind: str, **extra: Any) -> int:
    return _add(conn, LOCATIONS, code=code, warehouse_id=warehouse_id, kind=kind, physical=True,
                name=extra.pop("name", ""), zone=extra.pop("zone", ""), active=True, **extra)


def _level(conn: Connection, location_id: int, sku_id: int, on_hand: int, reserved: int = 0,
           lot_id: int = 0) -> None:
    conn.execute(insert(LEVELS).values(location_id=location_id, sku_id=sku_id, lot_id=lot_id,
                                       physical=True, on_hand=on_hand, reserved=reserved))


def _position(conn: Connection, warehouse_id: int, sku_id: int, **buckets: int) -> None:
    values = {"on_hand": 0, "reserved": 0, "quarantined": 0, "incoming": 0, "lot_id": 0,
              **buckets}
    conn.execute(insert(POSITIONS).values(warehouse_id=warehouse_id, sku_id=sku_id, **values))


def _locations(conn: Connection, main: int, back: int) -> dict[str, int]:
    return {
        "MAIN-INPUT": _location(conn, "MAIN-INPUT", main, "input", name="Receiving"),
        "MAIN-A-01-1": _location(conn, "MAIN-A-01-1", main, "storage", zone="A", aisle="A",
                                 bay=1, level=1),
        "MAIN-A-01-2": _location(conn, "MAIN-A-01-2", main, "storage", zone="A", aisle="A",
                                 bay=1, level=2),
        "MAIN-B-01-1": _location(conn, "MAIN-B-01-1", main, "storage", zone="B"),
        "BACK-A-01-1": _location(conn, "BACK-A-01-1", back, "storage"),
    }


def _lots(conn: Connection, tea: int) -> dict[str, int]:
    return {
        "L-2025-11": _add(conn, LOTS, sku_id=tea, code="L-2025-11",
                          expiry_date=date(2026, 11, 30), created_at=T0),
        "L-2026-01": _add(conn, LOTS, sku_id=tea, code="L-2026-01",
                          expiry_date=date(2027, 1, 31), created_at=T0),
    }


def _stock(conn: Connection, s: Store) -> None:
    red, blue, tea = s.products["MUG-RED"], s.products["MUG-BLUE"], s.products["TEA-GREEN"]
    main, back, locs, lots = s.warehouses["MAIN"], s.warehouses["BACK"], s.locations, s.lots
    _level(conn, locs["MAIN-A-01-1"], red, 30, reserved=4)
    _level(conn, locs["MAIN-A-01-2"], red, 12)
    _level(conn, locs["MAIN-B-01-1"], blue, 7)
    _level(conn, locs["MAIN-B-01-1"], tea, 20, lot_id=lots["L-2025-11"])
    _level(conn, locs["MAIN-INPUT"], tea, 5, lot_id=lots["L-2026-01"])
    _level(conn, locs["BACK-A-01-1"], red, 3)
    supplier = conn.execute(select(LOCATIONS.c.id)
                            .where(LOCATIONS.c.code == "SUPPLIER")).scalar_one()
    conn.execute(insert(LEVELS).values(location_id=supplier, sku_id=red, lot_id=0,
                                       physical=False, on_hand=-45, reserved=0))
    _position(conn, main, red, on_hand=42, reserved=4, incoming=10)
    _position(conn, main, blue, on_hand=7, quarantined=2)
    _position(conn, main, tea, on_hand=20, lot_id=lots["L-2025-11"])
    _position(conn, main, tea, on_hand=5, lot_id=lots["L-2026-01"])
    _position(conn, back, red, on_hand=3)
    conn.execute(insert(SETTINGS).values(warehouse_id=main, sku_id=red, safety_stock=5))
    _add(conn, RESERVATIONS, warehouse_id=main, sku_id=red, lot_id=0, qty=4, open_qty=4,
         state="active", reference="order:1001/line:1", created_at=T0)
    _add(conn, RESERVATIONS, warehouse_id=main, sku_id=red, lot_id=0, qty=1, open_qty=0,
         state="consumed", reference="order:1000/line:1", created_at=T0, closed_at=T0)


def seed_store(uow: UnitOfWork) -> Store:
    with uow.transaction() as conn:
        products = _products(conn)
        main = _warehouse(conn, "MAIN", "Main warehouse", "Berlin")
        back = _warehouse(conn, "BACK", "Back store", "Potsdam")
        store = Store(products, {"MAIN": main, "BACK": back}, _locations(conn, main, back),
                      _lots(conn, products["TEA-GREEN"]))
        _stock(conn, store)
    return store


def make_token(uow: UnitOfWork, role: str = "warehouse", name: str = "") -> str:
    with uow.transaction() as conn:
        _, secret = create_token(conn, role, name or f"{role} tester")
    return secret
