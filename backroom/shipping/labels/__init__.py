"""Printable documents of a shipment: 4×6 labels (PDF and ZPL), packing slips, manifests.

Renderers take plain values (``LabelData`` …), never rows, and are deterministic: the same
shipment always renders to the same bytes, so nothing needs to be stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backroom.shipping.model import Address, ContentLine


@dataclass(frozen=True, slots=True)
class LabelPackage:
    number: int
    tracking_number: str
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int


@dataclass(frozen=True, slots=True)
class LabelData:
    shipment_id: int
    reference: str
    carrier: str
    service: str
    ship_from: Address
    ship_to: Address
    ship_date: date
    packages: tuple[LabelPackage, ...]
    contents: tuple[ContentLine, ...] = ()

    @property
    def package_count(self) -> int:
        return len(self.packages)


def format_weight(grams: int) -> str:
    """'1.25 kg (2.76 lb)': both units, as labels are read on both sides of the Atlantic."""
    return f"{grams / 1000:.2f} kg ({grams / 453.59237:.2f} lb)"


def service_line(data: LabelData) -> str:
    return f"{data.carrier} {data.service}".upper()


__all__ = ["LabelData", "LabelPackage", "format_weight", "service_line"]


@dataclass(frozen=True, slots=True)
class ManifestRow:
    shipment_id: int
    package_no: int
    tracking_number: str
    service: str
    weight_g: int
    reference: str
    postal_code: str
    country: str


@dataclass(frozen=True, slots=True)
class ManifestData:
    manifest_id: int
    carrier: str
    warehouse: str
    origin_lines: tuple[str, ...]
    ship_date: date
    rows: tuple[ManifestRow, ...]

    @property
    def total_weight_g(self) -> int:
        return sum(r.weight_g for r in self.rows)

    @property
    def shipment_count(self) -> int:
        return len({r.shipment_id for r in self.rows})
