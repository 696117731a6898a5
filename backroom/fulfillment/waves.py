"""Waves: release waiting fulfillment orders to the floor by rule, in pick batches.

A wave takes one warehouse's waiting, unheld fulfillment orders — highest priority first,
then earliest promise, then oldest — filtered by the rule (promised on or before a cut-off
date, carriers, minimum priority, a zone all picks must lie in) until ``max_lines`` pick lines
or ``max_orders`` orders. For each it chooses bins (``wave_plan``: the bins are read once and
kept current in memory, so each order sees what the ones before it left) and the whole wave's
bins are reserved with one guarded executemany; should another writer have taken bin stock
meanwhile, the wave plans and reserves order by order from fresh reads instead. An order whose
units are not all in bins stays waiting and the wave says why. The chosen orders are grouped
into carts of ``totes`` (``batching.group``), each cart's picks are put in walking order by
the exact pick-path router and the batches, tasks and orders are written set-based
(``wave_write``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, func, insert, select

from backroom.core import clock
from backroom.core.errors import ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import batching, bins, wave_plan, wave_write
from backroom.fulfillment.picking import layout_from_bins
from backroom.fulfillment.picking.layout import WarehouseLayout
from backroom.fulfillment.tables import FULFILLMENT_ORDERS, WAVES
from backroom.fulfillment.wave_plan import Task
from backroom.inventory.layout import aisle_index
from backroom.inventory.model import LocationKind
from backroom.inventory.tables import LOCATIONS, WAREHOUSES

CHUNK = 500  # waiting orders planned per read of their lines, lots and bins
FO, LOC = FULFILLMENT_ORDERS.c, LOCATIONS.c


@dataclass(frozen=True, slots=True)
class WaveRule:
    warehouse: str
    cutoff: date | None = None  # only orders promised on or before this day
    carriers: tuple[str, ...] = ()
    min_priority: int | None = None
    zone: str | None = None
    max_lines: int = 500
    max_orders: int | None = None
    totes: int = 8  # per cart

    def problems(self) -> list[tuple[str, Any, str]]:
        out = []
        if self.max_lines < 1:
            out.append(("max_lines", self.max_lines, "must be at least 1"))
        if self.max_orders is not None and self.max_orders < 1:
            out.append(("max_orders", self.max_orders, "must be at least 1"))
        if not 1 <= self.totes <= 64:
            out.append(("totes", self.totes, "must be 1-64"))
        return out


@dataclass
class WaveResult:
    wave_id: int | None
    orders: int = 0
    lines: int = 0
    batches: list[int] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def create_wave(uow: UnitOfWork, rule: WaveRule, *, name: str = "") -> WaveResult:
    """Release a wave by ``rule``; returns what was released and what was skipped (why)."""
    if rule.problems():
        from backroom.core.errors import Problem

        raise ValidationFailed.of([Problem(f, m, v) for f, v, m in rule.problems()])
    with uow.transaction() as conn:
        wh = conn.execute(select(WAREHOUSES.c.id).where(WAREHOUSES.c.code == rule.warehouse)
                          ).scalar()
        if wh is None:
            raise ValidationFailed.single("warehouse", rule.warehouse, "no such warehouse")
        result = WaveResult(None)
        chosen = _choose(conn, wh, rule, result, one_by_one=False)
        if not bins.reserve_many(conn, [t.hold for ts in chosen.values() for t in ts]):
            # Another writer took bin stock since it was read: plan and reserve each order
            # on its own, from fresh reads, so only the orders that lost their bins wait.
            result = WaveResult(None)
            chosen = _choose(conn, wh, rule, result, one_by_one=True)
        if not chosen:
            return result
        wave_id = conn.execute(insert(WAVES).values(
            warehouse_id=wh, name=name or f"{rule.warehouse}-{clock.now():%Y%m%d-%H%M%S}",
            state="open", rule=_rule_json(rule), created_at=clock.now())
            .returning(WAVES.c.id)).scalar_one()
        result.wave_id = int(wave_id)
        groups = batching.group([_candidate(fo, ts) for fo, ts in chosen.items()], rule.totes)
        result.batches = wave_write.write_batches(
            conn, wave_id, wh, warehouse_layout(conn, wh), rule.totes,
            [[(fo, chosen[fo]) for fo in fo_ids] for fo_ids in groups])
        record(conn, [DomainEvent("fulfillment.wave_released", {
            "wave_id": wave_id, "warehouse_id": wh, "orders": result.orders,
            "lines": result.lines, "batches": result.batches}, aggregate=f"wave:{wave_id}")])
        return result


def _rule_json(rule: WaveRule) -> dict[str, Any]:
    out = asdict(rule)
    out["cutoff"] = rule.cutoff.isoformat() if rule.cutoff else None
    out["carriers"] = list(rule.carriers)
    return out


def _queue(conn: Connection, wh: int, rule: WaveRule) -> list[int]:
    q = (select(FO.id).where(
        FO.warehouse_id == wh, FO.state == "waiting", FO.hold_reason.is_(None))
        .order_by(FO.priority.desc(), FO.promised_date.is_(None), FO.promised_date, FO.id))
    if rule.cutoff is not None:
        q = q.where(FO.promised_date <= rule.cutoff)
    if rule.carriers:
        q = q.where(FO.carrier.in_(rule.carriers))
    if rule.min_priority is not None:
        q = q.where(FO.priority >= rule.min_priority)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)  # a concurrent wave takes other orders
    return list(conn.execute(q).scalars())


def _choose(conn: Connection, wh: int, rule: WaveRule, result: WaveResult, *,
            one_by_one: bool) -> dict[int, list[Task]]:
    """Walk the queue, planning each order's bins against what the orders before it left.

    Batch mode reads the queue's lines, lots and bins a chunk at a time and reserves nothing
    (the caller reserves everything at once); ``one_by_one`` reads afresh for each order and
    reserves it before the next, so an order whose bins were taken meanwhile is skipped.
    """
    chosen: dict[int, list[Task]] = {}
    queue = _queue(conn, wh, rule)
    book = wave_plan.BinBook(conn, wh)
    start = 0
    while start < len(queue):
        part = queue[start:start + (1 if one_by_one else _chunk(rule, result))]
        start += len(part)
        lines = wave_plan.lines_of(conn, part)
        held = bins.held_lots(conn, wh, {ln.order_line_id for ls in lines.values() for ln in ls})
        if one_by_one:
            book.reset()
        book.load({ln.sku_id for ls in lines.values() for ln in ls})
        for fo_id in part:
            if rule.max_orders is not None and len(chosen) >= rule.max_orders:
                return chosen
            tasks, why = wave_plan.plan_order(book, held, fo_id, lines.get(fo_id, []))
            if why is None and rule.zone and any(book.zones.get(t.pick.location_id)
                                                 != rule.zone for t in tasks):
                why = f"some picks are outside zone {rule.zone}"
            if why is None and chosen and result.lines + len(tasks) > rule.max_lines:
                return chosen  # (an order larger than max_lines still goes, alone)
            if why is None and one_by_one and not bins.reserve_many(
                    conn, [t.hold for t in tasks]):
                why = "bin stock was taken meanwhile"
            if why is not None:
                book.take(tasks, -1)
                result.skipped.append({"fulfillment_order_id": fo_id, "reason": why})
                continue
            chosen[fo_id] = tasks
            result.orders += 1
            result.lines += len(tasks)
    return chosen


def _chunk(rule: WaveRule, result: WaveResult) -> int:
    """Orders to read at once: enough for what the rule still allows, at most CHUNK."""
    room = rule.max_lines - result.lines + 1
    if rule.max_orders is not None:
        room = min(room, rule.max_orders - result.orders + 1)
    return max(1, min(CHUNK, room))


def warehouse_layout(conn: Connection, wh: int) -> WarehouseLayout:
    """The aisle layout spanned by the warehouse's storage bins (one block)."""
    coords = frozenset((r.aisle, r.bay) for r in conn.execute(
        select(LOC.aisle, func.max(LOC.bay).label("bay"))
        .where(LOC.warehouse_id == wh, LOC.kind == LocationKind.STORAGE.value,
               LOC.aisle.is_not(None), LOC.bay.is_not(None)).group_by(LOC.aisle)))
    return _layout_of(coords or frozenset({("A", 1)}))


@lru_cache(maxsize=32)  # one per warehouse layout in use; a deeper bay or new aisle makes a new key
def _layout_of(coords: frozenset[tuple[str, int]]) -> WarehouseLayout:
    return layout_from_bins(coords)


def _candidate(fo_id: int, tasks: list[Task]) -> batching.Candidate:
    return batching.Candidate(fo_id, tuple((aisle_index(t.pick.aisle), t.pick.bay)
                                           for t in tasks))
