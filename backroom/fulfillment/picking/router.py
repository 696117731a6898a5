"""Choose the order to walk a pick list: the entry point fulfillment calls.

``plan_route(layout, points)`` returns a :class:`Route`. By default (``method="auto"``):

- one or two blocks: the exact dynamic program (Ratliff & Rosenthal 1983 for one block,
  Roodbergen & de Koster 2001 for two), so the route is the shortest possible;
- three or more blocks: the heuristic (best simple rule, 2-opt and or-opt, kicks).

``method="optimal"`` forces the exact program (up to :data:`MAX_OPTIMAL_BLOCKS` blocks, where it
takes tens of milliseconds); ``"heuristic"``, ``"s-shape"`` and ``"largest-gap"`` force the
others, and :func:`route_in_order` turns any given order (e.g. sorted by location name) into a
route, for comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from backroom.core.errors import Problem, ValidationFailed
from backroom.fulfillment.picking import baselines, dp, euler, heuristic
from backroom.fulfillment.picking.layout import (
    PickPoint,
    Point,
    WarehouseLayout,
    bin_point,
    tour_length,
    walk,
)

MAX_OPTIMAL_BLOCKS = 4
AUTO_OPTIMAL_BLOCKS = 2


class Method(StrEnum):
    AUTO = "auto"
    OPTIMAL = "optimal"
    HEURISTIC = "heuristic"
    S_SHAPE = "s-shape"
    LARGEST_GAP = "largest-gap"
    GIVEN = "given"  # an order chosen elsewhere, e.g. sorted by location name


@dataclass(frozen=True, slots=True)
class Route:
    """A pick list's walking order.

    ``order`` holds indexes into the points given, in walking order (picks at one position are
    consecutive, in the order given); ``stops`` the same points. ``length`` is the walk in
    metres from the depot through every stop in order and back, by shortest walks.
    """

    order: tuple[int, ...]
    stops: tuple[PickPoint, ...]
    length: float
    method: Method
    optimal: bool

    def path(self, layout: WarehouseLayout) -> list[Point]:
        """The walk's corner points in metres, depot first and last (for drawing)."""
        return walk(layout, self.stops)


def plan_route(layout: WarehouseLayout, points: Sequence[PickPoint],
               method: Method | str = Method.AUTO) -> Route:
    """The order to walk ``points`` in ``layout``, from the depot and back."""
    chosen = _chosen_method(layout, Method(method))
    picks = list(points)
    _check_points(layout, picks)
    if not picks:
        return Route((), (), 0.0, chosen, True)
    if chosen is Method.OPTIMAL:
        order = euler.visit_order(dp.solve(layout, picks), picks)
    elif chosen is Method.HEURISTIC:
        order = heuristic.heuristic_order(layout, picks)
    elif chosen is Method.S_SHAPE:
        order = baselines.s_shape(layout, picks)
    else:
        order = baselines.largest_gap(layout, picks)
    return _route(layout, picks, order, chosen)


def route_bins(layout: WarehouseLayout, bins: Sequence[tuple[str, int]],
               method: Method | str = Method.AUTO) -> Route:
    """:func:`plan_route` for bins given as ``(aisle letters, bay)``, e.g. ``("C", 12)``."""
    return plan_route(layout, [bin_point(layout, aisle, bay) for aisle, bay in bins], method)


def route_in_order(layout: WarehouseLayout, points: Sequence[PickPoint],
                   order: Sequence[int]) -> Route:
    """The route that walks ``points`` in a given ``order`` (a permutation of indexes)."""
    picks = list(points)
    _check_points(layout, picks)
    if sorted(order) != list(range(len(picks))):
        raise ValidationFailed.single("order", list(order), "must list every pick exactly once")
    return _route(layout, picks, list(order), Method.GIVEN)


def _chosen_method(layout: WarehouseLayout, method: Method) -> Method:
    if method is Method.AUTO:
        return Method.OPTIMAL if layout.blocks <= AUTO_OPTIMAL_BLOCKS else Method.HEURISTIC
    if method is Method.OPTIMAL and layout.blocks > MAX_OPTIMAL_BLOCKS:
        raise ValidationFailed.single(
            "method", str(method), f"the exact method handles up to {MAX_OPTIMAL_BLOCKS} "
            f"blocks; this layout has {layout.blocks} (use auto or heuristic)")
    if method is Method.GIVEN:
        raise ValidationFailed.single("method", str(method), "use route_in_order for a given "
                                      "order")
    return method


def _check_points(layout: WarehouseLayout, points: list[PickPoint]) -> None:
    problems = [Problem(f"points[{k}]", "is outside the layout (aisles 0-"
                        f"{layout.aisles - 1}, 0-{layout.aisle_length:g} m from the front)",
                        f"({p.aisle}, {p.y:g})")
                for k, p in enumerate(points) if not layout.contains(p)]
    if problems:
        raise ValidationFailed.of(problems)


def _route(layout: WarehouseLayout, picks: list[PickPoint], order: list[int],
           method: Method) -> Route:
    stops = tuple(picks[i] for i in order)
    return Route(tuple(order), stops, tour_length(layout, stops), method,
                 method is Method.OPTIMAL)


def name_route(layout: WarehouseLayout, points: Sequence[PickPoint],
               names: Sequence[str]) -> Route:
    """The route of a list sorted by location name (what most systems print)."""
    return route_in_order(layout, points, baselines.name_order(names))
