"""Tests for the evaluation statistics."""

from __future__ import annotations

import math

import pytest

from helpers.evaluation.stats import (
    describe_accuracy,
    format_interval,
    mean,
    paired_sign_test,
    percentile,
    wilson_interval,
    z_for_confidence,
)

Z95 = 1.959963984540054  # two-sided 95% normal quantile, from tables
Z90 = 1.6448536269514722


def reference_wilson(k: int, n: int, z: float) -> tuple[float, float]:
    """Wilson's formula written out separately, in the textbook arrangement."""
    p = k / n
    root = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denominator = 1 + z * z / n
    return ((p + z * z / (2 * n) - root) / denominator, (p + z * z / (2 * n) + root) / denominator)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (7, 10, 0.3968, 0.8922),  # g1's "70% on strawberry (n=10)"
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (50, 100, 0.4038, 0.5962),
        (1, 2, 0.0945, 0.9055),
        (70, 100, 0.6042, 0.7810),
    ],
)
def test_wilson_matches_published_values(k: int, n: int, low: float, high: float) -> None:
    got_low, got_high = wilson_interval(k, n)
    assert got_low == pytest.approx(low, abs=5e-4)
    assert got_high == pytest.approx(high, abs=5e-4)


@pytest.mark.parametrize(("k", "n"), [(1, 3), (3, 7), (12, 40), (199, 250), (1, 1000)])
@pytest.mark.parametrize(("confidence", "z"), [(0.95, Z95), (0.90, Z90)])
def test_wilson_matches_the_formula(k: int, n: int, confidence: float, z: float) -> None:
    assert wilson_interval(k, n, confidence) == pytest.approx(reference_wilson(k, n, z), abs=1e-12)


def test_wilson_edges_are_exact() -> None:
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_narrows_with_more_data() -> None:
    widths = [hi - lo for lo, hi in (wilson_interval(7 * m, 10 * m) for m in (1, 10, 100))]
    assert widths[0] > widths[1] > widths[2]
    assert widths[0] > 0.45 and widths[2] < 0.06


def test_wilson_widens_with_more_confidence() -> None:
    low90, high90 = wilson_interval(7, 10, 0.90)
    low99, high99 = wilson_interval(7, 10, 0.99)
    assert low99 < low90 and high99 > high90


@pytest.mark.parametrize(("k", "n"), [(-1, 10), (11, 10), (0, -1)])
def test_wilson_refuses_impossible_counts(k: int, n: int) -> None:
    with pytest.raises(ValueError):
        wilson_interval(k, n)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95.0, -0.5])
def test_confidence_must_be_a_fraction(confidence: float) -> None:
    with pytest.raises(ValueError):
        wilson_interval(5, 10, confidence)


def test_z_for_confidence() -> None:
    assert z_for_confidence(0.95) == pytest.approx(Z95, abs=1e-9)
    assert z_for_confidence(0.99) == pytest.approx(2.5758293035489, abs=1e-9)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (0, 15.0),
        (100, 50.0),
        (50, 35.0),
        (40, 29.0),  # position 1.6: 20 + 0.6 * (35 - 20)
        (95, 48.0),  # position 3.8: 40 + 0.8 * (50 - 40)
        (25, 20.0),
        (10, 17.0),  # position 0.4: 15 + 0.4 * (20 - 15)
    ],
)
def test_percentile_by_hand(q: float, expected: float) -> None:
    values = [35, 50, 15, 40, 20]  # unsorted on purpose
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_of_one_value_and_of_latencies() -> None:
    assert percentile([2.5], 95) == 2.5
    latencies = [1.0, 1.2, 1.1, 0.9, 5.0, 1.0, 1.3, 1.1, 1.0, 1.2]
    assert percentile(latencies, 50) == pytest.approx(1.1)
    assert percentile(latencies, 95) == pytest.approx(1.3 + 0.55 * (5.0 - 1.3))


@pytest.mark.parametrize(
    ("values", "q"), [([], 50), ([1, 2], -1), ([1, 2], 101), ([1, math.nan], 50)]
)
def test_percentile_refuses_bad_input(values: list[float], q: float) -> None:
    with pytest.raises(ValueError):
        percentile(values, q)


def test_mean() -> None:
    assert mean([1, 2, 3, 4]) == 2.5
    assert mean([0.1] * 10) == pytest.approx(0.1)
    with pytest.raises(ValueError):
        mean([])


def test_format_interval() -> None:
    assert format_interval(0.3968, 0.8922) == "40%–89%"
    assert format_interval(0.3968, 0.8922, digits=1) == "39.7%–89.2%"
    assert format_interval(0.0, 1.0) == "0%–100%"


def test_describe_accuracy() -> None:
    assert describe_accuracy(7, 10) == "7/10 = 70% (95% CI 40%–89%)"
    assert describe_accuracy(0, 0) == "0/0 = n/a (95% CI 0%–100%)"


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (0, 5, 2 / 32),  # 2 * P(X <= 0), X ~ Binomial(5, 1/2)
        (5, 0, 2 / 32),
        (1, 9, 2 * (1 + 10) / 1024),
        (2, 8, 2 * (1 + 10 + 45) / 1024),
        (3, 3, 1.0),
        (0, 0, 1.0),
        (0, 1, 1.0),
    ],
)
def test_paired_sign_test_by_hand(first: int, second: int, expected: float) -> None:
    assert paired_sign_test(first, second) == pytest.approx(expected)


def test_paired_sign_test_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        paired_sign_test(-1, 3)
