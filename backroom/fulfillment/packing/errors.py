"""Why a packing cannot be made: every bad item or box is named at once."""

from __future__ import annotations

from collections.abc import Sequence

from backroom.core.errors import Problem, ProblemCollector, ValidationFailed
from backroom.fulfillment.packing.model import Box, Item, fits_inside


class ItemsFitNoBox(ValidationFailed):
    """Some items fit no box of the catalog (too long, too wide or too heavy for every one)."""

    code = "items_fit_no_box"
    title = "Items fit no box"


class NoShippablePacking(ValidationFailed):
    """Every packing found needs a parcel that no shipping service can carry."""

    code = "no_shippable_packing"
    title = "No service can carry the cartons"


def check_input(items: Sequence[Item], boxes: Sequence[Box], *, rotate: bool = True) -> None:
    """Raise ``ValidationFailed`` for impossible sizes, ``ItemsFitNoBox`` naming each item (with
    its dimensions and weight) that no box of the catalog can hold on its own."""
    problems = ProblemCollector()
    if not boxes:
        problems.add("boxes", "the box catalog is empty")
    for i, box in enumerate(boxes):
        if min(box.inner) <= 0 or min(box.outer) <= 0:
            problems.add(f"boxes[{i}]", "every dimension must be a positive number of mm",
                         box.code)
        if box.max_weight_g <= 0 or box.cost < 0 or box.tare_g < 0:
            problems.add(f"boxes[{i}]", "max weight must be positive, cost and tare not "
                                        "negative", box.code)
    for i, item in enumerate(items):
        if min(item.dims) <= 0 or item.weight_g < 0:
            problems.add(f"items[{i}]", "dimensions must be positive mm and weight not "
                                        "negative grams", item.sku)
    problems.raise_if_any()
    misfits = [Problem(f"items[{i}]", _misfit_reason(item, boxes, rotate), item.sku)
               for i, item in enumerate(items)
               if not any(box.holds(item, rotate) for box in boxes)]
    if misfits:
        raise ItemsFitNoBox.of(misfits)


def _misfit_reason(item: Item, boxes: Sequence[Box], rotate: bool) -> str:
    lying = "upright" if rotate and not item.can_rotate else (
        "turned any way" if rotate else "as given")
    roomy = [b for b in boxes if fits_inside(item.orientations(rotate), b.inner)]
    if roomy:
        strongest = max(b.max_weight_g for b in roomy)
        return (f"{item.describe()} is too heavy for every box it fits in (they carry at most "
                f"{strongest} g)")
    largest = max(boxes, key=lambda b: b.volume)
    return f"{item.describe()} fits no box, {lying}; the largest is {largest.describe()}"
