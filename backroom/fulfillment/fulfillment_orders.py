"""Fulfillment orders: the part of an order one warehouse ships, and what may happen to it
before picking starts (hold, release, move to another warehouse, split, merge, cancel).

Stock for an order line is reserved at warehouse level under ``order-line:{id}`` when the line
is sourced (see ``allocation``); moving or cancelling a fulfillment order gives those
reservations back in that warehouse only, so a line sourced from two warehouses keeps the
other half. Once a wave has released the order, its bins are reserved too (``waves``);
cancelling then also frees the bins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from backroom.core import clock
from backroom.core.errors import Conflict, NotFound, Problem, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.bulk import insert_ids, insert_rows
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import bins
from backroom.fulfillment.fo_queries import lock
from backroom.fulfillment.tables import FULFILLMENT_LINES, FULFILLMENT_ORDERS, PICK_TASKS
from backroom.inventory import reservations
from backroom.inventory.tables import RESERVATIONS, WAREHOUSES
from backroom.orders import progress
from backroom.orders.lifecycle import reservation_reference

FO, FL, T = FULFILLMENT_ORDERS.c, FULFILLMENT_LINES.c, PICK_TASKS.c
UNSTARTED = ("waiting", "released")  # nothing picked yet: may move, split, merge, cancel
_WAITING = (select(FO.id, FO.order_id, FO.warehouse_id)
            .where(FO.order_id.in_(bindparam("ids", expanding=True)), FO.state == "waiting",
                   FO.hold_reason.is_(None)).order_by(FO.id))
_LINES_OF = (select(FL.id, FL.fulfillment_order_id, FL.order_line_id)
             .where(FL.fulfillment_order_id.in_(bindparam("ids", expanding=True)))
             .order_by(FL.id))
_GROW = (update(FULFILLMENT_LINES).where(FL.id == bindparam("fl"))
         .values(qty=FL.qty + bindparam("q")))


@dataclass(frozen=True, slots=True)
class NewUnits:
    """Units of an order one warehouse will ship: ``(order line id, sku id, qty)`` lines."""

    order_id: int
    warehouse_id: int
    lines: Sequence[tuple[int, int, int]]
    priority: int = 0
    promised_date: date | None = None
    carrier: str = ""
    service: str = ""
    estimated_cost_minor: int | None = None


def create(conn: Connection, order_id: int, warehouse_id: int,
           lines: Sequence[tuple[int, int, int]], *, priority: int = 0,
           promised_date: date | None = None, carrier: str = "", service: str = "",
           estimated_cost_minor: int | None = None) -> int:
    """Add ``(order line id, sku id, qty)`` units to the order's waiting fulfillment order for
    that warehouse (a new one if there is none). The caller has reserved the stock."""
    return create_many(conn, [NewUnits(order_id, warehouse_id, lines, priority, promised_date,
                                       carrier, service, estimated_cost_minor)])[0]


def create_many(conn: Connection, units: Sequence[NewUnits]) -> list[int]:
    """``create`` for many (order, warehouse) at once, with a few statements; the fulfillment
    order of each, in order. Units join the first waiting, unheld fulfillment order of their
    order and warehouse (an earlier one of ``units`` too), else open a new one."""
    if not units:
        return []
    target: dict[tuple[int, int], int] = {}
    for start in range(0, len(units), 500):
        part = sorted({u.order_id for u in units[start:start + 500]})
        for r in conn.execute(_WAITING, {"ids": part}):
            target.setdefault((r.order_id, r.warehouse_id), r.id)
    fresh, seen = [], set(target)
    for u in units:
        if (u.order_id, u.warehouse_id) not in seen:
            seen.add((u.order_id, u.warehouse_id))
            fresh.append(u)
    now = clock.now()
    ids = insert_ids(conn, FULFILLMENT_ORDERS, [
        {"order_id": u.order_id, "warehouse_id": u.warehouse_id, "state": "waiting",
         "priority": u.priority, "promised_date": u.promised_date, "carrier": u.carrier,
         "service": u.service, "estimated_cost_minor": u.estimated_cost_minor,
         "created_at": now, "updated_at": now} for u in fresh])
    target.update({(u.order_id, u.warehouse_id): i for u, i in zip(fresh, ids, strict=True)})
    out = [target[(u.order_id, u.warehouse_id)] for u in units]
    add_lines(conn, list(zip(out, (u.lines for u in units), strict=True)))
    record(conn, [DomainEvent("fulfillment.created", {
        "fulfillment_order_id": fo_id, "order_id": u.order_id, "warehouse_id": u.warehouse_id},
        aggregate=f"fulfillment:{fo_id}") for fo_id, u in zip(out, units, strict=True)])
    return out


def _add_lines(conn: Connection, fo_id: int, lines: Sequence[tuple[int, int, int]]) -> None:
    add_lines(conn, [(fo_id, lines)])


def add_lines(conn: Connection,
              items: Sequence[tuple[int, Sequence[tuple[int, int, int]]]]) -> None:
    """Add ``(order line id, sku id, qty)`` lines to fulfillment orders (``(fo id, lines)``):
    a line already in that fulfillment order grows, a new one is inserted."""
    have: dict[tuple[int, int], int] = {}
    fo_ids = sorted({fo_id for fo_id, _ in items})
    for start in range(0, len(fo_ids), 500):
        for r in conn.execute(_LINES_OF, {"ids": fo_ids[start:start + 500]}):
            have.setdefault((r.fulfillment_order_id, r.order_line_id), r.id)
    grow: dict[int, int] = {}
    new: dict[tuple[int, int], dict[str, int]] = {}
    for fo_id, lines in items:
        for line_id, sku_id, qty in lines:
            key = (fo_id, line_id)
            if key in have:
                grow[have[key]] = grow.get(have[key], 0) + qty
            elif key in new:
                new[key]["qty"] += qty
            else:
                new[key] = {"fulfillment_order_id": fo_id, "order_line_id": line_id,
                            "sku_id": sku_id, "qty": qty, "qty_picked": 0, "qty_packed": 0,
                            "qty_shipped": 0}
    if grow:
        conn.execute(_GROW, [{"fl": i, "q": q} for i, q in sorted(grow.items())])
    insert_rows(conn, FULFILLMENT_LINES, list(new.values()))


def lines_of(conn: Connection, fo_id: int) -> list[Any]:
    return list(conn.execute(select(FULFILLMENT_LINES).where(FL.fulfillment_order_id == fo_id)
                             .order_by(FL.id)))


def get(conn: Connection, fo_id: int) -> dict[str, Any]:
    row = conn.execute(select(FULFILLMENT_ORDERS, WAREHOUSES.c.code.label("warehouse"))
                       .join(WAREHOUSES, WAREHOUSES.c.id == FO.warehouse_id)
                       .where(FO.id == fo_id)).first()
    if row is None:
        raise NotFound(f"no fulfillment order {fo_id}", data={"fulfillment_order_id": fo_id})
    out = {k: v for k, v in row._mapping.items() if k not in ("created_at", "updated_at")}
    out["promised_date"] = row.promised_date.isoformat() if row.promised_date else None
    out["held_at"] = row.held_at.isoformat() if row.held_at else None
    out["lines"] = [{"id": r.id, "order_line_id": r.order_line_id, "sku_id": r.sku_id,
                     "qty": r.qty, "picked": r.qty_picked, "packed": r.qty_packed,
                     "shipped": r.qty_shipped} for r in lines_of(conn, fo_id)]
    return out


def _event(conn: Connection, kind: str, fo_id: int, payload: Mapping[str, Any]) -> None:
    record(conn, [DomainEvent(kind, {"fulfillment_order_id": fo_id, **payload},
                              aggregate=f"fulfillment:{fo_id}")])


def _touch(conn: Connection, fo_id: int, **values: Any) -> None:
    conn.execute(update(FULFILLMENT_ORDERS).where(FO.id == fo_id)
                 .values(updated_at=clock.now(), **values))


def _require(row: Any, states: Sequence[str], action: str) -> None:
    if row.state not in states:
        raise Conflict(f"fulfillment order {row.id} is {row.state}; only "
                       f"{' or '.join(states)} orders can be {action}",
                       data={"fulfillment_order_id": row.id, "state": row.state})


# ---------------------------------------------------------------------------------------------
# Hold and release


def hold(uow: UnitOfWork, fo_id: int, reason: str) -> dict[str, Any]:
    """Stop the fulfillment order moving on (waves, picking, packing and shipping skip it)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.single("reason", reason, "say why the order is held")
    with uow.transaction() as conn:
        row = lock(conn, fo_id)
        _require(row, ("waiting", "released", "picking", "picked", "packed"), "held")
        if row.hold_reason is not None:
            raise Conflict(f"fulfillment order {fo_id} is already held: {row.hold_reason}")
        _touch(conn, fo_id, hold_reason=reason[:200], held_at=clock.now())
        _event(conn, "fulfillment.held", fo_id, {"reason": reason[:200]})
        return get(conn, fo_id)


def release(uow: UnitOfWork, fo_id: int) -> dict[str, Any]:
    """Lift the hold; the order continues from the state it was held in."""
    with uow.transaction() as conn:
        row = lock(conn, fo_id)
        if row.hold_reason is None:
            raise Conflict(f"fulfillment order {fo_id} is not held")
        _touch(conn, fo_id, hold_reason=None, held_at=None)
        _event(conn, "fulfillment.released_hold", fo_id, {})
        return get(conn, fo_id)


def assert_not_held(row: Any) -> None:
    if row.hold_reason is not None:
        raise Conflict(f"fulfillment order {row.id} is on hold: {row.hold_reason}",
                       data={"fulfillment_order_id": row.id, "hold": row.hold_reason})


# ---------------------------------------------------------------------------------------------
# Reservations of one fulfillment order (in its warehouse only)


def release_line_stock(uow: UnitOfWork, conn: Connection, warehouse_id: int, order_line_id: int,
                       qty: int) -> None:
    """Give back ``qty`` reserved units of an order line in one warehouse; the line's units
    become open again (the caller decides whether to re-source or cancel them)."""
    _release_in(conn, warehouse_id, order_line_id, qty)
    progress.record_unreserved(uow, order_line_id, qty)


def _release_in(conn: Connection, warehouse_id: int, order_line_id: int, qty: int) -> None:
    R = RESERVATIONS.c
    rows = conn.execute(select(R.id, R.open_qty).where(
        R.reference == reservation_reference(order_line_id), R.warehouse_id == warehouse_id,
        R.state == "active").order_by(R.id.desc())).all()
    left = qty
    for r in rows:
        take = min(left, r.open_qty)
        if take:
            reservations.release(conn, reservation_id=r.id, qty=take)
            left -= take
    if left:
        raise Conflict(f"order line {order_line_id} has only {qty - left} units reserved in "
                       f"this warehouse, not {qty}")


def release_for_cancel(conn: Connection, order_line_id: int, qty: int) -> int:
    """The orders area cancels ``qty`` reserved units of a line: take them out of its
    unstarted fulfillment orders (newest first) and give back their stock there. A released
    order goes back to waiting (its picks are cancelled; the next wave re-plans it). Units
    already being picked cannot be cancelled here. Returns the units not in any fulfillment
    order (reserved outside fulfillment), which the caller releases itself."""
    rows = conn.execute(select(FL.id, FL.qty, FL.qty_picked, FO.id.label("fo_id"), FO.state,
                               FO.warehouse_id)
                        .join(FULFILLMENT_ORDERS, FO.id == FL.fulfillment_order_id)
                        .where(FL.order_line_id == order_line_id, FO.state != "cancelled",
                               FL.qty > FL.qty_shipped).order_by(FO.id.desc())).all()
    left = qty
    for r in rows:
        if left == 0:
            break
        if r.state not in UNSTARTED:
            raise Conflict(f"order line {order_line_id} is being picked or packed "
                           f"(fulfillment order {r.fo_id} is {r.state}); put the units back "
                           "before cancelling them", data={"fulfillment_order_id": r.fo_id})
        take = min(left, r.qty)
        if r.state == "released":
            _free_bins(conn, r.fo_id)
            _touch(conn, r.fo_id, state="waiting", wave_id=None, batch_id=None, tote=None)
        _release_in(conn, r.warehouse_id, order_line_id, take)
        conn.execute(update(FULFILLMENT_LINES).where(FL.id == r.id).values(qty=FL.qty - take))
        if not open_units(conn, r.fo_id):
            _touch(conn, r.fo_id, state="cancelled")
        left -= take
    return left


def _free_bins(conn: Connection, fo_id: int) -> None:
    open_tasks = conn.execute(select(T.id).join(FULFILLMENT_LINES, FL.id == T.fulfillment_line_id)
                              .where(FL.fulfillment_order_id == fo_id, T.state == "open")
                              ).scalars().all()
    bins.cancel_tasks(conn, list(open_tasks))


def cancel(uow: UnitOfWork, fo_id: int, reason: str = "") -> dict[str, Any]:
    """Cancel an unstarted fulfillment order: its bins and stock are given back and its order
    lines' units are open again, to be sourced anew (or cancelled on the order)."""
    with uow.transaction() as conn:
        row = lock(conn, fo_id)
        _require(row, UNSTARTED, "cancelled")
        _free_bins(conn, fo_id)
        for line in lines_of(conn, fo_id):
            release_line_stock(uow, conn, row.warehouse_id, line.order_line_id, line.qty)
        _touch(conn, fo_id, state="cancelled", wave_id=None, batch_id=None, tote=None)
        _event(conn, "fulfillment.cancelled", fo_id, {"reason": reason[:200]})
        return get(conn, fo_id)


def move(uow: UnitOfWork, fo_id: int, warehouse_code: str) -> dict[str, Any]:
    """Ship a waiting fulfillment order from another warehouse: reserve there first (all or
    nothing, ``insufficient_stock`` names what is missing), then give back the old stock."""
    with uow.transaction() as conn:
        row = lock(conn, fo_id)
        _require(row, ("waiting",), "moved")
        target = conn.execute(select(WAREHOUSES.c.id).where(
            WAREHOUSES.c.code == warehouse_code, WAREHOUSES.c.active.is_(True))).scalar()
        if target is None:
            raise ValidationFailed.single("warehouse", warehouse_code, "no active warehouse")
        if target == row.warehouse_id:
            raise ValidationFailed.single("warehouse", warehouse_code,
                                          "is already the shipping warehouse")
        from backroom.fulfillment.allocation import reserve_line

        for line in lines_of(conn, fo_id):
            release_line_stock(uow, conn, row.warehouse_id, line.order_line_id, line.qty)
            reserve_line(uow, conn, target, line.order_line_id, line.sku_id, line.qty)
        _touch(conn, fo_id, warehouse_id=target, carrier="", service="",
               estimated_cost_minor=None)
        _event(conn, "fulfillment.moved", fo_id, {"from_warehouse_id": row.warehouse_id,
                                                  "to_warehouse_id": target})
        return get(conn, fo_id)


def split(uow: UnitOfWork, fo_id: int, take: Mapping[int, int]) -> dict[str, Any]:
    """Move ``{fulfillment line id: qty}`` into a new fulfillment order of the same warehouse
    (e.g. to ship what is here now and the rest later). Returns the new order."""
    with uow.transaction() as conn:
        row = lock(conn, fo_id)
        _require(row, ("waiting",), "split")
        lines = {r.id: r for r in lines_of(conn, fo_id)}
        problems = _split_problems(lines, take)
        if problems:
            raise ValidationFailed.of(problems)
        if all(take[i] == lines[i].qty for i in lines if i in take) and set(take) == set(lines):
            raise ValidationFailed.single("lines", dict(take), "would move every unit; "
                                          "nothing would be left to split from")
        now = clock.now()
        new_id = conn.execute(insert(FULFILLMENT_ORDERS).values(
            order_id=row.order_id, warehouse_id=row.warehouse_id, state="waiting",
            priority=row.priority, promised_date=row.promised_date, carrier=row.carrier,
            service=row.service, created_at=now, updated_at=now).returning(FO.id)).scalar_one()
        for line_id, qty in take.items():
            line = lines[line_id]
            _shrink(conn, line, qty)
            _add_lines(conn, new_id, [(line.order_line_id, line.sku_id, qty)])
        _touch(conn, fo_id)
        _event(conn, "fulfillment.split", fo_id, {"new_fulfillment_order_id": new_id,
                                                  "lines": {str(k): v for k, v in take.items()}})
        return get(conn, int(new_id))


def _split_problems(lines: Mapping[int, Any], take: Mapping[int, int]) -> list[Problem]:
    problems = []
    if not take:
        problems.append(Problem("lines", "name at least one line and quantity", {}))
    for line_id, qty in take.items():
        if line_id not in lines:
            problems.append(Problem(f"lines[{line_id}]", "is not a line of this fulfillment "
                                    "order", line_id))
        elif not isinstance(qty, int) or isinstance(qty, bool) or not 0 < qty <= lines[line_id].qty:
            problems.append(Problem(f"lines[{line_id}].qty",
                                    f"must be 1-{lines[line_id].qty}", qty))
    return problems


def _shrink(conn: Connection, line: Any, qty: int) -> None:
    if qty == line.qty:
        conn.execute(FULFILLMENT_LINES.delete().where(FL.id == line.id))
    else:
        conn.execute(update(FULFILLMENT_LINES).where(FL.id == line.id).values(qty=FL.qty - qty))


def merge(uow: UnitOfWork, fo_ids: Sequence[int]) -> dict[str, Any]:
    """Merge waiting fulfillment orders of the same order and warehouse into the first."""
    ids = sorted(set(fo_ids))
    if len(ids) < 2:
        raise ValidationFailed.single("fulfillment_order_ids", list(fo_ids),
                                      "name at least two fulfillment orders")
    with uow.transaction() as conn:
        rows = [lock(conn, i) for i in ids]
        for r in rows:
            _require(r, ("waiting",), "merged")
        if len({(r.order_id, r.warehouse_id) for r in rows}) > 1:
            raise ValidationFailed.single("fulfillment_order_ids", ids, "belong to different "
                                          "orders or warehouses; only one shipment can merge")
        keep = ids[0]
        for other in ids[1:]:
            moved = [(r.order_line_id, r.sku_id, r.qty) for r in lines_of(conn, other)]
            conn.execute(FULFILLMENT_LINES.delete().where(FL.fulfillment_order_id == other))
            _add_lines(conn, keep, moved)
            _touch(conn, other, state="cancelled")
        _touch(conn, keep)
        _event(conn, "fulfillment.merged", keep, {"merged": ids[1:]})
        return get(conn, keep)


def open_units(conn: Connection, fo_id: int) -> int:
    return int(conn.execute(select(func.coalesce(func.sum(FL.qty - FL.qty_shipped), 0))
                            .where(FL.fulfillment_order_id == fo_id)).scalar_one())
