"""Find calendar dates and weekday names in a model's text, in any common spelling.

Accepted date spellings (case does not matter, the text is cleaned first):
"2024-03-26", "2024/03/26", "2024.3.26", "March 26, 2024", "Mar 26 2024",
"March 26th, 2024", "26 March 2024", "26th of March, 2024". Day-first or
month-first numbers such as "03/26/2024" are *not* read: they are ambiguous.

Month and weekday names come from the lists below, never from `strftime`,
whose output depends on the machine's locale.
"""

from __future__ import annotations

import datetime as dt
import re

from helpers.evaluation.problems.pick import Candidate

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_MONTH_BY_SPELLING = {name.lower(): i for i, name in enumerate(MONTH_NAMES, start=1)}
_MONTH_BY_SPELLING.update({name[:3].lower(): i for i, name in enumerate(MONTH_NAMES, start=1)})
_MONTH_BY_SPELLING["sept"] = 9
_MONTH = "(" + "|".join(sorted(_MONTH_BY_SPELLING, key=len, reverse=True)) + r")\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"

_ISO = re.compile(r"(?<![\d.])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d])")
_MONTH_FIRST = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}){_ORDINAL},?\s+(\d{{4}})\b")
_DAY_FIRST = re.compile(rf"\b(\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?{_MONTH},?\s+(\d{{4}})\b")

_WEEKDAY_BY_SPELLING = {name.lower(): name for name in WEEKDAY_NAMES}
_WEEKDAY_BY_SPELLING.update({name[:3].lower(): name for name in WEEKDAY_NAMES})
_WEEKDAY_BY_SPELLING.update({"tues": "Tuesday", "thur": "Thursday", "thurs": "Thursday"})
_WEEKDAY = re.compile(
    r"\b(" + "|".join(sorted(_WEEKDAY_BY_SPELLING, key=len, reverse=True)) + r")\b"
)


def format_long_date(day: dt.date) -> str:
    """A date as people write it, e.g. "March 26, 2024" (locale independent)."""
    return f"{MONTH_NAMES[day.month - 1]} {day.day}, {day.year}"


def weekday_name(day: dt.date) -> str:
    """The English weekday name of a date, e.g. "Tuesday" (locale independent)."""
    return WEEKDAY_NAMES[day.weekday()]


def find_dates(text: str) -> list[Candidate]:
    """Every valid date in lower-case `text`, in order, as candidates with `date` values."""
    found: list[Candidate] = []
    for match in _ISO.finditer(text):
        year, month, day = (int(part) for part in match.groups())
        _add_if_valid(found, match, year, month, day)
    for match in _MONTH_FIRST.finditer(text):
        month_word, day_text, year_text = match.groups()
        month = _MONTH_BY_SPELLING[month_word]
        _add_if_valid(found, match, int(year_text), month, int(day_text))
    for match in _DAY_FIRST.finditer(text):
        day_text, month_word, year_text = match.groups()
        month = _MONTH_BY_SPELLING[month_word]
        _add_if_valid(found, match, int(year_text), month, int(day_text))
    found.sort(key=lambda c: c.start)
    without_overlaps: list[Candidate] = []
    for candidate in found:
        if without_overlaps and candidate.start < without_overlaps[-1].end:
            continue
        without_overlaps.append(candidate)
    return without_overlaps


def _add_if_valid(
    found: list[Candidate], match: re.Match[str], year: int, month: int, day: int
) -> None:
    try:
        found.append(Candidate(match.start(), match.end(), dt.date(year, month, day)))
    except ValueError:
        pass  # "February 30" and friends are not dates


def find_weekdays(text: str) -> list[Candidate]:
    """Every weekday name or abbreviation in lower-case `text`, valued as the full name."""
    return [
        Candidate(m.start(), m.end(), _WEEKDAY_BY_SPELLING[m.group(1)])
        for m in _WEEKDAY.finditer(text)
    ]


def blank_out_dates(text: str) -> str:
    """`text` with every date replaced by spaces, so its digits are not read as numbers."""
    for candidate in reversed(find_dates(text)):
        gap = " " * (candidate.end - candidate.start)
        text = text[: candidate.start] + gap + text[candidate.end :]
    return text
