"""Distances: haversine against known values, road factor, speeds, supplied matrices."""

from __future__ import annotations

import math

import pytest

from backroom.core.errors import ProblemCollector
from backroom.shipping.routing.distance import (
    EARTH_RADIUS_M,
    haversine_m,
    load_matrix_text,
    parse_matrix,
    road_matrix,
    travel_seconds,
)


def test_measures_one_degree_of_latitude_when_moving_north() -> None:
    assert haversine_m(0, 0, 1, 0) == pytest.approx(EARTH_RADIUS_M * math.pi / 180)
    assert haversine_m(0, 0, 1, 0) == pytest.approx(111_195, abs=1)


def test_matches_published_city_distances_when_measuring_great_circles() -> None:
    # Rosetta Code "Haversine formula": Nashville BNA to Los Angeles LAX is 2887.2600 km on a
    # sphere of radius 6372.8 km; rescaled to the mean Earth radius used here
    expected_km = 2887.2599506071106 * EARTH_RADIUS_M / 6_372_800
    assert haversine_m(36.12, -86.67, 33.94, -118.40) / 1000 == pytest.approx(expected_km, abs=0.01)
    assert haversine_m(10, 170, 10, -170) == pytest.approx(haversine_m(10, -10, 10, 10))


def test_scales_by_road_factor_and_speed_when_building_matrices() -> None:
    points = [(52.52, 13.40), (52.53, 13.40)]
    straight = haversine_m(*points[0], *points[1])
    matrix = road_matrix(points, 1.3)
    assert matrix[0][0] == 0 and matrix[0][1] == matrix[1][0] == round(straight * 1.3)
    assert travel_seconds(matrix, 36.0)[0][1] == round(matrix[0][1] / 10)  # 36 km/h = 10 m/s


def test_reads_a_csv_matrix_when_every_pair_is_listed() -> None:
    problems = ProblemCollector()
    text = "from,to,distance_m,duration_s\ndepot,A,1000,90\nA,depot,1100,95\n"
    matrix = load_matrix_text(text, "m.csv", problems)
    assert not problems and matrix is not None
    assert matrix.ids == ("depot", "A")
    assert matrix.distances_m == ((0, 1000), (1100, 0))
    assert matrix.durations_s == ((0, 90), (95, 0))


def test_reports_missing_pairs_and_bad_rows_when_csv_matrix_is_incomplete() -> None:
    problems = ProblemCollector()
    text = "from,to,distance_m\ndepot,A,1000\nA,B,x\nB,depot,-5\n"
    assert load_matrix_text(text, "m.csv", problems) is None
    messages = [str(p) for p in problems.problems]
    assert any(p.startswith("line 3: matrix: expected columns") for p in messages)
    assert any("line 4: matrix: distances and durations must not be negative" in p
               for p in messages)
    assert any("has no row for this pair" in p and "A -> depot" in p for p in messages)


def test_reports_shape_errors_when_json_matrix_is_not_square() -> None:
    problems = ProblemCollector()
    assert parse_matrix({"ids": ["depot", "A"], "distances_m": [[0, 1]]}, problems) is None
    assert "must be a 2×2 list" in str(problems.problems[0])
    problems = ProblemCollector()
    assert load_matrix_text("{not json", "m.json", problems) is None
    assert "is not valid JSON" in str(problems.problems[0])
