"""Pure inventory domain: location kinds, move rules, FEFO/FIFO choice and FIFO costing.

No database here; services feed these functions plain values and persist what they return.
"""

from __future__ import annotations

from enum import StrEnum


class LocationKind(StrEnum):
    INPUT = "input"
    STORAGE = "storage"
    PACK = "pack"
    OUTPUT = "output"
    QUARANTINE = "quarantine"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    TRANSIT = "transit"
    LOSS = "loss"
    RETURNS = "returns"


PHYSICAL_KINDS = frozenset({LocationKind.INPUT, LocationKind.STORAGE, LocationKind.PACK,
                            LocationKind.OUTPUT, LocationKind.QUARANTINE})
SELLABLE_KINDS = frozenset({LocationKind.INPUT, LocationKind.STORAGE, LocationKind.PACK,
                            LocationKind.OUTPUT})
VIRTUAL_KINDS = frozenset(set(LocationKind) - PHYSICAL_KINDS)

# Every database has exactly one location of each virtual kind, created by the first migration.
VIRTUAL_CODES = {
    LocationKind.SUPPLIER: "SUPPLIER",
    LocationKind.CUSTOMER: "CUSTOMER",
    LocationKind.TRANSIT: "TRANSIT",
    LocationKind.LOSS: "LOSS",
    LocationKind.RETURNS: "RETURNS",
}

# The standard (non-bin) locations each warehouse gets, by code suffix: "<WH>-INPUT" etc.
STANDARD_LOCATIONS = {
    LocationKind.INPUT: "INPUT",
    LocationKind.PACK: "PACK",
    LocationKind.OUTPUT: "OUTPUT",
    LocationKind.QUARANTINE: "QUARANTINE",
}
