"""``backroom worker``: run the outbox consumers in turn, again and again.

Each consumer keeps its own cursor in the database and is safe to kill and restart (see
``accounting.posting`` and ``orders.availability_sync``), so the loop itself holds no state: a
cycle posts the books, exports channel availability and, unless switched off, allocates orders
that became ready (new, released from hold). One failing consumer is reported and the others
still run; the next cycle tries it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backroom.core.errors import BackroomError
from backroom.db.uow import UnitOfWork

Consumer = Callable[[UnitOfWork], dict[str, Any]]
log = logging.getLogger("backroom.worker")


def _books(uow: UnitOfWork) -> dict[str, Any]:
    from backroom.accounting.posting import post_pending

    run = post_pending(uow)
    return {"events": run.events, "entries": run.entries, "failed": run.failed}


def _availability(uow: UnitOfWork) -> dict[str, Any]:
    from backroom.orders.availability_sync import sync_availability

    result = sync_availability(uow)
    return {"events": result.events, "exported": result.exported}


def _allocation(uow: UnitOfWork) -> dict[str, Any]:
    from backroom.fulfillment.allocation import allocate_ready

    run = allocate_ready(uow)
    return {"orders": run.orders, "backordered_units": run.backordered_units,
            "failed": len(run.failed)}


CONSUMERS: dict[str, Consumer] = {"books": _books, "availability": _availability,
                                  "allocation": _allocation}


@dataclass
class Cycle:
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"results": self.results, "errors": self.errors}


def run_cycle(uow: UnitOfWork, names: list[str]) -> Cycle:
    """One pass over the named consumers; a consumer's error is kept, not raised (a database
    that is briefly unavailable must not stop a long-running worker)."""
    cycle = Cycle()
    for name in names:
        try:
            cycle.results[name] = CONSUMERS[name](uow)
        except BackroomError as err:
            cycle.errors[name] = str(err)
        except Exception as err:  # reported, and retried next cycle
            log.exception("worker consumer %s failed", name)
            cycle.errors[name] = f"{type(err).__name__}: {err}"
    return cycle


def run_forever(uow: UnitOfWork, names: list[str], interval_s: float,
                report: Callable[[Cycle], None]) -> None:
    """Cycle until interrupted (Ctrl-C / SIGTERM via KeyboardInterrupt)."""
    while True:
        began = time.monotonic()
        report(run_cycle(uow, names))
        time.sleep(max(0.0, interval_s - (time.monotonic() - began)))
