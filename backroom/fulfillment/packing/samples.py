"""A realistic small shop for demos and the benchmark: products, a box catalog, orders.

Sizes are what the goods measure in their retail packaging (mm, g); "this side up" goods (jars,
bottles, plants, a lamp) may only turn about the vertical axis. Box costs are in cents.
"""

from __future__ import annotations

import random

from backroom.fulfillment.packing.model import Box, Item

# sku, length, width, height (mm), weight (g), may turn any way, popularity
_PRODUCTS: tuple[tuple[str, int, int, int, int, bool, int], ...] = (
    ("BOOK-PAPERBACK", 198, 129, 25, 280, True, 9),
    ("BOOK-HARDCOVER", 240, 165, 35, 650, True, 5),
    ("TSHIRT-FOLDED", 300, 240, 25, 220, True, 10),
    ("HOODIE-FOLDED", 350, 300, 70, 650, True, 5),
    ("JEANS-FOLDED", 380, 300, 50, 700, True, 5),
    ("SNEAKERS-BOX", 330, 210, 120, 950, True, 5),
    ("MUG-BOXED", 125, 100, 110, 420, False, 6),
    ("CANDLE-JAR", 95, 95, 110, 480, False, 6),
    ("SERUM-BOTTLE", 45, 45, 130, 120, False, 7),
    ("SHAMPOO", 70, 50, 210, 420, False, 6),
    ("PHONE-CASE", 190, 110, 25, 80, True, 9),
    ("USB-CABLE", 140, 90, 35, 90, True, 9),
    ("HEADPHONES", 220, 190, 90, 480, True, 4),
    ("SPEAKER", 180, 110, 110, 700, True, 3),
    ("BOARD-GAME", 300, 300, 75, 1300, True, 3),
    ("PUZZLE", 270, 200, 55, 600, True, 4),
    ("BRICK-SET", 380, 260, 70, 900, True, 3),
    ("YOGA-MAT-ROLLED", 610, 130, 130, 1100, True, 2),
    ("WATER-BOTTLE", 80, 80, 260, 350, False, 4),
    ("PLANT-POT", 160, 160, 150, 900, False, 2),
    ("TOOTHBRUSH", 200, 30, 25, 40, True, 6),
    ("SOCKS-PAIR", 200, 100, 30, 90, True, 8),
    ("COFFEE-BEANS", 200, 120, 70, 520, True, 5),
    ("TEA-TIN", 80, 80, 120, 200, True, 5),
    ("DESK-LAMP", 420, 220, 220, 1900, False, 1),
)

PRODUCTS: tuple[Item, ...] = tuple(Item(sku, length, width, height, grams, free)
                                   for sku, length, width, height, grams, free, _ in _PRODUCTS)
_POPULARITY = tuple(p[-1] for p in _PRODUCTS)

BOXES: tuple[Box, ...] = (
    Box("MAILER-S", 250, 180, 30, 1_000, 25, (260, 190, 35), 15),
    Box("MAILER-L", 380, 300, 60, 2_000, 40, (390, 310, 65), 30),
    Box("BOX-XS", 160, 120, 100, 5_000, 45, (166, 126, 106), 80),
    Box("BOX-S", 230, 170, 120, 10_000, 60, (236, 176, 126), 130),
    Box("BOX-M", 310, 230, 160, 15_000, 85, (316, 236, 166), 220),
    Box("BOX-L", 400, 300, 220, 20_000, 120, (406, 306, 226), 350),
    Box("BOX-XL", 500, 400, 300, 25_000, 170, (506, 406, 306), 520),
    Box("BOX-LONG", 650, 160, 160, 10_000, 110, (656, 166, 166), 300),
)

# How many units an order has: most orders are small, a few are large.
_SIZES = tuple(range(1, 21))
_SIZE_WEIGHTS = (30, 22, 14, 9, 6, 4, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)


def sample_orders(count: int, *, seed: int = 42, units: int | None = None) -> list[list[Item]]:
    """``count`` orders of 1–20 units (or exactly ``units``), from a fixed seed."""
    rng = random.Random(seed)
    orders = []
    for _ in range(count):
        size = units if units is not None else rng.choices(_SIZES, _SIZE_WEIGHTS)[0]
        orders.append(rng.choices(PRODUCTS, _POPULARITY, k=size))
    return orders
