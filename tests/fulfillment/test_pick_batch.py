"""Many carts confirmed at once: one ledger batch, the same outcome as one cart at a time, a
cart that cannot be confirmed is reported with why while the rest are picked; over the CLI and
HTTP too."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, event, func, select
from typer.testing import CliRunner

from backroom.cli.app import app
from backroom.db.uow import UnitOfWork
from backroom.fulfillment import fulfillment_orders, pick_service
from backroom.fulfillment.tables import FULFILLMENT_LINES, FULFILLMENT_ORDERS, PICK_TASKS
from backroom.fulfillment.waves import WaveRule, create_wave
from backroom.inventory.audit import run_audit
from backroom.inventory.tables import LOCATIONS, MOVES
from tests.api.helpers import assert_problem, client_for, headers
from tests.fulfillment.flowkit import api_order, bin_level, open_fo, stocked

FO, FL, T = FULFILLMENT_ORDERS.c, FULFILLMENT_LINES.c, PICK_TASKS.c
runner = CliRunner()
BINS = {"A-01-1": {"PLAIN": 20}, "A-02-1": {"PLAIN": 4}, "A-04-1": {"OTHER": 20}}


def _carts(uow: UnitOfWork, wh: str, orders: int = 5, totes: int = 2) -> list[int]:
    for n in range(orders):
        open_fo(uow, api_order(uow, f"{wh}-{n}", [1 + n % 3, 1 + n % 2]), wh)
    return create_wave(uow, WaveRule(wh, totes=totes)).batches


def _snapshot(uow: UnitOfWork, wh: str) -> Any:
    """The warehouse's orders, lines, tasks, bins and moves, without ids or warehouse."""
    with uow.read() as conn:
        fos = conn.execute(select(FO.state, FO.tote).join(LOCATIONS, LOCATIONS.c.warehouse_id
                                                          == FO.warehouse_id)
                           .where(LOCATIONS.c.code == f"{wh}-PACK").order_by(FO.id)).all()
        lines = conn.execute(select(FL.qty, FL.qty_picked).join(
            FULFILLMENT_ORDERS, FO.id == FL.fulfillment_order_id).join(
            LOCATIONS, LOCATIONS.c.warehouse_id == FO.warehouse_id).where(
            LOCATIONS.c.code == f"{wh}-PACK").order_by(FL.id)).all()
        tasks = conn.execute(select(T.seq, T.qty, T.qty_picked, T.state, LOCATIONS.c.code)
                             .join(LOCATIONS, LOCATIONS.c.id == T.location_id)
                             .where(LOCATIONS.c.code.like(f"{wh}-%")).order_by(T.id)).all()
        moves = conn.execute(select(func.count()).select_from(MOVES).where(
            MOVES.c.note.like("pick batch%"), MOVES.c.to_location_id == select(
                LOCATIONS.c.id).where(LOCATIONS.c.code == f"{wh}-PACK").scalar_subquery())
        ).scalar_one()
    bins_ = [bin_level(uow, f"{wh}-{b}") for b in (*BINS, "PACK")]
    return ([tuple(r) for r in fos], [tuple(r) for r in lines],
            [(*r[:4], r[4][4:]) for r in tasks], bins_, moves)


def test_carts_confirmed_together_end_as_if_confirmed_one_at_a_time(uow: UnitOfWork) -> None:
    stocked(uow, {f"{wh}-{b}": units for wh in ("WH1", "WH2") for b, units in BINS.items()})
    together, alone = _carts(uow, "WH1"), _carts(uow, "WH2")
    assert len(together) == 3
    run = pick_service.confirm_batches(uow, together)
    for batch in alone:
        pick_service.confirm_all(uow, batch)
    assert run.failed == [] and [c["batch_id"] for c in run.confirmed] == together
    assert all(c["state"] == "picked" for c in run.confirmed)
    assert sum(c["units"] for c in run.confirmed) == bin_level(uow, "WH1-PACK")[0] == 16
    assert _snapshot(uow, "WH1") == _snapshot(uow, "WH2")
    assert _snapshot(uow, "WH1")[4] == sum(c["picks"] for c in run.confirmed)
    assert run_audit(uow).ok


def test_carts_that_cannot_be_confirmed_say_why_and_the_rest_are_picked(
        uow: UnitOfWork) -> None:
    stocked(uow, {f"WH1-{b}": units for b, units in BINS.items()})
    first, held, done = _carts(uow, "WH1", orders=3, totes=1)
    pick_service.confirm_all(uow, done)
    with uow.read() as conn:
        held_fo = conn.execute(select(FO.id).where(FO.batch_id == held)).scalar_one()
    fulfillment_orders.hold(uow, held_fo, "address check")
    before = bin_level(uow, "WH1-PACK")
    run = pick_service.confirm_batches(uow, [held, first, 999, done])
    assert [c["batch_id"] for c in run.confirmed] == [first]
    failed = {f["batch_id"]: f for f in run.failed}
    assert list(failed) == [held, 999, done]
    assert failed[held]["code"] == "conflict" and "on hold" in failed[held]["error"]
    assert failed[999]["code"] == "not_found"
    assert "is picked" in failed[done]["error"]
    assert bin_level(uow, "WH1-PACK")[0] == before[0] + run.as_dict()["units"]
    assert all(t["state"] == "open" for t in _view(uow, held)["tasks"])


def _view(uow: UnitOfWork, batch: int) -> dict[str, Any]:
    with uow.read() as conn:
        return pick_service.batch_view(conn, batch)


def test_cart_whose_moves_fail_fails_alone_when_others_are_confirmed_with_it(
        uow: UnitOfWork) -> None:
    stocked(uow, {f"{wh}-{b}": units for wh in ("WH1", "WH2") for b, units in BINS.items()})
    ok, broken = _carts(uow, "WH1", orders=1), _carts(uow, "WH2", orders=1)
    with uow.transaction() as conn:  # WH2 loses its packing station: its picks have nowhere
        conn.execute(delete(LOCATIONS).where(LOCATIONS.c.code == "WH2-PACK"))
    run = pick_service.confirm_batches(uow, [*ok, *broken])
    assert [c["batch_id"] for c in run.confirmed] == ok
    assert [f["batch_id"] for f in run.failed] == broken
    assert "no packing location" in run.failed[0]["error"]
    assert _view(uow, ok[0])["state"] == "picked" and _view(uow, broken[0])["state"] == "open"
    assert bin_level(uow, "WH2-A-02-1") == (4, 1)  # still held for the pick
    assert run_audit(uow).ok


def test_confirming_more_carts_issues_no_more_statements_when_confirmed_together(
        uow: UnitOfWork) -> None:
    stocked(uow, {f"{wh}-{b}": units for wh in ("WH1", "WH2") for b, units in BINS.items()})
    counts = []
    for wh, orders in (("WH1", 2), ("WH2", 12)):
        batches = _carts(uow, wh, orders=orders)
        seen = [0]

        def count(*_: Any, seen: list[int] = seen) -> None:
            seen[0] += 1

        event.listen(uow.engine, "before_cursor_execute", count)
        try:
            assert len(pick_service.confirm_batches(uow, batches).confirmed) == len(batches)
        finally:
            event.remove(uow.engine, "before_cursor_execute", count)
        counts.append(seen[0])
    assert counts[0] == counts[1]


def test_cli_and_http_confirm_many_carts_with_per_cart_outcomes(uow: UnitOfWork,
                                                               cli_database: str) -> None:
    stocked(uow, {f"WH1-{b}": units for b, units in BINS.items()})
    batches = _carts(uow, "WH1", orders=4)
    out = runner.invoke(app, ["pick", "confirm-batches", str(batches[0]), "999", "--json"])
    assert out.exit_code == 0, out.output
    got = json.loads(out.output)
    assert [c["batch_id"] for c in got["confirmed"]] == [batches[0]]
    assert got["failed"][0]["batch_id"] == 999 and got["failed"][0]["code"] == "not_found"
    wave = _view(uow, batches[1])["wave_id"]
    text = runner.invoke(app, ["pick", "confirm-batches", "--wave", str(wave)])
    assert text.exit_code == 0 and "picked" in text.output
    assert all(_view(uow, b)["state"] == "picked" for b in batches)
    assert runner.invoke(app, ["pick", "confirm-batches"]).exit_code == 2
    warehouse, viewer = headers(uow.engine, "warehouse"), headers(uow.engine, "read-only")
    with client_for(uow.engine) as client:
        body = {"batch_ids": [batches[0], 12345]}
        assert_problem(client.post("/api/v1/pick-batches/confirm", json=body,
                                   headers=viewer), 403)
        assert_problem(client.post("/api/v1/pick-batches/confirm", json={"batch_ids": []},
                                   headers=warehouse), 422)
        res = client.post("/api/v1/pick-batches/confirm", json=body, headers=warehouse)
        assert res.status_code == 200, res.text
        failed = {f["batch_id"]: f["code"] for f in res.json()["failed"]}
        assert failed == {batches[0]: "conflict", 12345: "not_found"}
        assert res.json()["confirmed"] == []
