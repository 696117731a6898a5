"""Catalog storage: products (SKUs), their barcodes and packaging units."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backroom.db.base import Base, UTCDateTime, table_of


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("tracking IN ('none', 'lot', 'serial')", name="tracking_known"),
        CheckConstraint("length_mm IS NULL OR length_mm > 0", name="length_positive"),
        CheckConstraint("width_mm IS NULL OR width_mm > 0", name="width_positive"),
        CheckConstraint("height_mm IS NULL OR height_mm > 0", name="height_positive"),
        CheckConstraint("weight_g IS NULL OR weight_g >= 0", name="weight_not_negative"),
        CheckConstraint("shelf_life_days IS NULL OR shelf_life_days > 0", name="shelf_life_pos"),
        CheckConstraint("standard_cost_minor IS NULL OR standard_cost_minor >= 0",
                        name="standard_cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    length_mm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    width_mm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height_mm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    weight_g: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tracking: Mapped[str] = mapped_column(String(10), default="none")
    shelf_life_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    standard_cost_minor: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Packaging(Base):
    """A packaging unit of a product: ``each`` (1), ``inner`` or ``case`` of N base units."""

    __tablename__ = "packagings"
    __table_args__ = (
        UniqueConstraint("product_id", "name"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(20))
    qty: Mapped[int] = mapped_column(Integer)


class Barcode(Base):
    """A GTIN (or other code) that identifies a product, optionally in a packaging unit."""

    __tablename__ = "barcodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    packaging: Mapped[str] = mapped_column(String(20), default="each")

PRODUCTS = table_of(Product)
PACKAGINGS = table_of(Packaging)
BARCODES = table_of(Barcode)
