"""Inventory errors with the data a caller needs to act on them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from backroom.core.errors import BackroomError


@dataclass(frozen=True, slots=True)
class Shortfall:
    sku: str
    location: str
    requested: int
    available: int
    lot: str = ""

    def __str__(self) -> str:
        lot = f" lot {self.lot}" if self.lot else ""
        return (f"{self.sku}{lot} at {self.location}: requested {self.requested}, "
                f"available {self.available}")


class InsufficientStock(BackroomError):
    code = "insufficient_stock"
    status = 409
    title = "Not enough stock"

    def __init__(self, shortfalls: list[Shortfall]) -> None:
        text = "not enough stock: " + "; ".join(str(s) for s in shortfalls[:10])
        if len(shortfalls) > 10:
            text += f"; and {len(shortfalls) - 10} more"
        super().__init__(text, data={"shortfalls": [asdict(s) for s in shortfalls]})
        self.shortfalls = shortfalls
