"""Rate-card directories: load, validate and cache in memory.

A rate directory holds one sub-directory per carrier, each with a ``carrier.yaml`` and the CSV
files it names. ``load_rate_book()`` reads the directory in settings ``BACKROOM_RATES_DIR``
(default: the sample carriers shipped with Backroom) once and keeps the validated cards in
memory; it looks at the files' modification times again at most once a second and reloads when
one changed. A directory with any problem raises ``RateCardInvalid`` listing all of them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from backroom.core.errors import NotFound, Problem, ValidationFailed
from backroom.shipping.rating.cardbuild import CARRIER_FILE, load_carrier
from backroom.shipping.rating.errors import RateCardInvalid
from backroom.shipping.rating.model import RateCard
from backroom.shipping.rating.sourcefiles import Sink

BUNDLED_RATES = Path(__file__).resolve().parent.parent / "rates"
CHECK_INTERVAL_S = 1.0

Signature = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class RateBook:
    """The validated rate cards of one directory."""

    directory: str
    cards: tuple[RateCard, ...]
    by_code: dict[str, RateCard] = field(default_factory=dict)

    def card(self, code: str) -> RateCard:
        found = self.by_code.get(code.upper())
        if found is None:
            raise NotFound(f"no carrier {code!r}; loaded: {', '.join(self.by_code) or 'none'}")
        return found

    def select(self, codes: Sequence[str] | None) -> tuple[RateCard, ...]:
        """The cards named by ``codes`` (all when None or empty); unknown codes are an error."""
        if not codes:
            return self.cards
        unknown = [c for c in codes if c.upper() not in self.by_code]
        if unknown:
            raise ValidationFailed.of([Problem("carriers", "is not a loaded carrier (one of "
                                               f"{', '.join(self.by_code)})", c)
                                       for c in unknown])
        return tuple(self.by_code[c.upper()] for c in codes)


@dataclass
class _Entry:
    signature: Signature
    book: RateBook | None
    error: RateCardInvalid | None
    checked_at: float

    def result(self) -> RateBook:
        if self.book is None:
            assert self.error is not None
            raise self.error
        return self.book


_cache: dict[str, _Entry] = {}
_lock = threading.Lock()


def rates_dir(directory: str | Path | None = None) -> Path:
    """``directory``, else settings ``BACKROOM_RATES_DIR``, else the bundled samples."""
    if directory:
        return Path(directory).expanduser().resolve()
    from backroom.core.settings import get_settings

    configured = get_settings().rates_dir
    return Path(configured).expanduser().resolve() if configured else BUNDLED_RATES


def load_rate_book(directory: str | Path | None = None) -> RateBook:
    """The cached cards of ``directory`` (see ``rates_dir``), reloaded when a file changed.

    A directory that does not load raises ``RateCardInvalid`` (remembered too, so a broken
    directory is not re-read on every call) until its files are fixed."""
    path = rates_dir(directory)
    key = str(path)
    now = time.monotonic()
    entry = _cache.get(key)
    if entry is not None and now - entry.checked_at < CHECK_INTERVAL_S:
        return entry.result()
    with _lock:
        signature = _signature(path)
        entry = _cache.get(key)
        if entry is None or entry.signature != signature:
            try:
                entry = _Entry(signature, read_rate_dir(path), None, now)
            except RateCardInvalid as exc:
                entry = _Entry(signature, None, exc, now)
            _cache[key] = entry
        entry.checked_at = now
        return entry.result()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def problems_in(directory: str | Path) -> list[Problem]:
    """Every problem of a rate directory (empty when it loads cleanly); never cached."""
    sink = Sink()
    _read(Path(directory).expanduser().resolve(), sink)
    return sink.problems


def read_rate_dir(directory: str | Path) -> RateBook:
    """Read and validate a rate directory, raising ``RateCardInvalid`` with every problem."""
    path = Path(directory).expanduser().resolve()
    sink = Sink()
    cards = _read(path, sink)
    if sink.problems:
        raise RateCardInvalid.of(sink.problems, f"rate cards in {path} do not load: "
                                 + "; ".join(str(p) for p in sink.problems[:3])
                                 + (f"; and {len(sink.problems) - 3} more"
                                    if len(sink.problems) > 3 else ""))
    return RateBook(str(path), tuple(cards), {c.code.upper(): c for c in cards})


def _read(path: Path, sink: Sink) -> list[RateCard]:
    if not path.is_dir():
        sink.add(str(path), "", "is not a directory")
        return []
    folders = sorted(p for p in path.iterdir() if (p / CARRIER_FILE).is_file())
    if not folders:
        sink.add(str(path), "", f"has no carrier folders (each needs a {CARRIER_FILE})")
        return []
    cards: list[RateCard] = []
    seen: dict[str, str] = {}
    for folder in folders:
        card = load_carrier(folder, folder.name, sink)
        if card is None:
            continue
        if card.code.upper() in seen:
            sink.add(f"{folder.name}/{CARRIER_FILE}", "code", "is also the code of "
                     f"{seen[card.code.upper()]}", card.code)
            continue
        seen[card.code.upper()] = folder.name
        cards.append(card)
    return cards


def _signature(path: Path) -> Signature:
    """Names, modification times and sizes of every file under ``path``."""
    found: list[tuple[str, int, int]] = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            try:
                stat = os.stat(full)
            except OSError:
                continue
            found.append((os.path.relpath(full, path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)
