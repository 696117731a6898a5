"""Ship a packed fulfillment order: its sealed cartons become one shipment.

1. Check (read): the order is ``packed`` — or, to ship part of it now, it is ``picked`` or
   ``packed`` and the sealed cartons to ship are named. Nothing sealed, an open carton named,
   a held, unpacked or already shipped order: ``Conflict``, nothing written.
2. The shipping area creates the shipment (one package per carton, the box's outer size and
   the carton's weighed weight) with the service named, or the cheapest that delivers by the
   promised date (``PromiseUnreachable`` otherwise, nothing written), and buys its label.
3. One transaction (``ship_commit.commit``) moves the stock and the counters and records
   ``order.shipped``. If it fails, the label is voided again before the error is raised, so
   nothing is left half done.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fo_queries as q
from backroom.fulfillment.boxes import WALL_MM
from backroom.fulfillment.ship_commit import commit
from backroom.shipping.model import ContentLine, Package
from backroom.shipping.services import (
    PromiseUnreachable,
    ShipmentSpec,
    buy_label,
    create_shipment,
    void_label,
)

log = logging.getLogger("backroom.fulfillment")
__all__ = ["ship_fulfillment_order"]


def ship_fulfillment_order(uow: UnitOfWork, fo_id: int, *, carrier: str | None = None,
                           service: str | None = None,
                           cartons: Sequence[int] | None = None) -> dict[str, Any]:
    """Ship the sealed cartons of a fulfillment order (all of them, or the ``cartons`` named);
    returns the ``order.shipped`` payload with ``shipment`` and
    ``remainder_fulfillment_order_id`` (the new fulfillment order holding what did not ship,
    if anything did not)."""
    named = _carton_numbers(cartons)
    with uow.read() as conn:
        head, chosen = _plan(conn, fo_id, named)
        spec = _spec(conn, head, chosen, carrier, service)
    shipment = _create(uow, spec, fo_id)
    shipment_id = int(shipment["id"])
    try:
        shipment = buy_label(uow, shipment_id)
    except BaseException:
        _void_quietly(uow, shipment_id)
        raise
    try:
        with uow.transaction() as conn, conn.begin_nested():
            fresh, again = _plan(conn, fo_id, named, lock=True)
            if [c.id for c in again] != [c.id for c in chosen] or _changed(conn, chosen):
                raise Conflict(f"fulfillment order {fo_id} changed while its label was bought; "
                               "the label was voided, ship it again",
                               data={"fulfillment_order_id": fo_id})
            result = commit(uow, conn, fresh, [c.id for c in again], shipment_id)
    except BaseException:
        _void_quietly(uow, shipment_id)
        raise
    return {**result, "shipment": shipment}


def _carton_numbers(cartons: Sequence[int] | None) -> list[int] | None:
    if cartons is None:
        return None
    numbers = list(cartons)
    if not numbers or any(isinstance(n, bool) or not isinstance(n, int) or n <= 0
                          for n in numbers) or len(set(numbers)) != len(numbers):
        raise ValidationFailed.single("cartons", numbers, "name one or more carton numbers, "
                                      "each once")
    return numbers


def _plan(conn: Any, fo_id: int, named: list[int] | None, *,
          lock: bool = False) -> tuple[q.Header, list[Any]]:
    """The header and the sealed cartons to ship; ``Conflict`` when there is nothing to."""
    if lock:
        q.lock(conn, fo_id)
    head = q.header(conn, fo_id)
    if head.state == "shipped":
        raise Conflict(f"fulfillment order {fo_id} was already shipped (shipment "
                       f"{head.shipment_id})", data={"fulfillment_order_id": fo_id,
                                                      "shipment_id": head.shipment_id})
    if named is None and head.state == "picked":
        raise Conflict(f"fulfillment order {fo_id} is not packed yet: pack and seal every "
                       "picked unit, or name the sealed cartons to ship now",
                       data={"fulfillment_order_id": fo_id, "state": head.state})
    q.require(head, ("packed",) if named is None else ("picked", "packed"), "shipped")
    boxes = q.cartons(conn, fo_id)
    if named is None:
        chosen = [c for c in boxes if c.state == "sealed"]
    else:
        by_no = {c.carton_no: c for c in boxes}
        missing = [n for n in named if n not in by_no]
        if missing:
            raise NotFound(f"fulfillment order {fo_id} has no carton {missing[0]}",
                           data={"fulfillment_order_id": fo_id, "cartons": missing})
        chosen = [by_no[n] for n in sorted(named)]
    unsealed = [c.carton_no for c in chosen if c.state != "sealed"]
    if unsealed or not chosen:
        raise Conflict(f"fulfillment order {fo_id}: " + (
            f"carton {unsealed[0]} is {next(c.state for c in chosen if c.state != 'sealed')}; "
            "only sealed cartons ship" if unsealed else "no sealed carton to ship"),
            data={"fulfillment_order_id": fo_id, "cartons": unsealed})
    return head, chosen


def _changed(conn: Any, chosen: list[Any]) -> bool:
    now = {c.id: (c.state, c.weight_g) for c in q.cartons(conn, chosen[0].fulfillment_order_id)}
    return any(now.get(c.id) != (c.state, c.weight_g) for c in chosen)


def _spec(conn: Any, head: q.Header, chosen: list[Any], carrier: str | None,
          service: str | None) -> ShipmentSpec:
    packages = tuple(Package(c.inner_length_mm + 2 * WALL_MM, c.inner_width_mm + 2 * WALL_MM,
                             c.inner_height_mm + 2 * WALL_MM, max(1, c.weight_g))
                     for c in chosen)
    units: dict[str, tuple[str, int]] = {}
    for item in q.contents(conn, [c.id for c in chosen]):
        name, qty = units.get(item.sku, (item.name, 0))
        units[item.sku] = (name, qty + item.qty)
    return ShipmentSpec(
        reference=f"{head.order_number} FO-{head.id}"[:128], warehouse=head.warehouse,
        ship_to=head.ship_to, packages=packages, carrier=carrier, service=service,
        promised_date=head.promised_date,
        contents=tuple(ContentLine(sku, name, qty) for sku, (name, qty) in units.items()))


def _create(uow: UnitOfWork, spec: ShipmentSpec, fo_id: int) -> dict[str, Any]:
    try:
        return create_shipment(uow, spec)
    except PromiseUnreachable as exc:
        raise PromiseUnreachable(f"fulfillment order {fo_id}: {exc.message}",
                                 problems=exc.problems,
                                 data={**exc.data, "fulfillment_order_id": fo_id}) from None


def _void_quietly(uow: UnitOfWork, shipment_id: int) -> None:
    """Void the label (or cancel the draft) after a failure; a failure to void is logged."""
    try:
        void_label(uow, shipment_id)
    except Exception:  # the original error matters more; the label is listed for a person
        log.exception("could not void shipment %s after a failed fulfillment shipment",
                      shipment_id)
