"""Workers for the concurrency tests: each runs in its own OS process (SQLite) or thread
(PostgreSQL) with its own engine and connection, waits at a barrier so all start together, and
reports plain tuples (exceptions do not cross process boundaries intact)."""

from __future__ import annotations

import random
from typing import Any

from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork
from backroom.inventory import services as inv
from backroom.inventory.errors import InsufficientStock

WAREHOUSE, SKU, LOCATION = "WH1", "PLAIN", "WH1-INPUT"


def reserve_one_each(url: str, worker: int, attempts: int, barrier: Any, results: Any) -> None:
    """Try ``attempts`` reservations of 1 unit; report (worker, ok, refused, samples, errors)."""
    uow = UnitOfWork(make_engine(url, pool_size=1))
    ok = refused = 0
    samples: list[tuple[str, str, int, int]] = []
    errors: list[str] = []
    try:
        barrier.wait()
        for n in range(attempts):
            try:
                inv.reserve(uow, WAREHOUSE, SKU, 1, f"SO-{worker}-{n}")
                ok += 1
            except InsufficientStock as err:
                refused += 1
                if len(samples) < 3:
                    short = err.shortfalls[0]
                    samples.append((err.code, str(err), short.requested, short.available))
            except Exception as err:
                errors.append(repr(err))
    except Exception as err:
        errors.append(repr(err))
    finally:
        uow.engine.dispose()
        results.put((worker, ok, refused, samples, errors))


def mixed_traffic(url: str, worker: int, rounds: int, barrier: Any, results: Any) -> None:
    """Reserve-then-ship, reserve-then-release and unreserved shipments, at random.

    Reports (worker, units shipped, units still reserved, refusals, unexpected errors).
    """
    rng = random.Random(worker)
    uow = UnitOfWork(make_engine(url, pool_size=1))
    shipped = held = refused = 0
    errors: list[str] = []
    try:
        barrier.wait()
        for n in range(rounds):
            ref, qty = f"SO-{worker}-{n}", rng.randint(1, 3)
            try:
                outcome = _one_round(uow, rng.random(), ref, qty)
            except Exception as err:  # only the first step of a round may be refused
                errors.append(repr(err))
                continue
            if outcome is None:
                refused += 1
            else:
                shipped, held = shipped + outcome[0], held + outcome[1]
    except Exception as err:
        errors.append(repr(err))
    finally:
        uow.engine.dispose()
        results.put((worker, shipped, held, refused, errors))


def _one_round(uow: UnitOfWork, roll: float, ref: str, qty: int) -> tuple[int, int] | None:
    """One customer order: (units shipped, units left reserved), or None if refused."""
    try:
        if roll < 0.2:
            inv.ship(uow, SKU, qty, LOCATION, reference="")  # nothing reserved for it
            return qty, 0
        inv.reserve(uow, WAREHOUSE, SKU, qty, ref)
    except InsufficientStock:
        return None
    if roll < 0.6:
        out = inv.ship(uow, SKU, qty, LOCATION, reference=ref)
        if out.extra["reservation_consumed"] != qty:
            raise AssertionError(f"{ref}: consumed {out.extra['reservation_consumed']} of {qty}")
        return qty, 0
    if roll < 0.8:
        inv.release(uow, reference=ref)
        return 0, 0
    return 0, qty
