"""Ship many packed fulfillment orders at once: ``ship_many`` — and ``ship_fulfillment_order``
is this with one order, so both take the one path.

One transaction per chunk of orders, under the orders' locks (PostgreSQL: ``FOR UPDATE`` in id
order; SQLite: the database's write lock), so nothing can change between the checks, the
labels and the stock:

1. Check: the headers, cartons and contents of the whole chunk in a few queries; each order is
   checked as shipping one always was (packed, not held, sealed cartons).
2. Rate: each shipment's service is the one named, or the cheapest meeting the promise; the
   rate cards quote each distinct shipment once per chunk (buying re-uses the quote).
3. Labels: the shipments and packages are stored and every label bought with a few
   statements; a provider's refusal costs only its order (its draft is voided).
4. Stock (a savepoint, ``ship_commit.commit_many``): one posting moves every unit PACK →
   CUSTOMER, the order lines' counters move, lines, cartons and orders are marked shipped and
   the events recorded. If that fails, each order is committed alone (its own savepoint), so
   only the bad one fails; a failed order's label is voided again and its shipment kept as
   ``voided``.

A bad order is reported with its id and reason and the rest of the batch goes on.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from backroom.core import clock
from backroom.core.errors import BackroomError, Conflict, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fo_queries as q
from backroom.fulfillment import ship_plan, ship_queries
from backroom.fulfillment.ship_commit import ToShip, commit_many
from backroom.shipping import queries as shipping_queries
from backroom.shipping.adapters.base import LabelRef
from backroom.shipping.model import Address
from backroom.shipping.purchases import Rated, buy_drafts, insert_shipments
from backroom.shipping.services import (
    Adapters,
    PromiseUnreachable,
    ShipmentSpec,
    rate_spec,
    validate_spec,
    void_label,
)

log = logging.getLogger("backroom.fulfillment")
CHUNK = 200
Outcome = dict[str, Any] | Exception
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ShipRequest:
    fo_id: int
    cartons: tuple[int, ...] | None = None  # carton numbers; None: every sealed carton


@dataclass
class ShipBatchResult:
    shipped: list[dict[str, Any]] = field(default_factory=list)  # as ship_fulfillment_order
    failed: list[dict[str, Any]] = field(default_factory=list)  # id, code, message

    def summary(self) -> dict[str, Any]:
        """Counts and per-order outcomes, each shipment in brief (for the CLI and API)."""
        return {"shipped_count": len(self.shipped), "failed_count": len(self.failed),
                "shipped": [_brief(r) for r in self.shipped], "failed": self.failed}


def _brief(result: dict[str, Any]) -> dict[str, Any]:
    s = result["shipment"]
    return {"fulfillment_order_id": result["fulfillment_order_id"],
            "order_id": result["order_id"], "order_number": result["order_number"],
            "shipment_id": s["id"], "carrier": s["carrier"], "service": s["service"],
            "tracking_number": s["tracking_number"], "packages": len(s["packages"]),
            "cost": s["cost"], "currency": s["currency"], "cogs_minor": result["cogs_minor"],
            "remainder_fulfillment_order_id": result["remainder_fulfillment_order_id"]}


@dataclass(frozen=True, slots=True)
class _Plan:
    index: int
    request: ShipRequest
    head: q.Header
    chosen: list[Any]
    spec: ShipmentSpec


def ship_many(uow: UnitOfWork, fo_ids: Sequence[int], *, carrier: str | None = None,
              service: str | None = None, chunk: int = CHUNK,
              progress: Progress | None = None) -> ShipBatchResult:
    """Ship the sealed cartons of each packed fulfillment order (each id once, in order); a
    failure is reported per order and never undoes the others. ``progress(n)`` after each
    chunk of ``n`` orders."""
    if (carrier is None) != (service is None):
        raise ValidationFailed.single("service" if service is None else "carrier", None,
                                      "carrier and service go together: give both, or "
                                      "neither to ship the cheapest meeting each promise")
    ids = list(dict.fromkeys(fo_ids))
    outcomes = ship_requests(uow, [ShipRequest(i) for i in ids], carrier=carrier,
                             service=service, chunk=chunk, progress=progress)
    result = ShipBatchResult()
    for fo_id, outcome in zip(ids, outcomes, strict=True):
        if isinstance(outcome, Exception):
            result.failed.append(failure(fo_id, outcome))
        else:
            result.shipped.append(outcome)
    return result


def shippable_ids(uow: UnitOfWork, *, warehouse: str | None = None,
                  wave: int | None = None) -> list[int]:
    """The packed fulfillment orders not on hold, oldest first (of a warehouse, of a wave)."""
    with uow.read() as conn:
        return q.ids_in_state(conn, "packed", warehouse=warehouse, wave=wave)


def failure(fo_id: int, exc: Exception) -> dict[str, Any]:
    """How a failed order is reported (an unexpected error is logged, not shown)."""
    if isinstance(exc, BackroomError):
        return {"fulfillment_order_id": fo_id, "code": exc.code, "message": exc.message}
    log.error("shipping fulfillment order %s failed", fo_id, exc_info=exc)
    return {"fulfillment_order_id": fo_id, "code": "internal_error",
            "message": "an unexpected error occurred; it has been logged"}


def ship_requests(uow: UnitOfWork, requests: Sequence[ShipRequest], *,
                  carrier: str | None = None, service: str | None = None, chunk: int = CHUNK,
                  progress: Progress | None = None) -> list[Outcome]:
    """Per request, the ``order.shipped`` payload with ``shipment`` and
    ``remainder_fulfillment_order_id``, or the error that refused it."""
    out: list[Outcome] = []
    size = max(1, chunk)
    for start in range(0, len(requests), size):
        part = requests[start:start + size]
        try:
            out += _ship_chunk(uow, part, carrier, service)
        except Exception as exc:  # the chunk's savepoint rolled back: try each order alone
            if len(part) == 1:
                out.append(exc)
            else:
                log.warning("shipping %d fulfillment orders at once failed (%s); shipping "
                            "them one by one", len(part), type(exc).__name__)
                out += [o for r in part for o in ship_requests(uow, [r], carrier=carrier,
                                                                 service=service)]
        if progress is not None:
            progress(len(part))
    return out


def _ship_chunk(uow: UnitOfWork, part: Sequence[ShipRequest], carrier: str | None,
                service: str | None) -> list[Outcome]:
    out: list[Outcome | None] = [None] * len(part)
    ready_at, adapter_for = clock.now(), Adapters()
    with uow.transaction() as conn, conn.begin_nested():
        ship_queries.lock(conn, [r.fo_id for r in part])
        plans = _plan(conn, part, carrier, service, out)
        origins = _origins(conn, {p.spec.warehouse for p in plans})
        rated: list[tuple[_Plan, Rated]] = []
        for p in plans:
            try:
                rated.append((p, _rate(p, origins, ready_at, adapter_for)))
            except BackroomError as exc:
                out[p.index] = exc
        labelled = _labels(uow, conn, rated, adapter_for, out)
        try:
            committed = _commit(uow, conn, labelled)
        except BaseException:  # nothing of the chunk is kept: void the labels at the provider
            for _, shipment in labelled:
                _void_at_provider(adapter_for, shipment)
            raise
        for (p, shipment), outcome in zip(labelled, committed, strict=True):
            if isinstance(outcome, Exception):
                _void_quietly(uow, int(shipment["id"]))
                out[p.index] = outcome
            else:
                out[p.index] = {**outcome, "shipment": shipment}
    return [o if o is not None else Conflict("not shipped") for o in out]


def _plan(conn: Any, part: Sequence[ShipRequest], carrier: str | None, service: str | None,
          out: list[Outcome | None]) -> list[_Plan]:
    """The orders that may ship, with their cartons and spec; ``out`` gets the others' errors."""
    ids = [r.fo_id for r in part]
    heads, boxes = q.headers(conn, ids), ship_queries.cartons(conn, ids)
    chosen: list[tuple[int, ShipRequest, q.Header, list[Any]]] = []
    for n, r in enumerate(part):
        try:
            head = heads[r.fo_id]
            if isinstance(head, NotFound):
                raise head
            chosen.append((n, r, head, ship_plan.choose(head, boxes[r.fo_id], r.cartons)))
        except BackroomError as exc:
            out[n] = exc
    owner = {c.id: n for n, _, _, cartons in chosen for c in cartons}
    items: dict[int, list[Any]] = defaultdict(list)
    for item in q.contents(conn, list(owner)):
        items[owner[item.carton_id]].append(item)
    return [_Plan(n, r, head, cartons,
                  ship_plan.spec(head, cartons, items[n], carrier, service))
            for n, r, head, cartons in chosen]


def _origins(conn: Any, codes: set[str]) -> dict[str, tuple[int, Address] | BackroomError]:
    found: dict[str, tuple[int, Address] | BackroomError] = {}
    for code in sorted(codes):
        try:
            found[code] = shipping_queries.load_origin(conn, code)
        except BackroomError as exc:
            found[code] = exc
    return found


def _rate(p: _Plan, origins: dict[str, tuple[int, Address] | BackroomError],
          ready_at: Any, adapter_for: Adapters) -> Rated:
    spec = validate_spec(p.spec)
    origin = origins[p.spec.warehouse]
    if isinstance(origin, BackroomError):
        raise origin
    try:
        return rate_spec(spec, origin, ready_at, adapter_for)
    except PromiseUnreachable as exc:
        raise PromiseUnreachable(f"fulfillment order {p.head.id}: {exc.message}",
                                 problems=exc.problems,
                                 data={**exc.data, "fulfillment_order_id": p.head.id}) from None


def _labels(uow: UnitOfWork, conn: Any, rated: list[tuple[_Plan, Rated]],
            adapter_for: Adapters,
            out: list[Outcome | None]) -> list[tuple[_Plan, dict[str, Any]]]:
    """Store the shipments and buy their labels; the orders with a label and its shipment."""
    if not rated:
        return []
    drafts = insert_shipments(conn, [r for _, r in rated])
    bought = buy_drafts(conn, drafts, adapter_for)
    labelled = []
    for (p, _), draft, shipment in zip(rated, drafts, bought, strict=True):
        if isinstance(shipment, Exception):
            _void_quietly(uow, draft.id)  # the draft is cancelled
            out[p.index] = shipment
        else:
            labelled.append((p, shipment))
    return labelled


def _commit(uow: UnitOfWork, conn: Any,
            labelled: list[tuple[_Plan, dict[str, Any]]]) -> list[Outcome]:
    """The stock side for every labelled order at once (a savepoint); if that fails, for each
    alone, so only the order at fault fails."""
    if not labelled:
        return []
    todo = [ToShip(p.head, tuple(c.id for c in p.chosen), int(shipment["id"]))
            for p, shipment in labelled]
    try:
        with conn.begin_nested():
            return list(commit_many(uow, conn, todo))
    except Exception as exc:
        if len(labelled) == 1:
            return [exc]
        return [o for item in labelled for o in _commit(uow, conn, [item])]


def _void_at_provider(adapter_for: Adapters, shipment: dict[str, Any]) -> None:
    try:
        adapter_for(shipment["provider"]).void(LabelRef(
            shipment["carrier"], shipment["tracking_number"], shipment["external_id"]))
    except Exception:  # the original error matters more; the label is listed for a person
        log.exception("could not void the label of shipment %s", shipment["id"])


def _void_quietly(uow: UnitOfWork, shipment_id: int) -> None:
    """Void the label (or cancel the draft) after a failure (in a savepoint of the chunk's
    transaction); a failure to void is logged and leaves the rest of the chunk alone."""
    try:
        with uow.transaction() as conn, conn.begin_nested():
            void_label(uow, shipment_id)
    except Exception:  # the original error matters more; the label is listed for a person
        log.exception("could not void shipment %s after a failed fulfillment shipment",
                      shipment_id)
