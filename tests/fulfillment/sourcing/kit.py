"""Small hand-made sourcing problems: a flat-rate carrier per warehouse, easy to price by hand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from backroom.fulfillment.packing.model import Parcel
from backroom.fulfillment.sourcing import (
    Candidate,
    Estimate,
    OrderLine,
    ParcelModel,
    Plan,
    Rate,
    SourcingRequest,
    plan,
)

PROMISE = date(2026, 11, 13)
ON_TIME, LATE = date(2026, 11, 12), date(2026, 11, 16)


def line(line_id: int, sku_id: int, qty: int = 1, weight_g: int = 1000) -> OrderLine:
    return OrderLine(line_id, sku_id, qty, weight_g, 200, 150, 100, f"SKU-{sku_id}")


def wh(warehouse_id: int, code: str, stock: dict[int, int], *, priority: int | None = None,
       at: tuple[float, float] | None = None) -> Candidate:
    lat, lon = at if at is not None else (None, None)
    return Candidate(warehouse_id, code, warehouse_id if priority is None else priority, stock,
                     lat, lon)


def flat_rate(prices: dict[int, tuple[int, int]], late: Sequence[int] = (),
              refuse: Sequence[int] = ()) -> Rate:
    """Per warehouse id: (price of the first kg, price of each further started kg); warehouses
    in ``late`` deliver after the promise, those in ``refuse`` cannot ship at all."""

    def rate(warehouse_id: int, parcels: Sequence[Parcel]) -> Estimate | None:
        if warehouse_id in refuse:
            return None
        first, per_kg = prices[warehouse_id]
        kilos = -(-sum(p[3] for p in parcels) // 1000)
        slow = warehouse_id in late
        return Estimate("TST", "GROUND", first + per_kg * max(0, kilos - 1),
                        LATE if slow else ON_TIME, not slow, len(parcels))

    return rate


def request(lines: Sequence[OrderLine], candidates: Sequence[Candidate], *,
            penalty: int = 150, promise: date | None = None,
            destination: tuple[float, float] | None = None) -> SourcingRequest:
    return SourcingRequest(tuple(lines), tuple(candidates), "USD", promise, destination, penalty)


NO_TARE = ParcelModel(tare_g=0)  # a parcel weighs exactly its goods: prices by hand


def source(req: SourcingRequest, rate: Rate, strategy: str = "cost") -> Plan:
    return plan(req, rate, strategy, parcels=NO_TARE)


def placed(p: Plan) -> dict[str, dict[int, int]]:
    """{warehouse code: {line id: units}} of a plan."""
    codes = {s.warehouse_id: s.warehouse for s in p.shipments.values()}
    out: dict[str, dict[int, int]] = {}
    for a in p.assignments:
        out.setdefault(codes[a.warehouse_id], {})[a.line_id] = a.qty
    return out
