"""Imports every area's tables so ``Base.metadata`` is complete (for Alembic and tests)."""

from __future__ import annotations

from sqlalchemy import MetaData


def metadata() -> MetaData:
    from backroom.accounting import tables as _accounting  # noqa: F401
    from backroom.catalog import tables as _catalog  # noqa: F401
    from backroom.db import tables as _shared  # noqa: F401
    from backroom.db.base import Base
    from backroom.fulfillment import tables as _fulfillment  # noqa: F401
    from backroom.inventory import tables as _inventory  # noqa: F401
    from backroom.orders import availability_tables as _availability  # noqa: F401
    from backroom.orders import tables as _orders  # noqa: F401
    from backroom.shipping import tables as _shipping  # noqa: F401

    return Base.metadata
