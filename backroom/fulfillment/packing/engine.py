"""The placement engine: one box's free space as a list of empty maximal spaces.

An *empty maximal space* (EMS) is an axis-aligned empty box inside the container that cannot be
grown in any direction without hitting an item or a wall. Every free region is covered by
them, so an item fits somewhere exactly when one of its orientations fits inside one space, and
an item put at a corner of a space can never overlap another item: no collision tests.

Placing an item cuts each space it touches into up to six smaller ones (the slabs left, right,
behind, in front, below and above it); pieces inside another space or too thin for any item of
the order are dropped. The choice of space, corner and orientation is the *rule*:

- ``corners=False`` (back-bottom-left): the item goes to a space's back-bottom-left corner; the
  best spot keeps the item's far corner farthest from the box's far corner, so the box fills
  from the floor at the back, as a person packs.
- ``corners=True``: the item may go to any of the space's eight corners; the best spot is the
  one nearest a corner of the box (distances compared smallest first), so the box fills from
  all its corners inwards, which wastes less space on the benchmark instances.
"""

from __future__ import annotations

from collections.abc import Sequence

from backroom.fulfillment.packing.model import Dims

Space = tuple[int, int, int, int, int, int]  # x0, y0, z0, x1, y1, z1
Placed = tuple[int, int, int, int, int, int, int]  # ref, x, y, z, dx, dy, dz
Spot = tuple[int, int, int, int, int, int]  # x, y, z, dx, dy, dz


class Container:
    """One open box: its free spaces, what was put where, and its weight so far."""

    __slots__ = ("capacity_g", "height", "length", "min_side", "min_volume", "placed", "spaces",
                 "tag", "volume", "weight_g", "width")

    def __init__(self, dims: Dims, capacity_g: int, *, min_side: int = 1, min_volume: int = 1,
                 tag: int = 0) -> None:
        self.length, self.width, self.height = dims
        self.capacity_g = capacity_g
        # Spaces thinner or smaller than every item are useless: they are dropped.
        self.min_side = max(1, min_side)
        self.min_volume = max(1, min_volume)
        self.tag = tag  # the caller's label (the box type)
        self.spaces: list[Space] = [(0, 0, 0, self.length, self.width, self.height)]
        self.placed: list[Placed] = []
        self.volume = 0
        self.weight_g = 0

    @property
    def capacity(self) -> int:
        return self.length * self.width * self.height

    def refs(self) -> list[int]:
        return [p[0] for p in self.placed]

    def find(self, options: Sequence[Dims], weight: int, volume: int, corners: bool) -> Spot | None:
        """The best spot for an item with these orientations, or None if it fits nowhere."""
        if self.weight_g + weight > self.capacity_g or self.volume + volume > self.capacity:
            return None
        if corners:
            return self._find_corner(options, volume)
        return self._find_back(options, volume)

    def _find_back(self, options: Sequence[Dims], volume: int) -> Spot | None:
        length, width, height = self.length, self.width, self.height
        best: Spot | None = None
        best_key = 0
        for x0, y0, z0, x1, y1, z1 in self.spaces:
            ex, ey, ez = x1 - x0, y1 - y0, z1 - z0
            if ex * ey * ez < volume:
                continue
            for dx, dy, dz in options:
                if dx <= ex and dy <= ey and dz <= ez:
                    gx, gy, gz = length - x0 - dx, width - y0 - dy, height - z0 - dz
                    key = gx * gx + gy * gy + gz * gz
                    if best is None or key > best_key:
                        best, best_key = (x0, y0, z0, dx, dy, dz), key
        return best

    def _find_corner(self, options: Sequence[Dims], volume: int) -> Spot | None:
        length, width, height = self.length, self.width, self.height
        best: Spot | None = None
        best_key: tuple[int, int, int, int] = (0, 0, 0, 0)
        for x0, y0, z0, x1, y1, z1 in self.spaces:
            ex, ey, ez = x1 - x0, y1 - y0, z1 - z0
            if ex * ey * ez < volume:
                continue
            for dx, dy, dz in options:
                if dx <= ex and dy <= ey and dz <= ez:
                    x, gx = (x0, x0) if x0 <= length - x1 else (x1 - dx, length - x1)
                    y, gy = (y0, y0) if y0 <= width - y1 else (y1 - dy, width - y1)
                    z, gz = (z0, z0) if z0 <= height - z1 else (z1 - dz, height - z1)
                    a, b, c = sorted((gx, gy, gz))
                    key = (a, b, c, min(ex - dx, ey - dy, ez - dz))
                    if best is None or key < best_key:
                        best, best_key = (x, y, z, dx, dy, dz), key
        return best

    def put(self, ref: int, spot: Spot, weight: int) -> None:
        x, y, z, dx, dy, dz = spot
        self.placed.append((ref, x, y, z, dx, dy, dz))
        self.volume += dx * dy * dz
        self.weight_g += weight
        self.spaces = _cut(self.spaces, spot, self.min_side, self.min_volume)


def _cut(spaces: list[Space], spot: Spot, min_side: int, min_volume: int) -> list[Space]:
    """The maximal spaces left after an item fills ``spot``."""
    x, y, z, dx, dy, dz = spot
    x1, y1, z1 = x + dx, y + dy, z + dz
    kept: list[Space] = []
    pieces: list[Space] = []
    for s in spaces:
        sx0, sy0, sz0, sx1, sy1, sz1 = s
        if sx0 >= x1 or sx1 <= x or sy0 >= y1 or sy1 <= y or sz0 >= z1 or sz1 <= z:
            kept.append(s)
            continue
        if x - sx0 >= min_side:
            pieces.append((sx0, sy0, sz0, x, sy1, sz1))
        if sx1 - x1 >= min_side:
            pieces.append((x1, sy0, sz0, sx1, sy1, sz1))
        if y - sy0 >= min_side:
            pieces.append((sx0, sy0, sz0, sx1, y, sz1))
        if sy1 - y1 >= min_side:
            pieces.append((sx0, y1, sz0, sx1, sy1, sz1))
        if z - sz0 >= min_side:
            pieces.append((sx0, sy0, sz0, sx1, sy1, z))
        if sz1 - z1 >= min_side:
            pieces.append((sx0, sy0, z1, sx1, sy1, sz1))
    # A space untouched by the item stays maximal; only the new pieces can be inside another.
    untouched = kept[:]
    for piece in dict.fromkeys(pieces):
        a0, b0, c0, a1, b1, c1 = piece
        if (a1 - a0) * (b1 - b0) * (c1 - c0) < min_volume:
            continue
        for o0, p0, q0, o1, p1, q1 in untouched:
            if o0 <= a0 and p0 <= b0 and q0 <= c0 and o1 >= a1 and p1 >= b1 and q1 >= c1:
                break
        else:
            for other in pieces:
                o0, p0, q0, o1, p1, q1 = other
                if o0 <= a0 and p0 <= b0 and q0 <= c0 and o1 >= a1 and p1 >= b1 and q1 >= c1 \
                        and other != piece:
                    break
            else:
                kept.append(piece)
    return kept


def settle(placed: Sequence[Placed]) -> list[Placed]:
    """Let every item drop straight down until it rests on the floor or on another item.

    Packings from the corner rule may leave an item hanging; dropped in order of height, no
    item can pass through another, so the result is as valid as the input and is what a
    person at the packing table actually gets."""
    done: list[Placed] = []
    for ref, x, y, z, dx, dy, dz in sorted(placed, key=lambda p: p[3]):
        floor = 0
        for _, ox, oy, oz, odx, ody, odz in done:
            top = oz + odz
            if floor < top <= z and ox < x + dx and x < ox + odx and oy < y + dy and y < oy + ody:
                floor = top
        done.append((ref, x, y, floor, dx, dy, dz))
    return done
