"""The throwaway PostgreSQL cluster the tests start (fast, non-durable settings).

It lives in ``backroom.bench.pgcluster`` so the benchmark can start one too without importing
the tests; this module re-exports it under the names the fixtures use.
"""

from __future__ import annotations

from backroom.bench.pgcluster import PgServer, find_bindir

__all__ = ["PgServer", "find_bindir"]
