"""``backroom audit``: recompute every projection from the ledger and compare.

Each check aggregates in SQL and compares keyed dictionaries in Python, so a discrepancy is
reported with its exact key (location, SKU, lot) and both numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from backroom.db.uow import UnitOfWork
from backroom.inventory.model import SELLABLE_KINDS, LocationKind
from backroom.inventory.tables import (
    CONSUMPTIONS,
    LAYERS,
    LEVELS,
    LOCATIONS,
    LOTS,
    MOVES,
    POSITIONS,
    RESERVATIONS,
    TRANSFER_LINES,
    TRANSFERS,
)

MAX_LISTED = 200


@dataclass
class Check:
    name: str
    ok: bool
    summary: str
    discrepancies: list[str] = field(default_factory=list)


@dataclass
class AuditReport:
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [
            {"name": c.name, "ok": c.ok, "summary": c.summary,
             "discrepancies": c.discrepancies[:MAX_LISTED]} for c in self.checks]}


def _compare(name: str, what: str, expected: dict[Any, int], actual: dict[Any, int]) -> Check:
    keys = sorted(set(expected) | set(actual), key=str)
    bad = [f"{what} {k}: ledger says {expected.get(k, 0)}, projection says {actual.get(k, 0)}"
           for k in keys if expected.get(k, 0) != actual.get(k, 0)]
    summary = (f"{len(keys)} {what} rows agree" if not bad
               else f"{len(bad)} of {len(keys)} {what} rows disagree")
    return Check(name, not bad, summary, bad[:MAX_LISTED])


def check_levels_match_moves(conn: Connection) -> Check:
    m = MOVES.c
    ledger: dict[Any, int] = defaultdict(int)
    for col, sign in ((m.to_location_id, 1), (m.from_location_id, -1)):
        for r in conn.execute(select(col.label("loc"), m.sku_id, m.lot_id,
                                     func.sum(m.qty).label("q"))
                              .where(m.state == "done").group_by(col, m.sku_id, m.lot_id)):
            ledger[(r.loc, r.sku_id, r.lot_id)] += sign * int(r.q)
    lv = LEVELS.c
    levels = {(r.location_id, r.sku_id, r.lot_id): r.on_hand for r in conn.execute(
        select(lv.location_id, lv.sku_id, lv.lot_id, lv.on_hand))}
    return _compare("levels equal the sum of done moves", "(location, sku, lot)",
                    {k: v for k, v in ledger.items() if v}, {k: v for k, v in levels.items() if v})


def check_no_negative_physical(conn: Connection) -> Check:
    lv = LEVELS.c
    rows = conn.execute(select(lv.location_id, lv.sku_id, lv.lot_id, lv.on_hand, lv.reserved)
                        .where(lv.physical.is_(True),
                               (lv.on_hand < 0) | (lv.reserved > lv.on_hand) | (lv.reserved < 0))
                        ).all()
    p = POSITIONS.c
    prow = conn.execute(select(p.warehouse_id, p.sku_id, p.lot_id, p.on_hand, p.reserved)
                        .where((p.on_hand < 0) | (p.reserved > p.on_hand) | (p.reserved < 0))
                        ).all()
    bad = [f"location {r.location_id} sku {r.sku_id} lot {r.lot_id}: on hand {r.on_hand}, "
           f"reserved {r.reserved}" for r in rows]
    bad += [f"warehouse {r.warehouse_id} sku {r.sku_id} lot {r.lot_id}: on hand {r.on_hand}, "
            f"reserved {r.reserved}" for r in prow]
    return Check("no physical location negative; reserved within on hand", not bad,
                 "none negative or over-reserved" if not bad else f"{len(bad)} violations",
                 bad[:MAX_LISTED])


def check_positions_match_levels(conn: Connection) -> Check:
    lv, loc, p = LEVELS.c, LOCATIONS.c, POSITIONS.c
    sellable = [k.value for k in SELLABLE_KINDS]
    expected: dict[Any, int] = defaultdict(int)
    for r in conn.execute(select(loc.warehouse_id, lv.sku_id, lv.lot_id, loc.kind,
                                 func.sum(lv.on_hand).label("q"))
                          .join(LOCATIONS, loc.id == lv.location_id)
                          .where(lv.physical.is_(True))
                          .group_by(loc.warehouse_id, lv.sku_id, lv.lot_id, loc.kind)):
        bucket = "on_hand" if r.kind in sellable else "quarantined"
        expected[(r.warehouse_id, r.sku_id, r.lot_id, bucket)] += int(r.q)
    actual: dict[Any, int] = {}
    for r in conn.execute(select(p.warehouse_id, p.sku_id, p.lot_id, p.on_hand, p.quarantined)):
        actual[(r.warehouse_id, r.sku_id, r.lot_id, "on_hand")] = r.on_hand
        actual[(r.warehouse_id, r.sku_id, r.lot_id, "quarantined")] = r.quarantined
    return _compare("warehouse positions equal the sum of their locations",
                    "(warehouse, sku, lot, bucket)", {k: v for k, v in expected.items() if v},
                    {k: v for k, v in actual.items() if v})


def check_reserved_matches_reservations(conn: Connection) -> Check:
    r, p = RESERVATIONS.c, POSITIONS.c
    rows = {(x.warehouse_id, x.sku_id, x.lot_id): int(x.q) for x in conn.execute(
        select(r.warehouse_id, r.sku_id, r.lot_id, func.sum(r.open_qty).label("q"))
        .where(r.state == "active").group_by(r.warehouse_id, r.sku_id, r.lot_id))}
    pos = {(x.warehouse_id, x.sku_id, x.lot_id): x.reserved for x in conn.execute(
        select(p.warehouse_id, p.sku_id, p.lot_id, p.reserved))}
    return _compare("reserved equals the open reservation rows", "(warehouse, sku, lot)",
                    {k: v for k, v in rows.items() if v}, {k: v for k, v in pos.items() if v})


def check_incoming_matches_transfers(conn: Connection) -> Check:
    t, tl, p = TRANSFERS.c, TRANSFER_LINES.c, POSITIONS.c
    expected = {(x.to_warehouse_id, x.sku_id, x.lot_id): int(x.q) for x in conn.execute(
        select(t.to_warehouse_id, tl.sku_id, tl.lot_id,
               func.sum(tl.qty - tl.received_qty).label("q"))
        .join(TRANSFERS, t.id == tl.transfer_id).where(t.state == "in_transit")
        .group_by(t.to_warehouse_id, tl.sku_id, tl.lot_id))}
    actual = {(x.warehouse_id, x.sku_id, x.lot_id): x.incoming for x in conn.execute(
        select(p.warehouse_id, p.sku_id, p.lot_id, p.incoming))}
    return _compare("incoming equals what is in transit", "(warehouse, sku, lot)",
                    {k: v for k, v in expected.items() if v},
                    {k: v for k, v in actual.items() if v})


def check_transit_matches_transfers(conn: Connection) -> Check:
    """What sits in TRANSIT is exactly what open transfers still have on the way."""
    t, tl, lv, loc = TRANSFERS.c, TRANSFER_LINES.c, LEVELS.c, LOCATIONS.c
    expected = {(x.sku_id, x.lot_id): int(x.q) for x in conn.execute(
        select(tl.sku_id, tl.lot_id, func.sum(tl.qty - tl.received_qty).label("q"))
        .join(TRANSFERS, t.id == tl.transfer_id).where(t.state == "in_transit")
        .group_by(tl.sku_id, tl.lot_id))}
    actual = {(x.sku_id, x.lot_id): x.on_hand for x in conn.execute(
        select(lv.sku_id, lv.lot_id, lv.on_hand).join(LOCATIONS, loc.id == lv.location_id)
        .where(loc.kind == LocationKind.TRANSIT.value))}
    return _compare("transit holds exactly the open transfers", "(sku, lot)",
                    {k: v for k, v in expected.items() if v},
                    {k: v for k, v in actual.items() if v})


def check_layers_match_stock(conn: Connection) -> Check:
    """Every unit in a warehouse or in transit is covered by exactly one cost-layer unit."""
    lay, p = LAYERS.c, POSITIONS.c
    layers = {(x.warehouse_id, x.sku_id): int(x.q) for x in conn.execute(
        select(lay.warehouse_id, lay.sku_id, func.sum(lay.qty_remaining).label("q"))
        .group_by(lay.warehouse_id, lay.sku_id))}
    stock = {(x.warehouse_id, x.sku_id): int(x.q) for x in conn.execute(
        select(p.warehouse_id, p.sku_id, func.sum(p.on_hand + p.quarantined).label("q"))
        .group_by(p.warehouse_id, p.sku_id))}
    lv, loc = LEVELS.c, LOCATIONS.c
    for x in conn.execute(select(lv.sku_id, func.sum(lv.on_hand).label("q"))
                          .join(LOCATIONS, loc.id == lv.location_id)
                          .where(loc.kind == LocationKind.TRANSIT.value).group_by(lv.sku_id)):
        stock[(None, x.sku_id)] = int(x.q)
    return _compare("cost layers cover exactly the stock held", "(warehouse, sku)",
                    {k: v for k, v in stock.items() if v}, {k: v for k, v in layers.items() if v})


def check_layer_arithmetic(conn: Connection) -> Check:
    """Remaining = in − consumed, in units and in cents; each move's value = its consumptions."""
    lay, c, m = LAYERS.c, CONSUMPTIONS.c, MOVES.c
    used = {x.layer_id: (int(x.q), int(x.v)) for x in conn.execute(
        select(c.layer_id, func.sum(c.qty).label("q"), func.sum(c.value).label("v"))
        .group_by(c.layer_id))}
    bad = []
    for x in conn.execute(select(lay.id, lay.qty_in, lay.value_in, lay.qty_remaining,
                                 lay.value_remaining)):
        q, v = used.get(x.id, (0, 0))
        if (x.qty_in - q, x.value_in - v) != (x.qty_remaining, x.value_remaining):
            bad.append(f"layer {x.id}: in {x.qty_in}/{x.value_in}, consumed {q}/{v}, "
                       f"remaining {x.qty_remaining}/{x.value_remaining}")
    for mv in conn.execute(select(m.id, m.value_minor, func.sum(c.value).label("v"))
                           .join(CONSUMPTIONS, c.move_id == m.id).group_by(m.id, m.value_minor)):
        if mv.value_minor != int(mv.v):
            bad.append(f"move {mv.id}: value {mv.value_minor} but consumed layers worth {mv.v}")
    return Check("cost layers add up to the cent", not bad,
                 "layers and move values consistent" if not bad else f"{len(bad)} mismatches",
                 bad[:MAX_LISTED])


def check_lots_exist(conn: Connection) -> Check:
    lv, lots = LEVELS.c, LOTS.c
    rows = conn.execute(select(lv.lot_id, lv.sku_id).distinct()
                        .outerjoin(LOTS, lots.id == lv.lot_id)
                        .where(lv.lot_id != 0, (lots.id.is_(None)) | (lots.sku_id != lv.sku_id))
                        ).all()
    bad = [f"lot {r.lot_id} of sku {r.sku_id} does not exist" for r in rows]
    return Check("every lot in stock exists and belongs to its SKU", not bad,
                 "all lots known" if not bad else f"{len(bad)} unknown lots", bad)


CHECKS: list[Callable[[Connection], Check]] = [
    check_levels_match_moves, check_no_negative_physical, check_positions_match_levels,
    check_reserved_matches_reservations, check_incoming_matches_transfers,
    check_transit_matches_transfers,
    check_layers_match_stock, check_layer_arithmetic, check_lots_exist,
]


def run_audit(uow: UnitOfWork) -> AuditReport:
    """Run every check on one consistent snapshot."""
    with uow.read() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return AuditReport([check(conn) for check in CHECKS])


compare_counts = _compare  # for other areas' checks: same keyed comparison and wording
