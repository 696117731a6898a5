"""Pack as proposed: the packer accepts cartonization's proposal instead of scanning each
unit (e.g. single-SKU orders, or a station that trusts the pick). The cartons are filled as
scanning each SKU into them would fill them (with the same checks: a tracked SKU needs its
lot to be certain) and sealed, and the fulfillment order becomes ``packed``.

One order is a batch of one of ``pack_batch.pack_many_as_proposed``."""

from __future__ import annotations

from typing import Any

from backroom.db.uow import UnitOfWork
from backroom.fulfillment.pack_batch import PackBatchResult, pack_many_as_proposed

__all__ = ["PackBatchResult", "pack_as_proposed", "pack_many_as_proposed"]


def pack_as_proposed(uow: UnitOfWork, fo_id: int) -> dict[str, Any]:
    """Propose cartons for what is left to pack, fill and seal them; returns the proposal.
    Raises what stops it (``Conflict``, ``NotFound``, ``ValidationFailed``), changing nothing."""
    result = pack_many_as_proposed(uow, [fo_id])
    if fo_id in result.errors:
        raise result.errors[fo_id]
    return result.packed[0]
