"""The shape of ``carrier.yaml``, checked by pydantic; errors are mapped back to YAML lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from backroom.shipping.rating.model import Rounding, UnitSystem

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
Positive = Annotated[Decimal, Field(gt=0)]
NonNegative = Annotated[Decimal, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _local_time(value: time | None) -> time | None:
    if value is not None and value.tzinfo is not None:
        raise ValueError("is a local time in the carrier's time zone: leave out the offset")
    return value


class PickupIn(_Strict):
    cutoff: time = Field(description="local time in the carrier's time zone, e.g. 17:00")
    days: list[Weekday] = Field(min_length=1)

    @field_validator("cutoff")
    @classmethod
    def _no_offset(cls, value: time) -> time | None:
        return _local_time(value)


class DimIn(_Strict):
    divisor: int = Field(gt=0, description="139 in³/lb, 166 in³/lb, 5000 cm³/kg …")
    round_dimensions: Rounding = Rounding.NEAREST
    weight_increment: Positive = Decimal(1)
    min_volume: int = Field(0, ge=0)


class HandlingIn(_Strict):
    amount: NonNegative
    longest_side: Positive | None = None
    second_side: Positive | None = None
    weight: Positive | None = None


class OversizeIn(_Strict):
    amount: NonNegative
    longest_side: Positive | None = None
    length_plus_girth: Positive | None = None
    min_billable_weight: NonNegative = Decimal(0)


class SurchargesIn(_Strict):
    fuel_percent: Annotated[Decimal, Field(ge=0, le=100)] | None = None
    residential: NonNegative | None = None
    remote_area: NonNegative | None = None
    additional_handling: HandlingIn | None = None
    oversize: OversizeIn | None = None


class LimitsIn(_Strict):
    max_weight: Positive | None = None
    max_length: Positive | None = None
    max_length_plus_girth: Positive | None = None


class BandIn(_Strict):
    zone: Code
    max_km: Positive


class ZonesIn(_Strict):
    by: Literal["postal_prefix", "distance"]
    file: str | None = Field(None, description="postal_prefix: the zone chart CSV")
    bands: list[BandIn] | None = Field(None, description="distance: zone bands in km")
    countries: list[str] | None = Field(None, description="distance: countries served")
    centroids: str | None = Field(None, description="distance: postal centroids CSV")
    road_factor: Annotated[Decimal, Field(ge=1, le=3)] = Decimal(1)


class ServiceIn(_Strict):
    code: Code
    name: str = Field(min_length=1)
    transit_days: dict[str, Annotated[int, Field(ge=0, le=60)]] = Field(min_length=1)
    zones: list[str] | None = None
    limits: LimitsIn | None = None
    surcharges: SurchargesIn | None = None
    pickup_cutoff: time | None = None
    delivery_days: list[Weekday] | None = Field(None, min_length=1)

    @field_validator("pickup_cutoff")
    @classmethod
    def _no_offset(cls, value: time | None) -> time | None:
        return _local_time(value)


class CarrierIn(_Strict):
    code: Code
    name: str = Field(min_length=1)
    account: str = ""
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    units: UnitSystem
    timezone: str
    pickup: PickupIn
    delivery_days: list[Weekday] = Field(min_length=1)
    holidays: list[date] = Field(default_factory=list)
    dim_weight: DimIn
    zones: ZonesIn
    rates: str = "rates.csv"
    remote_areas: str | None = None
    limits: LimitsIn = Field(default_factory=LimitsIn)
    surcharges: SurchargesIn = Field(default_factory=SurchargesIn)
    services: list[ServiceIn] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not a known time zone name (e.g. America/Chicago)") from None
        return value


def weekday_numbers(days: Sequence[str]) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(d) for d in days)
