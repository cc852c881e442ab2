"""Small, honest statistics for small evaluations: intervals, percentiles, paired tests.

Why an interval and not just "70%"? Seven right out of ten is also what you
would often see from a model that is right only half the time. The Wilson
score interval says which true accuracies are consistent with what you saw:
for 7/10 it runs from about 40% to 89%. With 70/100 it shrinks to about
60%-78%.

Everything here uses the standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist


def z_for_confidence(confidence: float) -> float:
    """The two-sided normal quantile for a confidence level (0.95 -> about 1.96)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a success rate, as (low, high) fractions in [0, 1].

    Unlike the textbook "p ± 1.96·sqrt(p(1-p)/n)", it stays inside [0, 1] and
    still has width when every answer (or none) was right: 10/10 gives
    (0.72, 1.0), 0/10 gives (0.0, 0.28). With n = 0 nothing is known, so the
    answer is (0.0, 1.0).
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    z = z_for_confidence(confidence)
    if n == 0:
        return (0.0, 1.0)
    rate = successes / n
    z2 = z * z
    centre = (rate + z2 / (2 * n)) / (1 + z2 / n)
    half_width = (z / (1 + z2 / n)) * math.sqrt(rate * (1 - rate) / n + z2 / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half_width)
    high = 1.0 if successes == n else min(1.0, centre + half_width)
    return (low, high)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (q from 0 to 100) by linear interpolation.

    Method: sort the values, find position (len - 1) * q / 100, and interpolate
    between the two nearest values. This is numpy's default ("linear") and
    Excel's PERCENTILE.INC. Example: the 95th percentile of [1, 2, 3, 4, 5] is
    at position 3.8, so 4 + 0.8 * (5 - 4) = 4.8.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"q must be between 0 and 100, not {q}")
    ordered = _checked_sorted(values)
    position = (len(ordered) - 1) * q / 100
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    fraction = position - below
    return ordered[below] + fraction * (ordered[above] - ordered[below])


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean of a non-empty sequence of numbers."""
    return math.fsum(_checked_sorted(values)) / len(values)


def _checked_sorted(values: Sequence[float]) -> list[float]:
    if len(values) == 0:
        raise ValueError("need at least one value")
    if any(math.isnan(value) for value in values):
        raise ValueError("values contain NaN; drop missing measurements first")
    return sorted(float(value) for value in values)


def format_interval(low: float, high: float, digits: int = 0) -> str:
    """Fractions as a percentage range, e.g. (0.397, 0.892) -> "40%–89%"."""
    return f"{low * 100:.{digits}f}%–{high * 100:.{digits}f}%"


def describe_accuracy(successes: int, n: int, confidence: float = 0.95) -> str:
    """One line such as "7/10 = 70% (95% CI 40%–89%)"."""
    low, high = wilson_interval(successes, n, confidence)
    rate = f"{successes / n:.0%}" if n else "n/a"
    return f"{successes}/{n} = {rate} ({confidence:.0%} CI {format_interval(low, high)})"


def paired_sign_test(only_first_right: int, only_second_right: int) -> float:
    """Two-sided exact p-value that two strategies are equally accurate (McNemar's exact test).

    Run both strategies on the *same* problems and count the problems where
    only the first was right and where only the second was right (problems both
    got right or both got wrong say nothing about which is better). If the
    strategies were equally good, each disagreement would be a coin flip. A
    small p-value (say below 0.05) means a split this lopsided would be rare
    for a fair coin. This is a sharper question than "do the two intervals
    overlap?", which often hides real differences.
    """
    if only_first_right < 0 or only_second_right < 0:
        raise ValueError("counts must be 0 or more")
    disagreements = only_first_right + only_second_right
    if disagreements == 0:
        return 1.0
    smaller = min(only_first_right, only_second_right)
    tail = sum(math.comb(disagreements, k) for k in range(smaller + 1)) / 2**disagreements
    return min(1.0, 2 * tail)
