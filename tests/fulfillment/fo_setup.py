"""A picked fulfillment order for the packing and shipping tests, built by hand: a store with
sized, barcoded products and FIFO stock in a bin, an API order, its lines reserved under
``order-line:{id}``, a fulfillment order in state ``picked`` and its units moved to WH1-PACK.

PLAIN was received 10 @ 5.00 then 10 @ 6.00, so shipping 15 costs 8000 minor (FIFO)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update

from backroom.catalog.tables import BARCODES, PACKAGINGS, PRODUCTS
from backroom.core import clock
from backroom.core.clock import FixedClock
from backroom.db.tables import OUTBOX
from backroom.db.uow import UnitOfWork
from backroom.fulfillment.boxes import seed_default_boxes
from backroom.fulfillment.tables import FULFILLMENT_LINES, FULFILLMENT_ORDERS
from backroom.inventory import services as inventory
from backroom.inventory.tables import LEVELS, LOCATIONS, POSITIONS, RESERVATIONS
from backroom.orders import apiformat, progress
from backroom.orders.intake import import_order
from backroom.orders.lifecycle import reservation_reference
from backroom.orders.model import ChannelKind
from backroom.orders.tables import ORDER_LINES
from tests.inventory.store import build_store

MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # before every carrier's cut-off
BIN = "WH1-A-01-1"
PACK = "WH1-PACK"
PLAIN_GTIN = "0012345678905"  # UPC-A 012345678905
PLAIN_CASE = "10012345678902"  # a case of 4
# sku: (length, width, height mm, weight g)
SIZES = {"PLAIN": (200, 150, 100, 500), "OTHER": (120, 80, 60, 200),
         "LOTTED": (100, 60, 40, 150), "SERIAL": (150, 100, 80, 400)}


@contextmanager
def fixed_clock(start: datetime = MONDAY) -> Iterator[FixedClock]:
    fixed = FixedClock(start)
    previous = clock.set_clock(fixed)
    try:
        yield fixed
    finally:
        clock.set_clock(previous)


def make_store(uow: UnitOfWork) -> None:
    """WH1/WH2, sized products with barcodes, the default boxes, stock in WH1's first bin."""
    build_store(uow)
    with uow.transaction() as conn:
        for sku, (length, width, height, grams) in SIZES.items():
            conn.execute(update(PRODUCTS).where(PRODUCTS.c.sku == sku).values(
                length_mm=length, width_mm=width, height_mm=height, weight_g=grams))
        plain = conn.execute(select(PRODUCTS.c.id).where(PRODUCTS.c.sku == "PLAIN")).scalar_one()
        conn.execute(insert(BARCODES), [
            {"code": PLAIN_GTIN, "product_id": plain, "packaging": "each"},
            {"code": PLAIN_CASE, "product_id": plain, "packaging": "case"}])
        conn.execute(insert(PACKAGINGS).values(product_id=plain, name="case", qty=4))
    seed_default_boxes(uow)
    receive = inventory.ReceiptLine
    inventory.receive(uow, "WH1", [receive("PLAIN", 10, Decimal("5.00"))], reference="PO-1")
    inventory.receive(uow, "WH1", [receive("PLAIN", 10, Decimal("6.00")),
                                   receive("OTHER", 10, Decimal("3.00")),
                                   receive("LOTTED", 6, Decimal("2.00"), lot="L1"),
                                   receive("LOTTED", 6, Decimal("2.50"), lot="L2"),
                                   receive("SERIAL", 1, Decimal("40.00"), lot="SN-1"),
                                   receive("SERIAL", 1, Decimal("40.00"), lot="SN-2")],
                      reference="PO-2")
    for sku, qty, lot in (("PLAIN", 20, None), ("OTHER", 10, None), ("LOTTED", 6, "L1"),
                          ("LOTTED", 6, "L2"), ("SERIAL", 1, "SN-1"), ("SERIAL", 1, "SN-2")):
        inventory.move(uow, sku, qty, "WH1-INPUT", BIN, lot=lot)


Lots = dict[str, list[tuple[str | None, int]]]


@dataclass(frozen=True)
class Picked:
    fo_id: int
    order_id: int
    order_number: str
    line_ids: dict[str, int]  # sku -> order line id
    fo_line_ids: dict[str, int]  # sku -> fulfillment line id


def order_lines(quantities: dict[str, int], discount: str = "0.00") -> list[dict[str, Any]]:
    return [{"external_id": str(n), "sku": sku, "qty": qty, "unit_price": "10.00",
             "discount": discount} for n, (sku, qty) in enumerate(quantities.items(), start=1)]


def place_order(uow: UnitOfWork, external_id: str, quantities: dict[str, int],
                discount: str = "0.00", promised: date | None = date(2026, 12, 4)) -> Any:
    body = {"external_id": external_id, "currency": "USD",
            "ship_to": {"name": "Jane Doe", "line1": "5 Main St", "city": "Chicago",
                        "region": "IL", "postal_code": "60601", "country": "US"},
            "lines": order_lines(quantities, discount),
            **({"promised_date": promised.isoformat()} if promised else {})}
    return import_order(uow, "API", apiformat.parse_order(body), actor="test",
                        kind=ChannelKind.API)


def picked_fo(uow: UnitOfWork, quantities: dict[str, int], *,
              picked: dict[str, int] | None = None, lots: Lots | None = None,
              external_id: str = "WEB-1", discount: str = "0.00",
              promised: date | None = date(2026, 12, 4)) -> Picked:
    """An order for ``quantities`` with a ``picked`` fulfillment order in WH1 whose units
    (``picked`` per SKU, default all; lots as ``[(lot, qty)]``) wait at WH1-PACK."""
    order = place_order(uow, external_id, quantities, discount, promised)
    picked = picked or quantities
    lots = lots or {}
    with uow.read() as conn:
        rows = conn.execute(select(ORDER_LINES.c.id, ORDER_LINES.c.channel_sku,
                                   ORDER_LINES.c.product_id, ORDER_LINES.c.order_id)
                            .join(PRODUCTS, PRODUCTS.c.id == ORDER_LINES.c.product_id)
                            .where(ORDER_LINES.c.order_id == order.order_id)).all()
    line_ids = {r.channel_sku: r.id for r in rows}
    fo_lines: dict[str, int] = {}
    with uow.transaction() as conn:
        for sku, qty in quantities.items():
            for lot, n in lots.get(sku, [(None, qty)]):
                inventory.reserve(uow, "WH1", sku, n, reservation_reference(line_ids[sku]),
                                  lot=lot)
            progress.record_reserved(uow, line_ids[sku], qty)
        fo_id = _insert_fo(conn, order.order_id, promised)
        for r in rows:
            fo_lines[r.channel_sku] = conn.execute(insert(FULFILLMENT_LINES).values(
                fulfillment_order_id=fo_id, order_line_id=r.id, sku_id=r.product_id,
                qty=quantities[r.channel_sku], qty_picked=picked[r.channel_sku], qty_packed=0,
                qty_shipped=0).returning(FULFILLMENT_LINES.c.id)).scalar_one()
        for sku, n in picked.items():
            taken = lots.get(sku, [(None, n)])
            for lot, units in taken:
                if units:
                    inventory.move(uow, sku, units, BIN, PACK, lot=lot,
                                   reference=f"fulfillment:{fo_id}")
    return Picked(fo_id, order.order_id, order.number, line_ids, fo_lines)


def _insert_fo(conn: Any, order_id: int, promised: date | None) -> int:
    now = clock.now()
    wh = conn.execute(select(LOCATIONS.c.warehouse_id).where(LOCATIONS.c.code == PACK)
                      ).scalar_one()
    return int(conn.execute(insert(FULFILLMENT_ORDERS).values(
        order_id=order_id, warehouse_id=wh, state="picked", priority=0,
        promised_date=promised, carrier="", service="", created_at=now, updated_at=now)
        .returning(FULFILLMENT_ORDERS.c.id)).scalar_one())


def level(uow: UnitOfWork, code: str, sku: str) -> int:
    with uow.read() as conn:
        return int(conn.execute(
            select(func.coalesce(func.sum(LEVELS.c.on_hand), 0))
            .join(LOCATIONS, LOCATIONS.c.id == LEVELS.c.location_id)
            .join(PRODUCTS, PRODUCTS.c.id == LEVELS.c.sku_id)
            .where(LOCATIONS.c.code == code, PRODUCTS.c.sku == sku)).scalar_one())


def position_reserved(uow: UnitOfWork, sku: str) -> int:
    with uow.read() as conn:
        return int(conn.execute(
            select(func.coalesce(func.sum(POSITIONS.c.reserved), 0))
            .join(PRODUCTS, PRODUCTS.c.id == POSITIONS.c.sku_id)
            .where(PRODUCTS.c.sku == sku)).scalar_one())


def open_reservations(uow: UnitOfWork, line_id: int) -> int:
    r = RESERVATIONS.c
    with uow.read() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(r.open_qty), 0)).where(
            r.reference == reservation_reference(line_id), r.state == "active")).scalar_one())


def events(uow: UnitOfWork, kind: str) -> list[dict[str, Any]]:
    with uow.read() as conn:
        return [dict(r.payload) for r in conn.execute(
            select(OUTBOX.c.payload).where(OUTBOX.c.type == kind).order_by(OUTBOX.c.id))]


def snapshot(uow: UnitOfWork) -> dict[str, Any]:
    """Every table packing and shipping write, to prove a refused step changed nothing."""
    from backroom.fulfillment.tables import CARTON_ITEMS, CARTONS
    from backroom.inventory.tables import MOVES
    from backroom.shipping.tables import SHIPMENTS

    with uow.read() as conn:
        out: dict[str, Any] = {}
        for table in (FULFILLMENT_ORDERS, FULFILLMENT_LINES, CARTONS, CARTON_ITEMS, MOVES,
                      LEVELS, POSITIONS, RESERVATIONS, ORDER_LINES, SHIPMENTS):
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted(tuple(str(v) for v in r) for r in rows)
        out["outbox"] = conn.execute(select(func.count()).select_from(OUTBOX)).scalar_one()
        return out
