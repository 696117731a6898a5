"""HTTP routes of rating: quotes and rate shopping, carriers.

``POST /shipping/quotes`` is a pure computation: it changes nothing, so it needs only
``shipping:read`` and takes no ``Idempotency-Key`` (repeating it is always harmless). It is a
POST because a shipment with several packages does not fit in a query string.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from backroom.api.auth import Principal
from backroom.api.deps import get_uow, require
from backroom.core.errors import ValidationFailed
from backroom.db.uow import UnitOfWork
from backroom.shipping.rating import present
from backroom.shipping.rating.model import Address, Package
from backroom.shipping.rating.quote import choose
from backroom.shipping.rating.services import carriers, quote_shipment, warehouse_address

router = APIRouter(tags=["shipping"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AddressIn(_In):
    country: StrictStr = Field(description="ISO 3166-1 alpha-2, e.g. US")
    postal_code: StrictStr = ""
    residential: StrictBool = False
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)

    def to_domain(self) -> Address:
        return Address(self.country, self.postal_code, self.residential, self.latitude,
                       self.longitude)


class PackageIn(_In):
    length_mm: StrictInt
    width_mm: StrictInt
    height_mm: StrictInt
    weight_g: StrictInt

    def to_domain(self) -> Package:
        return Package(self.length_mm, self.width_mm, self.height_mm, self.weight_g)


class QuoteRequest(_In):
    origin_warehouse: StrictStr | None = Field(None, description="ship from this warehouse")
    origin: AddressIn | None = Field(None, description="or from this address")
    destination: AddressIn
    packages: list[PackageIn] = Field(description="at least one; sizes in mm, weights in g")
    promise_date: date | None = Field(None, description="promised delivery date")
    ready_at: datetime | None = Field(None, description="when the parcels are ready; default "
                                                        "now")
    carriers: list[StrictStr] | None = Field(None, description="limit to these carrier codes")
    choose: StrictBool = Field(False, description="also pick the cheapest service that "
                                                  "meets the promise")


def _origin(body: QuoteRequest, uow: UnitOfWork) -> Address:
    if (body.origin_warehouse is None) == (body.origin is None):
        raise ValidationFailed.single("origin", None,
                                      "give exactly one of origin_warehouse and origin")
    if body.origin is not None:
        return body.origin.to_domain()
    assert body.origin_warehouse is not None
    return warehouse_address(uow, body.origin_warehouse)


@router.post("/shipping/quotes")
def post_quotes(body: QuoteRequest,
                principal: Principal = Depends(require("shipping:read")),
                uow: UnitOfWork = Depends(get_uow)) -> dict[str, Any]:
    """Every service's price (breakdown in minor units and as decimal strings) and estimated
    delivery date; with ``choose``, the cheapest service that meets ``promise_date`` — or
    ``meets_promise: false`` and the fastest one. Changes nothing."""
    quotes = quote_shipment(_origin(body, uow), body.destination.to_domain(),
                            [p.to_domain() for p in body.packages],
                            promise=body.promise_date, ready_at=body.ready_at,
                            carriers=body.carriers)
    data = present.quote_set_dict(quotes)
    if body.choose:
        data["choice"] = present.choice_dict(choose(quotes))
    return data


@router.get("/shipping/carriers")
def get_carriers(principal: Principal = Depends(require("shipping:read"))) -> dict[str, Any]:
    """The loaded carriers and their services (zones, transit days, cut-off, limits)."""
    return {"items": [present.carrier_dict(card) for card in carriers()], "next_cursor": None}
