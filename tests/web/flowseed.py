"""A warehouse ready to pick and pack, for the orders and fulfillment page tests and the
browser test: WH1 with PLAIN in bins A-01 (10) and A-02 (4) and OTHER in A-04 (10), sized
products with GTIN barcodes, the default box catalog, and API orders turned into fulfillment
orders (``tests.fulfillment.flowkit``), released in a wave when asked.

An order for 3 PLAIN and 2 OTHER is picked from WH1-A-02-1 (3 PLAIN, the smaller bin) and
then WH1-A-04-1 (2 OTHER).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from backroom.catalog.tables import BARCODES, PRODUCTS
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import pick_service
from backroom.fulfillment.boxes import seed_default_boxes
from backroom.fulfillment.waves import WaveRule, create_wave
from tests.fulfillment.flowkit import api_order, open_fo, stocked

GTINS = {"PLAIN": "0012345678905", "OTHER": "0036000291452"}
# sku: (length, width, height mm, weight g)
SIZES = {"PLAIN": (200, 150, 100, 500), "OTHER": (120, 80, 60, 200)}


@dataclass(frozen=True)
class Released:
    order_id: int
    fo_id: int
    batch_id: int


def flow_store(uow: UnitOfWork) -> None:
    stocked(uow)
    with uow.transaction() as conn:
        for sku, (length, width, height, grams) in SIZES.items():
            conn.execute(update(PRODUCTS).where(PRODUCTS.c.sku == sku).values(
                length_mm=length, width_mm=width, height_mm=height, weight_g=grams))
            product = conn.execute(select(PRODUCTS.c.id).where(PRODUCTS.c.sku == sku)
                                   ).scalar_one()
            conn.execute(insert(BARCODES).values(code=GTINS[sku], product_id=product,
                                                 packaging="each"))
    seed_default_boxes(uow)


def order_with_fo(uow: UnitOfWork, external_id: str = "W-1",
                  quantities: tuple[int, ...] = (3, 2)) -> tuple[int, int]:
    """An API order (PLAIN, OTHER) reserved in WH1 with its waiting fulfillment order."""
    order: Any = api_order(uow, external_id, list(quantities))
    return int(order.order_id), open_fo(uow, order)


def released(uow: UnitOfWork, external_id: str = "W-1",
             quantities: tuple[int, ...] = (3, 2)) -> Released:
    order_id, fo_id = order_with_fo(uow, external_id, quantities)
    batch = create_wave(uow, WaveRule("WH1", totes=4)).batches[0]
    return Released(order_id, fo_id, batch)


def picked(uow: UnitOfWork, external_id: str = "W-1",
           quantities: tuple[int, ...] = (3, 2)) -> Released:
    """A released order with every pick of its batch confirmed (the order is ``picked``)."""
    done = released(uow, external_id, quantities)
    pick_service.confirm_all(uow, done.batch_id)
    return done
