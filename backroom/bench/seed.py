"""Fresh, migrated benchmark databases and set-based seeding through the real services."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.db.engine import make_engine
from backroom.db.migrate import upgrade
from backroom.db.uow import UnitOfWork
from backroom.inventory import services
from backroom.inventory.tables import LOCATIONS, WAREHOUSES

WAREHOUSE = "WH1"
STANDARD_KINDS = ("input", "pack", "output", "quarantine")
RECEIPT_CHUNK = 10_000


@dataclass(frozen=True, slots=True)
class Store:
    """What a seeded database holds: one warehouse, its bins, and SKU ids by code."""

    url: str
    warehouse_id: int
    skus: dict[str, int]
    bins: list[str]


def sqlite_database(folder: Path, name: str) -> str:
    """A new SQLite file in ``folder``, migrated to head; returns its URL."""
    path = folder / f"{name}.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return f"sqlite:///{path}"


def copy_sqlite(url: str, name: str) -> str:
    """A file copy of a (quiescent, checkpointed) SQLite database next to it."""
    source = Path(str(make_url(url).database))
    target = source.with_name(f"{name}.db")
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


def sqlite_path(url: str) -> str:
    return str(make_url(url).database)


def postgres_database(server_url: str, prefix: str = "bench") -> str:
    """A new database on the server of ``server_url`` (needs CREATEDB), migrated to head."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def drop_postgres_database(server_url: str, url: str) -> None:
    """Drop the database of ``url``, connected through ``server_url``'s database."""
    parsed = make_url(url)
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def sku_codes(count: int, prefix: str = "SKU") -> list[str]:
    return [f"{prefix}-{n:06d}" for n in range(count)]


def seed_catalog(url: str, skus: list[str], bins: int = 0) -> Store:
    """Warehouse WH1 with its standard locations, ``bins`` storage bins and the SKUs."""
    uow = UnitOfWork(make_engine(url))
    now = clock.now()
    try:
        with uow.transaction() as conn:
            wid = int(conn.execute(insert(WAREHOUSES).values(
                code=WAREHOUSE, name="Bench warehouse", postal_code="10001", country="US",
                created_at=now).returning(WAREHOUSES.c.id)).scalar_one())
            rows: list[dict[str, Any]] = [
                {"code": f"{WAREHOUSE}-{k.upper()}", "kind": k, "aisle": None, "bay": None,
                 "level": None} for k in STANDARD_KINDS]
            rows += [{"code": _bin(b), "kind": "storage", "aisle": "A", "bay": b, "level": 1}
                     for b in range(1, bins + 1)]
            conn.execute(insert(LOCATIONS), [{"warehouse_id": wid, "physical": True, **r}
                                             for r in rows])
            conn.execute(insert(PRODUCTS), [
                {"sku": code, "name": code, "tracking": "none", "standard_cost_minor": 100,
                 "created_at": now, "updated_at": now} for code in skus])
            ids = {r.sku: r.id for r in conn.execute(select(PRODUCTS.c.id, PRODUCTS.c.sku))}
    finally:
        uow.engine.dispose()
    return Store(url, wid, ids, [_bin(b) for b in range(1, bins + 1)])


def receive(url: str, quantities: dict[str, int], *, location: str | None = None,
            unit_cost: Decimal = Decimal("1.25"), reference: str = "seed") -> None:
    """Receive stock through ``services.receive``, up to 10,000 lines per receipt."""
    uow = UnitOfWork(make_engine(url))
    try:
        items = list(quantities.items())
        for start in range(0, len(items), RECEIPT_CHUNK):
            lines = [services.ReceiptLine(sku, qty, unit_cost)
                     for sku, qty in items[start:start + RECEIPT_CHUNK]]
            services.receive(uow, WAREHOUSE, lines, reference=reference, location=location)
    finally:
        uow.engine.dispose()


def _bin(n: int) -> str:
    return f"{WAREHOUSE}-A-{n:03d}-1"
