"""Transfers between warehouses: source → TRANSIT (incoming at the destination) → destination.

Goods in transit stay valued: dispatch moves their FIFO cost into a transit layer of the
transfer, arrival moves it into the destination warehouse's layers.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, insert, select, update

from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.inventory import resolve
from backroom.inventory.model import LocationKind, Move, Place, Reason
from backroom.inventory.services import Result, TransferLineSpec, _post
from backroom.inventory.tables import TRANSFER_LINES, TRANSFERS

T, TL = TRANSFERS.c, TRANSFER_LINES.c


def dispatch(uow: UnitOfWork, source: str, to_warehouse: str, lines: list[TransferLineSpec], *,
             reference: str = "") -> Result:
    """Send stock from a location of one warehouse towards another warehouse."""
    if not lines:
        raise ValidationFailed.single("lines", [], "a transfer needs at least one line")
    with uow.transaction() as conn:
        src = resolve.place(conn, source, "from")
        dest_wh = resolve.warehouse_id(conn, to_warehouse, "to_warehouse")
        if not src.physical or src.warehouse_id is None:
            raise ValidationFailed.single("from", source, "must be a warehouse location")
        if src.warehouse_id == dest_wh:
            raise ValidationFailed.single("to_warehouse", to_warehouse, "is the source's own "
                                          "warehouse; use a move inside a warehouse instead")
        skus = resolve.skus(conn, (ln.sku for ln in lines))
        transit = resolve.virtual(conn, LocationKind.TRANSIT)
        tid = int(conn.execute(insert(TRANSFERS).values(
            reference=reference, from_warehouse_id=src.warehouse_id, to_warehouse_id=dest_wh,
            state="in_transit", created_at=clock.now()).returning(T.id)).scalar_one())
        moves, incoming = [], defaultdict(lambda: defaultdict(int))  # type: ignore[var-annotated]
        line_rows = []
        for ln in lines:
            sku = skus[ln.sku]
            lot = resolve.lot_id(conn, sku, ln.lot)
            moves.append(Move(sku.id, ln.qty, src, transit, Reason.TRANSFER.value, lot_id=lot,
                              reference=reference or f"transfer:{tid}", transfer_id=tid))
            incoming[(dest_wh, sku.id, lot)]["incoming"] += ln.qty
            line_rows.append({"transfer_id": tid, "sku_id": sku.id, "lot_id": lot,
                              "qty": ln.qty, "received_qty": 0})
        posted = _post(conn, moves, skus, extra_positions=incoming)
        conn.execute(insert(TRANSFER_LINES), line_rows)
        record(conn, [DomainEvent("transfer.dispatched", {"transfer_id": tid, "from": source,
                                                          "to_warehouse": to_warehouse},
                                  aggregate=f"transfer:{tid}")])
        return Result(posted, {"transfer_id": tid})


def receive(uow: UnitOfWork, transfer_id: int, *, location: str | None = None) -> Result:
    """Book the arrival of everything still in transit on ``transfer_id``."""
    with uow.transaction() as conn:
        stmt = select(TRANSFERS).where(T.id == transfer_id)
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        tr = conn.execute(stmt).first()
        if tr is None:
            raise NotFound(f"no transfer {transfer_id}")
        if tr.state != "in_transit":
            raise Conflict(f"transfer {transfer_id} is {tr.state}, not in transit")
        dest = _destination(conn, tr.to_warehouse_id, location)
        transit = resolve.virtual(conn, LocationKind.TRANSIT)
        lines = conn.execute(select(TRANSFER_LINES).where(TL.transfer_id == transfer_id)
                             .order_by(TL.id)).all()
        skus = _skus(conn, [ln.sku_id for ln in lines])
        moves, incoming = [], defaultdict(lambda: defaultdict(int))  # type: ignore[var-annotated]
        for ln in lines:
            left = ln.qty - ln.received_qty
            if left == 0:
                continue
            moves.append(Move(ln.sku_id, left, transit, dest, Reason.TRANSFER.value,
                              lot_id=ln.lot_id, reference=tr.reference or f"transfer:{tr.id}",
                              transfer_id=tr.id))
            incoming[(tr.to_warehouse_id, ln.sku_id, ln.lot_id)]["incoming"] -= left
        posted = _post(conn, moves, skus, extra_positions=incoming)
        conn.execute(update(TRANSFER_LINES).where(TL.transfer_id == transfer_id)
                     .values(received_qty=TL.qty))
        conn.execute(update(TRANSFERS).where(T.id == transfer_id)
                     .values(state="received", received_at=clock.now()))
        record(conn, [DomainEvent("transfer.received", {"transfer_id": transfer_id,
                                                        "location": dest.code},
                                  aggregate=f"transfer:{transfer_id}")])
        return Result(posted, {"transfer_id": transfer_id})


def _destination(conn: Connection, warehouse_id: int, location: str | None) -> Place:
    if location:
        place = resolve.place(conn, location)
        if place.warehouse_id != warehouse_id:
            raise ValidationFailed.single("location", location,
                                          "is not in the transfer's destination warehouse")
        return place
    from backroom.inventory.tables import WAREHOUSES

    code = conn.execute(select(WAREHOUSES.c.code).where(WAREHOUSES.c.id == warehouse_id)
                        ).scalar_one()
    return resolve.warehouse_location(conn, code, LocationKind.INPUT)


def _skus(conn: Connection, ids: list[int]) -> dict[str, resolve.Sku]:
    from backroom.inventory.services import _skus_by_id

    return _skus_by_id(conn, ids)


def open_transfers(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(TRANSFERS).where(T.state == "in_transit").order_by(T.id)).all()
    return [dict(r._mapping) for r in rows]
