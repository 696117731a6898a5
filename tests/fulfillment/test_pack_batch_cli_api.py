"""Packing many fulfillment orders as proposed from the command line and over HTTP, on
SQLite and PostgreSQL: per-order outcomes, the rest packed when some cannot be."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from backroom.cli.app import app
from backroom.db.uow import UnitOfWork
from backroom.fulfillment.tables import FULFILLMENT_ORDERS
from tests.api.helpers import assert_problem, cli_database, client_for, headers
from tests.fulfillment.fo_setup import events, picked_fo

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("store")


def state(uow: UnitOfWork, fo_id: int) -> str:
    with uow.read() as conn:
        return str(conn.execute(select(FULFILLMENT_ORDERS.c.state).where(
            FULFILLMENT_ORDERS.c.id == fo_id)).scalar_one())


def hold(uow: UnitOfWork, fo_id: int) -> None:
    from backroom.core import clock

    with uow.transaction() as conn:
        conn.execute(update(FULFILLMENT_ORDERS).where(FULFILLMENT_ORDERS.c.id == fo_id).values(
            hold_reason="address check", held_at=clock.now()))


def test_cli_accept_packs_every_picked_order_when_all_picked_is_given(
        db_url: str, uow: UnitOfWork) -> None:
    fos = [picked_fo(uow, {"PLAIN": n}, external_id=f"C-{n}") for n in (1, 2)]
    held = picked_fo(uow, {"OTHER": 1}, external_id="C-HELD")
    hold(uow, held.fo_id)
    with cli_database(db_url):
        wrong = runner.invoke(app, ["pack", "accept", "--all-picked", "--warehouse", "NOPE"])
        assert wrong.exit_code == 2 and "no warehouse 'NOPE'" in wrong.output
        neither = runner.invoke(app, ["pack", "accept"])
        assert neither.exit_code == 2 and "--all-picked" in neither.output
        done = runner.invoke(app, ["pack", "accept", "--all-picked", "--warehouse", "WH1",
                                   "--json"])
        assert done.exit_code == 0, done.output
        again = runner.invoke(app, ["pack", "accept", str(fos[0].fo_id)])
    summary = json.loads(done.stdout)
    assert summary["packed_count"] == 2 and summary["failed"] == []
    assert [p["fulfillment_order_id"] for p in summary["packed"]] == [f.fo_id for f in fos]
    assert all(p["cartons"][0]["items"] for p in summary["packed"])
    assert [state(uow, f.fo_id) for f in fos] == ["packed", "packed"]
    assert state(uow, held.fo_id) == "picked"  # on hold: not picked up by --all-picked
    assert again.exit_code == 1 and "0 fulfillment order(s) packed" in again.output
    assert f"fulfillment order {fos[0].fo_id}: " in again.output and "is packed" in again.output


def test_api_packs_listed_orders_and_reports_the_rest_when_some_cannot_be_packed(
        uow: UnitOfWork) -> None:
    good = picked_fo(uow, {"PLAIN": 3}, external_id="A-1")
    held = picked_fo(uow, {"OTHER": 2}, external_id="A-2")
    hold(uow, held.fo_id)
    route = "/api/v1/fulfillment-orders/pack-as-proposed"
    body = {"fulfillment_order_ids": [good.fo_id, held.fo_id, 987_654]}
    with client_for(uow.engine) as client:
        assert_problem(client.post(route, headers=headers(uow.engine, "read-only"), json=body),
                       403)
        wh = headers(uow.engine, "warehouse")
        assert_problem(client.post(route, headers=wh, json={"fulfillment_order_ids": []}), 422)
        answer = client.post(route, headers=wh, json=body)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert [p["fulfillment_order_id"] for p in data["packed"]] == [good.fo_id]
    assert sum(i["qty"] for c in data["packed"][0]["cartons"] for i in c["items"]) == 3
    assert [(f["fulfillment_order_id"], f["code"]) for f in data["failed"]] == [
        (held.fo_id, "conflict"), (987_654, "not_found")]
    assert state(uow, good.fo_id) == "packed" and state(uow, held.fo_id) == "picked"
    assert [e["fulfillment_order_id"] for e in events(uow, "fulfillment.packed")] == [
        good.fo_id]
