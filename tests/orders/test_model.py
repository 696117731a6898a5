"""The order lifecycle as pure data: transitions, derived states, cancel and quantity plans."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backroom.orders.model import (
    TRANSITIONS,
    FulfillmentState,
    InvalidTransition,
    LineCounts,
    OrderState,
    PaymentState,
    derive_state,
    fulfillment_state,
    payment_state,
    plan_cancel,
    plan_quantity,
    transition,
)

S = OrderState


def test_transition_refuses_when_order_is_final() -> None:
    for final in (S.COMPLETED, S.CANCELLED):
        for target in OrderState:
            if target != final:
                with pytest.raises(InvalidTransition):
                    transition(final, target)
    assert all(current not in (S.COMPLETED, S.CANCELLED) for current, _ in TRANSITIONS)


def test_transition_allows_release_when_hold_is_lifted() -> None:
    assert transition(S.ON_HOLD, S.OPEN) == S.OPEN
    assert transition(S.OPEN, S.OPEN) == S.OPEN


def test_state_is_on_hold_when_a_hold_is_active() -> None:
    assert derive_state([LineCounts(3)], active_holds=1) == S.ON_HOLD
    assert derive_state([LineCounts(3)], active_holds=0) == S.OPEN
    assert derive_state([LineCounts(3, reserved=1)], active_holds=0) == S.PROCESSING


def test_state_is_completed_when_every_wanted_unit_shipped() -> None:
    lines = [LineCounts(3, shipped=2, cancelled=1), LineCounts(1, cancelled=1)]
    assert derive_state(lines, active_holds=1) == S.COMPLETED
    assert derive_state([LineCounts(2, cancelled=2)], 0) == S.CANCELLED
    assert derive_state([LineCounts(1, requires_shipping=False)], 0) == S.COMPLETED


def test_fulfillment_state_when_lines_progress() -> None:
    assert fulfillment_state([LineCounts(2)]) == FulfillmentState.UNFULFILLED
    assert fulfillment_state([LineCounts(2, shipped=1)]) == FulfillmentState.PARTIALLY_FULFILLED
    assert fulfillment_state([LineCounts(2, shipped=1, cancelled=1)]) == FulfillmentState.FULFILLED
    assert fulfillment_state([LineCounts(2, backordered=2)]) == FulfillmentState.BACKORDERED


@pytest.mark.parametrize(("amounts", "state"), [
    ((1000, 0, 0, 0), PaymentState.PENDING),
    ((1000, 1000, 0, 0), PaymentState.AUTHORIZED),
    ((1000, 0, 400, 0), PaymentState.PARTIALLY_PAID),
    ((1000, 0, 1000, 0), PaymentState.PAID),
    ((1000, 0, 1000, 250), PaymentState.PARTIALLY_REFUNDED),
    ((1000, 0, 1000, 1000), PaymentState.REFUNDED),
    ((0, 0, 0, 0), PaymentState.PAID),
])
def test_payment_state_when_channel_reports_amounts(amounts: tuple[int, int, int, int],
                                                    state: PaymentState) -> None:
    assert payment_state(*amounts) == state


def test_cancel_takes_open_units_before_reserved_ones_when_planning() -> None:
    plan = plan_cancel(LineCounts(5, reserved=2, shipped=1, backordered=1), 3)
    assert (plan.from_open, plan.from_reserved, plan.from_backorder) == (2, 1, 1)
    with pytest.raises(ValueError, match="only 4 of 5 can still be cancelled"):
        plan_cancel(LineCounts(5, reserved=2, shipped=1), 5)


def test_quantity_drop_is_refused_when_units_are_committed() -> None:
    line = LineCounts(4, reserved=2, shipped=1)
    assert plan_quantity(line, 3).cancel is not None
    assert "cannot lower to 2" in plan_quantity(line, 2).refused
    assert plan_quantity(line, 6).add == 2


@st.composite
def counts(draw: st.DrawFn) -> LineCounts:
    """A valid line: its quantity split at random into cancelled, reserved, shipped, open."""
    qty = draw(st.integers(1, 20))
    cancelled = draw(st.integers(0, qty))
    reserved = draw(st.integers(0, qty - cancelled))
    shipped = draw(st.integers(0, qty - cancelled - reserved))
    return LineCounts(qty, cancelled=cancelled, reserved=reserved, shipped=shipped)


@given(line=counts(), target=st.integers(0, 40))
def test_quantity_plan_keeps_line_invariant_when_target_is_any(line: LineCounts,
                                                               target: int) -> None:
    plan = plan_quantity(line, target)
    if plan.refused:
        assert target < line.active - line.open
        return
    cancelled = plan.cancel.qty if plan.cancel else 0
    after = LineCounts(line.qty + plan.add, line.cancelled + cancelled,
                       line.reserved - (plan.cancel.from_reserved if plan.cancel else 0),
                       line.shipped)
    assert after.problems() == []
    assert after.active == target
    assert after.reserved == line.reserved and after.shipped == line.shipped
