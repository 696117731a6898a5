"""Landed cost: freight, duty or other costs added to received goods after the fact.

The cost is split over the receipt's moves by value, weight or quantity (exact to the cent,
``allocate``). Each receipt's share goes to the units of its cost layer that are still in
stock (their layer is revalued, and flows into COGS when they are sold); the share of units
already gone (sold, written off or transferred) goes straight to COGS, and the answer says so.
A ``stock.landed_cost`` event carries both parts to the books.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from backroom.catalog.tables import PRODUCTS
from backroom.core import clock
from backroom.core.errors import NotFound, ValidationFailed
from backroom.core.events import DomainEvent, record
from backroom.core.money import allocate, from_minor, take_share, to_minor
from backroom.core.settings import get_settings
from backroom.db.uow import UnitOfWork
from backroom.inventory import averaging
from backroom.inventory.tables import LAYERS, LOCATIONS, MOVES
from backroom.inventory.valuation_tables import LANDED_COSTS

BASES = ("value", "weight", "qty")
MAX_RATIO = 10  # a landed cost above ten times the goods' value is refused as a typo


@dataclass(frozen=True, slots=True)
class _Receipt:
    move_id: int
    sku_id: int
    qty: int
    value: int
    weight_g: int | None
    layer_id: int
    qty_in: int
    qty_remaining: int
    area: tuple[int, int | None, int | None]


def apply_landed_cost(uow: UnitOfWork, *, amount: Decimal | str, reference: str = "",
                      move_ids: list[int] | None = None, kind: str = "freight",
                      basis: str = "value") -> dict[str, Any]:
    """Add ``amount`` (base currency) to the receipt moves ``move_ids`` or, if none are given,
    to every receipt with ``reference``."""
    currency = get_settings().base_currency.upper()
    total = to_minor(amount, currency, field="amount")
    if total <= 0:
        raise ValidationFailed.single("amount", str(amount), "must be above zero")
    if basis not in BASES:
        raise ValidationFailed.single("basis", basis, "must be value, weight or qty")
    with uow.transaction() as conn:
        receipts = _receipts(conn, reference, move_ids)
        shares = allocate(total, _weights(receipts, basis))
        goods = sum(r.value for r in receipts)
        if total > MAX_RATIO * max(goods, 1):
            raise ValidationFailed.single(
                "amount", str(amount), f"is more than {MAX_RATIO}× the value of the goods "
                f"({from_minor(goods, currency)} {currency}): refused as a likely mistake")
        parts = [(r, take_share(s, r.qty_in, r.qty_remaining) if r.qty_remaining else 0, s)
                 for r, s in zip(receipts, shares, strict=True)]
        stock = sum(p for _, p, _ in parts)
        lc_id = int(conn.execute(insert(LANDED_COSTS).values(
            reference=reference[:128], kind=kind[:32], basis=basis, total_minor=total,
            inventory_minor=stock, cogs_minor=total - stock, created_at=clock.now())
            .returning(LANDED_COSTS.c.id)).scalar_one())
        _revalue(conn, {r.layer_id: p for r, p, _ in parts if p}, lc_id)
        _level_areas(conn, {r.area for r, p, _ in parts if p})
        return _announce(conn, lc_id, reference, kind, basis, total, stock, receipts, currency)


def _receipts(conn: Connection, reference: str, move_ids: list[int] | None) -> list[_Receipt]:
    m, lay, loc, p = MOVES.c, LAYERS.c, LOCATIONS.c, PRODUCTS.c
    stmt = (select(m.id, m.sku_id, m.qty, m.value_minor, p.weight_g, lay.id.label("layer_id"),
                   lay.qty_in, lay.qty_remaining, lay.warehouse_id, lay.transfer_id)
            .join(LOCATIONS, loc.id == m.from_location_id)
            .join(LAYERS, lay.move_id == m.id).join(PRODUCTS, p.id == m.sku_id)
            .where(m.state == "done", loc.kind == "supplier").order_by(m.id))
    if move_ids:
        stmt = stmt.where(m.id.in_(move_ids))
    elif reference:
        stmt = stmt.where(m.reference == reference)
    else:
        raise ValidationFailed.single("reference", reference, "name the receipt (reference) "
                                      "or its moves")
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=LAYERS)
    rows = conn.execute(stmt).all()
    missing = sorted(set(move_ids or []) - {r.id for r in rows})
    if not rows or missing:
        raise NotFound(f"no receipt moves {missing or reference!r} to add a landed cost to")
    return [_Receipt(r.id, r.sku_id, r.qty, r.value_minor or 0, r.weight_g, r.layer_id,
                     r.qty_in, r.qty_remaining, (r.sku_id, r.warehouse_id, r.transfer_id))
            for r in rows]


def _weights(receipts: list[_Receipt], basis: str) -> list[int]:
    if basis == "qty":
        return [r.qty for r in receipts]
    if basis == "value":
        weights = [r.value for r in receipts]
        if not any(weights):
            raise ValidationFailed.single("basis", basis, "the receipts carry no value: "
                                          "split by weight or qty")
        return weights
    unknown = [r.move_id for r in receipts if not r.weight_g]
    if unknown:
        raise ValidationFailed.single("basis", basis, f"moves {unknown} are of SKUs without "
                                      "a weight: split by value or qty")
    return [int(r.weight_g or 0) * r.qty for r in receipts]


def _revalue(conn: Connection, deltas: dict[int, int], landed_cost_id: int) -> None:
    if deltas:
        conn.execute(update(LAYERS).where(LAYERS.c.id == bindparam("lid"))
                     .values(value_remaining=LAYERS.c.value_remaining + bindparam("d")),
                     [{"lid": lid, "d": d} for lid, d in sorted(deltas.items())])
        averaging.record(conn, deltas, {}, kind="landed_cost", landed_cost_id=landed_cost_id)


def _level_areas(conn: Connection, areas: set[tuple[int, int | None, int | None]]) -> None:
    """Under moving average the whole area shares the added cost."""
    if not areas or averaging.method(conn) != "average":
        return
    lay = LAYERS.c
    for sku_id, warehouse_id, _transfer in sorted(areas, key=str):
        pool = [[r.id, r.qty_remaining, r.value_remaining] for r in conn.execute(
            select(lay.id, lay.qty_remaining, lay.value_remaining).where(
                lay.sku_id == sku_id, lay.warehouse_id == warehouse_id,
                lay.qty_remaining > 0).order_by(lay.id))]
        revalued: dict[int, int] = {}
        after: dict[int, tuple[int, int]] = {}
        averaging.level(pool, revalued, after)
        if after:
            conn.execute(update(LAYERS).where(LAYERS.c.id == bindparam("lid"))
                         .values(value_remaining=bindparam("v")),
                         [{"lid": lid, "v": v} for lid, (_q, v) in sorted(after.items())])
            averaging.record(conn, revalued, {})


def _announce(conn: Connection, lc_id: int, reference: str, kind: str, basis: str,
              total: int, stock: int, receipts: list[_Receipt],
              currency: str) -> dict[str, Any]:
    note = (f"{from_minor(total - stock, currency)} {currency} went to COGS: those units were "
            "already sold or gone" if total - stock else "")
    record(conn, [DomainEvent("stock.landed_cost", {
        "landed_cost_id": lc_id, "reference": reference, "kind": kind, "basis": basis,
        "currency": currency, "total_minor": total, "inventory_minor": stock,
        "cogs_minor": total - stock, "move_ids": [r.move_id for r in receipts]},
        aggregate=f"landed_cost:{lc_id}")])
    return {"landed_cost_id": lc_id, "total": str(from_minor(total, currency)),
            "to_inventory": str(from_minor(stock, currency)),
            "to_cogs": str(from_minor(total - stock, currency)), "currency": currency,
            "moves": [r.move_id for r in receipts], "note": note}
