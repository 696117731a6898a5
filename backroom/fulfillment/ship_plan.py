"""What shipping a fulfillment order checks and asks for, without the database: which sealed
cartons ship (or why none may), and the shipment spec they make."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backroom.core.errors import Conflict, NotFound, ValidationFailed
from backroom.fulfillment import fo_queries as q
from backroom.fulfillment.boxes import WALL_MM
from backroom.shipping.model import ContentLine, Package
from backroom.shipping.services import ShipmentSpec


def carton_numbers(cartons: Sequence[int] | None) -> tuple[int, ...] | None:
    """The carton numbers named (each once), or None for every sealed carton."""
    if cartons is None:
        return None
    numbers = list(cartons)
    if not numbers or any(isinstance(n, bool) or not isinstance(n, int) or n <= 0
                          for n in numbers) or len(set(numbers)) != len(numbers):
        raise ValidationFailed.single("cartons", numbers, "name one or more carton numbers, "
                                      "each once")
    return tuple(numbers)


def choose(head: q.Header, boxes: Sequence[Any], named: Sequence[int] | None) -> list[Any]:
    """The sealed cartons to ship (of ``boxes``, the order's cartons): all of them, or the ones
    ``named``. ``Conflict`` (``NotFound`` for an unknown carton) when there is nothing to."""
    fo_id = head.id
    if head.state == "shipped":
        raise Conflict(f"fulfillment order {fo_id} was already shipped (shipment "
                       f"{head.shipment_id})", data={"fulfillment_order_id": fo_id,
                                                      "shipment_id": head.shipment_id})
    if named is None and head.state == "picked":
        raise Conflict(f"fulfillment order {fo_id} is not packed yet: pack and seal every "
                       "picked unit, or name the sealed cartons to ship now",
                       data={"fulfillment_order_id": fo_id, "state": head.state})
    q.require(head, ("packed",) if named is None else ("picked", "packed"), "shipped")
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
    return chosen


def spec(head: q.Header, chosen: Sequence[Any], items: Sequence[Any], carrier: str | None,
         service: str | None) -> ShipmentSpec:
    """One package per carton (the box's outer size, the sealed weight), the contents by SKU
    (``items``: what the cartons hold, in ``fo_queries.contents`` order)."""
    packages = tuple(Package(c.inner_length_mm + 2 * WALL_MM, c.inner_width_mm + 2 * WALL_MM,
                             c.inner_height_mm + 2 * WALL_MM, max(1, c.weight_g))
                     for c in chosen)
    units: dict[str, tuple[str, int]] = {}
    for item in items:
        name, qty = units.get(item.sku, (item.name, 0))
        units[item.sku] = (name, qty + item.qty)
    return ShipmentSpec(
        reference=f"{head.order_number} FO-{head.id}"[:128], warehouse=head.warehouse,
        ship_to=head.ship_to, packages=packages, carrier=carrier, service=service,
        promised_date=head.promised_date,
        contents=tuple(ContentLine(sku, name, qty) for sku, (name, qty) in units.items()))
