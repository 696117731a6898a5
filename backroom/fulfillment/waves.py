"""Waves: release waiting fulfillment orders to the floor by rule, in pick batches.

A wave takes one warehouse's waiting, unheld fulfillment orders — highest priority first,
then earliest promise, then oldest — filtered by the rule (promised on or before a cut-off
date, carriers, minimum priority, a zone all picks must lie in) until ``max_lines`` pick lines
or ``max_orders`` orders. For each it chooses bins (``bins.plan_line``) and reserves them; an
order whose units are not all in bins stays waiting and the wave says why. The chosen orders
are grouped into carts of ``totes`` (``batching.group``) and each cart's picks are put in
walking order by the exact pick-path router.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, insert, select, update

from backroom.core import clock
from backroom.core.errors import ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import batching, bins
from backroom.fulfillment.picking import Method, bin_point, layout_from_bins, plan_route
from backroom.fulfillment.picking.layout import WarehouseLayout
from backroom.fulfillment.tables import (
    FULFILLMENT_LINES,
    FULFILLMENT_ORDERS,
    PICK_BATCHES,
    PICK_TASKS,
    WAVES,
)
from backroom.inventory.layout import aisle_index
from backroom.inventory.model import LocationKind
from backroom.inventory.tables import LOCATIONS, WAREHOUSES
from backroom.orders.lifecycle import reservation_reference

FO, FL, LOC = FULFILLMENT_ORDERS.c, FULFILLMENT_LINES.c, LOCATIONS.c


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


@dataclass(frozen=True, slots=True)
class _Task:
    fo_id: int
    line_id: int
    sku_id: int
    pick: bins.BinPick


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
        chosen = _choose(conn, wh, rule, result)
        if not chosen:
            return result
        wave_id = conn.execute(insert(WAVES).values(
            warehouse_id=wh, name=name or f"{rule.warehouse}-{clock.now():%Y%m%d-%H%M%S}",
            state="open", rule=_rule_json(rule), created_at=clock.now())
            .returning(WAVES.c.id)).scalar_one()
        result.wave_id = int(wave_id)
        layout = warehouse_layout(conn, wh)
        for fo_ids in batching.group([_candidate(fo, ts) for fo, ts in chosen.items()],
                                     rule.totes):
            result.batches.append(_batch(conn, wave_id, wh, layout, rule.totes,
                                         [(fo, chosen[fo]) for fo in fo_ids]))
        record(conn, [DomainEvent("fulfillment.wave_released", {
            "wave_id": wave_id, "warehouse_id": wh, "orders": result.orders,
            "lines": result.lines, "batches": result.batches}, aggregate=f"wave:{wave_id}")])
        return result


def _rule_json(rule: WaveRule) -> dict[str, Any]:
    out = asdict(rule)
    out["cutoff"] = rule.cutoff.isoformat() if rule.cutoff else None
    out["carriers"] = list(rule.carriers)
    return out


def _queue(conn: Connection, wh: int, rule: WaveRule) -> list[Any]:
    q = (select(FO.id, FO.priority, FO.promised_date).where(
        FO.warehouse_id == wh, FO.state == "waiting", FO.hold_reason.is_(None))
        .order_by(FO.priority.desc(), FO.promised_date.is_(None), FO.promised_date, FO.id))
    if rule.cutoff is not None:
        q = q.where(FO.promised_date <= rule.cutoff)
    if rule.carriers:
        q = q.where(FO.carrier.in_(rule.carriers))
    if rule.min_priority is not None:
        q = q.where(FO.priority >= rule.min_priority)
    return list(conn.execute(q))


def _choose(conn: Connection, wh: int, rule: WaveRule,
            result: WaveResult) -> dict[int, list[_Task]]:
    chosen: dict[int, list[_Task]] = {}
    zones = _zones(conn, wh) if rule.zone else {}
    for fo in _queue(conn, wh, rule):
        if rule.max_orders is not None and len(chosen) >= rule.max_orders:
            break
        tasks, why = _plan(conn, wh, fo.id)
        if why is None and rule.zone and any(zones.get(t.pick.location_id) != rule.zone
                                             for t in tasks):
            why = f"some picks are outside zone {rule.zone}"
        if why is not None:
            result.skipped.append({"fulfillment_order_id": fo.id, "reason": why})
            continue
        if chosen and result.lines + len(tasks) > rule.max_lines:
            break  # (an order larger than max_lines still goes, alone, so it never starves)
        if not _reserve(conn, tasks):
            result.skipped.append({"fulfillment_order_id": fo.id,
                                   "reason": "bin stock was taken meanwhile"})
            continue
        chosen[fo.id] = tasks
        result.orders += 1
        result.lines += len(tasks)
    return chosen


def _plan(conn: Connection, wh: int, fo_id: int) -> tuple[list[_Task], str | None]:
    tasks: list[_Task] = []
    lines = conn.execute(select(FL.id, FL.order_line_id, FL.sku_id, FL.qty, FL.qty_picked)
                         .where(FL.fulfillment_order_id == fo_id).order_by(FL.id)).all()
    for line in lines:
        picks, short = bins.plan_line(conn, wh, line.sku_id, reservation_reference(
            line.order_line_id), line.qty - line.qty_picked)
        if short:
            return [], f"{short} units of sku id {line.sku_id} are not in a free storage bin"
        tasks.extend(_Task(fo_id, line.id, line.sku_id, p) for p in picks)
    return tasks, None


def _reserve(conn: Connection, tasks: Sequence[_Task]) -> bool:
    done: list[_Task] = []
    for t in sorted(tasks, key=lambda t: (t.sku_id, t.pick.location_id, t.pick.lot_id)):
        if not bins.reserve(conn, t.pick.location_id, t.sku_id, t.pick.lot_id, t.pick.qty):
            for d in done:
                bins.free(conn, d.pick.location_id, d.sku_id, d.pick.lot_id, d.pick.qty)
            return False
        done.append(t)
    return True


def _zones(conn: Connection, wh: int) -> dict[int, str]:
    return {r.id: r.zone for r in conn.execute(select(LOC.id, LOC.zone).where(
        LOC.warehouse_id == wh, LOC.kind == LocationKind.STORAGE.value))}


def warehouse_layout(conn: Connection, wh: int) -> WarehouseLayout:
    """The aisle layout spanned by the warehouse's storage bins (one block)."""
    coords = frozenset((r.aisle, r.bay) for r in conn.execute(
        select(LOC.aisle, LOC.bay).where(LOC.warehouse_id == wh,
                                         LOC.kind == LocationKind.STORAGE.value,
                                         LOC.aisle.is_not(None), LOC.bay.is_not(None))))
    return _layout_of(coords or frozenset({("A", 1)}))


@lru_cache(maxsize=32)  # one per warehouse layout in use; a new bin makes a new key
def _layout_of(coords: frozenset[tuple[str, int]]) -> WarehouseLayout:
    return layout_from_bins(coords)


def _candidate(fo_id: int, tasks: list[_Task]) -> batching.Candidate:
    return batching.Candidate(fo_id, tuple((aisle_index(t.pick.aisle), t.pick.bay)
                                           for t in tasks))


def _batch(conn: Connection, wave_id: int, wh: int, layout: WarehouseLayout, totes: int,
           members: list[tuple[int, list[_Task]]]) -> int:
    tasks = [(tote, t) for tote, (_, ts) in enumerate(members, start=1) for t in ts]
    route = plan_route(layout, [bin_point(layout, t.pick.aisle, t.pick.bay) for _, t in tasks],
                       Method.AUTO)
    batch_id = conn.execute(insert(PICK_BATCHES).values(
        wave_id=wave_id, warehouse_id=wh, state="open", totes=totes,
        route_method=route.method.value, route_length_m=round(route.length, 2), picker="",
        created_at=clock.now()).returning(PICK_BATCHES.c.id)).scalar_one()
    rows = [{"batch_id": batch_id, "fulfillment_line_id": t.line_id, "tote": tote, "seq": seq,
             "location_id": t.pick.location_id, "sku_id": t.sku_id, "lot_id": t.pick.lot_id,
             "qty": t.pick.qty, "qty_picked": 0, "qty_short": 0, "state": "open"}
            for seq, (tote, t) in enumerate((tasks[i] for i in route.order), start=1)]
    conn.execute(insert(PICK_TASKS), rows)
    for tote, (fo_id, _) in enumerate(members, start=1):
        conn.execute(update(FULFILLMENT_ORDERS).where(FO.id == fo_id).values(
            state="released", wave_id=wave_id, batch_id=batch_id, tote=tote,
            updated_at=clock.now()))
    return int(batch_id)
