"""Undoing a packing step: take units back out of an open carton, reopen a sealed carton.

Units taken out go back to picked-not-packed (they never left the pack station, so no stock
moves). Reopening a sealed carton that has not shipped makes it open again (weight cleared);
a ``packed`` fulfillment order goes back to ``picked``. Both run under the fulfillment order's
lock with the same checks as scanning and sealing (``picked``, or ``picked``/``packed`` for a
reopen, and not on hold); a refused step changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, update

from backroom.core import clock
from backroom.core.errors import Conflict, Problem, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fo_queries as q
from backroom.fulfillment.scanning import check_qty
from backroom.fulfillment.scans import Scanned, resolve_scan
from backroom.fulfillment.tables import (
    CARTON_ITEMS,
    CARTONS,
    FULFILLMENT_LINES,
    FULFILLMENT_ORDERS,
)

__all__ = ["reopen_carton", "unpack"]
CI, FL = CARTON_ITEMS.c, FULFILLMENT_LINES.c
REOPENABLE = ("picked", "packed")  # a packed order's sealed cartons may be reopened


def _refuse(field: str, value: Any, message: str, fo_id: int, carton_no: int,
            barcode: str) -> ValidationFailed:
    text = (f"take {barcode!r} out of carton {carton_no} of fulfillment order {fo_id}: "
            f"{message}")
    return ValidationFailed(text, problems=[Problem(field, message, value)],
                            data={"fulfillment_order_id": fo_id, "carton_no": carton_no,
                                  "barcode": barcode})


def unpack(uow: UnitOfWork, fo_id: int, carton_no: int, barcode: str, qty: int = 1,
           lot: str | None = None) -> dict[str, Any]:
    """Take ``qty`` scans of ``barcode`` (lot/serial ``lot``) out of open carton
    ``carton_no``; the units are picked and not packed again."""
    check_qty(qty)
    if not isinstance(barcode, str) or not barcode.strip():
        raise ValidationFailed.single("barcode", barcode, "scan a barcode or type a SKU")
    with uow.transaction() as conn:
        q.require(q.lock(conn, fo_id), ("picked",), "unpacked")
        item = resolve_scan(conn, barcode)
        if item is None:
            raise _refuse("barcode", barcode, "is not the barcode or SKU of any product",
                          fo_id, carton_no, barcode)
        box = _open_carton(conn, fo_id, carton_no)
        rows = [r for r in q.contents(conn, [box.id]) if r.sku_id == item.product_id]
        if not rows:
            raise _refuse("barcode", barcode, f"carton {carton_no} holds no {item.sku}",
                          fo_id, carton_no, barcode)
        rows = _of_lot(rows, item, lot, fo_id, carton_no, barcode)
        units = qty * item.units
        held = sum(r.qty for r in rows)
        if units > held:
            raise _refuse("qty", units, f"{units} unit(s) of {item.sku} is more than the "
                          f"{held} in carton {carton_no}", fo_id, carton_no, barcode)
        _take(conn, rows, units)
        lot_code = rows[0].lot or None
        _touch(conn, fo_id)
        record(conn, [DomainEvent("fulfillment.unpacked", {
            "fulfillment_order_id": fo_id, "carton_no": carton_no, "sku": item.sku,
            "lot": lot_code, "qty": units}, aggregate=f"fulfillment:{fo_id}")])
        after = q.lines(conn, fo_id)
        return {"fulfillment_order_id": fo_id, "carton_no": carton_no, "sku": item.sku,
                "lot": lot_code, "units": units,
                "to_pack": sum(r.qty_picked - r.qty_packed for r in after),
                "lines": [q.line_view(r) for r in after if r.sku_id == item.product_id],
                "carton": q.carton_view(box, q.contents(conn, [box.id]))}


def _open_carton(conn: Connection, fo_id: int, carton_no: int) -> Any:
    box = q.carton(conn, fo_id, carton_no)
    if box.state != "open":
        raise Conflict(f"carton {carton_no} of fulfillment order {fo_id} is {box.state}: "
                       "only an open carton's items can be taken out"
                       + ("; reopen it first" if box.state == "sealed" else ""),
                       data={"fulfillment_order_id": fo_id, "carton_no": carton_no,
                             "state": box.state})
    return box


def _of_lot(rows: Sequence[Any], item: Scanned, lot: str | None, fo_id: int, carton_no: int,
            barcode: str) -> list[Any]:
    """The carton's rows of the item in the lot given, or in its only lot there."""
    lots = sorted({r.lot for r in rows})
    if lot and lot.strip():
        found = [r for r in rows if r.lot == lot.strip()]
        if not found:
            held = ", ".join(x for x in lots if x) or "no lots"
            raise _refuse("lot", lot, f"carton {carton_no} holds no {item.sku} of lot "
                          f"{lot.strip()!r} (it holds {held})", fo_id, carton_no, barcode)
        return found
    if len(lots) > 1:
        raise _refuse("lot", None, f"carton {carton_no} holds {item.sku} of several lots "
                      f"({', '.join(lots)}): give the lot", fo_id, carton_no, barcode)
    return list(rows)


def _take(conn: Connection, rows: Sequence[Any], units: int) -> None:
    """Take the units out of the carton rows, the last order lines first."""
    left = units
    for row in sorted(rows, key=lambda r: r.fulfillment_line_id, reverse=True):
        take = min(left, row.qty)
        if take <= 0:
            break
        left -= take
        if take == row.qty:
            conn.execute(delete(CARTON_ITEMS).where(CI.id == row.id))
        else:
            conn.execute(update(CARTON_ITEMS).where(CI.id == row.id).values(qty=CI.qty - take))
        conn.execute(update(FULFILLMENT_LINES).where(FL.id == row.fulfillment_line_id)
                     .values(qty_packed=FL.qty_packed - take))


def reopen_carton(uow: UnitOfWork, fo_id: int, carton_no: int) -> dict[str, Any]:
    """Open a sealed carton that has not shipped again (its weight cleared); a ``packed``
    fulfillment order goes back to ``picked``."""
    with uow.transaction() as conn:
        row = q.lock(conn, fo_id)
        q.require(row, REOPENABLE, "repacked")
        box = q.carton(conn, fo_id, carton_no)
        if box.state != "sealed":
            why = "has shipped" if box.state == "shipped" else "is open, not sealed"
            raise Conflict(f"carton {carton_no} of fulfillment order {fo_id} {why}: only a "
                           "sealed carton that has not shipped can be reopened",
                           data={"fulfillment_order_id": fo_id, "carton_no": carton_no,
                                 "state": box.state})
        conn.execute(update(CARTONS).where(CARTONS.c.id == box.id).values(
            state="open", weight_g=0, sealed_at=None))
        state = "picked"
        _touch(conn, fo_id, **({"state": state} if row.state == "packed" else {}))
        record(conn, [DomainEvent("fulfillment.carton_reopened", {
            "fulfillment_order_id": fo_id, "order_id": row.order_id, "carton_no": carton_no,
            "was": row.state, "state": state}, aggregate=f"fulfillment:{fo_id}")])
        view = q.packing_view(conn, fo_id)
        opened = next(c for c in view["cartons"] if c["carton_no"] == carton_no)
        return {"fulfillment_order_id": fo_id, "state": state, "to_pack": view["to_pack"],
                "carton": opened}


def _touch(conn: Connection, fo_id: int, **values: Any) -> None:
    conn.execute(update(FULFILLMENT_ORDERS).where(FULFILLMENT_ORDERS.c.id == fo_id)
                 .values(updated_at=clock.now(), **values))

