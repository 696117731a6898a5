"""Run the posting worker slowly in its own process, to be killed mid-run by a test.

Usage: python -m tests.accounting.crash_worker URL — posts batches of 3 events, sleeping
between writing a batch's entries and moving the cursor (the worst moment to die).
"""

from __future__ import annotations

import sys
import time

from backroom.accounting import posting
from backroom.db.engine import make_engine
from backroom.db.uow import UnitOfWork


def main(url: str) -> None:
    posting.before_cursor_update = lambda: time.sleep(0.05)
    uow = UnitOfWork(make_engine(url, pool_size=1))
    posting.post_pending(uow, batch=3, gap_timeout_s=0)


if __name__ == "__main__":
    main(sys.argv[1])
