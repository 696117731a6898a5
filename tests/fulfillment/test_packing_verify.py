"""The packing verifier catches each broken rule (and accepts a valid packing)."""

from __future__ import annotations

from backroom.fulfillment.packing import Box, Item, Packing, Placement, verify

BOX = Box("B", 100, 80, 60, 2_000, 50)
BOOK = Item("BOOK", 50, 40, 30, 400)
JAR = Item("JAR", 40, 40, 60, 300, can_rotate=False)


def _packing(*placements: Placement, boxes: tuple[Box, ...] = (BOX,)) -> Packing:
    return Packing(boxes, placements, 0, 0)


def _kinds(packing: Packing, items: list[Item], rotate: bool = True) -> list[str]:
    return [v.kind for v in verify(packing, items, rotate=rotate)]


def test_verify_passes_when_items_touch_but_do_not_overlap() -> None:
    packing = _packing(Placement(BOOK, 0, 0, 0, 0, 50, 40, 30),
                       Placement(BOOK, 0, 50, 0, 0, 50, 40, 30),
                       Placement(JAR, 0, 0, 40, 0, 40, 40, 60))
    assert verify(packing, [BOOK, BOOK, JAR]) == []


def test_verify_reports_missing_when_an_item_is_not_placed() -> None:
    packing = _packing(Placement(BOOK, 0, 0, 0, 0, 50, 40, 30))
    assert _kinds(packing, [BOOK, BOOK]) == ["missing"]


def test_verify_reports_extra_when_an_item_is_placed_twice() -> None:
    packing = _packing(Placement(BOOK, 0, 0, 0, 0, 50, 40, 30),
                       Placement(BOOK, 0, 50, 0, 0, 50, 40, 30))
    assert _kinds(packing, [BOOK]) == ["extra"]


def test_verify_reports_extra_when_an_item_is_not_in_the_order() -> None:
    packing = _packing(Placement(JAR, 0, 0, 0, 0, 40, 40, 60))
    assert _kinds(packing, []) == ["extra"]


def test_verify_reports_outside_when_an_item_sticks_out() -> None:
    packing = _packing(Placement(BOOK, 0, 60, 0, 0, 50, 40, 30))
    assert _kinds(packing, [BOOK]) == ["outside"]


def test_verify_reports_outside_when_a_coordinate_is_negative() -> None:
    packing = _packing(Placement(BOOK, 0, 0, -1, 0, 50, 40, 30))
    assert _kinds(packing, [BOOK]) == ["outside"]


def test_verify_reports_overlap_when_two_items_share_space() -> None:
    packing = _packing(Placement(BOOK, 0, 0, 0, 0, 50, 40, 30),
                       Placement(BOOK, 0, 49, 39, 29, 50, 40, 30))
    violations = verify(packing, [BOOK, BOOK])
    assert [v.kind for v in violations] == ["overlap"]
    assert "BOOK and BOOK overlap in box #0" in violations[0].message


def test_verify_reports_orientation_when_dims_are_not_a_turn_of_the_item() -> None:
    packing = _packing(Placement(BOOK, 0, 0, 0, 0, 50, 40, 20))
    assert _kinds(packing, [BOOK]) == ["orientation"]


def test_verify_reports_orientation_when_this_side_up_item_is_tipped() -> None:
    packing = _packing(Placement(JAR, 0, 0, 0, 0, 60, 40, 40))
    violations = verify(packing, [JAR])
    assert [v.kind for v in violations] == ["orientation"]
    assert "upright" in violations[0].message


def test_verify_accepts_turn_about_vertical_axis_when_item_is_this_side_up() -> None:
    tall = Item("TALL", 30, 20, 50, can_rotate=False)
    packing = _packing(Placement(tall, 0, 0, 0, 0, 20, 30, 50))
    assert verify(packing, [tall]) == []


def test_verify_reports_orientation_when_rotation_is_off_and_item_is_turned() -> None:
    packing = _packing(Placement(BOOK, 0, 0, 0, 0, 40, 50, 30))
    assert _kinds(packing, [BOOK], rotate=True) == []
    assert _kinds(packing, [BOOK], rotate=False) == ["orientation"]


def test_verify_reports_overweight_when_box_limit_is_exceeded() -> None:
    light_box = Box("LIGHT", 100, 80, 60, 700, 50)
    packing = _packing(Placement(BOOK, 0, 0, 0, 0, 50, 40, 30),
                       Placement(BOOK, 0, 50, 0, 0, 50, 40, 30), boxes=(light_box,))
    violations = verify(packing, [BOOK, BOOK])
    assert [v.kind for v in violations] == ["overweight"]
    assert "800 g" in violations[0].message


def test_verify_reports_bad_box_when_index_does_not_exist() -> None:
    packing = _packing(Placement(BOOK, 3, 0, 0, 0, 50, 40, 30))
    assert _kinds(packing, [BOOK]) == ["bad_box"]


def test_verify_checks_each_box_separately_when_items_share_coordinates() -> None:
    packing = _packing(Placement(BOOK, 0, 0, 0, 0, 50, 40, 30),
                       Placement(BOOK, 1, 0, 0, 0, 50, 40, 30), boxes=(BOX, BOX))
    assert verify(packing, [BOOK, BOOK]) == []
