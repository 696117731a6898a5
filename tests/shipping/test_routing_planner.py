"""Planning a merchant's day: feasible plans with times, reasons for what cannot be placed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from backroom.core.errors import ValidationFailed
from backroom.shipping.routing.model import Plan, Reason
from backroom.shipping.routing.parse import parse_request
from backroom.shipping.routing.planner import plan_routes
from tests.shipping.routing_helpers import SAMPLE, at, request


def _plan(data: dict[str, Any]) -> Plan:
    return plan_routes(parse_request(data))


def _assert_valid(plan: Plan) -> None:
    """Windows, capacities, stop limits and shifts, read from the plan a dispatcher gets."""
    assert plan.feasible, plan.violations
    for route in plan.routes:
        van = route.vehicle
        assert van.shift_start <= route.departure and route.return_at <= van.shift_end
        if van.capacity_weight_g is not None:
            assert route.weight_g <= van.capacity_weight_g
        if van.capacity_volume_cm3 is not None:
            assert route.volume_cm3 <= van.capacity_volume_cm3
        assert van.max_stops is None or len(route.stops) <= van.max_stops
        for stop in route.stops:
            d = stop.delivery
            assert stop.arrival <= stop.service_start
            assert d.window_start is None or stop.service_start >= d.window_start
            assert d.window_end is None or stop.service_start <= d.window_end
            assert stop.departure == stop.service_start + timedelta(seconds=d.service_s)


def test_places_every_delivery_within_windows_and_capacity_when_sample_is_planned() -> None:
    data = json.loads(SAMPLE.read_text())
    data["options"]["time_limit_s"] = 0.5
    plan = _plan(data)
    _assert_valid(plan)
    assert not plan.unassigned
    assert plan.stops_count == len(data["deliveries"]) == 30
    placed = [s.delivery.id for r in plan.routes for s in r.stops]
    assert sorted(placed) == sorted(d["id"] for d in data["deliveries"])


def test_reports_weight_against_biggest_van_when_a_delivery_is_too_heavy() -> None:
    data = request()
    data["deliveries"].append({"id": "PIANO", "lat": 52.51, "lon": 13.40, "weight_g": 900_000})
    plan = _plan(data)
    _assert_valid(plan)
    (left,) = plan.unassigned
    assert (left.delivery.id, left.code) == ("PIANO", Reason.TOO_HEAVY)
    assert left.reason == "weighs 900 kg, more than any vehicle carries (max 700 kg)"
    assert plan.stops_count == 3


def test_reports_earliest_arrival_when_a_window_closes_too_early() -> None:
    data = request()
    data["deliveries"].append({"id": "EARLY", "lat": 52.60, "lon": 13.50,
                               "window_start": at(8), "window_end": at(8, 5)})
    (left,) = _plan(data).unassigned
    assert left.code == Reason.WINDOW_UNREACHABLE
    assert left.reason.startswith("time window 08:00–08:05 cannot be reached from the depot "
                                  "before it closes (earliest arrival 08:")


def test_reports_return_time_when_a_delivery_is_too_far_for_any_shift() -> None:
    data = request()
    data["deliveries"].append({"id": "MUNICH", "lat": 48.137, "lon": 11.575})
    (left,) = _plan(data).unassigned
    assert left.code == Reason.BEYOND_SHIFT
    assert "latest shift end 16:00" in left.reason


def test_names_each_vehicle_when_no_single_one_both_carries_and_reaches_it() -> None:
    data = request()
    data["vehicles"][1]["shift_start"] = at(6)  # the small van starts early …
    data["vehicles"][0]["shift_start"] = at(9)  # … the big one too late for the window
    data["deliveries"].append({"id": "SOFA", "lat": 52.50, "lon": 13.40, "weight_g": 400_000,
                               "window_start": at(7), "window_end": at(8)})
    (left,) = _plan(data).unassigned
    assert left.code == Reason.NO_VEHICLE_FITS
    assert "VAN-1 arrives 09:" in left.reason and "VAN-2 is too small" in left.reason


def test_reports_no_capacity_left_when_deliveries_fit_alone_but_not_together() -> None:
    deliveries = [{"id": f"D{i}", "lat": 52.50 + i / 1000, "lon": 13.40, "weight_g": 250_000}
                  for i in range(5)]
    plan = _plan(request(deliveries))
    _assert_valid(plan)
    # 700 kg + 300 kg of vans carry at most 2 + 1 parcels of 250 kg
    assert plan.stops_count == 3
    assert [u.code for u in plan.unassigned] == [Reason.NO_CAPACITY_LEFT] * 2


def test_refuses_the_whole_request_when_strict_and_a_delivery_fits_no_vehicle() -> None:
    data = request(options={"strict": True, "time_limit_s": 0.2})
    data["deliveries"].append({"id": "PIANO", "lat": 52.51, "lon": 13.40, "weight_g": 900_000})
    with pytest.raises(ValidationFailed) as caught:
        _plan(data)
    assert caught.value.problems[0].field == "deliveries[3]"
    assert caught.value.problems[0].value == "PIANO"
    assert "weighs 900 kg" in caught.value.message


def test_leaves_late_enough_not_to_wait_when_the_first_stop_opens_later() -> None:
    deliveries = [{"id": "LATE", "lat": 52.52, "lon": 13.40, "window_start": at(13),
                   "window_end": at(14)}]
    (route,) = _plan(request(deliveries)).routes
    (stop,) = route.stops
    assert stop.arrival == stop.service_start == datetime.fromisoformat(at(13))
    assert stop.wait_s == 0 and route.departure > datetime.fromisoformat(at(12, 30))


def test_uses_supplied_road_distances_when_a_matrix_is_given() -> None:
    ids = ["depot", "A", "B", "C"]
    far = [[0 if a == b else 40_000 for b in ids] for a in ids]
    data = request(matrix={"ids": ids, "distances_m": far})
    plan = _plan(data)
    _assert_valid(plan)
    assert plan.distance_m == 40_000 * (3 + len(plan.routes))


@pytest.mark.parametrize(("change", "field", "message"), [
    (lambda d: d["deliveries"][0].update(lat=91), "deliveries[0].lat", "from -90 to 90"),
    (lambda d: d["deliveries"][1].update(window_end=at(9)), "deliveries[1].window_end",
     "must not be before window_start"),
    (lambda d: d["vehicles"][0].update(shift_start="2025-06-02T08:00:00"),
     "vehicles[0].shift_start", "UTC offset"),
    (lambda d: d["deliveries"][2].update(weight_kg=3), "deliveries[2].weight_kg",
     "not a known field"),
    (lambda d: d["deliveries"][2].update(id="A"), "deliveries[2].id", "used by another"),
    (lambda d: d["vehicles"][1].update(shift_end=at(7)), "vehicles[1].shift_end", "after"),
    (lambda d: d.update(options={"solver": "magic"}), "options.solver", "vroom, ortools"),
    (lambda d: d.update(vehicles=[]), "vehicles", "non-empty list"),
    (lambda d: d["deliveries"][0].pop("lon"), "deliveries[0].lon", "is required"),
    (lambda d: d.update(matrix={"ids": ["depot", "A"], "distances_m": [[0, 1], [1, 0]]}),
     "matrix.ids", "has no row"),
])
def test_names_the_field_when_the_request_is_invalid(change: Any, field: str, message: str) -> None:
    data = request()
    change(data)
    with pytest.raises(ValidationFailed) as caught:
        parse_request(data)
    assert any(p.field == field and message in p.message for p in caught.value.problems), \
        caught.value.problems


def test_reports_every_problem_at_once_when_many_fields_are_wrong() -> None:
    data = request()
    data["deliveries"][0]["lat"] = "north"
    data["deliveries"][1]["weight_g"] = -5
    data["vehicles"][0]["max_stops"] = 0
    with pytest.raises(ValidationFailed) as caught:
        parse_request(data)
    assert {p.field for p in caught.value.problems} == {
        "deliveries[0].lat", "deliveries[1].weight_g", "vehicles[0].max_stops"}
