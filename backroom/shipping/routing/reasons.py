"""Why a delivery cannot be placed: on its own (too heavy, window out of reach, beyond every
shift), or only in this plan (no capacity or time left). Messages name the numbers a dispatcher
needs: the weight against the biggest van, the earliest possible arrival against the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from backroom.shipping.routing.model import Delivery, Reason, Unassigned, Vehicle


@dataclass(frozen=True, slots=True)
class Reach:
    """How one vehicle would serve one delivery alone: out from the depot and straight back."""

    vehicle: Vehicle
    carries: bool
    arrival: datetime
    in_window: bool
    back: datetime

    @property
    def ok(self) -> bool:
        return self.carries and self.in_window and self.back <= self.vehicle.shift_end


def reach(vehicle: Vehicle, delivery: Delivery, out_s: int, back_s: int) -> Reach:
    w, v = vehicle.capacity_weight_g, vehicle.capacity_volume_cm3
    carries = (w is None or delivery.weight_g <= w) and (v is None or delivery.volume_cm3 <= v)
    arrival = vehicle.shift_start + timedelta(seconds=out_s)
    begin = max(arrival, delivery.window_start) if delivery.window_start else arrival
    in_window = delivery.window_end is None or begin <= delivery.window_end
    back = begin + timedelta(seconds=delivery.service_s + back_s)
    return Reach(vehicle, carries, arrival, in_window, back)


def alone(delivery: Delivery, reaches: Sequence[Reach]) -> Unassigned | None:
    """The reason no vehicle can serve ``delivery`` even with nothing else to do, or None."""
    if any(r.ok for r in reaches):
        return None
    vehicles = [r.vehicle for r in reaches]
    heavy = _too_heavy(delivery, vehicles)
    if heavy:
        return Unassigned(delivery, Reason.TOO_HEAVY, heavy)
    large = _too_large(delivery, vehicles)
    if large:
        return Unassigned(delivery, Reason.TOO_LARGE, large)
    if not any(r.in_window for r in reaches):
        first = min(r.arrival for r in reaches)
        return Unassigned(delivery, Reason.WINDOW_UNREACHABLE,
                          f"time window {_window(delivery)} cannot be reached from the depot "
                          f"before it closes (earliest arrival {clock(first, delivery)})")
    able = [r for r in reaches if r.carries and r.in_window]
    if able:
        back = min(r.back for r in able)
        end = max(r.vehicle.shift_end for r in able)
        return Unassigned(delivery, Reason.BEYOND_SHIFT,
                          "cannot be delivered with the van back at the depot within any shift "
                          f"(earliest return {clock(back, delivery)}, latest shift end "
                          f"{clock(end, delivery)})")
    return Unassigned(delivery, Reason.NO_VEHICLE_FITS,
                      "no vehicle both carries it and reaches it in time: "
                      + "; ".join(_why(r, delivery) for r in reaches[:5]))


def crowded(delivery: Delivery) -> Unassigned:
    return Unassigned(delivery, Reason.NO_CAPACITY_LEFT,
                      "fits a vehicle on its own, but no route in this plan has capacity or time "
                      "left for it (add a vehicle, widen the window or move it to another day)")


def _too_heavy(delivery: Delivery, vehicles: Sequence[Vehicle]) -> str:
    limits = [v.capacity_weight_g for v in vehicles]
    if any(limit is None or delivery.weight_g <= limit for limit in limits):
        return ""
    top = max(limit for limit in limits if limit is not None)
    return f"weighs {kilos(delivery.weight_g)}, more than any vehicle carries (max {kilos(top)})"


def _too_large(delivery: Delivery, vehicles: Sequence[Vehicle]) -> str:
    limits = [v.capacity_volume_cm3 for v in vehicles]
    if any(limit is None or delivery.volume_cm3 <= limit for limit in limits):
        return ""
    top = max(limit for limit in limits if limit is not None)
    return (f"takes {litres(delivery.volume_cm3)}, more than any vehicle holds "
            f"(max {litres(top)})")


def _why(r: Reach, delivery: Delivery) -> str:
    if not r.carries:
        return f"{r.vehicle.id} is too small"
    if not r.in_window:
        return f"{r.vehicle.id} arrives {clock(r.arrival, delivery)}, after the window closes"
    return f"{r.vehicle.id} would be back {clock(r.back, delivery)}, after its shift ends"


def kilos(grams: int) -> str:
    kg = grams / 1000
    return f"{kg:,.0f} kg" if kg == int(kg) else f"{kg:,.1f} kg"


def litres(cm3: int) -> str:
    if cm3 >= 1_000_000:
        return f"{cm3 / 1_000_000:,.2f} m³".replace(".00 ", " ")
    return f"{cm3 / 1000:,.0f} l"


def clock(moment: datetime, delivery: Delivery | None = None) -> str:
    """HH:MM in the zone of the delivery's window (if any), else the moment's own zone."""
    ref = delivery.window_start or delivery.window_end if delivery else None
    local = moment.astimezone(ref.tzinfo) if ref is not None else moment
    return local.strftime("%H:%M")


def _window(delivery: Delivery) -> str:
    start = clock(delivery.window_start, delivery) if delivery.window_start else "…"
    end = clock(delivery.window_end, delivery) if delivery.window_end else "…"
    return f"{start}–{end}"
