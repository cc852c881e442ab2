"""Checkers for the exercises of 07_does_thinking_pay."""

from __future__ import annotations

import math
from typing import Any

from helpers.evaluation.stats import wilson_interval
from helpers.exercises.core import as_tuple, checker

YES_NO_CASES = [
    ("yes", "Yes", True),
    ("yes", "yes.", True),
    ("yes", "**YES**", True),
    ("yes", "Yes, 97 is a prime number.", True),
    ("no", "No", True),
    ("no", "The answer is no.", True),
    ("no", "No: 91 = 7 × 13.", True),
    ("yes", "No", False),
    ("no", "Yes.", False),
    ("yes", "Yesterday", False),
    ("no", "None of them", False),
    ("no", "I know", False),
    ("yes", "Yes and no", False),
    ("no", "Yes... no, wait: no.", False),
    ("yes", "I am not sure.", False),
    ("no", "", False),
]


@checker("07.1")
def check_07_1(check_yes_no: Any) -> str | None:
    """check_yes_no(answer, result) accepting 'yes'/'no' in any case, with punctuation, bold or a
    reason after it, and rejecting the other word, look-alike words (yesterday, none) and
    replies that say both or neither

    Hint: Lower-case the result and split it into words with re.findall(r'[a-z]+', ...). Keep
    the words that are exactly 'yes' or 'no'; the result is right when that set is {answer}.
    """
    for answer, result, expected in YES_NO_CASES:
        got = check_yes_no(answer, result)
        if not isinstance(got, bool):
            return f"check_yes_no should return True or False, got {got!r}."
        if got != expected:
            verdict = "accept" if expected else "reject"
            return f"With answer {answer!r}, it should {verdict} the result {result!r}."
    return None


@checker("07.2")
def check_07_2(wilson: Any) -> str | None:
    """wilson(k, n) returning the 95% Wilson interval (low, high) as fractions, matching
    helpers.wilson_interval to 3 decimals, including 0 out of n and n out of n

    Hint: p = k / n, z = 1.96. centre = (p + z*z/(2n)) / (1 + z*z/n); half = z / (1 + z*z/n) *
    sqrt(p(1-p)/n + z*z/(4n*n)). Return (centre - half, centre + half), kept inside 0..1.
    """
    for k, n in ((7, 10), (0, 10), (10, 10), (1, 3), (70, 100), (512, 1000)):
        returned = wilson(k, n)
        got = as_tuple(returned, 2)
        if got is None:
            return f"wilson({k}, {n}) should return a pair (low, high), got {returned!r}."
        expected = wilson_interval(k, n)
        if not all(math.isclose(a, b, abs_tol=1e-3) for a, b in zip(got, expected)):
            low, high = expected
            return (
                f"wilson({k}, {n}) should be about ({low:.3f}, {high:.3f}), got "
                f"({got[0]:.3f}, {got[1]:.3f})."
            )
    return None


def _row(problem: str, strategy: str, sample: int = 0, kind: str | None = None) -> dict:
    return {
        "problem_id": problem,
        "strategy": strategy,
        "sample": sample,
        "error": "failed" if kind else None,
        "error_kind": kind,
    }


@checker("07.3")
def check_07_3(still_to_run: Any) -> str | None:
    """still_to_run(planned, results) returning, in planned order, the (problem_id, strategy,
    sample) keys with no result yet, where a failed call ('call') counts as not done and an
    unusable answer ('answer') counts as done

    Hint: Build the set of done keys from the results, skipping rows whose error_kind is 'call';
    then keep the planned keys that are not in it, in their order.
    """
    planned = [(p, s, n) for p in ("p1", "p2", "p3") for s in ("direct", "cot") for n in (0, 1)]
    if list(still_to_run(planned, [])) != planned:
        return "With no results yet, everything planned is still to run, in the same order."
    results = [
        _row("p1", "direct", 0),
        _row("p1", "direct", 1),
        _row("p1", "cot", 0),
        _row("p2", "cot", 1, kind="answer"),  # the model answered: done, not paid for twice
        _row("p3", "direct", 0, kind="call"),  # the call failed: ask again
        _row("p9", "cot", 0),  # a problem from another run: ignore it
    ]
    expected = [
        key
        for key in planned
        if key not in {("p1", "direct", 0), ("p1", "direct", 1), ("p1", "cot", 0), ("p2", "cot", 1)}
    ]
    got = [tuple(key) for key in still_to_run(planned, results)]
    if ("p3", "direct", 0) not in got:
        return "A result whose call failed (error_kind 'call') should be run again."
    if ("p2", "cot", 1) in got:
        return "A result with an unusable answer (error_kind 'answer') is done: don't pay twice."
    if got != expected:
        return f"Expected {expected}, got {got}."
    return None
