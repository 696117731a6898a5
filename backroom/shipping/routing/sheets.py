"""Route sheets as rows of text: shared by the CLI table and the PDF, so both say the same."""

from __future__ import annotations

from datetime import datetime

from backroom.shipping.routing.model import Plan, Route, Stop, Vehicle
from backroom.shipping.routing.reasons import kilos, litres

STOP_COLUMNS = ("#", "ETA", "window", "delivery", "address", "weight", "volume", "service",
                "wait")
SCREEN_COLUMNS = (0, 1, 2, 3, 4, 5, 8)  # of STOP_COLUMNS: what fits a terminal
SUMMARY_COLUMNS = ("vehicle", "leaves", "back", "stops", "distance", "driving day", "weight",
                   "volume")


def hhmm(moment: datetime | None, zone: datetime | None = None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(zone.tzinfo) if zone is not None else moment
    return local.strftime("%H:%M")


def km(metres: int) -> str:
    return f"{metres / 1000:,.1f} km"


def minutes(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds) // 60, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def window(stop: Stop, zone: datetime) -> str:
    d = stop.delivery
    if d.window_start is None and d.window_end is None:
        return ""
    return f"{hhmm(d.window_start, zone) or '…'}–{hhmm(d.window_end, zone) or '…'}"


def stop_rows(route: Route) -> list[tuple[str, ...]]:
    zone = route.vehicle.shift_start
    return [(str(s.sequence), hhmm(s.arrival, zone), window(s, zone), s.delivery.id,
             s.delivery.address, kilos(s.delivery.weight_g), litres(s.delivery.volume_cm3),
             minutes(s.delivery.service_s), minutes(s.wait_s) if s.wait_s else "")
            for s in route.stops]


def capacity(used: int, limit: int | None, unit: str) -> str:
    text = kilos(used) if unit == "kg" else litres(used)
    if limit is None:
        return text
    share = 100 * used / limit if limit else 0
    return f"{text} ({share:.0f}%)"


def vehicle_label(vehicle: Vehicle) -> str:
    return f"{vehicle.id} ({vehicle.name})" if vehicle.name else vehicle.id


def summary_rows(plan: Plan) -> list[tuple[str, ...]]:
    return [(vehicle_label(r.vehicle), hhmm(r.departure, r.vehicle.shift_start),
             hhmm(r.return_at, r.vehicle.shift_start), str(len(r.stops)), km(r.distance_m),
             minutes(r.duration_s), capacity(r.weight_g, r.vehicle.capacity_weight_g, "kg"),
             capacity(r.volume_cm3, r.vehicle.capacity_volume_cm3, "l"))
            for r in plan.routes]


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def totals(plan: Plan) -> str:
    return (f"{plural(len(plan.routes), 'route')}, {plural(plan.stops_count, 'stop')}, "
            f"{km(plan.distance_m)}, {minutes(plan.duration_s)} on the road; "
            f"{len(plan.unassigned)} not placed")
