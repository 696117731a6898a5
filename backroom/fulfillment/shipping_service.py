"""Ship a packed fulfillment order: its sealed cartons become one shipment.

1. Check (read): the order is ``packed`` — or, to ship part of it now, it is ``picked`` or
   ``packed`` and the sealed cartons to ship are named. Nothing sealed, an open carton named,
   a held, unpacked or already shipped order: ``Conflict``, nothing written.
2. The shipping area creates the shipment (one package per carton, the box's outer size and
   the carton's weighed weight) with the service named, or the cheapest that delivers by the
   promised date (``PromiseUnreachable`` otherwise, nothing written), and buys its label.
3. One transaction (``ship_commit.commit_many``) moves the stock and the counters and records
   ``order.shipped``. If it fails, the label is voided again before the error is raised, so
   nothing is left half done.

This is ``ship_batch.ship_requests`` with one order: shipping many at once (``ship_many``)
takes the same path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backroom.db.uow import UnitOfWork
from backroom.fulfillment.ship_batch import ShipRequest, ship_requests
from backroom.fulfillment.ship_plan import carton_numbers

__all__ = ["ship_fulfillment_order"]


def ship_fulfillment_order(uow: UnitOfWork, fo_id: int, *, carrier: str | None = None,
                           service: str | None = None,
                           cartons: Sequence[int] | None = None) -> dict[str, Any]:
    """Ship the sealed cartons of a fulfillment order (all of them, or the ``cartons`` named);
    returns the ``order.shipped`` payload with ``shipment`` and
    ``remainder_fulfillment_order_id`` (the new fulfillment order holding what did not ship,
    if anything did not)."""
    request = ShipRequest(fo_id, carton_numbers(cartons))
    (outcome,) = ship_requests(uow, [request], carrier=carrier, service=service)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome
