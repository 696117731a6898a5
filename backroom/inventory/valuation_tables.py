"""Storage of inventory revaluations: moving-average levelling and landed costs.

A revaluation changes the value of an open cost layer without moving stock: its ``value_in``
and ``value_remaining`` both change by ``delta``, so "remaining = in − consumed" still holds,
and the row here keeps when it happened (valuation as of a past date subtracts later ones).
Created by migration 0003.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backroom.db.base import Base, BigId, UTCDateTime, table_of


class LandedCost(Base):
    """Freight, duty or other cost added to received goods after the fact."""

    __tablename__ = "landed_costs"
    __table_args__ = (
        CheckConstraint("basis IN ('value', 'weight', 'qty')", name="basis_known"),
        CheckConstraint("total_minor > 0 AND inventory_minor >= 0 AND cogs_minor >= 0 AND "
                        "inventory_minor + cogs_minor = total_minor", name="parts_add_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    basis: Mapped[str] = mapped_column(String(8))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    inventory_minor: Mapped[int] = mapped_column(BigInteger)
    cogs_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CostRevaluation(Base):
    __tablename__ = "cost_revaluations"
    __table_args__ = (CheckConstraint("kind IN ('average', 'landed_cost')", name="kind_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    layer_id: Mapped[int] = mapped_column(BigId, index=True)
    delta: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    landed_cost_id: Mapped[int | None] = mapped_column(ForeignKey("landed_costs.id"),
                                                       nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


LANDED_COSTS = table_of(LandedCost)
REVALUATIONS = table_of(CostRevaluation)
