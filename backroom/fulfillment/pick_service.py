"""Picking by scan: confirm each pick by scanning the bin and the item.

A scan is checked against the batch's open tasks before anything changes: a bin with no pick
in this batch (wrong bin), an item that is not what the bin's picks are for (wrong item), a
lot other than the one reserved (wrong lot) and more units than are left to pick (over-pick)
are each refused with a message that says what was expected. A confirmed pick frees the bin's
reservation, moves the units bin → the warehouse's packing location (one ledger batch) and
counts them on the fulfillment line; the warehouse reservation of the order line stays until
the units ship.

A short pick (the bin holds fewer than expected) picks what was found, raises a count task for
the bin and gives the missing units back to sourcing: another bin of the same warehouse if one
has them (a new task at the end of the batch), else the order line's units are released and
re-allocated (another warehouse, or a backorder).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import bins, fulfillment_orders, scans
from backroom.fulfillment.tables import (
    COUNT_TASKS,
    FULFILLMENT_LINES,
    FULFILLMENT_ORDERS,
    PICK_BATCHES,
    PICK_TASKS,
)
from backroom.inventory import ledger
from backroom.inventory.model import LocationKind, Move, Place, Reason
from backroom.inventory.tables import LOCATIONS, LOTS

T, FL, FO, PB, LOC = (PICK_TASKS.c, FULFILLMENT_LINES.c, FULFILLMENT_ORDERS.c, PICK_BATCHES.c,
                      LOCATIONS.c)


def _batch(conn: Connection, batch_id: int) -> Any:
    stmt = select(PICK_BATCHES).where(PB.id == batch_id)
    row = conn.execute(stmt.with_for_update() if conn.dialect.name == "postgresql"
                       else stmt).first()
    if row is None:
        raise NotFound(f"no pick batch {batch_id}", data={"batch_id": batch_id})
    if row.state not in ("open", "picking"):
        raise Conflict(f"pick batch {batch_id} is {row.state}; nothing is left to pick",
                       data={"batch_id": batch_id, "state": row.state})
    return row


def start(uow: UnitOfWork, batch_id: int, picker: str = "") -> dict[str, Any]:
    """A picker takes the cart: the batch and its orders are now being picked."""
    with uow.transaction() as conn:
        row = _batch(conn, batch_id)
        _held(conn, batch_id)
        if row.state == "open":
            conn.execute(update(PICK_BATCHES).where(PB.id == batch_id).values(
                state="picking", picker=picker[:64], started_at=clock.now()))
            conn.execute(update(FULFILLMENT_ORDERS).where(
                FO.batch_id == batch_id, FO.state == "released").values(
                state="picking", updated_at=clock.now()))
        return batch_view(conn, batch_id)


def _held(conn: Connection, batch_id: int) -> None:
    held = conn.execute(select(FO.id, FO.hold_reason).where(
        FO.batch_id == batch_id, FO.hold_reason.is_not(None),
        FO.state.in_(("released", "picking")))).first()
    if held is not None:
        raise Conflict(f"fulfillment order {held.id} in this batch is on hold: "
                       f"{held.hold_reason}; release it or take it off the cart first")


def _open_tasks(conn: Connection, batch_id: int) -> list[Any]:
    return list(conn.execute(
        select(PICK_TASKS, LOC.code.label("bin"), PRODUCTS.c.sku, LOTS.c.code.label("lot"))
        .join(LOCATIONS, LOC.id == T.location_id).join(PRODUCTS, PRODUCTS.c.id == T.sku_id)
        .outerjoin(LOTS, LOTS.c.id == T.lot_id)
        .where(T.batch_id == batch_id, T.state == "open").order_by(T.seq)))


def pick_scan(uow: UnitOfWork, batch_id: int, *, bin_code: str, barcode: str,
              qty: int | None = None, lot: str | None = None) -> dict[str, Any]:
    """Confirm a pick by scanning the bin and the item (``qty`` units; default one scan's)."""
    with uow.transaction() as conn:
        _batch(conn, batch_id)
        _held(conn, batch_id)
        tasks = _open_tasks(conn, batch_id)
        at_bin = [t for t in tasks if t.bin == bin_code.strip()]
        if not at_bin:
            raise ValidationFailed.single("bin", bin_code, _wrong_bin(tasks))
        item = scans.identify(conn, barcode)
        for_item = [t for t in at_bin if t.sku_id == item.product_id]
        if not for_item:
            wanted = ", ".join(sorted({t.sku for t in at_bin}))
            raise ValidationFailed.single("barcode", barcode, f"wrong item: this is {item.sku}; "
                                          f"bin {bin_code} is picked for {wanted}")
        lots = {t.lot for t in for_item if t.lot}
        if lots and (lot or "").strip() not in lots:
            raise ValidationFailed.single("lot", lot, f"wrong lot: pick lot "
                                          f"{' or '.join(sorted(lots))} from bin {bin_code}")
        if lots:
            for_item = [t for t in for_item if t.lot == (lot or "").strip()]
        units = qty if qty is not None else item.units
        _check_qty(units, for_item, bin_code, item.sku)
        _confirm(uow, conn, _spread(for_item, units))
        return {**batch_view(conn, batch_id), "picked": {"bin": bin_code, "sku": item.sku,
                                                         "qty": units}}


def _wrong_bin(tasks: Sequence[Any]) -> str:
    if not tasks:
        return "wrong bin: this batch has nothing left to pick"
    return f"wrong bin: no pick of this batch is there; next pick is at {tasks[0].bin}"


def _left(t: Any) -> int:
    return int(t.qty - t.qty_picked - t.qty_short)


def _check_qty(units: int, tasks: Sequence[Any], bin_code: str, sku: str) -> None:
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValidationFailed.single("qty", units, "must be a positive whole number")
    left = sum(_left(t) for t in tasks)
    if units > left:
        raise ValidationFailed.single("qty", units, f"over-pick: only {left} of {sku} are "
                                      f"left to pick from bin {bin_code}")


def _spread(tasks: Sequence[Any], units: int) -> list[tuple[Any, int]]:
    out = []
    for t in tasks:
        take = min(units, _left(t))
        if take:
            out.append((t, take))
            units -= take
    return out


def confirm_all(uow: UnitOfWork, batch_id: int) -> dict[str, Any]:
    """Confirm every open pick of the batch as picked in full (a cart confirmed at once)."""
    with uow.transaction() as conn:
        _batch(conn, batch_id)
        _held(conn, batch_id)
        _confirm(uow, conn, [(t, _left(t)) for t in _open_tasks(conn, batch_id)])
        return batch_view(conn, batch_id)


def _confirm(uow: UnitOfWork, conn: Connection, picks: list[tuple[Any, int]]) -> None:
    picks = [(t, q) for t, q in picks if q > 0]
    if not picks:
        return
    for t, q in sorted(picks, key=lambda p: (p[0].sku_id, p[0].location_id, p[0].lot_id)):
        bins.free(conn, t.location_id, t.sku_id, t.lot_id, q)
    _move_to_pack(conn, picks)
    now = clock.now()
    per_line: dict[int, int] = defaultdict(int)
    for t, q in picks:
        done = q == _left(t)
        conn.execute(update(PICK_TASKS).where(T.id == t.id).values(
            qty_picked=T.qty_picked + q, state="done" if done else "open",
            done_at=now if done else None))
        per_line[t.fulfillment_line_id] += q
    for line_id, q in per_line.items():
        conn.execute(update(FULFILLMENT_LINES).where(FL.id == line_id)
                     .values(qty_picked=FL.qty_picked + q))
    _advance(conn, picks[0][0].batch_id)


def _move_to_pack(conn: Connection, picks: list[tuple[Any, int]]) -> None:
    loc_ids = sorted({t.location_id for t, _ in picks})
    rows = {r.id: r for r in conn.execute(select(LOC.id, LOC.code, LOC.kind, LOC.warehouse_id)
                                          .where(LOC.id.in_(loc_ids)))}
    wh = rows[loc_ids[0]].warehouse_id
    pack = conn.execute(select(LOC.id, LOC.code).where(
        LOC.warehouse_id == wh, LOC.kind == LocationKind.PACK.value).order_by(LOC.id).limit(1)
    ).first()
    if pack is None:
        raise NotFound(f"warehouse {wh} has no packing location")
    dest = Place(pack.id, pack.code, LocationKind.PACK, wh)
    fo_of = dict(conn.execute(select(FL.id, FL.fulfillment_order_id).where(
        FL.id.in_({t.fulfillment_line_id for t, _ in picks}))).all())
    moves = []
    for t, q in picks:
        r = rows[t.location_id]
        moves.append(Move(t.sku_id, q, Place(r.id, r.code, LocationKind(r.kind), wh), dest,
                          Reason.INTERNAL.value, lot_id=t.lot_id,
                          reference=f"fulfillment:{fo_of[t.fulfillment_line_id]}",
                          note=f"pick batch {t.batch_id}"))
    skus = {r.id: (r.sku, r.tracking) for r in conn.execute(
        select(PRODUCTS.c.id, PRODUCTS.c.sku, PRODUCTS.c.tracking)
        .where(PRODUCTS.c.id.in_({t.sku_id for t, _ in picks})))}
    ledger.post(conn, moves, tracking={k: v[1] for k, v in skus.items()},
                codes={k: v[0] for k, v in skus.items()})


def _advance(conn: Connection, batch_id: int) -> None:
    """Orders whose picks are all settled are picked; a batch with none open is picked."""
    now = clock.now()
    conn.execute(update(FULFILLMENT_ORDERS).where(
        FO.batch_id == batch_id, FO.state.in_(("released", "picking"))).values(
        state="picking", updated_at=now))
    per_order = conn.execute(
        select(FL.fulfillment_order_id, func.max(FL.qty).label("units"),
               func.count(T.id).filter(T.state == "open").label("open"))
        .join(FULFILLMENT_ORDERS, FO.id == FL.fulfillment_order_id)
        .outerjoin(PICK_TASKS, T.fulfillment_line_id == FL.id)
        .where(FO.batch_id == batch_id, FO.state == "picking")
        .group_by(FL.fulfillment_order_id)).all()
    for fo_id, units, still_open in per_order:
        if not still_open:
            conn.execute(update(FULFILLMENT_ORDERS).where(FO.id == fo_id).values(
                state="picked" if units else "cancelled", updated_at=now))
    if not conn.execute(select(func.count()).select_from(PICK_TASKS).where(
            T.batch_id == batch_id, T.state == "open")).scalar_one():
        conn.execute(update(PICK_BATCHES).where(PB.id == batch_id).values(
            state="picked", finished_at=now))


def short_pick(uow: UnitOfWork, batch_id: int, task_id: int, found: int) -> dict[str, Any]:
    """The bin held only ``found`` of the task's units: pick those, count the bin, and send
    the rest to another bin here or back to sourcing."""
    with uow.transaction() as conn:
        _batch(conn, batch_id)
        task = next((t for t in _open_tasks(conn, batch_id) if t.id == task_id), None)
        if task is None:
            raise NotFound(f"pick batch {batch_id} has no open pick task {task_id}")
        missing = _left(task) - found
        if not isinstance(found, int) or found < 0 or missing <= 0:
            raise ValidationFailed.single("found", found, f"a short pick finds 0-{_left(task) - 1}"
                                          " units")
        _confirm(uow, conn, [(task, found)] if found else [])
        bins.free(conn, task.location_id, task.sku_id, task.lot_id, missing)
        conn.execute(update(PICK_TASKS).where(T.id == task_id).values(
            qty_short=T.qty_short + missing, state="short", done_at=clock.now()))
        conn.execute(insert(COUNT_TASKS).values(
            location_id=task.location_id, sku_id=task.sku_id, state="open",
            reason=f"short pick: {missing} of {task.sku} missing (batch {batch_id})",
            pick_task_id=task_id, created_at=clock.now()))
        outcome = _resource(uow, conn, task, missing)
        _advance(conn, batch_id)
        return {**batch_view(conn, batch_id), "short": {"task_id": task_id, "missing": missing,
                                                        "outcome": outcome}}


def _resource(uow: UnitOfWork, conn: Connection, task: Any, missing: int) -> str:
    line = conn.execute(select(FULFILLMENT_LINES, FO.warehouse_id, FO.order_id).join(
        FULFILLMENT_ORDERS, FO.id == FL.fulfillment_order_id).where(
        FL.id == task.fulfillment_line_id)).one()
    other = [b for b in bins.bin_stock(conn, line.warehouse_id, task.sku_id, task.lot_id)
             if b.location_id != task.location_id]
    found = bins.choose_bins(other, missing)
    if sum(q for _, q in found) == missing and all(
            bins.reserve(conn, b.location_id, task.sku_id, task.lot_id, q) for b, q in found):
        seq = conn.execute(select(func.max(T.seq)).where(T.batch_id == task.batch_id)
                           ).scalar_one()
        conn.execute(insert(PICK_TASKS), [{
            "batch_id": task.batch_id, "fulfillment_line_id": task.fulfillment_line_id,
            "tote": task.tote, "seq": seq + n, "location_id": b.location_id,
            "sku_id": task.sku_id, "lot_id": task.lot_id, "qty": q, "qty_picked": 0,
            "qty_short": 0, "state": "open"} for n, (b, q) in enumerate(found, start=1)])
        return "re-sourced from " + ", ".join(b.code for b, _ in found)
    # Nothing else here: the units leave this fulfillment order and go back to sourcing.
    conn.execute(update(FULFILLMENT_LINES).where(FL.id == line.id).values(qty=FL.qty - missing))
    fulfillment_orders.release_line_stock(uow, conn, line.warehouse_id, line.order_line_id,
                                          missing)
    from backroom.fulfillment.allocation import allocate_order

    done = allocate_order(uow, line.order_id)
    if done.reserved_units:
        return f"re-allocated: {done.reason}"
    return f"backordered {done.backordered_units} units"


def batch_view(conn: Connection, batch_id: int) -> dict[str, Any]:
    """The batch with its picks in walking order (what the pick screen shows)."""
    b = conn.execute(select(PICK_BATCHES).where(PB.id == batch_id)).first()
    if b is None:
        raise NotFound(f"no pick batch {batch_id}", data={"batch_id": batch_id})
    tasks = conn.execute(
        select(PICK_TASKS, LOC.code.label("bin"), LOC.aisle, LOC.bay, PRODUCTS.c.sku,
               PRODUCTS.c.name, LOTS.c.code.label("lot"))
        .join(LOCATIONS, LOC.id == T.location_id).join(PRODUCTS, PRODUCTS.c.id == T.sku_id)
        .outerjoin(LOTS, LOTS.c.id == T.lot_id)
        .where(T.batch_id == batch_id).order_by(T.seq)).all()
    totes = dict(conn.execute(select(FO.tote, FO.id).where(FO.batch_id == batch_id)).all())
    return {"id": b.id, "wave_id": b.wave_id, "state": b.state, "totes": b.totes,
            "picker": b.picker, "route_method": b.route_method,
            "route_length_m": b.route_length_m,
            "orders": {str(k): v for k, v in sorted(totes.items())},
            "tasks": [{"id": t.id, "seq": t.seq, "tote": t.tote, "bin": t.bin,
                       "aisle": t.aisle, "bay": t.bay, "sku": t.sku, "name": t.name,
                       "lot": t.lot, "qty": t.qty, "picked": t.qty_picked,
                       "short": t.qty_short, "state": t.state} for t in tasks]}
