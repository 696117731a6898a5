"""Quoting every service of every rate card for one shipment, and choosing against a promise.

Per package: billable weight (see ``dimweight``), base price from the service's weight breaks
for the zone, then surcharges — residential and remote area per package, oversize *or*
additional handling per package (oversize wins and also raises the billable weight to its
minimum). The fuel surcharge is ``fuel %`` of the shipment's base plus every other surcharge,
computed with ``Decimal`` and rounded half-even to the minor unit, once per shipment.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from backroom.core.errors import ValidationFailed
from backroom.core.money import Money, round_minor
from backroom.shipping.rating.calendar import delivery_date, ship_date, ship_date_local
from backroom.shipping.rating.dimweight import Measured, format_milli, measure
from backroom.shipping.rating.errors import no_service_error
from backroom.shipping.rating.model import (
    MILLI,
    Address,
    Choice,
    Excluded,
    Exclusion,
    Limits,
    Line,
    Package,
    PackageRate,
    Quote,
    QuoteSet,
    RateCard,
    Service,
    Surcharges,
    WeightBreaks,
)

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Shipment:
    origin: Address
    destination: Address
    packages: tuple[Package, ...]
    ready_at: datetime  # timezone-aware: when the parcels are ready for pickup
    promise: date | None = None  # the delivery date promised to the customer


def quote_all(cards: Sequence[RateCard], shipment: Shipment) -> QuoteSet:
    """Every service's quote, cheapest first; services that cannot carry it are listed with
    their reason. Raises ``NoServiceAvailable`` when no service at all can."""
    quotes: list[Quote] = []
    excluded: list[Excluded] = []
    for card in cards:
        _quote_card(card, shipment, quotes, excluded)
    if not quotes:
        raise no_service_error(shipment.origin, shipment.destination, excluded)
    quotes.sort(key=_by_price)
    return QuoteSet(tuple(quotes), tuple(excluded), shipment.promise)


def _quote_card(card: RateCard, shipment: Shipment, quotes: list[Quote],
                excluded: list[Excluded]) -> None:
    zone = card.zones.zone_for(shipment.origin, shipment.destination)
    if isinstance(zone, Exclusion):
        excluded.extend(Excluded(card.code, s.code, f"{card.name} {zone.reason}", zone.kind)
                        for s in card.services)
        return
    measured = [measure(p, card.units, card.dim) for p in shipment.packages]
    dest = shipment.destination
    remote = card.remote_areas.contains(dest.country, dest.postal_key)
    local = shipment.ready_at.astimezone(card.services[0].calendar.tz)
    for service in card.services:
        result = rate_service(card, service, zone, measured, shipment, remote, local)
        if isinstance(result, Quote):
            quotes.append(result)
        else:
            excluded.append(Excluded(card.code, service.code, result.reason, result.kind))


def rate_service(card: RateCard, service: Service, zone: str, measured: Sequence[Measured],
                 shipment: Shipment, remote: bool,
                 local_ready: datetime | None = None) -> Quote | Exclusion:
    """One service's quote for packages already measured in the card's units
    (``local_ready``: the ready time already in the card's time zone, to save converting it
    once per service)."""
    breaks = service.rates.get(zone)
    transit = service.transit_days.get(zone)
    if breaks is None or transit is None:
        return Exclusion(f"{service.name} does not serve zone {zone}")
    unit = card.units
    charges = _package_charges(service, breaks, measured, unit.length, unit.weight)
    if isinstance(charges, Exclusion):
        return charges
    packages, handling, oversize = charges
    lines = _lines(service.surcharges, packages, handling, oversize,
                   shipment.destination.residential, remote)
    calendar = service.calendar
    if local_ready is not None and local_ready.tzinfo is calendar.tz:
        shipped = ship_date_local(calendar, local_ready)
    else:
        shipped = ship_date(calendar, shipment.ready_at)
    return Quote(card.code, card.name, service.code, service.name, zone, card.currency,
                 unit.weight, sum(line.amount for line in lines), lines, packages, shipped,
                 delivery_date(calendar, shipped, transit), transit)


def _package_charges(service: Service, breaks: WeightBreaks, measured: Sequence[Measured],
                     length_unit: str, weight_unit: str
                     ) -> tuple[tuple[PackageRate, ...], int, int] | Exclusion:
    """Per package: limits, oversize or handling, billable weight and base price."""
    rules = service.surcharges
    out: list[PackageRate] = []
    handling = oversize = 0
    for i, m in enumerate(measured):
        reason = limit_reason(service.limits, m, length_unit, weight_unit)
        if reason is not None:
            return Exclusion(f"package {i + 1} {reason}", "package")
        billable = m.billable
        if rules.oversize is not None and _is_oversize(rules, m):
            oversize += rules.oversize.amount
            billable = max(billable, rules.oversize.min_billable)
        elif rules.handling is not None and _needs_handling(rules, m):
            handling += rules.handling.amount
        base = price(breaks.maxima, breaks.prices, billable)
        if base is None:
            return Exclusion(f"package {i + 1} exceeds the heaviest rate: billable weight "
                             f"{format_milli(billable)} {weight_unit} is over "
                             f"{format_milli(breaks.maxima[-1])} {weight_unit}", "package")
        out.append(PackageRate(i, m.actual, m.dim, billable, base))
    return tuple(out), handling, oversize


def price(maxima: Sequence[int], prices: Sequence[int], billable: int) -> int | None:
    """The price of the first weight break at or above ``billable``; None if heavier than all."""
    i = bisect_left(maxima, billable)
    return prices[i] if i < len(prices) else None


def limit_reason(limits: Limits, m: Measured, length_unit: str, weight_unit: str) -> str | None:
    """Why a measured package is beyond a service's limits, or None."""
    if limits.max_weight is not None and m.actual_over(limits.max_weight):
        weighs = m.actual_exact_num / m.actual_exact_den / MILLI
        return (f"exceeds max weight {format_milli(limits.max_weight)} {weight_unit} "
                f"(weighs {weighs:.1f} {weight_unit})")
    if limits.max_length is not None and m.longest * MILLI > limits.max_length:
        return (f"exceeds max length {format_milli(limits.max_length)} {length_unit} "
                f"(longest side {m.longest} {length_unit})")
    if limits.max_girth is not None and m.length_plus_girth * MILLI > limits.max_girth:
        return (f"exceeds max length plus girth {format_milli(limits.max_girth)} {length_unit} "
                f"(length + 2 × width + 2 × height = {m.length_plus_girth} {length_unit})")
    return None


def _is_oversize(rules: Surcharges, m: Measured) -> bool:
    over = rules.oversize
    assert over is not None
    return ((over.longest_side is not None and m.longest * MILLI > over.longest_side)
            or (over.length_plus_girth is not None
                and m.length_plus_girth * MILLI > over.length_plus_girth))


def _needs_handling(rules: Surcharges, m: Measured) -> bool:
    rule = rules.handling
    assert rule is not None
    return ((rule.longest_side is not None and m.longest * MILLI > rule.longest_side)
            or (rule.second_side is not None and m.second * MILLI > rule.second_side)
            or (rule.weight is not None and m.actual_over(rule.weight)))


def _lines(rules: Surcharges, packages: tuple[PackageRate, ...], handling: int, oversize: int,
           residential: bool, remote: bool) -> tuple[Line, ...]:
    count = len(packages)
    lines = [Line("base", "Base rate", sum(p.base for p in packages))]
    if residential and rules.residential:
        lines.append(Line("residential", "Residential delivery", rules.residential * count))
    if remote and rules.remote_area:
        lines.append(Line("remote_area", "Remote area", rules.remote_area * count))
    if handling:
        lines.append(Line("additional_handling", "Additional handling", handling))
    if oversize:
        lines.append(Line("oversize", "Oversize package", oversize))
    if rules.fuel_percent:
        subtotal = sum(line.amount for line in lines)
        fuel = round_minor(Decimal(subtotal) * rules.fuel_percent / _HUNDRED)
        lines.append(Line("fuel", f"Fuel surcharge {rules.fuel_percent}%", fuel))
    return tuple(lines)


def _by_price(q: Quote) -> tuple[int, date, str, str]:
    return (q.total, q.delivery_date, q.carrier, q.service)


def _by_speed(q: Quote) -> tuple[date, int, str, str]:
    return (q.delivery_date, q.total, q.carrier, q.service)


def choose(quotes: QuoteSet | Sequence[Quote], promise: date | None = None) -> Choice:
    """The cheapest quote delivering by ``promise`` (any quote if no promise); if none does,
    ``chosen`` is None and ``fastest`` names the earliest delivery."""
    if isinstance(quotes, QuoteSet):
        promise = promise if promise is not None else quotes.promise
        quotes = quotes.quotes
    if not quotes:
        raise ValidationFailed.single("quotes", 0, "there is nothing to choose from")
    fastest = min(quotes, key=_by_speed)
    meeting = [q for q in quotes if q.meets(promise)]
    currencies = sorted({q.currency for q in meeting})
    if len(currencies) > 1:
        raise ValidationFailed.single(
            "currency", ", ".join(currencies),
            "rate shopping compares prices in one currency; limit the carriers to one currency")
    if not meeting:
        return Choice(None, fastest, promise,
                      f"no service delivers by {promise}; the fastest is {describe(fastest)}")
    chosen = min(meeting, key=_by_price)
    promised = f", meets the promise of {promise}" if promise is not None else ""
    return Choice(chosen, fastest, promise, f"cheapest: {describe(chosen)}{promised}")


def describe(q: Quote) -> str:
    return (f"{q.service_name} ({q.carrier}), {Money(q.total, q.currency)}, "
            f"delivered {q.delivery_date}")
