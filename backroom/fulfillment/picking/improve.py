"""Local improvement of a round trip: 2-opt and or-opt with neighbour lists, then kicks.

The tour is a cycle of stop numbers (0 is the depot) over a symmetric distance matrix. Moves:

- **2-opt** removes two edges and reconnects the tour the other way round, which reverses the
  stretch between them;
- **or-opt** moves a run of one to three consecutive stops, either way round, between two
  other neighbouring stops.

Only moves that bring a stop next to one of its ``NEAR`` nearest stops are tried, and a stop is
looked at again only after an edge at it changed ("don't look bits"), so a sweep costs about
``NEAR`` evaluations per stop rather than one per pair. Once no move helps, an iterated local
search perturbs the best tour with a *double bridge* (cut it in four parts and swap the middle
two, a change 2-opt and or-opt cannot undo in one step), improves it again and keeps the result
if it is no longer (equal tours are common with rectilinear walks, and moving between them
lets the search wander off a plateau). The kicks come from a fixed seed, so a route is
reproducible.
"""

from __future__ import annotations

import random

EPS = 1e-9
NEAR = 12
Matrix = list[list[float]]


class Cycle:
    """A tour as an array plus each stop's position in it."""

    def __init__(self, order: list[int], d: Matrix) -> None:
        self.order = list(order)
        self.pos = [0] * len(order)
        for index, stop in enumerate(self.order):
            self.pos[stop] = index
        self.d = d
        self.n = len(order)

    def succ(self, stop: int) -> int:
        return self.order[(self.pos[stop] + 1) % self.n]

    def pred(self, stop: int) -> int:
        return self.order[self.pos[stop] - 1]

    def length(self) -> float:
        d, order = self.d, self.order
        return sum(d[order[i - 1]][order[i]] for i in range(self.n))

    def reverse(self, first: int, last: int) -> None:
        """Reverse the stretch from stop ``first`` forward to stop ``last``."""
        order, pos, n = self.order, self.pos, self.n
        i, j = pos[first], pos[last]
        span = (j - i) % n + 1
        if 2 * span > n:  # reversing the rest gives the same cycle, mirrored, for less work
            i, j, span = (j + 1) % n, (i - 1) % n, n - span
        for _ in range(span // 2):
            a, b = order[i], order[j]
            order[i], order[j] = b, a
            pos[b], pos[a] = i, j
            i, j = (i + 1) % n, (j - 1) % n

    def move_run(self, first: int, size: int, after: int, flip: bool) -> None:
        """Take ``size`` stops from ``first`` forward; put them right after stop ``after``."""
        start = self.pos[first]
        run = [self.order[(start + k) % self.n] for k in range(size)]
        taken = set(run)
        rest = [stop for stop in self.order if stop not in taken]
        at = rest.index(after) + 1
        self.order = rest[:at] + (run[::-1] if flip else run) + rest[at:]
        for index, stop in enumerate(self.order):
            self.pos[stop] = index


def neighbours(d: Matrix, count: int = NEAR) -> list[list[int]]:
    return [sorted((j for j in range(len(row)) if j != i), key=row.__getitem__)[:count]
            for i, row in enumerate(d)]


def _try_two_opt(c: Cycle, a: int, near: list[int]) -> list[int] | None:
    """Apply the best-found improving 2-opt move at ``a``; the stops whose edges changed."""
    d, n, order, pos = c.d, c.n, c.order, c.pos
    for step in (1, -1):
        forward = step == 1
        b = order[(pos[a] + step) % n]
        ab = d[a][b]
        for x in near:
            ax = d[a][x]
            if ax >= ab - EPS:
                break
            y = order[(pos[x] + step) % n]
            if x == b or y == a:
                continue
            if ab + d[x][y] - ax - d[b][y] > EPS:
                if forward:
                    c.reverse(b, x)
                else:
                    c.reverse(x, b)
                return [a, b, x, y]
    return None


def _try_or_opt(c: Cycle, a: int, near: list[int]) -> list[int] | None:
    """Move a run starting or ending at ``a`` next to one of ``a``'s neighbours, if shorter."""
    d, n, order, pos = c.d, c.n, c.order, c.pos
    for size in (1, 2, 3):
        if size > n - 3:
            break
        for a_first in (True, False) if size > 1 else (True,):
            start = pos[a] if a_first else (pos[a] - size + 1) % n
            first, last = order[start], order[(start + size - 1) % n]
            p, q = order[start - 1], order[(start + size) % n]
            saved = d[p][first] + d[last][q] - d[p][q]
            other = last if a_first else first
            for x in near:
                ax = d[a][x]
                if ax >= saved - EPS:
                    break  # only new edges shorter than what removing the run saves
                if (pos[x] - start) % n < size:
                    continue
                y, w = order[(pos[x] + 1) % n], order[pos[x] - 1]
                if (pos[y] - start) % n >= size and saved - ax - d[other][y] + d[x][y] > EPS:
                    c.move_run(first, size, x, flip=not a_first)  # x, a … other, y
                    return [p, q, x, y, first, last]
                if (pos[w] - start) % n >= size and saved - ax - d[w][other] + d[w][x] > EPS:
                    c.move_run(first, size, w, flip=a_first)  # w, other … a, x
                    return [p, q, w, x, first, last]
    return None


def local_search(c: Cycle, near: list[list[int]], active: list[int]) -> None:
    """Apply improving moves until none is left, looking first at the ``active`` stops."""
    queue = list(dict.fromkeys(active))
    waiting = set(queue)
    while queue:
        a = queue.pop()
        waiting.discard(a)
        touched = _try_two_opt(c, a, near[a]) or _try_or_opt(c, a, near[a])
        if touched:
            for stop in touched:
                if stop not in waiting:
                    waiting.add(stop)
                    queue.append(stop)


def _double_bridge(order: list[int], rng: random.Random) -> tuple[list[int], list[int]]:
    """The order cut in four parts A B C D and rejoined A C B D; and the stops at the cuts."""
    n = len(order)
    i, j, k = sorted(rng.sample(range(1, n), 3))
    kicked = order[:i] + order[j:k] + order[i:j] + order[k:]
    ends = [order[i - 1], order[i], order[j - 1], order[j], order[k - 1], order[k % n]]
    return kicked, ends


def optimize(starts: list[list[int]], d: Matrix, kicks: int, seed: int = 20240601) -> list[int]:
    """The best local optimum from ``starts`` (cycles of all stops), then improved by kicks."""
    if len(d) < 4:
        return list(starts[0])
    near = neighbours(d)
    best, best_length = Cycle(starts[0], d), float("inf")
    for start in starts:
        cycle = Cycle(start, d)
        local_search(cycle, near, cycle.order)
        length = cycle.length()
        if length < best_length - EPS:
            best, best_length = cycle, length
    rng = random.Random(seed)
    for _ in range(kicks if len(d) >= 8 else 0):
        kicked, ends = _double_bridge(best.order, rng)
        trial = Cycle(kicked, d)
        local_search(trial, near, ends)
        length = trial.length()
        if length <= best_length + EPS:  # equal tours too: rectilinear walks tie a lot
            best, best_length = trial, length
    return best.order
