"""Plan a wave's picks in memory: which bins each fulfillment order's lines take from.

The free units of the warehouse's storage bins are read once per SKU (``BinBook``) and kept
current as orders take them, so every order sees what the orders before it in the queue left,
exactly as if each had been reserved on its own before the next was planned. The lines and the
lots their warehouse reservations hold are read for many orders at once. Nothing is written
here: ``waves`` reserves what was planned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Connection, bindparam, select

from backroom.fulfillment import bins
from backroom.fulfillment.tables import FULFILLMENT_LINES

FL = FULFILLMENT_LINES.c

_LINES = (select(FL.fulfillment_order_id, FL.id, FL.order_line_id, FL.sku_id,
                 (FL.qty - FL.qty_picked).label("left"))
          .where(FL.fulfillment_order_id.in_(bindparam("fos", expanding=True)))
          .order_by(FL.id))


@dataclass(frozen=True, slots=True)
class Task:
    fo_id: int
    line_id: int
    sku_id: int
    pick: bins.BinPick

    @property
    def hold(self) -> bins.Hold:
        return (self.pick.location_id, self.sku_id, self.pick.lot_id, self.pick.qty)


@dataclass(frozen=True, slots=True)
class Line:
    id: int
    order_line_id: int
    sku_id: int
    left: int  # units still to pick


class BinBook:
    """Free units on one warehouse's storage bins per (SKU, lot), kept current in memory."""

    def __init__(self, conn: Connection, warehouse_id: int) -> None:
        self._conn, self._wh = conn, warehouse_id
        self._bins: dict[tuple[int, int], dict[int, bins.BinStock]] = {}
        self._loaded: set[int] = set()
        self.zones: dict[int, str] = {}

    def reset(self) -> None:
        """Forget what was read: the next ``load`` reads the database again."""
        self._bins.clear()
        self._loaded.clear()

    def load(self, sku_ids: Iterable[int]) -> None:
        """Read the free bins of the SKUs not read yet (one query per 500 SKUs)."""
        missing = set(sku_ids) - self._loaded
        if not missing:
            return
        for key, stock in bins.free_bins(self._conn, self._wh, missing).items():
            self._bins[key] = {b.location_id: b for b in stock}
            self.zones.update((b.location_id, b.zone) for b in stock)
        self._loaded |= missing

    def stock(self, sku_id: int, lot_id: int) -> list[bins.BinStock]:
        return [b for b in self._bins.get((sku_id, lot_id), {}).values() if b.free > 0]

    def take(self, tasks: Sequence[Task], sign: int = 1) -> None:
        """Count the tasks' units as no longer free (``sign=-1``: give them back)."""
        for t in tasks:
            row = self._bins[(t.sku_id, t.pick.lot_id)]
            b = row[t.pick.location_id]
            row[t.pick.location_id] = replace(b, free=b.free - sign * t.pick.qty)


def lines_of(conn: Connection, fo_ids: Sequence[int]) -> dict[int, list[Line]]:
    """The lines of many fulfillment orders, in line order."""
    out: dict[int, list[Line]] = defaultdict(list)
    for part in bins.chunks(fo_ids):
        for r in conn.execute(_LINES, {"fos": part}):
            out[r.fulfillment_order_id].append(Line(r.id, r.order_line_id, r.sku_id, r.left))
    return out


def plan_line(book: BinBook, held: Sequence[tuple[int, int]], sku_id: int,
              qty: int) -> tuple[list[bins.BinPick], int]:
    """Bins for ``qty`` units of an order line's reserved lots; returns (picks, short)."""
    picks: list[bins.BinPick] = []
    left = qty
    for lot_id, units in held:
        if left == 0:
            break
        for b, take in bins.choose_bins(book.stock(sku_id, lot_id), min(left, units)):
            picks.append(bins.BinPick(b.location_id, b.code, b.aisle, b.bay, lot_id, take))
            left -= take
    return picks, left


def plan_order(book: BinBook, held: dict[int, list[tuple[int, int]]], fo_id: int,
               lines: Sequence[Line]) -> tuple[list[Task], str | None]:
    """Tasks for every line of one order, taken from ``book``; or why it cannot go (then
    nothing is taken)."""
    tasks: list[Task] = []
    for line in lines:
        picks, short = plan_line(book, held.get(line.order_line_id, ()), line.sku_id,
                                 line.left)
        planned = [Task(fo_id, line.id, line.sku_id, p) for p in picks]
        book.take(planned)
        tasks.extend(planned)
        if short:
            book.take(tasks, -1)
            return [], f"{short} units of sku id {line.sku_id} are not in a free storage bin"
    return tasks, None
