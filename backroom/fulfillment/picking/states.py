"""The state machine behind the exact routing dynamic program.

Ratliff & Rosenthal (1983) build an optimal pick tour aisle by aisle, left to right. What
matters about a partial tour (the edges chosen so far) for the rest of the walk is only, at
the current aisle's cross-aisle vertices: which of them the partial tour touches, whether each
touched vertex has an odd or even degree so far, and which touched vertices are already
connected to each other. With one block (two vertices per aisle, front and back) that gives
their seven equivalence classes; Roodbergen & de Koster (2001) extend the same idea to two
blocks (three vertices: front, middle, back). This module derives those classes for any number
of vertices ``k`` instead of listing them by hand, so one tested piece of code serves both.

A state is a tuple with one code per vertex, front first: ``0`` if the partial tour does not
touch it, else ``2 * component + odd`` with components numbered 1, 2, … in order of first
appearance (so equivalent states compare equal). Two kinds of steps change a state:

- a *segment* step chooses how the aisle segment between vertex ``t`` and ``t + 1`` is covered
  (one of :data:`OPTIONS`, see ``dp.py`` for their lengths);
- a *horizontal* step chooses how often (0, 1 or 2 times) each cross aisle is walked from this
  aisle to the next; it fixes the degrees at this aisle (they must end even) and forbids
  leaving a component behind, since it could never be connected to the rest again.

A partial tour is a finished tour when it has exactly one component and every degree is even.
"""

from __future__ import annotations

from functools import cache
from itertools import product

State = tuple[int, ...]

NONE, ONCE, TWICE, LOW, HIGH, GAP = range(6)
OPTIONS = (NONE, ONCE, TWICE, LOW, HIGH, GAP)
# Per option: degree added at the lower and upper vertex, and whether it joins them.
_EFFECT = {
    NONE: (0, 0, False),
    ONCE: (1, 1, True),  # walk the whole segment once
    TWICE: (2, 2, True),  # walk it up and back
    LOW: (2, 0, False),  # enter from the lower end and return
    HIGH: (0, 2, False),  # enter from the upper end and return
    GAP: (2, 2, False),  # enter from both ends, leaving the largest gap unwalked
}


def _normalize(labels: list[int], odd: list[int]) -> State:
    """Renumber components by first appearance so equivalent states are equal tuples."""
    renumber: dict[int, int] = {}
    codes = []
    for label, parity in zip(labels, odd, strict=True):
        if label == 0:
            codes.append(0)
            continue
        number = renumber.setdefault(label, len(renumber) + 1)
        codes.append(2 * number + parity)
    return tuple(codes)


def segment_step(state: State, t: int, option: int) -> State:
    """The state after covering the segment between vertices ``t`` and ``t + 1``."""
    add_low, add_high, joins = _EFFECT[option]
    if not (add_low or add_high):
        return state
    labels = [code // 2 for code in state]
    odd = [code % 2 for code in state]
    fresh = max(labels, default=0) + 1
    for vertex, added in ((t, add_low), (t + 1, add_high)):
        if added:
            if labels[vertex] == 0:
                labels[vertex], fresh = fresh, fresh + 1
            odd[vertex] = (odd[vertex] + added) % 2
    if joins:
        keep, gone = labels[t], labels[t + 1]
        labels = [keep if label == gone else label for label in labels]
    return _normalize(labels, odd)


def horizontal_step(state: State, walks: tuple[int, ...]) -> State | None:
    """The next aisle's state when cross aisle ``c`` is walked ``walks[c]`` times, or None."""
    labels = [code // 2 for code in state]
    kept = set()
    for code, times in zip(state, walks, strict=True):
        if times and code == 0:
            return None  # a walk must start from a vertex the tour reaches
        if (code % 2 + times) % 2:
            return None  # the vertex would keep an odd degree
        if times:
            kept.add(code // 2)
    if any(label and label not in kept for label in labels):
        return None  # a component would be left behind, cut off from the rest
    return _normalize([label if times else 0 for label, times in zip(labels, walks, strict=True)],
                      [times % 2 for times in walks])


def is_finished(state: State) -> bool:
    """One component, every degree even: a closed tour."""
    labels = {code // 2 for code in state if code}
    return len(labels) == 1 and all(code % 2 == 0 for code in state)


class StateSpace:
    """Integer ids for states and memoised transition rows, built lazily and shared."""

    def __init__(self, vertices: int) -> None:
        self.vertices = vertices
        self.states: list[State] = []
        self._ids: dict[State, int] = {}
        self._segment: dict[tuple[int, int], list[int]] = {}
        self._horizontal: dict[int, list[tuple[int, tuple[int, ...], int]]] = {}
        self.start = self.id_of((0,) * vertices)

    def id_of(self, state: State) -> int:
        found = self._ids.get(state)
        if found is None:
            found = self._ids[state] = len(self.states)
            self.states.append(state)
        return found

    def segment(self, sid: int, t: int) -> list[int]:
        """Next state id for each option, indexed by option."""
        row = self._segment.get((sid, t))
        if row is None:
            state = self.states[sid]
            row = [self.id_of(segment_step(state, t, option)) for option in OPTIONS]
            self._segment[(sid, t)] = row
        return row

    def horizontal(self, sid: int) -> list[tuple[int, tuple[int, ...], int]]:
        """Every allowed ``(total walks, walks per cross aisle, next state id)``."""
        moves = self._horizontal.get(sid)
        if moves is None:
            state = self.states[sid]
            choices = [(0,) if code == 0 else (1,) if code % 2 else (0, 2) for code in state]
            moves = []
            for walks in product(*choices):
                following = horizontal_step(state, walks)
                if following is not None:
                    moves.append((sum(walks), walks, self.id_of(following)))
            self._horizontal[sid] = moves
        return moves

    def finished(self, sid: int) -> bool:
        return is_finished(self.states[sid])


@cache
def state_space(vertices: int) -> StateSpace:
    return StateSpace(vertices)
