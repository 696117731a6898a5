"""Pure shipment rules: transitions, tracking numbers, business days, event order, delays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from backroom.shipping.model import (
    DelayFacts,
    DelayReason,
    ShipmentState,
    TrackingStatus,
    add_business_days,
    apply_event,
    delay_reason,
    is_valid_tracking_number,
    luhn_check_digit,
    tracking_number,
    transition,
)

S = ShipmentState
T0 = datetime(2026, 11, 23, 12, tzinfo=UTC)


def test_transition_allows_the_label_lifecycle_and_refuses_going_back() -> None:
    assert transition(S.DRAFT, S.PURCHASED) is S.PURCHASED
    assert transition(S.DELIVERED, S.RETURNED) is S.RETURNED
    for current, target in ((S.DELIVERED, S.IN_TRANSIT), (S.VOIDED, S.PURCHASED),
                            (S.IN_TRANSIT, S.VOIDED), (S.RETURNED, S.DELIVERED),
                            (S.DRAFT, S.IN_TRANSIT)):
        with pytest.raises(ValueError, match="cannot become"):
            transition(current, target)


def test_tracking_number_carries_a_luhn_check_digit_when_generated() -> None:
    assert luhn_check_digit("7992739871") == 3  # the textbook Luhn example
    number = tracking_number("PW", 123, 2)
    assert number == "PW0000000000012302" + str(luhn_check_digit("0000000000012302"))
    assert is_valid_tracking_number("PW", number)
    assert not is_valid_tracking_number("PW", number[:-1] + str((int(number[-1]) + 1) % 10))
    assert not is_valid_tracking_number("EU", number)
    assert tracking_number("PW", 123, 1) != number


def test_business_days_skip_the_weekend_when_counted_from_friday() -> None:
    friday = date(2026, 11, 27)
    assert add_business_days(friday, 1) == date(2026, 11, 30)
    assert add_business_days(friday, 3) == date(2026, 12, 2)
    assert add_business_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # from a Saturday


def test_status_parse_accepts_spaces_dashes_and_case() -> None:
    assert TrackingStatus.parse(" Out-For Delivery ") is TrackingStatus.OUT_FOR_DELIVERY
    with pytest.raises(ValueError):
        TrackingStatus.parse("lost")


def test_apply_event_keeps_state_when_scan_is_older_than_the_latest() -> None:
    late = apply_event(S.OUT_FOR_DELIVERY, T0, TrackingStatus.IN_TRANSIT, T0 - timedelta(hours=1))
    assert (late.new_state, late.is_latest) == (None, False)
    newer = apply_event(S.OUT_FOR_DELIVERY, T0, TrackingStatus.DELIVERED, T0)
    assert (newer.new_state, newer.is_latest) == (S.DELIVERED, True)
    after_delivery = apply_event(S.DELIVERED, T0, TrackingStatus.IN_TRANSIT, T0 + timedelta(1))
    assert after_delivery.new_state is None and after_delivery.is_latest


def test_delay_reason_names_the_first_rule_broken() -> None:
    facts = DelayFacts(S.IN_TRANSIT, date(2026, 11, 30), date(2026, 12, 1), T0)
    assert delay_reason(facts, T0, 3) is DelayReason.ESTIMATE_AFTER_PROMISE
    quiet = DelayFacts(S.IN_TRANSIT, None, None, T0)
    assert delay_reason(quiet, T0 + timedelta(days=3), 3) is None
    assert delay_reason(quiet, T0 + timedelta(days=4), 3) is DelayReason.NO_SCAN
    done = DelayFacts(S.DELIVERED, date(2026, 11, 24), None, T0, date(2026, 11, 25))
    assert delay_reason(done, T0, 3) is DelayReason.DELIVERED_LATE
    assert delay_reason(DelayFacts(S.VOIDED, None, None, T0), T0 + timedelta(30), 3) is None
