"""One generator per problem family: given seeded dice, write one problem.

Each generator takes a `StableRandom` and the problem's position in its set
and returns a `Draft`: the question, the canonical answer, what form the
answer takes, a difficulty label and a few facts about the problem. The
canonical answers are always computed in Python (`str.count`, `datetime`,
`sorted`, `Decimal`), never written by hand.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from helpers.evaluation.problems.dates_text import format_long_date, weekday_name
from helpers.evaluation.problems.stable_random import StableRandom
from helpers.evaluation.problems.stories import STORIES
from helpers.evaluation.problems.words import (
    CAPITALISED_WORDS,
    COUNTING_WORDS,
    SHARED_PREFIX_GROUPS,
    SORTING_WORDS,
)


@dataclass(frozen=True)
class Draft:
    """A generated problem before it gets its id.

    `key` identifies the problem's content, so that two drafts asking the same
    thing in different words count as duplicates.
    """

    question: str
    answer: str
    answer_format: str
    difficulty: str
    key: str
    details: dict[str, Any] = field(default_factory=dict)


Generator = Callable[[StableRandom, int], Draft]

# ---------------------------------------------------------------- letters

_LETTER_TEMPLATES = (
    'How many times does the letter "{letter}" appear in the word "{word}"?',
    'Count the letter "{letter}" in "{word}". How many are there?',
    'In the word "{word}", how many times does the letter "{letter}" occur?',
    'How often does the letter "{letter}" occur in the word "{word}"?',
)


def make_letters_problem(dice: StableRandom, index: int) -> Draft:
    """Count one letter in one word. Position 0 is always "r" in "strawberry"."""
    if index == 0:
        word, letter, template = "strawberry", "r", _LETTER_TEMPLATES[0]
    else:
        word = dice.pick(CAPITALISED_WORDS) if dice.chance(0.12) else dice.pick(COUNTING_WORDS)
        letter = _pick_letter(dice, word.lower())
        if dice.chance(0.1):
            letter = letter.upper()
        template = dice.pick(_LETTER_TEMPLATES)
    count = word.lower().count(letter.lower())
    case_matters = word != word.lower() or letter.isupper()
    question = template.format(letter=letter, word=word)
    if case_matters:
        question += " Count capital and small letters alike."
    if len(word) >= 11 or count >= 4 or case_matters:
        difficulty = "hard"
    elif len(word) <= 6 and count <= 2:
        difficulty = "easy"
    else:
        difficulty = "medium"
    return Draft(
        question=question,
        answer=str(count),
        answer_format="a whole number",
        difficulty=difficulty,
        key=f"{word.lower()}/{letter.lower()}",
        details={"word": word, "letter": letter, "count": count, "length": len(word)},
    )


def _pick_letter(dice: StableRandom, word: str) -> str:
    """Mostly a repeated letter, sometimes any letter of the word, sometimes an absent one."""
    present = sorted(set(word) & set(string.ascii_lowercase))
    repeated = [letter for letter in present if word.count(letter) >= 2]
    roll = dice.fraction()
    if roll < 0.15:
        return dice.pick([letter for letter in string.ascii_lowercase if letter not in word])
    if roll < 0.6 and repeated:
        return dice.pick(repeated)
    return dice.pick(present)


# ------------------------------------------------------------- arithmetic


def make_arithmetic_problem(dice: StableRandom, index: int) -> Draft:
    """A short word problem with 2-4 steps; the stories take turns by position."""
    story = STORIES[index % len(STORIES)](dice)
    difficulty = {2: "easy", 3: "medium"}.get(story.operations, "hard")
    return Draft(
        question=story.question,
        answer=str(story.answer),
        answer_format="a whole number",
        difficulty=difficulty,
        key=story.question,
        details={"expression": story.expression, "operations": story.operations},
    )


# ------------------------------------------------------------------ dates

_FIRST_DAY = dt.date(2018, 1, 1)
_DAY_SPAN = 9 * 365
_DATE_KINDS = ("days_after", "weekday", "days_between", "days_before")


def make_dates_problem(dice: StableRandom, index: int) -> Draft:
    """Date arithmetic; the four kinds (after, weekday, between, before) take turns."""
    kind = _DATE_KINDS[index % len(_DATE_KINDS)]
    start = _FIRST_DAY + dt.timedelta(days=dice.integer(0, _DAY_SPAN))
    shown = _show_date(dice, start)
    if kind == "weekday":
        template = dice.pick(
            ("What day of the week is {d}?", "On which day of the week does {d} fall?")
        )
        return Draft(
            question=template.format(d=shown),
            answer=weekday_name(start),
            answer_format="a weekday name",
            difficulty="medium",
            key=f"weekday/{start.isoformat()}",
            details={"kind": kind, "start": start.isoformat(), "days": 0},
        )
    days = _pick_day_count(dice)
    difficulty = "easy" if days <= 20 else "medium" if days <= 100 else "hard"
    details = {"kind": kind, "start": start.isoformat(), "days": days}
    if kind == "days_between":
        template = dice.pick(
            (
                "How many days after {a} is {b}?",
                "If today is {a}, how many days are left until {b}?",
            )
        )
        question = template.format(a=shown, b=_show_date(dice, start + dt.timedelta(days=days)))
        return Draft(question, str(days), "a whole number of days", difficulty, question, details)
    after = kind == "days_after"
    target = start + dt.timedelta(days=days if after else -days)
    templates = (
        ("What date is {k} days after {d}?", "If today is {d}, what is the date in {k} days?")
        if after
        else ("What date is {k} days before {d}?", "Which date was {k} days before {d}?")
    )
    question = dice.pick(templates).format(k=days, d=shown)
    return Draft(
        question, target.isoformat(), "a date in YYYY-MM-DD form", difficulty, question, details
    )


def _show_date(dice: StableRandom, day: dt.date) -> str:
    """Mostly ISO ("2024-03-26"), sometimes written out ("March 26, 2024")."""
    return format_long_date(day) if dice.chance(0.3) else day.isoformat()


def _pick_day_count(dice: StableRandom) -> int:
    roll = dice.fraction()
    if roll < 0.3:
        return dice.integer(2, 20)
    if roll < 0.7:
        return dice.integer(21, 100)
    return dice.integer(101, 500)


# ---------------------------------------------------------------- sorting


def make_sorting_problem(dice: StableRandom, index: int) -> Draft:
    """Sort words alphabetically (even positions) or numbers (odd positions)."""
    level = dice.pick(("easy", "medium", "hard"))
    if index % 2 == 0:
        items, ordered, what = _words_to_sort(dice, level)
        question = f"Put these words in alphabetical order: {', '.join(items)}."
    else:
        numbers = _numbers_to_sort(dice, level)
        descending = dice.chance(0.3)
        ordered = [text for _, text in sorted(numbers, reverse=descending)]
        items = [text for _, text in numbers]
        direction = "largest to smallest" if descending else "smallest to largest"
        question = f"Sort these numbers from {direction}: {', '.join(items)}."
        what = "numbers"
    return Draft(
        question=question,
        answer=", ".join(ordered),
        answer_format=f"the {what} in order, separated by commas",
        difficulty=level,
        key=question,
        details={"items": items, "count": len(items)},
    )


def _words_to_sort(dice: StableRandom, level: str) -> tuple[list[str], list[str], str]:
    if level == "hard":
        items = dice.sample(dice.pick(SHARED_PREFIX_GROUPS), 5)
    else:
        items = dice.sample(SORTING_WORDS, 4 if level == "easy" else 6)
    return items, sorted(items), "words"


def _numbers_to_sort(dice: StableRandom, level: str) -> list[tuple[Decimal, str]]:
    """(value, as written) pairs. Whole numbers are at least 10, so a numbered
    list ("1. 12") cannot be confused with an item."""
    count = {"easy": 4, "medium": 6, "hard": 6}[level]
    chosen: dict[Decimal, str] = {}
    while len(chosen) < count:
        if level == "easy":
            text = str(dice.integer(10, 99))
        elif level == "medium":
            text = str(dice.integer(10, 999))
        else:
            text = dice.pick((_negative_whole, _small_decimal, _two_digit))(dice)
        chosen.setdefault(Decimal(text), text)
    return list(chosen.items())


def _negative_whole(dice: StableRandom) -> str:
    return str(-dice.integer(1, 50))


def _small_decimal(dice: StableRandom) -> str:
    whole, hundredths = dice.integer(0, 9), dice.integer(1, 99)
    sign = "-" if dice.chance(0.3) else ""
    return f"{sign}{whole}.{hundredths:02d}".rstrip("0")


def _two_digit(dice: StableRandom) -> str:
    return str(dice.integer(10, 99))


# ------------------------------------------------------------------ units


@dataclass(frozen=True)
class _Conversion:
    source: str
    target: str
    convert: Callable[[Decimal], Decimal]
    difficulty: str
    lowest: int
    highest: int


_MILE_KM = Decimal("1.609344")  # exact by definition, like the factors below
_POUND_KG = Decimal("0.45359237")
_CONVERSIONS: tuple[_Conversion, ...] = (
    _Conversion("inches", "centimetres", lambda v: v * Decimal("2.54"), "easy", 2, 80),
    _Conversion("feet", "metres", lambda v: v * Decimal("0.3048"), "easy", 5, 300),
    _Conversion("miles", "kilometres", lambda v: v * _MILE_KM, "easy", 3, 250),
    _Conversion("kilometres", "miles", lambda v: v / _MILE_KM, "medium", 5, 400),
    _Conversion("pounds", "kilograms", lambda v: v * _POUND_KG, "medium", 12, 300),
    _Conversion("kilograms", "pounds", lambda v: v / _POUND_KG, "medium", 3, 150),
    _Conversion("US gallons", "litres", lambda v: v * Decimal("3.785411784"), "medium", 2, 60),
    _Conversion("ounces", "grams", lambda v: v * _POUND_KG * 1000 / 16, "medium", 2, 40),
    _Conversion(
        "degrees Fahrenheit", "degrees Celsius", lambda v: (v - 32) * 5 / 9, "hard", -40, 110
    ),
    _Conversion("degrees Celsius", "degrees Fahrenheit", lambda v: v * 9 / 5 + 32, "hard", -30, 45),
)


def make_units_problem(dice: StableRandom, index: int) -> Draft:
    """Convert a whole-number measurement; the answer is rounded to one decimal place."""
    conversion = dice.pick(_CONVERSIONS)
    value = dice.integer(conversion.lowest, conversion.highest)
    with localcontext() as context:
        context.prec = 30  # the same precision everywhere, whatever the caller set
        exact = conversion.convert(Decimal(value))
        while abs(exact) < 1:  # keep clear of "-0.0" and tiny answers
            value += 3
            exact = conversion.convert(Decimal(value))
        rounded = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    question = (
        f"Convert {value} {conversion.source} to {conversion.target}. Round to one decimal place."
    )
    return Draft(
        question=question,
        answer=str(rounded),
        answer_format="a number with one decimal place",
        difficulty=conversion.difficulty,
        key=question,
        details={
            "value": value,
            "from": conversion.source,
            "to": conversion.target,
            "exact": f"{exact:.6f}",
        },
    )


GENERATORS: dict[str, Generator] = {
    "letters": make_letters_problem,
    "arithmetic": make_arithmetic_problem,
    "dates": make_dates_problem,
    "sorting": make_sorting_problem,
    "units": make_units_problem,
}
