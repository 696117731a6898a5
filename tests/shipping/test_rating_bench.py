"""``backroom bench rating``: the figures and their targets are reported (timings not asserted)."""

from __future__ import annotations

import json

import pytest

from backroom.bench import rating


def test_jobs_are_repeatable_when_seed_is_fixed() -> None:
    assert rating.make_jobs(50) == rating.make_jobs(50)
    assert len({j.destination.country for j in rating.make_jobs(500)}) > 5


@pytest.mark.slow
def test_bench_prints_figures_with_targets_when_run_quick(capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    data = rating.run(as_json=True, quick=True)
    printed = json.loads(capsys.readouterr().out)
    assert printed == data
    assert set(data["targets"]) == {"rating_quotes_per_s", "rate_shop_10k_seconds"}
    assert data["rating_quotes_per_s"] > 0 and data["rate_shop_10k_seconds"] > 0
    meta = data["meta"]
    assert meta["promise_met"] + meta["promise_missed"] + meta["no_service"] == 10_000
    assert meta["services_priced_per_quote"] == 5
