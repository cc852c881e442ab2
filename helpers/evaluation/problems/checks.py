"""Answer checkers: is a model's `result` the same answer as the canonical one?

Each family has one checker, `check(answer, result) -> bool`, where `answer`
is the problem's canonical answer (a string) and `result` is whatever the
model put in its `result` field (usually a string; numbers and lists are read
through `str()`). Every checker is lenient about form and strict about
content: "Three.", "**3**" and "r appears 3 times" all pass for 3, while "30",
"13" and "3 or 4" do not. The rules for picking the answer out of a longer
text live in `helpers.evaluation.problems.numbers` and `helpers.evaluation.problems.pick`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable

from helpers.evaluation.problems.dates_text import blank_out_dates, find_dates, find_weekdays
from helpers.evaluation.problems.numbers import clean_text, find_numbers, normalize_number
from helpers.evaluation.problems.pick import pick_answer

Checker = Callable[[str, object], bool]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_BRACKETED = re.compile(r"\([^()]*\)")


def check_integer(answer: str, result: object) -> bool:
    """True when `result` states the whole number `answer` ("3.0" and "three" count)."""
    return normalize_number(result) == float(int(answer))


def check_count(answer: str, result: object) -> bool:
    """Like `check_integer`, for "how many times" questions ("3 times", "no r's" = 0)."""
    return normalize_number(result, counting=True) == float(int(answer))


def check_approximate(answer: str, result: object) -> bool:
    """True when `result` states a number close to the decimal `answer`.

    Close means within half a unit of the answer's last decimal place or within
    1% of the answer, whichever is larger: for "8.0" anything from 7.92 to 8.08.
    """
    value = normalize_number(result)
    if value is None:
        return False
    expected = float(answer)
    decimals = len(answer.split(".")[1]) if "." in answer else 0
    tolerance = max(0.5 * 10**-decimals, 0.01 * abs(expected))
    return abs(value - expected) <= tolerance + 1e-9


def check_date_answer(answer: str, result: object) -> bool:
    """Check a date-family answer: an ISO date, a weekday name, or a number of days.

    The kind is read from the canonical answer. Dates may be written in any
    spelling `helpers.evaluation.problems.dates_text` accepts; weekdays in any case or as
    three-letter abbreviations; day counts like any other number.
    """
    text = clean_text(result)
    if _ISO_DATE.fullmatch(answer):
        chosen = pick_answer(text, find_dates(text))
        return chosen is not None and chosen.value == dt.date.fromisoformat(answer)
    if answer.isalpha():
        chosen = pick_answer(text, find_weekdays(text))
        return chosen is not None and chosen.value.lower() == answer.lower()
    return normalize_number(blank_out_dates(text)) == float(int(answer))


def check_sorted_list(answer: str, result: object) -> bool:
    """True when `result` lists the items of `answer` (comma separated) in the same order.

    Separators, brackets, quotes, "and", numbering and case do not matter. Only
    the listed items are compared, other words are ignored. If the items appear
    twice ("pear, apple, fig sorted is apple, fig, pear": the model repeated the
    question first), the second, complete list counts. Items in round brackets
    are ignored when the list also appears outside them. Numbers compare by
    value ("5.0" equals "5").
    """
    expected = [item.strip() for item in answer.split(",")]
    numeric = all(_is_number(item) for item in expected)
    wanted: list[object] = (
        [float(item) for item in expected] if numeric else [item.lower() for item in expected]
    )
    text = clean_text(result, join_thousands=False)
    found = _listed_items(_BRACKETED.sub(" ", text), wanted, numeric)
    if len(found) < len(wanted):
        found = _listed_items(text, wanted, numeric)
    echoed, final = found[: -len(wanted)], found[-len(wanted) :]
    return final == wanted and (not echoed or Counter(echoed) == Counter(wanted))


def _is_number(item: str) -> bool:
    try:
        float(item)
    except ValueError:
        return False
    return True


def _listed_items(text: str, wanted: list[object], numeric: bool) -> list[object]:
    """The wanted items that `text` mentions, in the order it mentions them."""
    if numeric:
        tokens: list[object] = [candidate.value for candidate in find_numbers(text)]
    else:
        tokens = list(_WORD.findall(text))
    return [token for token in tokens if token in wanted]


FAMILY_CHECKERS: dict[str, Checker] = {
    "letters": check_count,
    "arithmetic": check_integer,
    "dates": check_date_answer,
    "sorting": check_sorted_list,
    "units": check_approximate,
}


def check_answer(family: str, answer: str, result: object) -> bool:
    """True when the model's `result` matches the canonical `answer` of a `family` problem."""
    try:
        checker = FAMILY_CHECKERS[family]
    except KeyError:
        known = ", ".join(FAMILY_CHECKERS)
        raise ValueError(f"unknown problem family {family!r} (known: {known})") from None
    return checker(answer, result)
