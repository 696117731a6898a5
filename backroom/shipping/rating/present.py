"""Quotes, choices and carriers as plain JSON-ready dicts (shared by the API and the CLI).

Money appears twice: ``amount`` as an exact decimal string and ``amount_minor`` as integer minor
units, always beside its ``currency``. Weights are decimal strings in the carrier's unit.
"""

from __future__ import annotations

from typing import Any

from backroom.core.money import from_minor
from backroom.shipping.rating.dimweight import format_milli
from backroom.shipping.rating.model import Choice, Quote, QuoteSet, RateCard
from backroom.shipping.rating.schema import WEEKDAYS


def money(minor: int, currency: str) -> str:
    return str(from_minor(minor, currency))


def quote_dict(q: Quote, promise: Any = None) -> dict[str, Any]:
    return {
        "carrier": q.carrier, "carrier_name": q.carrier_name, "service": q.service,
        "service_name": q.service_name, "zone": q.zone, "currency": q.currency,
        "total": money(q.total, q.currency), "total_minor": q.total,
        "billable_weight": format_milli(q.billable_weight), "weight_unit": q.weight_unit,
        "lines": [{"code": line.code, "label": line.label,
                   "amount": money(line.amount, q.currency), "amount_minor": line.amount}
                  for line in q.lines],
        "packages": [{"package": p.index + 1, "actual_weight": format_milli(p.actual_weight),
                      "dim_weight": format_milli(p.dim_weight),
                      "billable_weight": format_milli(p.billable_weight),
                      "base": money(p.base, q.currency), "base_minor": p.base}
                     for p in q.packages],
        "ship_date": q.ship_date.isoformat(), "delivery_date": q.delivery_date.isoformat(),
        "transit_days": q.transit_days, "meets_promise": q.meets(promise),
    }


def quote_set_dict(qs: QuoteSet) -> dict[str, Any]:
    return {
        "promise": qs.promise.isoformat() if qs.promise else None,
        "quotes": [quote_dict(q, qs.promise) for q in qs.quotes],
        "excluded": [{"carrier": e.carrier, "service": e.service, "reason": e.reason}
                     for e in qs.excluded],
    }


def choice_dict(choice: Choice) -> dict[str, Any]:
    def brief(q: Quote | None) -> dict[str, Any] | None:
        if q is None:
            return None
        return {"carrier": q.carrier, "service": q.service, "service_name": q.service_name,
                "total": money(q.total, q.currency), "total_minor": q.total,
                "currency": q.currency, "delivery_date": q.delivery_date.isoformat()}

    return {"meets_promise": choice.meets_promise,
            "promise": choice.promise.isoformat() if choice.promise else None,
            "chosen": brief(choice.chosen), "fastest": brief(choice.fastest),
            "message": choice.message}


def carrier_dict(card: RateCard) -> dict[str, Any]:
    return {
        "code": card.code, "name": card.name, "account": card.account,
        "currency": card.currency, "units": str(card.units),
        "dim_divisor": card.dim.divisor,
        "services": [{
            "code": s.code, "name": s.name, "zones": sorted(s.rates),
            "transit_days": dict(sorted(s.transit_days.items())),
            "pickup_cutoff": s.calendar.cutoff.strftime("%H:%M"),
            "timezone": str(s.calendar.tz),
            "delivery_days": [WEEKDAYS[d] for d in sorted(s.calendar.delivery_days)],
            "max_weight": _limit(s.limits.max_weight, card.units.weight),
            "max_length": _limit(s.limits.max_length, card.units.length),
        } for s in card.services],
    }


def _limit(milli: int | None, unit: str) -> str | None:
    return None if milli is None else f"{format_milli(milli)} {unit}"
