"""The dashboard's areas, in navigation order.

An area that has no pages yet links to a "coming in a later release" page; when its pages land,
flip ``built`` to True and mount its router in ``backroom.web.app``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Area:
    key: str
    label: str
    path: str
    built: bool = True
    summary: str = ""


AREAS: tuple[Area, ...] = (
    Area("overview", "Overview", "/"),
    Area("products", "Products", "/products"),
    Area("locations", "Locations", "/locations"),
    Area("stock", "Stock", "/stock"),
    Area("orders", "Orders", "/orders", True,
         "Sales orders from every channel, their lines and their state."),
    Area("fulfillment", "Fulfillment", "/fulfillment", True,
         "Fulfillment orders, waves, pick lists, scan-to-pick and scan-to-pack."),
    Area("shipping", "Shipping", "/shipping", False,
         "Carriers, rate shopping, labels and tracking."),
    Area("warehouse", "Warehouse", "/warehouse", False,
         "Purchase orders, receiving, putaway, replenishment, cycle counts and transfers."),
    Area("service", "Service", "/service", False,
         "Tickets, returns, exchanges, refunds and store credit."),
    Area("accounting", "Accounting", "/accounting", True,
         "Journals, valuation, trial balance, balance sheet and period close."),
)


def area(key: str) -> Area:
    for candidate in AREAS:
        if candidate.key == key:
            return candidate
    raise KeyError(key)
