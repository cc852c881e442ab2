"""Decide which of several candidate answers in a model's text is *the* answer.

A result such as "45 days after 2024-02-10 is 2024-03-26" mentions two dates,
and "r appears 3 times (positions 3, 8, 9)" mentions four numbers. The checkers
first find every candidate (numbers, dates or weekday names) and then call
`pick_answer`, which applies these rules in order:

1. Ignore candidates inside (round) or [square] brackets, as long as at least
   one candidate sits outside them: brackets usually hold an aside.
2. After an answer marker ("answer is", "answer:", "result is", "=",
   "equals", "comes to", "total is", "a total of"), take the first candidate that
   follows the last marker that has one after it.
3. Otherwise use the checker's own preference, if it has one (letter counting
   prefers the number in "3 times").
4. Otherwise, if the text opens with a candidate that stands alone ("3",
   "3, because ...", "3 (positions ...)"), take it.
5. Otherwise take the last candidate.

The chosen candidate is then rejected (no answer at all) when it is hedged
("3 or 4", "3 to 4", "3-4", "3–4" with a different neighbour; "from 3 to 4" is fine)
or negated ("not 3"). A grader should not reward an answer that names two
values, and "not 3 but 4" picks 4 by rule 5.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

ANSWER_MARKER = re.compile(
    r"\b(?:final\s+)?answer\s*(?:is|:|=|would be|will be|should be)"
    r"|\bresult\s*(?:is|:|=)"
    r"|=|\bequals\b|\bis equal to\b|\bcomes to\b|\btotal\s*(?:is|:)|\ba total of\b"
)
_HEDGE_BETWEEN = re.compile(r"\s*(?:or|to|-|–|—)\s*")
_NEGATED_BEFORE = re.compile(r"\b(?:not|isn't|isnt)\s*$")
_FROM_BEFORE = re.compile(r"\bfrom\s*$")
_STANDS_ALONE_AFTER = re.compile(r"\s*(?:$|[,.;:!?\n(\-–—])")
_OPENING_NOISE = " \t\n\"'*_`>#-:"


@dataclass(frozen=True)
class Candidate:
    """One possible answer found in a text: where it is and what it means."""

    start: int
    end: int
    value: Any


Preference = Callable[[str, Sequence[Candidate]], "Candidate | None"]


def pick_answer(
    text: str, candidates: Sequence[Candidate], prefer: Preference | None = None
) -> Candidate | None:
    """Return the candidate that is the text's answer, or None (see module docs).

    `candidates` must be sorted by position and must not overlap.
    """
    if not candidates:
        return None
    outside = [c for c in candidates if not _inside_brackets(text, c.start)]
    pool = outside or list(candidates)
    chosen = (
        _after_last_marker(text, pool)
        or (prefer(text, pool) if prefer else None)
        or _standing_alone_at_start(text, pool)
        or pool[-1]
    )
    if _is_hedged(text, chosen, candidates) or _NEGATED_BEFORE.search(text[: chosen.start]):
        return None
    return chosen


def _inside_brackets(text: str, position: int) -> bool:
    depth = 0
    for char in text[:position]:
        if char in "([":
            depth += 1
        elif char in ")]" and depth > 0:
            depth -= 1
    return depth > 0


def _after_last_marker(text: str, pool: Sequence[Candidate]) -> Candidate | None:
    for marker in reversed(list(ANSWER_MARKER.finditer(text))):
        following = [c for c in pool if c.start >= marker.end()]
        if following:
            return following[0]
    return None


def _standing_alone_at_start(text: str, pool: Sequence[Candidate]) -> Candidate | None:
    first = pool[0]
    opens_with_it = text[: first.start].strip(_OPENING_NOISE) == ""
    if opens_with_it and _STANDS_ALONE_AFTER.match(text, first.end):
        return first
    return None


def _is_hedged(text: str, chosen: Candidate, candidates: Sequence[Candidate]) -> bool:
    index = list(candidates).index(chosen)
    pairs = []
    if index > 0:
        pairs.append((candidates[index - 1], chosen))
    if index + 1 < len(candidates):
        pairs.append((chosen, candidates[index + 1]))
    for left, right in pairs:
        between = text[left.end : right.start]
        if not _HEDGE_BETWEEN.fullmatch(between) or left.value == right.value:
            continue
        says_to = "to" in between
        if says_to and _FROM_BEFORE.search(text[: left.start]):
            continue
        return True
    return False
