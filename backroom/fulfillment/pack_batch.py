"""Packing many picked fulfillment orders as cartonization proposes: the one code path of
"pack as proposed" (``pack_accept.pack_as_proposed`` is a batch of one).

Per chunk of fulfillment orders, in one transaction (joined if one is open): their rows
(locked in id order on PostgreSQL), lines with products, existing cartons and, for lot-tracked
SKUs, the lots at the pack station are read with a few ``IN`` queries; each order is checked
and proposed in turn (``pack_plan.Planner``: rate quotes and identical proposals shared by the
whole call); then the chunk is written set-based — stale proposed cartons deleted, the cartons
inserted sealed and weighed, their items, the lines' packed counts and the orders' state each
by one executemany, and the ``fulfillment.packed`` events as one list.

The outcome per order is what proposing, scanning each SKU of each carton and sealing it one
order at a time gives: the same cartons, contents, weights, events and refusals. An order that
cannot be packed (missing, not picked, on hold, nothing to pack, sizes missing, packing
started by hand, a tracked SKU whose lot is not certain) is reported with its error and the
rest go on; if the chunk's write fails anyway, its orders are packed one at a time, each in
its own savepoint, so only the one at fault fails.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, delete, exists, func, select, update

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.errors import BackroomError, NotFound, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.bulk import insert_ids, insert_rows, prepared
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fo_queries as q
from backroom.fulfillment.pack_plan import Catalog, Planner, Proposal, Route, items_of
from backroom.fulfillment.packing import Box
from backroom.fulfillment.packing_service import no_boxes, no_units, packing_started
from backroom.fulfillment.scanning import PACK_LOTS, only_lot
from backroom.fulfillment.tables import (
    CARTON_ITEMS,
    CARTONS,
    FULFILLMENT_LINES,
    FULFILLMENT_ORDERS,
)
from backroom.inventory.tables import WAREHOUSES
from backroom.orders.tables import ORDERS

CHUNK = 200  # fulfillment orders per transaction
FO, FL, C, CI, P, OC = q.FO, q.FL, q.C, q.CI, q.P, q.OC
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)


@dataclass
class PackBatchResult:
    """``proposals``: per fulfillment order packed, the proposal it was packed as;
    ``failed``: ``{fulfillment_order_id, code, message}`` per one that was not (its error in
    ``errors``)."""

    proposals: list[Proposal] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[int, BackroomError] = field(default_factory=dict, repr=False)

    @property
    def packed(self) -> list[dict[str, Any]]:
        """Each packed order's proposal as ``pack_as_proposed`` answers it (built on use)."""
        return [p.view() for p in self.proposals]

    def summary(self) -> dict[str, Any]:
        """Counts and per-order outcomes without the placements (for the CLI and API)."""
        return {"packed_count": len(self.proposals), "failed_count": len(self.failed),
                "packed": [p.brief() for p in self.proposals], "failed": self.failed}


@dataclass
class _Chunk:
    done: dict[int, Proposal] = field(default_factory=dict)
    failed: dict[int, BackroomError] = field(default_factory=dict)


@dataclass
class _Plan:
    """One order ready to write: its row, lines, proposal and the cartons' numbers."""

    row: Any
    lines: list[Any]
    lots: dict[str, int]  # sku -> lot id of the scans (0: not tracked)
    proposal: Proposal
    cartons: list[tuple[int, Box, dict[str, int], int]]  # ``Proposal.cartons``
    box_ids: dict[str, int]
    stale: bool  # has cartons to drop (unused proposals, empty ones opened by hand)


def pack_many_as_proposed(uow: UnitOfWork, fo_ids: Sequence[int], *, chunk: int = CHUNK,
                          progress: Callable[[int], None] | None = None) -> PackBatchResult:
    """Pack each picked fulfillment order of ``fo_ids`` into the cartons cartonization
    proposes, seal them (``packed``); a chunk of ``chunk`` orders per transaction.
    ``progress`` is called with the number of orders done after each chunk."""
    planner = Planner(uow)
    unique = list(dict.fromkeys(fo_ids))
    outcome = _Chunk()
    for start in range(0, len(unique), max(1, chunk)):
        ids = unique[start:start + max(1, chunk)]
        part = _pack_chunk(uow, planner, ids)
        outcome.done.update(part.done)
        outcome.failed.update(part.failed)
        if progress is not None:
            progress(len(ids))
    return _result(fo_ids, outcome)


def packable_ids(uow: UnitOfWork, *, warehouse: str | None = None,
                 wave: int | None = None) -> list[int]:
    """The picked fulfillment orders not on hold, oldest first; only ``warehouse``'s (code)
    or ``wave``'s when given (``NotFound`` for an unknown one)."""
    with uow.read() as conn:
        return q.ids_in_state(conn, "picked", warehouse=warehouse, wave=wave)


def _result(fo_ids: Sequence[int], outcome: _Chunk) -> PackBatchResult:
    out = PackBatchResult()
    seen: set[int] = set()
    for fo_id in fo_ids:
        err = outcome.failed.get(fo_id)
        if fo_id in seen and err is None:  # packed by its first mention
            err = _already_packed(fo_id)
        if err is not None:
            out.errors.setdefault(fo_id, err)
            out.failed.append({"fulfillment_order_id": fo_id, "code": err.code,
                               "message": str(err)})
        else:
            out.proposals.append(outcome.done[fo_id])
        seen.add(fo_id)
    return out


def _pack_chunk(uow: UnitOfWork, planner: Planner, ids: list[int]) -> _Chunk:
    with uow.transaction() as conn:
        try:
            with conn.begin_nested():
                return _chunk(conn, planner, ids)
        except BackroomError:
            pass
        out = _Chunk()  # something unexpected: one at a time, only the bad one fails
        for fo_id in ids:
            try:
                with conn.begin_nested():
                    one = _chunk(conn, planner, [fo_id])
            except BackroomError as err:
                one = _Chunk(failed={fo_id: err})
            out.done.update(one.done)
            out.failed.update(one.failed)
        return out


def _chunk(conn: Connection, planner: Planner, ids: list[int]) -> _Chunk:
    out = _Chunk()
    rows = _lock(conn, ids)
    lines: dict[int, list[Any]] = defaultdict(list)
    for line in conn.execute(_LINES, {"ids": list(rows)}):
        lines[line.fulfillment_order_id].append(line)
    cartons: dict[int, list[Any]] = defaultdict(list)
    for carton in conn.execute(_CARTONS, {"ids": list(rows)}):
        cartons[carton.fulfillment_order_id].append(carton)
    catalog: Catalog | BackroomError | None = None
    plans: dict[int, tuple[Any, list[Any], Any]] = {}
    for fo_id in ids:
        try:
            row = rows.get(fo_id)
            if row is None:
                raise NotFound(f"no fulfillment order {fo_id}",
                               data={"fulfillment_order_id": fo_id})
            q.require(row, ("picked",), "packed")
            items = items_of(lines[fo_id])
            if catalog is None:
                catalog = _catalog(conn, planner)
            if isinstance(catalog, BackroomError):
                raise catalog
            plans[fo_id] = (row, items, catalog)
        except BackroomError as err:
            out.failed[fo_id] = err
    lots = _pack_lots(conn, [(p[0], lines[i]) for i, p in plans.items()])
    ready: list[_Plan] = []
    for fo_id, (row, items, found) in plans.items():
        try:
            ready.append(_plan(planner, row, lines[fo_id], items, found, cartons[fo_id], lots))
        except BackroomError as err:
            out.failed[fo_id] = err
    _write(conn, ready)
    out.done.update({p.row.id: p.proposal for p in ready})
    return out


def _catalog(conn: Connection, planner: Planner) -> Catalog | BackroomError:
    try:
        return planner.catalog(conn)
    except BackroomError as err:  # every order of the chunk is refused with it
        return err


def _plan(planner: Planner, row: Any, lines: list[Any], items: list[Any], catalog: Catalog,
          cartons: list[Any], lots: dict[tuple[int, str], list[Any]]) -> _Plan:
    """Propose, then check what proposing and scanning one order at a time would check."""
    fo_id = row.id
    if not items:
        raise no_units(fo_id)
    if not catalog.boxes:
        raise no_boxes()
    route = Route(row.warehouse, row.ship_country, row.ship_postal_code, row.promise)
    packing, model = planner.propose(route, items, catalog)
    started = [c.carton_no for c in cartons if c.filled or c.state != "open"]
    if started:
        raise packing_started(fo_id, started)
    # Numbered after the cartons opened by hand (all empty), which sealing the last drops.
    first = max((c.carton_no for c in cartons if not c.proposed), default=0) + 1
    proposal = Proposal(fo_id, packing, first, catalog.currency, model)
    boxes = proposal.cartons()
    tracking = {ln.sku: ln.tracking for ln in lines}
    lot_of: dict[str, int] = {}
    for _, _, skus, _ in boxes:
        for sku, qty in skus.items():
            if qty > 10_000:  # what one scan of qty may carry
                raise ValidationFailed.single("qty", qty, "must be a whole number from 1 to "
                                              "10000")
            if sku not in lot_of:
                lot_of[sku] = 0 if tracking[sku] == "none" else only_lot(
                    lots.get((row.warehouse_id, sku), []), sku, tracking[sku], fo_id, sku)
    return _Plan(row, lines, lot_of, proposal, boxes, catalog.ids, bool(cartons))


def _lock(conn: Connection, ids: list[int]) -> dict[int, Any]:
    """The orders' rows with route and promise, locked in id order (PostgreSQL)."""
    stmt = _HEAD_LOCKED if conn.dialect.name == "postgresql" else _HEAD
    return {r.id: r for r in conn.execute(stmt, {"ids": sorted(ids)})}


def _pack_lots(conn: Connection, todo: list[tuple[Any, list[Any]]]
               ) -> dict[tuple[int, str], list[Any]]:
    """Lots at the pack station per (warehouse, SKU), for the tracked SKUs to pack."""
    wanted = {(row.warehouse_id, ln.sku_id): ln.sku for row, lines in todo for ln in lines
              if ln.tracking != "none" and ln.qty_picked > ln.qty_packed}
    if not wanted:
        return {}
    found: dict[tuple[int, str], list[Any]] = defaultdict(list)
    rows = conn.execute(PACK_LOTS, {"warehouses": sorted({w for w, _ in wanted}),
                                    "skus": sorted({s for _, s in wanted})})
    for r in rows:
        if (r.warehouse_id, r.sku_id) in wanted:
            found[(r.warehouse_id, wanted[(r.warehouse_id, r.sku_id)])].append(r)
    return found


def _write(conn: Connection, plans: list[_Plan]) -> None:
    """Cartons sealed with their contents, lines packed, orders packed, events."""
    if not plans:
        return
    now = clock.now()
    stale = [p.row.id for p in plans if p.stale]
    if stale:  # unused proposals and cartons opened by hand but left empty
        conn.execute(delete(CARTONS).where(C.fulfillment_order_id.in_(stale)))
    carton_ids = iter(insert_ids(conn, CARTONS, [
        {"fulfillment_order_id": p.row.id, "carton_no": number, "box_id": p.box_ids[box.code],
         "state": "sealed", "proposed": True, "weight_g": grams, "created_at": now,
         "sealed_at": now}
        for p in plans for number, box, _, grams in p.cartons]))
    items: list[dict[str, Any]] = []
    packed: list[dict[str, Any]] = []
    events = []
    for p in plans:
        left = {ln.id: ln.qty_picked - ln.qty_packed for ln in p.lines}
        for _, _, skus, _ in p.cartons:
            items += _carton_items(next(carton_ids), skus, p, left)
        units = 0
        for ln in p.lines:
            taken = ln.qty_picked - ln.qty_packed - left[ln.id]
            units += ln.qty_packed + taken - ln.qty_shipped
            if taken:
                packed.append({"line_id": ln.id, "taken": taken})
        events.append(DomainEvent("fulfillment.packed", {
            "fulfillment_order_id": p.row.id, "order_id": p.row.order_id,
            "cartons": [number for number, *_ in p.cartons], "units": units},
            aggregate=f"fulfillment:{p.row.id}"))
    insert_rows(conn, CARTON_ITEMS, items)
    prepared(("pack_batch", "lines"), lambda: update(FULFILLMENT_LINES).where(
        FL.id == bindparam("line_id")).values(qty_packed=FL.qty_packed + bindparam("taken"))
    ).executemany(conn, packed)
    prepared(("pack_batch", "orders"), lambda: update(FULFILLMENT_ORDERS).where(
        FO.id == bindparam("fo_id")).values(state="packed", updated_at=bindparam("now"))
    ).executemany(conn, [{"fo_id": p.row.id, "now": now} for p in plans])
    record(conn, events)


def _carton_items(carton_id: int, skus: dict[str, int], plan: _Plan,
                  left: dict[int, int]) -> list[dict[str, Any]]:
    """What scanning each SKU's units into the carton puts there: the product's lines
    filled in order (``left``: units of each line not packed yet, updated)."""
    out = []
    for sku, want in skus.items():
        for ln in plan.lines:
            if ln.sku != sku or left[ln.id] <= 0:
                continue
            take = min(want, left[ln.id])
            left[ln.id] -= take
            want -= take
            out.append({"carton_id": carton_id, "fulfillment_line_id": ln.id,
                        "sku_id": ln.sku_id, "lot_id": plan.lots[sku], "qty": take})
            if want == 0:
                break
    return out


def _already_packed(fo_id: int) -> BackroomError:
    """What packing an order again (named twice in one call) is refused with."""
    try:
        q.require(_Row(fo_id, "packed", None), ("picked",), "packed")
    except BackroomError as err:
        return err
    raise AssertionError("a packed order is never packable")


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    state: str
    hold_reason: str | None


_HEAD = (select(FO.id, FO.order_id, FO.warehouse_id, FO.state, FO.hold_reason,
                WAREHOUSES.c.code.label("warehouse"), OC.ship_country, OC.ship_postal_code,
                func.coalesce(FO.promised_date, OC.promised_date).label("promise"))
         .join(ORDERS, OC.id == FO.order_id).join(WAREHOUSES, WAREHOUSES.c.id == FO.warehouse_id)
         .where(FO.id.in_(_IDS)).order_by(FO.id))
_HEAD_LOCKED = _HEAD.with_for_update(of=FULFILLMENT_ORDERS)
_LINES = (select(FL.id, FL.fulfillment_order_id, FL.sku_id, FL.qty_picked, FL.qty_packed,
                 FL.qty_shipped, P.sku, P.length_mm, P.width_mm, P.height_mm, P.weight_g,
                 P.tracking)
          .join(PRODUCTS, P.id == FL.sku_id).where(FL.fulfillment_order_id.in_(_IDS))
          .order_by(FL.id))
_CARTONS = select(C.fulfillment_order_id, C.carton_no, C.state, C.proposed,
                  exists().where(CI.carton_id == C.id).label("filled")
                  ).where(C.fulfillment_order_id.in_(_IDS))
