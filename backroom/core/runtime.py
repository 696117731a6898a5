"""Process settings for Backroom's long-running commands (the server, the worker, batch jobs).

CPython's cyclic garbage collector runs a young-generation pass every 700 net allocations and
keeps rescanning everything that survived earlier passes. A batch of a thousand orders
allocates millions of short-lived rows and dicts, while the objects that live for the whole
process (modules, SQLAlchemy's table metadata and compiled statements, the rate cards) are
never garbage. Measured on the pipeline benchmark, the collector took over a third of the
time of a 5,000-move posting. So: freeze what exists once the process has started (those
objects are left out of every later pass), and collect the young generation less often.
Reference counting still frees everything that is not in a cycle at once.
"""

from __future__ import annotations

import gc
import os

YOUNG_THRESHOLD = 50_000  # allocations between young-generation passes (CPython: 700)


def tune_gc() -> None:
    """Freeze the objects that exist now and raise the young-generation threshold; set
    ``BACKROOM_GC=default`` to keep CPython's defaults (to compare)."""
    if os.environ.get("BACKROOM_GC", "").lower() == "default":
        return
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
