"""Request bodies of the stock API (pydantic v2): strict about types, closed to unknown fields.

Quantities are ``StrictInt``: ``"5"``, ``5.0``, ``5.5`` and ``true`` are refused with a 422 that
names the field, rather than silently coerced. Unit costs are decimals; send them as strings
(``"4.25"``) or JSON numbers (read as the decimal you wrote, never as binary floats).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from backroom.inventory import services

MAX_QTY = 100_000_000  # one move; keeps sums far inside the database's 32-bit integers
MAX_LINES = 10_000
MAX_ID = 2**63 - 1  # ids are 64-bit in both databases

Qty = Annotated[StrictInt, Field(gt=0, le=MAX_QTY, examples=[5])]
SkuCode = Annotated[str, Field(min_length=1, max_length=64, examples=["TEE-BLK-M"])]
LocationCode = Annotated[str, Field(min_length=1, max_length=64, examples=["WH1-A-01-1"])]
WarehouseCode = Annotated[str, Field(min_length=1, max_length=16, examples=["WH1"])]
LotCode = Annotated[str, Field(min_length=1, max_length=64, examples=["L2025-07"])]
Reference = Annotated[str, Field(max_length=128, examples=["PO-1001"])]
RequiredReference = Annotated[str, Field(min_length=1, max_length=128, examples=["SO-1001:1"])]
Note = Annotated[str, Field(max_length=500)]
UnitCost = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6, examples=["4.25"])]
AdjustReason = Literal["count", "damage", "found", "shrinkage", "other"]
MoveReason = Literal["internal", "putaway", "quarantine", "other"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)


class ReceiptLineIn(_Body):
    sku: SkuCode
    qty: Qty
    unit_cost: UnitCost | None = None
    lot: LotCode | None = None
    expiry: date | None = None

    def to_line(self) -> services.ReceiptLine:
        return services.ReceiptLine(self.sku, self.qty, self.unit_cost, self.lot, self.expiry)


class ReceiveIn(_Body):
    """Goods from a supplier into a warehouse (its INPUT location unless ``location``)."""

    warehouse: WarehouseCode
    location: LocationCode | None = None
    reference: Reference = ""
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=MAX_LINES)


class MoveIn(_Body):
    """Stock between two locations of one warehouse (putaway, bin to bin, quarantine)."""

    sku: SkuCode
    qty: Qty
    from_: LocationCode = Field(alias="from")
    to: LocationCode
    lot: LotCode | None = None
    reason: MoveReason = "internal"
    reference: Reference = ""
    note: Note = ""


class AdjustIn(_Body):
    """A correction through LOSS: a negative ``delta`` removes units, a positive one adds."""

    location: LocationCode
    sku: SkuCode
    delta: Annotated[StrictInt, Field(ge=-MAX_QTY, le=MAX_QTY, examples=[-2])]
    reason: AdjustReason
    lot: LotCode | None = None
    expiry: date | None = None
    reference: Reference = ""
    note: Note = ""

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("must not be zero")
        return value


class ShipIn(_Body):
    """Stock out to the customer; consumes reservations held under ``reference`` first."""

    sku: SkuCode
    qty: Qty
    from_: LocationCode = Field(alias="from")
    reference: RequiredReference
    lot: LotCode | None = None


class ReserveIn(_Body):
    """Commit stock of a warehouse to a demand; lot-tracked SKUs pick lots FEFO unless ``lot``."""

    warehouse: WarehouseCode
    sku: SkuCode
    qty: Qty
    reference: RequiredReference
    lot: LotCode | None = None


class ReleaseIn(_Body):
    """Release one reservation (``reservation_id``) or all under ``reference``; ``qty`` caps it."""

    reservation_id: Annotated[StrictInt, Field(gt=0, le=MAX_ID)] | None = None
    reference: RequiredReference | None = None
    qty: Qty | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ReleaseIn:
        if (self.reservation_id is None) == (self.reference is None):
            raise ValueError("give exactly one of reservation_id or reference")
        return self


class TransferLineIn(_Body):
    sku: SkuCode
    qty: Qty
    lot: LotCode | None = None

    def to_spec(self) -> services.TransferLineSpec:
        return services.TransferLineSpec(self.sku, self.qty, self.lot)


class TransferIn(_Body):
    """Stock from a location of one warehouse into TRANSIT, bound for another warehouse."""

    from_: LocationCode = Field(alias="from")
    to_warehouse: WarehouseCode
    reference: Reference = ""
    lines: list[TransferLineIn] = Field(min_length=1, max_length=MAX_LINES)


class TransferReceiveIn(_Body):
    """Arrival of a transfer: into ``location`` or the destination's INPUT."""

    location: LocationCode | None = None


class SafetyStockIn(_Body):
    warehouse: WarehouseCode
    sku: SkuCode
    safety_stock: Annotated[StrictInt, Field(ge=0, le=MAX_QTY)]


class ReverseIn(_Body):
    note: Note = ""
