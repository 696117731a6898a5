"""The overview's batch actions, for a warehouse lead: allocate every order ready for
fulfillment (sourcing picks the warehouses), and at the end of a wave confirm every open cart,
pack every picked order as cartonization proposes, ship every packed order — of one warehouse
or all. Each calls the set-based use case the CLI and the API call
(``allocation.allocate_ready``, ``pick_service.confirm_batches``,
``pack_batch.pack_many_as_proposed``, ``ship_batch.ship_many``) and answers a
``BatchOutcome``: counts and, per order or cart left alone, why. The routes are in ``pages``
(they answer with the overview).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, literal, select

from backroom.db.uow import UnitOfWork
from backroom.fulfillment import allocation, pack_batch, pick_service, ship_batch
from backroom.fulfillment.tables import FULFILLMENT_ORDERS, PICK_BATCHES
from backroom.inventory.tables import WAREHOUSES

BATCH_MAX = 1000  # carts or orders one click works on (as the API); the rest wait for the next
FAILURES_SHOWN = 50
OPEN_CARTS = ("open", "picking")
FO, PB, W = FULFILLMENT_ORDERS.c, PICK_BATCHES.c, WAREHOUSES.c


@dataclass(frozen=True, slots=True)
class Failure:
    """One cart or order a batch action left alone: what, where to see to it, and why."""

    label: str
    href: str
    reason: str


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What a batch action did, for the notice on the overview."""

    summary: str
    failures: list[Failure] = field(default_factory=list)
    left: int = 0  # carts or orders beyond ``BATCH_MAX``: press again

    @property
    def tone(self) -> str:
        return "warning" if self.failures or self.summary.startswith("Nothing") else "success"

    @property
    def shown(self) -> list[Failure]:
        return self.failures[:FAILURES_SHOWN]


def ready_counts(conn: Connection) -> dict[str, Counter[str]]:
    """Per warehouse code ('' for all): open carts (``carts``), and picked and packed orders
    not on hold — what the batch actions would take."""
    carts = (select(W.code, literal("carts"), func.count())
             .join(WAREHOUSES, W.id == PB.warehouse_id)
             .where(PB.state.in_(OPEN_CARTS)).group_by(W.code))
    orders = (select(W.code, FO.state, func.count()).join(WAREHOUSES, W.id == FO.warehouse_id)
              .where(FO.state.in_(("picked", "packed")), FO.hold_reason.is_(None))
              .group_by(W.code, FO.state))
    out: dict[str, Counter[str]] = {"": Counter()}
    for stmt in (carts, orders):
        for code, what, n in conn.execute(stmt).all():
            for key in (str(code), ""):
                out.setdefault(key, Counter())[str(what)] += int(n)
    return out


def _plural(n: int, word: str, many: str = "") -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def _scope(code: str) -> str:
    return f" in {code}" if code else ""


def allocate_orders(uow: UnitOfWork, code: str) -> BatchOutcome:
    """Every order ready for fulfillment (open, no hold, units open), oldest first, sourced and
    reserved; ``code`` is ignored: sourcing chooses the warehouses."""
    run = allocation.allocate_ready(uow, limit=BATCH_MAX)
    if not run.orders and not run.failed:
        return BatchOutcome("Nothing to allocate: no order is waiting for stock to be "
                            "reserved.")
    held = f", {_plural(run.backordered_units, 'unit')} backordered" \
        if run.backordered_units else ""
    return BatchOutcome(
        f"Allocated {_plural(run.orders, 'order')} to "
        f"{_plural(run.fulfillment_orders, 'fulfillment order')} "
        f"({_plural(run.reserved_units, 'unit')} reserved{held}); "
        f"{len(run.failed):,} not allocated.",
        [Failure(f"Order {f['order_id']}", f"/orders/{f['order_id']}", str(f["error"]))
         for f in run.failed])


def confirm_carts(uow: UnitOfWork, code: str) -> BatchOutcome:
    """Every open pick of every open cart (of warehouse ``code``; '' all) picked in full."""
    stmt = select(PB.id).where(PB.state.in_(OPEN_CARTS)).order_by(PB.id)
    if code:
        stmt = stmt.join(WAREHOUSES, W.id == PB.warehouse_id).where(W.code == code)
    with uow.read() as conn:
        ids = [int(i) for i in conn.execute(stmt).scalars()]
    if not ids:
        return BatchOutcome(f"Nothing to confirm: no pick batch is open{_scope(code)}.")
    run = pick_service.confirm_batches(uow, ids[:BATCH_MAX])
    picks, units = (sum(int(c[k]) for c in run.confirmed) for k in ("picks", "units"))
    return BatchOutcome(
        f"Confirmed {_plural(len(run.confirmed), 'pick batch', 'pick batches')} "
        f"({_plural(picks, 'pick')}, {_plural(units, 'unit')}); "
        f"{len(run.failed):,} not confirmed.",
        [Failure(f"Batch {f['batch_id']}", f"/fulfillment/pick/{f['batch_id']}",
                 str(f["error"])) for f in run.failed], max(0, len(ids) - BATCH_MAX))


def _order_failures(failed: list[dict[str, Any]]) -> list[Failure]:
    return [Failure(f"Fulfillment order {f['fulfillment_order_id']}",
                    f"/fulfillment/pack/{f['fulfillment_order_id']}", str(f["message"]))
            for f in failed]


def pack_picked(uow: UnitOfWork, code: str) -> BatchOutcome:
    """Every picked order not on hold (of warehouse ``code``) packed as proposed."""
    ids = pack_batch.packable_ids(uow, warehouse=code or None)
    if not ids:
        return BatchOutcome(f"Nothing to pack: no picked order (not on hold){_scope(code)}.")
    result = pack_batch.pack_many_as_proposed(uow, ids[:BATCH_MAX])
    cartons = sum(len(p.packing.boxes) for p in result.proposals)
    return BatchOutcome(f"Packed {_plural(len(result.proposals), 'order')} in "
                        f"{_plural(cartons, 'carton')}; {len(result.failed):,} not packed.",
                        _order_failures(result.failed), max(0, len(ids) - BATCH_MAX))


def ship_packed(uow: UnitOfWork, code: str) -> BatchOutcome:
    """Every packed order not on hold (of warehouse ``code``) shipped, rate-shopping each."""
    ids = ship_batch.shippable_ids(uow, warehouse=code or None)
    if not ids:
        return BatchOutcome(f"Nothing to ship: no packed order (not on hold){_scope(code)}.")
    result = ship_batch.ship_many(uow, ids[:BATCH_MAX])
    parcels = sum(len(r["shipment"]["packages"]) for r in result.shipped)
    return BatchOutcome(f"Shipped {_plural(len(result.shipped), 'order')} in "
                        f"{_plural(parcels, 'parcel')}; {len(result.failed):,} not shipped.",
                        _order_failures(result.failed), max(0, len(ids) - BATCH_MAX))


BATCH_ACTIONS: dict[str, Callable[[UnitOfWork, str], BatchOutcome]] = {
    "allocate": allocate_orders, "confirm": confirm_carts, "pack": pack_picked, "ship": ship_packed}
