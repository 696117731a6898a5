"""Scan-to-pack: a barcode (or SKU) scanned at the packing station goes into an open carton.

The scan is checked against the fulfillment order before anything is written: a product that
is not on it, more units than were picked and not yet packed, a carton that is sealed, the
carton's weight limit, a lot the SKU does not have, the same serial twice. A case barcode
counts as its packaging's units. Each refusal names the barcode and the fulfillment order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from backroom.core import clock
from backroom.core.errors import Conflict, Problem, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fo_queries as q
from backroom.fulfillment.scans import Scanned, resolve_scan
from backroom.fulfillment.tables import CARTON_ITEMS, FULFILLMENT_LINES, FULFILLMENT_ORDERS
from backroom.inventory.tables import LEVELS, LOCATIONS, LOTS

CI, FL = CARTON_ITEMS.c, FULFILLMENT_LINES.c


def _refuse(field: str, value: Any, message: str, fo_id: int, barcode: str) -> ValidationFailed:
    text = f"scan {barcode!r} for fulfillment order {fo_id}: {message}"
    return ValidationFailed(text, problems=[Problem(field, message, value)],
                            data={"fulfillment_order_id": fo_id, "barcode": barcode})


def check_qty(qty: Any) -> None:
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= 10_000:
        raise ValidationFailed.single("qty", qty, "must be a whole number from 1 to 10000")


def pack_scan(uow: UnitOfWork, fo_id: int, carton_no: int, barcode: str, qty: int = 1,
              lot: str | None = None) -> dict[str, Any]:
    """Put ``qty`` scans of ``barcode`` (lot/serial ``lot``) into open carton ``carton_no``."""
    check_qty(qty)
    if not isinstance(barcode, str) or not barcode.strip():
        raise ValidationFailed.single("barcode", barcode, "scan a barcode or type a SKU")
    with uow.transaction() as conn:
        row = q.lock(conn, fo_id)
        q.require(row, ("picked",), "packed")
        item = resolve_scan(conn, barcode)
        if item is None:
            raise _refuse("barcode", barcode, "is not the barcode or SKU of any product",
                          fo_id, barcode)
        lines = [r for r in q.lines(conn, fo_id) if r.sku_id == item.product_id]
        if not lines:
            raise _refuse("barcode", barcode, f"{item.sku} is not on this fulfillment order",
                          fo_id, barcode)
        box = _open_carton(conn, fo_id, carton_no, barcode)
        units = qty * item.units
        _check_units(lines, item, units, fo_id, barcode)
        lot_id = _lot(conn, row, item, lot, units, barcode)
        _check_weight(conn, box, item, units, fo_id, barcode)
        _put(conn, box.id, lines, item, lot_id, units)
        conn.execute(update(FULFILLMENT_ORDERS).where(FULFILLMENT_ORDERS.c.id == fo_id)
                     .values(updated_at=clock.now()))
        after = q.lines(conn, fo_id)  # the carton's row is unchanged: only its contents grew
        return {"fulfillment_order_id": fo_id, "carton_no": carton_no, "sku": item.sku,
                "lot": lot, "units": units,
                "to_pack": sum(r.qty_picked - r.qty_packed for r in after),
                "lines": [q.line_view(r) for r in after if r.sku_id == item.product_id],
                "carton": q.carton_view(box, q.contents(conn, [box.id]))}


def _open_carton(conn: Connection, fo_id: int, carton_no: int, barcode: str) -> Any:
    box = q.carton(conn, fo_id, carton_no)
    if box.state != "open":
        raise Conflict(f"scan {barcode!r} for fulfillment order {fo_id}: carton {carton_no} "
                       f"is {box.state}; open another carton",
                       data={"fulfillment_order_id": fo_id, "carton_no": carton_no,
                             "state": box.state, "barcode": barcode})
    return box


def _check_units(lines: Sequence[Any], item: Scanned, units: int, fo_id: int,
                 barcode: str) -> None:
    picked = sum(r.qty_picked for r in lines)
    packed = sum(r.qty_packed for r in lines)
    if units > picked - packed:
        raise _refuse("qty", units, f"{units} unit(s) of {item.sku} is more than the "
                      f"{picked - packed} picked and not yet packed (picked {picked}, packed "
                      f"{packed})", fo_id, barcode)


def _lot(conn: Connection, fo: Any, item: Scanned, lot: str | None, units: int,
         barcode: str) -> int:
    """The lot id of the scan: given, or the only lot of the SKU at the pack station."""
    fo_id = fo.id
    if item.tracking == "none":
        if lot:
            raise _refuse("lot", lot, f"{item.sku} is not lot-tracked: give no lot", fo_id,
                          barcode)
        return 0
    if not lot:
        return _only_lot_at_pack(conn, fo, item, barcode)
    found = conn.execute(select(LOTS.c.id).where(LOTS.c.sku_id == item.product_id,
                                                 LOTS.c.code == lot.strip())).scalar()
    if found is None:
        raise _refuse("lot", lot, f"{item.sku} has no lot {lot!r}", fo_id, barcode)
    if item.tracking == "serial":
        already = conn.execute(select(func.coalesce(func.sum(CI.qty), 0))
                               .join(FULFILLMENT_LINES, FL.id == CI.fulfillment_line_id)
                               .where(FL.fulfillment_order_id == fo_id, CI.lot_id == found)
                               ).scalar_one()
        if already + units > 1:
            raise _refuse("lot", lot, f"serial {lot} of {item.sku} is already packed",
                          fo_id, barcode)
    return int(found)


def _only_lot_at_pack(conn: Connection, fo: Any, item: Scanned, barcode: str) -> int:
    lots = conn.execute(PACK_LOTS, {"warehouses": [fo.warehouse_id],
                                    "skus": [item.product_id]}).all()
    return only_lot(lots, item.sku, item.tracking, fo.id, barcode)


lv, loc = LEVELS.c, LOCATIONS.c
# Lots with stock at the pack stations of some warehouses, per SKU (``id``, ``code``).
PACK_LOTS = (select(LOTS.c.id, LOTS.c.code, lv.sku_id, loc.warehouse_id)
             .join(LEVELS, lv.lot_id == LOTS.c.id).join(LOCATIONS, loc.id == lv.location_id)
             .where(loc.warehouse_id.in_(bindparam("warehouses", expanding=True)),
                    loc.kind == "pack", lv.sku_id.in_(bindparam("skus", expanding=True)),
                    lv.on_hand > 0)
             .order_by(LOTS.c.code))


def only_lot(lots: Sequence[Any], sku: str, tracking: str, fo_id: int, barcode: str) -> int:
    """The lot of a tracked SKU scanned without one: the only lot of it at the pack station
    (``lots``: its rows of ``PACK_LOTS``), else a refusal naming the lots there."""
    if len(lots) == 1 and tracking == "lot":
        return int(lots[0].id)
    where = f" (the pack station holds {', '.join(r.code for r in lots)})" if lots else ""
    raise _refuse("lot", None, f"{sku} is {tracking}-tracked: give the "
                  f"{'serial number' if tracking == 'serial' else 'lot'}{where}",
                  fo_id, barcode)


def _check_weight(conn: Connection, box: Any, item: Scanned, units: int, fo_id: int,
                  barcode: str) -> None:
    held = sum(i.qty * (i.weight_g or 0) for i in q.contents(conn, [box.id]))
    after = held + units * item.weight_g
    if after > box.max_weight_g:
        raise _refuse("qty", units, f"carton {box.carton_no} ({box.box}) would hold "
                      f"{after} g, over its limit of {box.max_weight_g} g; open another "
                      "carton", fo_id, barcode)


def _put(conn: Connection, carton_id: int, lines: Sequence[Any], item: Scanned, lot_id: int,
         units: int) -> None:
    """Add the units to the carton, filling the product's lines in order."""
    left = units
    for line in lines:
        take = min(left, line.qty_picked - line.qty_packed)
        if take <= 0:
            continue
        left -= take
        existing = conn.execute(select(CI.id).where(
            CI.carton_id == carton_id, CI.fulfillment_line_id == line.id,
            CI.lot_id == lot_id)).scalar()
        if existing is None:
            conn.execute(insert(CARTON_ITEMS).values(
                carton_id=carton_id, fulfillment_line_id=line.id, sku_id=item.product_id,
                lot_id=lot_id, qty=take))
        else:
            conn.execute(update(CARTON_ITEMS).where(CI.id == existing)
                         .values(qty=CI.qty + take))
        conn.execute(update(FULFILLMENT_LINES).where(FL.id == line.id)
                     .values(qty_packed=FL.qty_packed + take))
        if left == 0:
            return
