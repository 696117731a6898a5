"""Property test: random sequences of stock operations keep every invariant, on both databases.

A plain-Python model predicts whether each operation must succeed (enough free stock, nothing
reserved for others taken) and what every level is afterwards; the real services must agree,
a refused operation must change nothing, and ``audit`` must stay clean.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text

from backroom.catalog.tables import PRODUCTS
from backroom.core.errors import BackroomError
from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory import transfers
from backroom.inventory.audit import run_audit
from backroom.inventory.errors import InsufficientStock
from backroom.inventory.tables import LEVELS, LOCATIONS
from tests.inventory.store import build_store
from tests.pgserver import PgServer

WH = {"WH1": ["WH1-INPUT", "WH1-A-01-1"], "WH2": ["WH2-INPUT"]}
QUARANTINE = {"WH1": "WH1-QUARANTINE", "WH2": "WH2-QUARANTINE"}
SKUS = ["PLAIN", "PLAIN", "PLAIN", "OTHER"]  # weighted: collisions find the bugs
REFS = ["SO-1", "SO-2"]


def wh_of(loc: str) -> str:
    return loc.split("-")[0]


sellable_locs = st.sampled_from(["WH1-INPUT", "WH1-INPUT", "WH1-A-01-1", "WH2-INPUT"])
any_phys = st.sampled_from([loc for locs in WH.values() for loc in locs] + list(QUARANTINE.values()))
qty = st.integers(1, 8)
whs = st.sampled_from(["WH1", "WH1", "WH1", "WH2"])
ops = st.lists(st.one_of(
    st.tuples(st.just("receive"), whs, st.sampled_from(SKUS), qty,
              st.integers(0, 999)),
    st.tuples(st.just("move"), st.sampled_from(SKUS), qty, any_phys, any_phys),
    st.tuples(st.just("reserve"), whs, st.sampled_from(SKUS), qty,
              st.sampled_from(REFS)),
    st.tuples(st.just("release"), st.sampled_from(REFS)),
    st.tuples(st.just("ship"), st.sampled_from(SKUS), qty, sellable_locs,
              st.sampled_from([*REFS, ""])),
    st.tuples(st.just("ship"), st.sampled_from(SKUS), qty, sellable_locs,
              st.sampled_from([*REFS, ""])),
    st.tuples(st.just("adjust"), any_phys, st.sampled_from(SKUS),
              st.integers(-8, 8).filter(bool)),
    st.tuples(st.just("transfer"), sellable_locs, st.sampled_from(SKUS), qty),
    st.tuples(st.just("arrive"), st.integers(0, 5)),
), min_size=5, max_size=30)


class Model:
    """What the ledger should hold: on hand per (location, sku), open reservations per ref."""

    def __init__(self) -> None:
        self.on_hand: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.res: defaultdict[tuple[str, str, str], int] = defaultdict(int)  # (ref, wh, sku)
        self.in_transit: list[tuple[int, str, str, int]] = []  # transfer id, wh, sku, qty

    def sellable(self, wh: str, sku: str) -> int:
        return sum(self.on_hand[(loc, sku)] for loc in WH[wh])

    def reserved(self, wh: str, sku: str) -> int:
        return sum(q for (_, w, s), q in self.res.items() if (w, s) == (wh, sku))

    def can_take(self, loc: str, sku: str, n: int, consumed: int = 0) -> bool:
        """Can ``n`` units leave the warehouse's stock from ``loc``?"""
        if self.on_hand[(loc, sku)] < n:
            return False
        if loc in QUARANTINE.values():
            return True
        wh = wh_of(loc)
        return self.sellable(wh, sku) - n >= self.reserved(wh, sku) - consumed


def apply(uow: UnitOfWork, model: Model, op: tuple) -> None:  # type: ignore[type-arg]
    kind = op[0]
    if kind == "receive":
        _, wh, sku, n, cost = op
        inv.receive(uow, wh, [inv.ReceiptLine(sku, n, Decimal(cost) / 100)])
        model.on_hand[(f"{wh}-INPUT", sku)] += n
    elif kind == "move":
        _, sku, n, src, dst = op
        if wh_of(src) != wh_of(dst) or src == dst:
            with pytest.raises(BackroomError):
                inv.move(uow, sku, n, src, dst)
            return
        leaves_sellable = src not in QUARANTINE.values() and dst in QUARANTINE.values()
        ok = model.can_take(src, sku, n) if leaves_sellable else model.on_hand[(src, sku)] >= n
        expect(ok, lambda: inv.move(uow, sku, n, src, dst))
        if ok:
            model.on_hand[(src, sku)] -= n
            model.on_hand[(dst, sku)] += n
    elif kind == "reserve":
        _, wh, sku, n, ref = op
        ok = model.sellable(wh, sku) - model.reserved(wh, sku) >= n
        expect(ok, lambda: inv.reserve(uow, wh, sku, n, ref))
        if ok:
            model.res[(ref, wh, sku)] += n
    elif kind == "release":
        ref = op[1]
        if any(q for (r, _, _), q in model.res.items() if r == ref):
            inv.release(uow, reference=ref)
            for key in [k for k in model.res if k[0] == ref]:
                del model.res[key]
        else:
            with pytest.raises(BackroomError):
                inv.release(uow, reference=ref)
    elif kind == "ship":
        _, sku, n, src, ref = op
        consumed = min(n, model.res[(ref, wh_of(src), sku)]) if ref else 0
        ok = model.can_take(src, sku, n, consumed)
        expect(ok, lambda: inv.ship(uow, sku, n, src, reference=ref))
        if ok:
            model.on_hand[(src, sku)] -= n
            if consumed:
                model.res[(ref, wh_of(src), sku)] -= consumed
    elif kind == "adjust":
        _, loc, sku, delta = op
        ok = delta > 0 or model.can_take(loc, sku, -delta)
        expect(ok, lambda: inv.adjust(uow, loc, sku, delta, reason="count"))
        if ok:
            model.on_hand[(loc, sku)] += delta
    elif kind == "transfer":
        _, src, sku, n = op
        dest = "WH2" if wh_of(src) == "WH1" else "WH1"
        ok = model.can_take(src, sku, n)
        out = expect(ok, lambda: transfers.dispatch(uow, src, dest,
                                                    [inv.TransferLineSpec(sku, n)]))
        if ok:
            model.on_hand[(src, sku)] -= n
            model.in_transit.append((out.extra["transfer_id"], dest, sku, n))
    elif kind == "arrive" and model.in_transit:
        tid, dest, sku, n = model.in_transit.pop(op[1] % len(model.in_transit))
        transfers.receive(uow, tid)
        model.on_hand[(f"{dest}-INPUT", sku)] += n


def expect(ok: bool, call):  # type: ignore[no-untyped-def]
    if ok:
        return call()
    with pytest.raises(InsufficientStock):
        call()
    return None


def physical_levels(uow: UnitOfWork) -> dict[tuple[str, str], int]:
    with uow.read() as conn:
        rows = conn.execute(select(LOCATIONS.c.code, PRODUCTS.c.sku, LEVELS.c.on_hand)
                            .join(LOCATIONS, LOCATIONS.c.id == LEVELS.c.location_id)
                            .join(PRODUCTS, PRODUCTS.c.id == LEVELS.c.sku_id)
                            .where(LEVELS.c.physical.is_(True), LEVELS.c.on_hand != 0)).all()
    return {(r.code, r.sku): r.on_hand for r in rows}


@contextmanager
def fresh_db(kind: str, template: Path, server: PgServer | None) -> Iterator[UnitOfWork]:
    if kind == "sqlite":
        folder = tempfile.mkdtemp()
        shutil.copy(template, os.path.join(folder, "db.sqlite"))
        uow = UnitOfWork(make_engine(f"sqlite:///{folder}/db.sqlite"))
        try:
            yield uow
        finally:
            uow.engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)
        return
    assert server is not None
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    name = f"prop_{os.getpid()}_{next(_n)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE backroom_template'))
    uow = UnitOfWork(make_engine(server.url_for(name), pool_size=2))
    try:
        yield uow
    finally:
        uow.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


_n = iter(range(10**9))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_random_operations_keep_invariants_when_run_in_any_order(
        kind: str, request: pytest.FixtureRequest, sqlite_template: Path) -> None:
    server = request.getfixturevalue("pg_server") if kind == "postgresql" else None
    if kind == "postgresql" and server is None:
        pytest.skip("PostgreSQL server binaries not installed")

    @settings(max_examples=60 if kind == "sqlite" else 25, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(sequence=ops)
    def run(sequence: list[tuple]) -> None:  # type: ignore[type-arg]
        with fresh_db(kind, sqlite_template, server) as uow:
            build_store(uow)
            model = Model()
            for op in sequence:
                apply(uow, model, op)
            assert physical_levels(uow) == {k: v for k, v in model.on_hand.items() if v}
            report = run_audit(uow)
            assert report.ok, [(c.name, c.discrepancies) for c in report.checks if not c.ok]

    run()
