"""``backroom bench SUITE``: find the suite's module in ``backroom.bench`` and run it.

A suite is a module here with ``run(as_json=False, quick=False, **options)`` that measures,
prints (a Rich table, or one JSON object with ``as_json``) and returns its figures. Options a
suite does not take (``--postgres-url`` for one without a database) are refused, not ignored.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

from backroom import bench
from backroom.core.errors import ValidationFailed

# Modules of this package that are building blocks, not suites.
HELPERS = frozenset({"batch", "loops", "pgcluster", "pipeline_store", "procs", "report",
                     "reserve", "runner", "seed"})


def suites() -> list[str]:
    """The suite names, without importing them."""
    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__)
                  if m.name not in HELPERS and not m.name.startswith("_"))


def run_suite(suite: str, *, as_json: bool = False, quick: bool = False,
              postgres_url: str | None = None, **options: Any) -> Any:
    """Run ``suite``; unknown suites and options raise ``ValidationFailed`` (exit 2)."""
    names = suites()
    module = importlib.import_module(f"backroom.bench.{suite}") if suite in names else None
    run = getattr(module, "run", None)
    if run is None:
        raise ValidationFailed.single("suite", suite, "unknown benchmark suite; choose one of: "
                                      + ", ".join(names))
    accepted = inspect.signature(run).parameters
    kwargs: dict[str, Any] = {"as_json": as_json, "quick": quick}
    for name, value in {"postgres_url": postgres_url, **options}.items():
        if value is None or value == "":
            continue
        if name not in accepted:
            raise ValidationFailed.single(name, value, f"is not an option of the {suite} suite")
        kwargs[name] = value
    return run(**kwargs)
