"""Run reservation workloads in several OS processes (spawn), phase by phase, in lockstep.

Every process builds its own engine or driver connection, warms each workload up, then all of
them start each phase together at a barrier and run for the phase's duration. A phase may use
only the first N processes (the others wait), so one pool of processes measures 1 and 4
writers, and Backroom and the raw baseline, interleaved in the same run.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import random
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from backroom.bench.loops import Target, make_loop, run_for

WARMUP = 25
BARRIER_TIMEOUT_S = 600.0


@dataclass(frozen=True, slots=True)
class Phase:
    mode: str  # "ours", "raw" or "orm"
    workers: int  # how many of the processes take part
    seconds: float


@dataclass(frozen=True, slots=True)
class PhaseResult:
    phase: Phase
    transactions: int
    seconds: float  # the longest participant's elapsed time

    @property
    def rate(self) -> float:
        return self.transactions / self.seconds if self.seconds else 0.0


def run_phases(target: Target, processes: int, phases: list[Phase],
               on_phase: Callable[[int, Phase], None] | None = None) -> list[PhaseResult]:
    """Run ``phases`` in ``processes`` spawned processes; one result per phase, in order."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(processes + 1, timeout=BARRIER_TIMEOUT_S)
    results: Any = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(target, i, phases, barrier, results), daemon=True)
             for i in range(processes)]
    with without_main():
        for p in procs:
            p.start()
    try:
        _wait(barrier, results)  # every process connected and warmed up
        for k, phase in enumerate(phases):
            _wait(barrier, results)  # phase k starts
            if on_phase:
                on_phase(k, phase)
        _wait(barrier, results)  # the last phase is over
        return _collect(phases, results)
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()


@contextmanager
def without_main() -> Iterator[None]:
    """Start spawned children without re-running this process's ``__main__``.

    spawn makes each child import the parent's main script before running the target; when
    that is the ``backroom`` command, that is the whole CLI (~3 s per process here, where no
    bytecode is cached). Workers need nothing from it, so while the children start, the main
    module seen by multiprocessing is an empty stand-in; the real one is back right after.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _wait(barrier: Any, results: Any) -> None:
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        errors = []
        while True:
            try:
                item = results.get(timeout=2)
            except queue.Empty:
                break
            if item[0] == "error":
                errors.append(f"worker {item[1]}: {item[2]}")
        detail = "; ".join(errors) or "no report"
        raise RuntimeError(f"benchmark worker failed: {detail}") from None


def _collect(phases: list[Phase], results: Any) -> list[PhaseResult]:
    counts = [0] * len(phases)
    longest = [0.0] * len(phases)
    for _ in range(sum(p.workers for p in phases)):
        item = results.get(timeout=60)
        if item[0] == "error":
            raise RuntimeError(f"benchmark worker {item[1]} failed: {item[2]}")
        k, _index, n, elapsed = item
        counts[k] += n
        longest[k] = max(longest[k], elapsed)
    return [PhaseResult(p, c, s) for p, c, s in zip(phases, counts, longest, strict=True)]


def _worker(target: Target, index: int, phases: list[Phase], barrier: Any,
            results: Any) -> None:
    try:
        rng = random.Random(index)
        modes = sorted({p.mode for p in phases if index < p.workers})
        loops = {m: make_loop(m, target, f"{m}-{index}") for m in modes}
        done = dict.fromkeys(modes, 0)
        for mode, loop in loops.items():
            for _ in range(WARMUP):
                loop.reserve(done[mode], rng.choice(target.sku_ids))
                done[mode] += 1
        barrier.wait()
        for k, phase in enumerate(phases):
            barrier.wait()
            if index < phase.workers:
                n, elapsed = run_for(loops[phase.mode], phase.seconds, target.sku_ids, rng,
                                     done[phase.mode])
                done[phase.mode] += n
                results.put((k, index, n, elapsed))
        barrier.wait()
        for loop in loops.values():
            loop.close()
    except BaseException as err:
        results.put(("error", index, repr(err)))
        barrier.abort()
