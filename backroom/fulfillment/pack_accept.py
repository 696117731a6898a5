"""Pack as proposed: the packer accepts cartonization's proposal instead of scanning each
unit (e.g. single-SKU orders, or a station that trusts the pick). Every unit still goes
through ``pack_scan``'s checks, carton by carton, and each carton is sealed."""

from __future__ import annotations

from typing import Any

from backroom.db.uow import UnitOfWork
from backroom.fulfillment import packing_service


def pack_as_proposed(uow: UnitOfWork, fo_id: int) -> dict[str, Any]:
    """Propose cartons for what is left to pack, fill and seal them; returns the proposal."""
    with uow.transaction():
        proposal = packing_service.propose_cartons(uow, fo_id)
        for carton in proposal["cartons"]:
            for item in carton["items"]:
                packing_service.pack_scan(uow, fo_id, carton["carton_no"], item["sku"],
                                          qty=item["qty"])
            packing_service.seal_carton(uow, fo_id, carton["carton_no"])
    return proposal
