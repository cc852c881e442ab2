"""Checkers for the exercises of 05_beyond_one_call."""

from __future__ import annotations

from typing import Any

from helpers.exercises.core import as_tuple, checker
from helpers.more_calls.voting import normalize_result


@checker("05.1")
def check_05_1(majority_vote: Any) -> str | None:
    """majority_vote(results) returning (answer, count): the most common answer after
    helpers.normalize_result, as first written, ties to the first seen, empty results not
    voting, and (None, 0) when nothing votes

    Hint: Loop over the results; key = helpers.normalize_result(result); skip empty keys; count
    keys with collections.Counter and remember the first result seen for each key
    (dict.setdefault). Counter.most_common(1) keeps the first-seen key on a tie.
    """
    cases = [
        (["9", "9 packs", "nine", "8", "9"], "9", 4),
        (["Paris", "Lyon", "paris."], "Paris", 2),
        (["8", "9", "9", "8"], "8", 2),
        (["", "  ", "3"], "3", 1),
        (["$21.37", "21.37 dollars", "$21.38"], "$21.37", 2),
    ]
    for results, answer, count in cases:
        got = majority_vote(list(results))
        pair = as_tuple(got, 2)
        if pair is None:
            return f"majority_vote should return a pair (answer, count), got {got!r}."
        got_answer, got_count = pair
        if got_count != count or normalize_result(got_answer) != normalize_result(answer):
            return f"For {results} expected ({answer!r}, {count}), got {got!r}."
        if got_answer not in results:
            return f"Return the answer as it was written in the results, not {got_answer!r}."
    for nothing in ([], ["", ""]):
        got = majority_vote(nothing)
        if as_tuple(got, 2) != (None, 0):
            return f"With nothing to vote on ({nothing}), return (None, 0), not {got!r}."
    return None


@checker("05.2")
def check_05_2(loop_input_tokens: Any) -> str | None:
    """loop_input_tokens(prefix_tokens, step_tokens, steps) adding up, over calls 1..steps, the
    prefix plus (k - 1) earlier steps for call k

    Hint: Call k sends prefix_tokens + (k - 1) * step_tokens. Add that up for k = 1 to steps
    with a loop or sum(), or use the closed form steps * prefix + step_tokens * steps * (steps -
    1) / 2.
    """
    cases = [
        ((100, 10, 1), 100),
        ((100, 10, 3), 330),
        ((250, 60, 10), 5200),
        ((300, 0, 4), 1200),
        ((200, 50, 0), 0),
        ((180, 75, 26), 180 * 26 + 75 * 26 * 25 // 2),
    ]
    for arguments, expected in cases:
        got = loop_input_tokens(*arguments)
        if got != expected:
            prefix, step, steps = arguments
            return (
                f"loop_input_tokens({prefix}, {step}, {steps}) should be {expected}, got {got!r}."
            )
    return None


@checker("05.3")
def check_05_3(step_verdicts: Any) -> str | None:
    """step_verdicts(first_wrong_step, step_count) giving 'right' before the first wrong step,
    'wrong' on it and 'unsure' after it, and all 'right' for None

    Hint: Build a list of step_count verdicts. Step numbers start at 1: for first_wrong_step=3
    the list starts with two 'right'. Handle None first.
    """
    cases = [
        ((3, 5), ["right", "right", "wrong", "unsure", "unsure"]),
        ((1, 2), ["wrong", "unsure"]),
        ((4, 4), ["right", "right", "right", "wrong"]),
        ((None, 3), ["right", "right", "right"]),
        ((None, 0), []),
    ]
    for (first_wrong, count), expected in cases:
        got = step_verdicts(first_wrong, count)
        if list(got) != expected:
            return f"step_verdicts({first_wrong}, {count}) should be {expected}, got {got!r}."
    return None
