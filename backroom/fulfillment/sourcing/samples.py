"""A generated shop for the sourcing benchmark and tests (fixed seed, no database).

Three warehouses in different US regions — Secaucus NJ (the main one, priority 1), Dallas TX
and Reno NV — with different stock mixes, 500 SKUs (weights 50 g–8 kg, sizes from a density),
and orders of 1–5 lines (1–3 units each) to 41 US cities weighted by population, three in four
to a residence, a third with a promised delivery date 1–3 business days out. Each order is
sourced against the same starting stock (orders are independent of each other).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from backroom.fulfillment.sourcing.model import Candidate, OrderLine, SourcingRequest
from backroom.shipping.rating.model import Address

READY_AT = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)  # a Tuesday morning in Chicago
SKUS = 500

# code, postal code, latitude, longitude, share of SKUs stocked
WAREHOUSES = (("EWR", "07094", 40.7895, -74.0565, 0.70),
              ("DFW", "75261", 32.8998, -97.0403, 0.55),
              ("RNO", "89502", 39.4991, -119.7681, 0.55))

# city, postal code, latitude, longitude, metro population (millions) as the order weight
CITIES = (
    ("New York", "10001", 40.7506, -73.9972, 19.5),
    ("Boston", "02108", 42.3576, -71.0636, 4.9),
    ("Philadelphia", "19103", 39.9526, -75.1652, 6.2),
    ("Washington", "20001", 38.9101, -77.0147, 6.3),
    ("Baltimore", "21201", 39.2946, -76.6252, 2.8),
    ("Pittsburgh", "15222", 40.4495, -79.9886, 2.4),
    ("Buffalo", "14202", 42.8864, -78.8784, 1.1),
    ("Atlanta", "30303", 33.7527, -84.3915, 6.1),
    ("Miami", "33130", 25.7670, -80.2044, 6.1),
    ("Orlando", "32801", 28.5421, -81.3790, 2.7),
    ("Charlotte", "28202", 35.2272, -80.8431, 2.7),
    ("Nashville", "37203", 36.1503, -86.7922, 2.0),
    ("Memphis", "38103", 35.1468, -90.0521, 1.3),
    ("Chicago", "60601", 41.8853, -87.6229, 9.4),
    ("Detroit", "48226", 42.3314, -83.0458, 4.3),
    ("Columbus", "43215", 39.9612, -83.0061, 2.1),
    ("Indianapolis", "46204", 39.7714, -86.1568, 2.1),
    ("Minneapolis", "55401", 44.9833, -93.2706, 3.7),
    ("St. Louis", "63101", 38.6310, -90.1925, 2.8),
    ("Kansas City", "64106", 39.1036, -94.5721, 2.2),
    ("Omaha", "68102", 41.2587, -95.9378, 1.0),
    ("Dallas", "75201", 32.7876, -96.7994, 7.6),
    ("Houston", "77002", 29.7569, -95.3625, 7.1),
    ("Austin", "78701", 30.2711, -97.7437, 2.3),
    ("San Antonio", "78205", 29.4246, -98.4895, 2.6),
    ("Oklahoma City", "73102", 35.4705, -97.5190, 1.4),
    ("New Orleans", "70112", 29.9559, -90.0770, 1.3),
    ("Denver", "80202", 39.7525, -104.9995, 3.0),
    ("Albuquerque", "87102", 35.0844, -106.6504, 0.9),
    ("Phoenix", "85004", 33.4510, -112.0685, 4.9),
    ("Salt Lake City", "84101", 40.7566, -111.8967, 1.3),
    ("Boise", "83702", 43.6323, -116.2030, 0.8),
    ("Las Vegas", "89101", 36.1727, -115.1410, 2.3),
    ("Los Angeles", "90012", 34.0614, -118.2385, 13.2),
    ("San Diego", "92101", 32.7194, -117.1628, 3.3),
    ("San Francisco", "94103", 37.7725, -122.4147, 4.7),
    ("Sacramento", "95814", 38.5804, -121.4944, 2.4),
    ("Portland", "97204", 45.5180, -122.6743, 2.5),
    ("Seattle", "98101", 47.6114, -122.3367, 4.0),
    ("Billings", "59101", 45.7833, -108.5007, 0.2),
    ("Anchorage", "99501", 61.2167, -149.8728, 0.4),
)
LINE_COUNTS = ((1, 0.38), (2, 0.26), (3, 0.17), (4, 0.11), (5, 0.08))
QUANTITIES = ((1, 0.78), (2, 0.15), (3, 0.07))


@dataclass(frozen=True, slots=True)
class Product:
    sku_id: int
    weight_g: int
    dims: tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class SampleOrder:
    request: SourcingRequest
    destination: Address
    city: str


@dataclass(frozen=True, slots=True)
class Shop:
    products: tuple[Product, ...]
    candidates: tuple[Candidate, ...]
    origins: dict[int, Address]  # warehouse id -> ship-from address


def make_shop(seed: int = 20261110) -> Shop:
    rng = random.Random(seed)
    products = tuple(_product(rng, i) for i in range(1, SKUS + 1))
    candidates = []
    for wid, (code, _, lat, lon, share) in enumerate(WAREHOUSES, start=1):
        stock = {p.sku_id: rng.choice((1, 2, 2, 3, 4, 6, 10)) for p in products
                 if rng.random() < share}
        candidates.append(Candidate(wid, code, wid, stock, lat, lon))
    origins = {wid: Address("US", postal, False, lat, lon)
               for wid, (_, postal, lat, lon, _) in enumerate(WAREHOUSES, start=1)}
    return Shop(products, tuple(candidates), origins)


def _product(rng: random.Random, sku_id: int) -> Product:
    weight = int(min(8000, max(50, rng.lognormvariate(math.log(600), 0.9))))
    density = rng.uniform(0.12, 0.6)  # g/cm³: filled boxes of goods
    volume_mm3 = weight / density * 1000
    ratios = sorted((1.0, rng.uniform(1.0, 2.0), rng.uniform(1.0, 3.0)))
    base = (volume_mm3 / (ratios[0] * ratios[1] * ratios[2])) ** (1 / 3)
    a, b, c = (min(600, max(20, round(base * r))) for r in reversed(ratios))
    return Product(sku_id, weight, (a, b, c))


def make_orders(shop: Shop, count: int, *, seed: int = 7, penalty_minor: int = 150
                ) -> list[SampleOrder]:
    rng = random.Random(seed)
    popularity = [1 / (rank + 10) for rank in range(len(shop.products))]
    weights = [c[4] for c in CITIES]
    return [_order(rng, shop, n, popularity, weights, penalty_minor) for n in range(count)]


def _order(rng: random.Random, shop: Shop, n: int, popularity: list[float],
           city_weights: list[float], penalty_minor: int) -> SampleOrder:
    count = _pick(rng, LINE_COUNTS)
    chosen: list[Product] = []
    while len(chosen) < count:
        p = rng.choices(shop.products, popularity)[0]
        if p not in chosen:
            chosen.append(p)
    lines = tuple(OrderLine(n * 10 + i + 1, p.sku_id, _pick(rng, QUANTITIES), p.weight_g,
                            *p.dims, sku=f"SKU-{p.sku_id:03d}") for i, p in enumerate(chosen))
    city, postal, lat, lon, _ = rng.choices(CITIES, city_weights)[0]
    promise = _business_days(READY_AT.date(), rng.choice((1, 2, 2, 3, 3))) \
        if rng.random() < 1 / 3 else None
    destination = Address("US", postal, rng.random() < 0.75)
    request = SourcingRequest(lines, shop.candidates, "USD", promise, (lat, lon), penalty_minor)
    return SampleOrder(request, destination, city)


def _pick(rng: random.Random, table: tuple[tuple[int, float], ...]) -> int:
    return rng.choices([v for v, _ in table], [w for _, w in table])[0]


def _business_days(start: date, days: int) -> date:
    day = start
    while days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day
