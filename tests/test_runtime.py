"""``core.runtime.tune_gc``: the objects alive at startup are frozen and young-generation
passes are rarer; ``BACKROOM_GC=default`` keeps CPython's settings."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from backroom.core.runtime import YOUNG_THRESHOLD, tune_gc


@pytest.fixture
def restored_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_tune_gc_freezes_startup_objects_and_raises_the_threshold(
        restored_gc: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKROOM_GC", raising=False)
    gc.unfreeze()
    older = gc.get_threshold()[1:]
    tune_gc()
    assert gc.get_freeze_count() > 1000
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *older)


def test_tune_gc_keeps_the_defaults_when_asked(restored_gc: None,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKROOM_GC", "default")
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    tune_gc()
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == (700, 10, 10)
