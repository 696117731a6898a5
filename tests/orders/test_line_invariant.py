"""Property: random sequences of reserve, unreserve, ship, backorder, cancel and channel updates
keep every line's quantity = open + reserved + shipped + cancelled, match a plain model,
change nothing when refused, and keep inventory reservations equal to the reserved units —
on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backroom.core.errors import BackroomError
from backroom.db.uow import UnitOfWork
from backroom.orders import progress, services
from tests.orders.conftest import line_rows
from tests.orders.lifecyclekit import (
    api_order,
    reserve,
    reserved_in_inventory,
    ship,
    stocked,
    unreserve,
)

SKUS = ("PLAIN", "OTHER")
_ids = itertools.count(1)
n = st.integers(1, 4)
line = st.integers(0, 1)
_common = [st.tuples(st.just(op), line, n) for op in ("reserve", "unreserve", "ship",
                                                      "backorder", "cancel")]
ops = st.lists(st.one_of(*_common, *_common, st.tuples(st.just("update"), line, st.integers(0, 14)),
                         st.tuples(st.just("cancel_all"), line, n)), min_size=4, max_size=20)


@dataclass
class Line:
    qty: int
    cancelled: int = 0
    reserved: int = 0
    shipped: int = 0
    backordered: int = 0

    @property
    def open(self) -> int:
        return self.qty - self.cancelled - self.reserved - self.shipped


@dataclass
class Model:
    lines: list[Line] = field(default_factory=list)

    def final(self) -> bool:
        return all(ln.open == 0 and ln.reserved == 0 for ln in self.lines)

    def expect(self, op: str, i: int, k: int) -> bool:
        ln = self.lines[i]
        if op == "reserve" and k <= ln.open:
            ln.reserved += k
            ln.backordered -= min(k, ln.backordered)
        elif op == "unreserve" and k <= ln.reserved:
            ln.reserved -= k
        elif op == "ship" and k <= ln.open + ln.reserved:
            from_reserved = min(k, ln.reserved)
            free = ln.open - ln.backordered
            ln.backordered -= max(0, k - from_reserved - free)
            ln.reserved -= from_reserved
            ln.shipped += k
        elif op == "backorder" and k <= ln.open - ln.backordered:
            ln.backordered += k
        elif op == "cancel" and not self.final() and k <= ln.open + ln.reserved:
            self._cancel(ln, k)
        elif op == "cancel_all" and not self.final():
            for each in self.lines:
                self._cancel(each, each.open + each.reserved)
        elif op == "update":
            return self._update(i, k)
        else:
            return False
        return True

    @staticmethod
    def _cancel(ln: Line, k: int) -> None:
        from_open = min(k, ln.open)
        ln.backordered -= min(from_open, ln.backordered)
        ln.reserved -= k - from_open
        ln.cancelled += k

    def _update(self, i: int, target: int) -> bool:
        ln = self.lines[i]
        active = ln.qty - ln.cancelled
        targets = [target if j == i else x.qty - x.cancelled for j, x in enumerate(self.lines)]
        if self.final() or not any(targets) or target == active:
            return True  # applied as "unchanged" or refused by validation: no change either way
        if target > active:
            ln.qty += target - active
        elif active - target <= ln.open:
            self._cancel(ln, active - target)
        return True


def run_op(uow: UnitOfWork, order: tuple[int, str], line_ids: list[int],
           targets: list[int], op: tuple[str, int, int], stamp: int) -> None:
    """Carry out ``op`` through the services; a refused one raises and must change nothing."""
    (order_id, external), (kind, i, k) = order, op
    line_id, sku = line_ids[i], SKUS[i]
    actions = {
        "reserve": lambda: reserve(uow, line_id, sku, k),
        "unreserve": lambda: unreserve(uow, line_id, k),
        "ship": lambda: ship(uow, line_id, sku, k),
        "backorder": lambda: progress.record_backordered(uow, line_id, k),
        "cancel": lambda: services.cancel_order(uow, order_id, reason="r", actor="t",
                                                lines=[(line_id, k)]),
        "cancel_all": lambda: services.cancel_order(uow, order_id, reason="r", actor="t"),
        "update": lambda: api_order(uow, external, targets,
                                    updated_at=f"2026-11-24T10:{stamp // 60:02d}:"
                                               f"{stamp % 60:02d}Z"),
    }
    with contextlib.suppress(BackroomError):
        actions[kind]()


def check(uow: UnitOfWork, order_id: int, line_ids: list[int], model: Model) -> None:
    rows = line_rows(uow, order_id)
    for row, ln in zip(rows, model.lines, strict=True):
        parts = row.qty - row.qty_cancelled - row.qty_reserved - row.qty_shipped
        assert parts >= 0 and row.qty_backordered <= parts
        assert (row.qty, row.qty_cancelled, row.qty_reserved, row.qty_shipped,
                row.qty_backordered) == (ln.qty, ln.cancelled, ln.reserved, ln.shipped,
                                         ln.backordered)
        assert reserved_in_inventory(uow, row.id) == row.qty_reserved


def test_line_quantities_always_add_up_when_operations_run_in_any_order(uow: UnitOfWork) -> None:
    stocked(uow, units=100_000)

    @settings(max_examples=60 if uow.dialect == "sqlite" else 30, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(sequence=ops, start=st.tuples(st.integers(2, 10), st.integers(2, 10)))
    def run(sequence: list[tuple[str, int, int]], start: tuple[int, int]) -> None:
        external = f"P-{next(_ids)}"
        order_id = api_order(uow, external, list(start)).order_id
        line_ids = [ln.id for ln in line_rows(uow, order_id)]
        model = Model([Line(q) for q in start])
        warm_up = [("reserve", 0, 2), ("reserve", 1, 1)]  # so releases and ships of reserved
        for stamp, (kind, i, k) in enumerate(warm_up + sequence, start=1):  # units happen often
            targets = [k if j == i else x.qty - x.cancelled for j, x in enumerate(model.lines)]
            model.expect(kind, i, k)
            run_op(uow, (order_id, external), line_ids, targets, (kind, i, k), stamp)
            check(uow, order_id, line_ids, model)

    run()
