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

``confirm_batches`` confirms many carts at once in one transaction (one ledger batch for all
their moves), reporting each cart it could not confirm with why; ``confirm_all`` is the same
for one cart. Every confirmation — a scan, a short pick's found units, whole carts — goes
through ``pick_confirm.confirm``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.errors import BackroomError, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import bins, fulfillment_orders, pick_confirm, scans
from backroom.fulfillment.pick_confirm import left as _left
from backroom.fulfillment.tables import (
    COUNT_TASKS,
    FULFILLMENT_LINES,
    FULFILLMENT_ORDERS,
    PICK_BATCHES,
    PICK_TASKS,
)
from backroom.inventory.tables import LOCATIONS, LOTS

T, FL, FO, PB, LOC = (PICK_TASKS.c, FULFILLMENT_LINES.c, FULFILLMENT_ORDERS.c, PICK_BATCHES.c,
                      LOCATIONS.c)


def _check(conn: Connection, batch_id: int, *, held: bool = True) -> str:
    """The batch's state; raises if it cannot be picked now (see ``check_batches``)."""
    states, bad = pick_confirm.check_batches(conn, [batch_id], held=held)
    if batch_id in bad:
        raise bad[batch_id]
    return states[batch_id]


def start(uow: UnitOfWork, batch_id: int, picker: str = "") -> dict[str, Any]:
    """A picker takes the cart: the batch and its orders are now being picked."""
    with uow.transaction() as conn:
        if _check(conn, batch_id) == "open":
            conn.execute(update(PICK_BATCHES).where(PB.id == batch_id).values(
                state="picking", picker=picker[:64], started_at=clock.now()))
            conn.execute(update(FULFILLMENT_ORDERS).where(
                FO.batch_id == batch_id, FO.state == "released").values(
                state="picking", updated_at=clock.now()))
        return batch_view(conn, batch_id)


def _open_tasks(conn: Connection, batch_id: int) -> list[Any]:
    return pick_confirm.open_tasks(conn, [batch_id])


def pick_scan(uow: UnitOfWork, batch_id: int, *, bin_code: str, barcode: str,
              qty: int | None = None, lot: str | None = None) -> dict[str, Any]:
    """Confirm a pick by scanning the bin and the item (``qty`` units; default one scan's)."""
    with uow.transaction() as conn:
        _check(conn, batch_id)
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
        pick_confirm.confirm(conn, _spread(for_item, units))
        return {**batch_view(conn, batch_id), "picked": {"bin": bin_code, "sku": item.sku,
                                                         "qty": units}}


def _wrong_bin(tasks: Sequence[Any]) -> str:
    if not tasks:
        return "wrong bin: this batch has nothing left to pick"
    return f"wrong bin: no pick of this batch is there; next pick is at {tasks[0].bin}"


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


@dataclass
class ConfirmRun:
    """What ``confirm_batches`` did: per cart its picks and state, or why it was not picked."""

    confirmed: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"confirmed": self.confirmed, "failed": self.failed,
                "picks": sum(c["picks"] for c in self.confirmed),
                "units": sum(c["units"] for c in self.confirmed)}


def confirm_batches(uow: UnitOfWork, batch_ids: Sequence[int]) -> ConfirmRun:
    """Confirm every open pick of many carts as picked in full, in one transaction: one
    ledger batch for all their moves. A cart that cannot be confirmed (unknown, already
    picked, an order on hold, stock gone) is reported with why; the rest are confirmed."""
    with uow.transaction() as conn:
        outcomes = pick_confirm.confirm_carts(conn, batch_ids)
    run = ConfirmRun()
    for batch_id, outcome in outcomes.items():
        if isinstance(outcome, BackroomError):
            run.failed.append({"batch_id": batch_id, "code": outcome.code,
                               "error": outcome.message})
        else:
            run.confirmed.append(outcome)
    return run


def open_batches(uow: UnitOfWork, wave_id: int) -> list[int]:
    """The wave's batches that still have picks to confirm (open or being picked)."""
    with uow.read() as conn:
        return list(conn.execute(select(PB.id).where(
            PB.wave_id == wave_id, PB.state.in_(("open", "picking"))).order_by(PB.id)).scalars())


def confirm_all(uow: UnitOfWork, batch_id: int) -> dict[str, Any]:
    """Confirm every open pick of the batch as picked in full (a cart confirmed at once)."""
    with uow.transaction() as conn:
        outcome = pick_confirm.confirm_carts(conn, [batch_id])[batch_id]
        if isinstance(outcome, BackroomError):
            raise outcome
        return batch_view(conn, batch_id)


def short_pick(uow: UnitOfWork, batch_id: int, task_id: int, found: int) -> dict[str, Any]:
    """The bin held only ``found`` of the task's units: pick those, count the bin, and send
    the rest to another bin here or back to sourcing."""
    with uow.transaction() as conn:
        _check(conn, batch_id, held=False)
        task = next((t for t in _open_tasks(conn, batch_id) if t.id == task_id), None)
        if task is None:
            raise NotFound(f"pick batch {batch_id} has no open pick task {task_id}")
        missing = _left(task) - found
        if not isinstance(found, int) or found < 0 or missing <= 0:
            raise ValidationFailed.single("found", found, f"a short pick finds 0-{_left(task) - 1}"
                                          " units")
        pick_confirm.confirm(conn, [(task, found)])
        bins.free(conn, task.location_id, task.sku_id, task.lot_id, missing)
        conn.execute(update(PICK_TASKS).where(T.id == task_id).values(
            qty_short=T.qty_short + missing, state="short", done_at=clock.now()))
        conn.execute(insert(COUNT_TASKS).values(
            location_id=task.location_id, sku_id=task.sku_id, state="open",
            reason=f"short pick: {missing} of {task.sku} missing (batch {batch_id})",
            pick_task_id=task_id, created_at=clock.now()))
        outcome = _resource(uow, conn, task, missing)
        pick_confirm.advance(conn, [batch_id])
        return {**batch_view(conn, batch_id), "short": {"task_id": task_id, "missing": missing,
                                                        "outcome": outcome}}


def _resource(uow: UnitOfWork, conn: Connection, task: Any, missing: int) -> str:
    line = conn.execute(select(FULFILLMENT_LINES, FO.warehouse_id, FO.order_id).join(
        FULFILLMENT_ORDERS, FO.id == FL.fulfillment_order_id).where(
        FL.id == task.fulfillment_line_id)).one()
    other = [b for b in bins.bin_stock(conn, line.warehouse_id, task.sku_id, task.lot_id)
             if b.location_id != task.location_id]
    found = bins.choose_bins(other, missing)
    if sum(q for _, q in found) == missing and bins.reserve_many(
            conn, [(b.location_id, task.sku_id, task.lot_id, q) for b, q in found]):
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
