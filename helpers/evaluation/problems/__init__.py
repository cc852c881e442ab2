"""Checkable problem sets for the "does thinking pay?" evaluation.

`make_problems(family, n, seed)` writes `n` problems of one family, each with
a canonical answer computed in Python and a checker that accepts the answer in
any reasonable form::

    problems = make_problems("letters", 20, seed=0)
    problems[0].question   # 'How many times does the letter "r" appear in the word "strawberry"?'
    problems[0].check("There are three r's.")   # True

Sets are reproducible: the same (family, n, seed) gives the same problems on
every machine and Python version, and a longer set starts with the shorter
one (problem 7 of a seed is always the same problem, with the same id).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from helpers.evaluation.problems.checks import check_answer
from helpers.evaluation.problems.generators import GENERATORS
from helpers.evaluation.problems.stable_random import StableRandom

PROBLEM_FAMILIES: dict[str, str] = {
    "letters": 'count a letter in a word ("r" in "strawberry", 0 to 5+ times, some capitals)',
    "arithmetic": "short shopping, baking and travel stories with 2-4 steps",
    "dates": "days after/before a date, days between dates, and weekdays",
    "sorting": "put words in alphabetical order or numbers in order",
    "units": "unit conversions (miles, pounds, Fahrenheit...) to one decimal place",
}
MIXED = "mixed"  # every family in turn: letters, arithmetic, dates, sorting, units, letters, ...

_GIVE_UP_AFTER_REPEATS = 1000  # duplicates in a row before deciding the family is used up


@dataclass(frozen=True)
class Problem:
    """One question with a known answer.

    Attributes:
        id: stable and unique within a set, e.g. "letters-0003-9f2c1a" (family,
            position in its family's set, and the start of the question's SHA-256).
        family: which generator made it (a key of `PROBLEM_FAMILIES`).
        question: the question to send to the model, worded naturally.
        answer: the canonical answer, e.g. "3", "2024-03-26", "Wednesday", "fig, kiwi, pear".
        answer_format: what kind of answer is expected, e.g. "a whole number"
            (handy for a prompt: "Give the result as {answer_format}.").
        difficulty: "easy", "medium" or "hard" (a rough guide, by design not by measurement).
        details: facts the answer was computed from (the word and letter, the
            arithmetic expression, the start date...), for breakdowns and debugging.
    """

    id: str
    family: str
    question: str
    answer: str
    answer_format: str = ""
    difficulty: str = "medium"
    details: dict[str, Any] = field(default_factory=dict, hash=False)

    def check(self, model_result: object) -> bool:
        """True when the model's result (text, number or list) matches `answer`."""
        return check_answer(self.family, self.answer, model_result)

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-serialisable dict of all fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        """Rebuild a problem from `to_dict()` output (e.g. a line of a JSONL file).

        Keys that are not fields of `Problem` (say, a result stored alongside) are ignored.
        """
        names = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


def make_problems(family: str, n: int, seed: int = 0) -> list[Problem]:
    """`n` distinct problems of `family` (or "mixed"), the same for the same arguments.

    Raises ValueError for an unknown family, a negative `n`, or an `n` larger
    than the number of distinct problems the family can produce.
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    if family == MIXED:
        return _mix(n, seed)
    if family not in GENERATORS:
        known = ", ".join([*PROBLEM_FAMILIES, MIXED])
        raise ValueError(f"unknown problem family {family!r} (known: {known})")
    return _generate(family, n, seed)


def _generate(family: str, n: int, seed: int) -> list[Problem]:
    """Draw problems one attempt at a time, skipping any that repeat an earlier one.

    Each attempt has its own dice, keyed by (family, seed, attempt number), so
    problem k never depends on how many problems were asked for.
    """
    make_draft = GENERATORS[family]
    problems: list[Problem] = []
    seen_keys: set[str] = set()
    attempt = repeats = 0
    while len(problems) < n:
        if repeats >= _GIVE_UP_AFTER_REPEATS:
            raise ValueError(
                f"could only make {len(problems)} distinct {family!r} problems, not {n}"
            )
        dice = StableRandom(f"homemade-o1|{family}|{seed}|{attempt}")
        attempt += 1
        draft = make_draft(dice, len(problems))
        if draft.key in seen_keys:
            repeats += 1
            continue
        repeats = 0
        seen_keys.add(draft.key)
        problems.append(
            Problem(
                id=f"{family}-{len(problems):04d}-{_short_hash(draft.question)}",
                family=family,
                question=draft.question,
                answer=draft.answer,
                answer_format=draft.answer_format,
                difficulty=draft.difficulty,
                details=draft.details,
            )
        )
    return problems


def _mix(n: int, seed: int) -> list[Problem]:
    """Take turns between the families; problems keep their own family's ids."""
    families = list(PROBLEM_FAMILIES)
    per_family = -(-n // len(families))  # rounded up
    sets = [_generate(family, per_family, seed) for family in families]
    return [sets[i % len(families)][i // len(families)] for i in range(n)]


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]
