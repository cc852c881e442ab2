"""Read the number a model's answer states: "3", "three", "**3**", "$12.00", "3 times".

`normalize_number` works in three stages:

1. Clean the text (`clean_text`): lower case, drop Markdown emphasis, backticks,
   `$` signs and LaTeX wrappers (the content of the last ``\\boxed{...}`` wins),
   unify minus signs and quotes, and remove thousands separators ("1,234").
2. Turn number words into digits: "zero" to "ninety-nine", "one hundred" up to
   "nine hundred and ninety-nine", "a hundred", "a dozen" (12) and "none" (0).
   In counting mode, "once", "twice" and "thrice" become "1 time" etc.
3. Find every number (ordinals like "3rd" and digits glued to letters like
   "r2" are not numbers) and let `helpers.evaluation.problems.pick.pick_answer` choose one:
   brackets are asides, answer markers ("answer is", "=") win, then the
   opening number if it stands alone, else the last number. Hedged ("3 or 4")
   and negated ("not 3") answers give None.

Counting mode (`counting=True`, used for "how many times does r appear"):
the number in "N times" / "N occurrences" is preferred, so "r appears 3 times
(positions 3, 8, 9)" and "r appears 3 times, at positions 3, 8 and 9" both
read as 3; and "does not appear" / "no r's" / "doesn't contain" read as 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from helpers.evaluation.problems.pick import Candidate, pick_answer

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_HOW_OFTEN = {"once": "1 time", "twice": "2 times", "thrice": "3 times"}


def _alternatives(words: Sequence[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_UNIT_WORD = rf"(?:{_alternatives(list(_UNITS))})"
_DIGIT_WORD = rf"(?:{_alternatives([w for w, v in _UNITS.items() if 1 <= v <= 9])})"
_TENS_WORD = rf"(?:{_alternatives(list(_TENS))})"
_BELOW_HUNDRED = rf"(?:{_TENS_WORD}(?:[-\s]{_DIGIT_WORD})?|{_UNIT_WORD})"
_NUMBER_WORDS = re.compile(
    rf"\b(?:(?:{_DIGIT_WORD}|a)\s+hundred(?:\s+(?:and\s+)?{_BELOW_HUNDRED})?"
    rf"|a\s+dozen|{_BELOW_HUNDRED}|none)\b"
)
_NUMBER = re.compile(r"(?<![a-z0-9.])-?\d+(?:\.\d+)?(?![0-9])(?!(?:st|nd|rd|th)\b)")
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
_LATEX_WRAPPER = re.compile(r"\\(?:text|mathrm|textbf|mathbf)\{([^{}]*)\}")
_MARKDOWN = re.compile(r"\*\*|__|`|\\\(|\\\)|\\\[|\\\]|\$")
_COUNT_PHRASE = re.compile(
    r"\s*(?:x\b|times?\b|occurrences?\b|instances?\b)(?!\s+(?:as\b|more\b|less\b|-?\d))"
)
_ZERO_PHRASE = re.compile(
    r"\b(?:does\s*n[o']?t|do\s+not|did\s*n[o']?t|never)\s+(?:appear|occur|contain|show)"
    r"|\bno\s+(?:[a-z]'?s\b|letters?\b|occurrences?\b|instances?\b|times?\b)"
    r"|\bnot\s+(?:present|found)\b"
)
_PUNCTUATION_SWAPS = str.maketrans(
    {"\u2212": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2018": "'",
     "\u2019": "'", "\u201c": '"', "\u201d": '"'}
)  # fmt: skip


def clean_text(value: object, *, join_thousands: bool = True) -> str:
    """Lower-cased plain text of a model result, ready for answer extraction.

    Non-strings (a JSON `result` may be an int or a list) are turned into text
    with `str()`; None becomes "". With `join_thousands` (the default), "1,234"
    becomes "1234"; lists of numbers ("12,450") need it off.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = text.translate(_PUNCTUATION_SWAPS)
    boxed = _BOXED.findall(text)
    if boxed:
        text = boxed[-1]
    text = _LATEX_WRAPPER.sub(r"\1", text)
    text = _MARKDOWN.sub("", text)
    if join_thousands:
        text = _THOUSANDS_COMMA.sub("", text)
    return text.lower().strip()


def words_to_digits(text: str, *, counting: bool = False) -> str:
    """Replace number words in lower-case `text` by digits ("twenty-one" -> "21")."""
    text = _NUMBER_WORDS.sub(lambda match: str(_word_value(match.group(0))), text)
    if counting:
        text = re.sub(r"\b(?:once|twice|thrice)\b", lambda m: _HOW_OFTEN[m.group(0)], text)
    return text


def _word_value(phrase: str) -> int:
    words = phrase.replace("-", " ").split()
    if words == ["none"]:
        return 0
    if words[:2] == ["a", "dozen"]:
        return 12
    total = 0
    if "hundred" in words:
        head = words[: words.index("hundred")]
        total = 100 * (1 if head == ["a"] else _UNITS[head[0]])
        words = words[words.index("hundred") + 1 :]
    for word in words:
        total += _TENS.get(word, _UNITS.get(word, 0))
    return total


def find_numbers(text: str) -> list[Candidate]:
    """Every number written with digits in `text`, as candidates with float values."""
    return [Candidate(m.start(), m.end(), float(m.group(0))) for m in _NUMBER.finditer(text)]


def normalize_number(text: object, *, counting: bool = False) -> float | None:
    """The number that `text` gives as its answer, or None if it gives none clearly.

    See the module docstring for the rules; `counting=True` is for "how many
    times" questions.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    prepared = words_to_digits(clean_text(text), counting=counting)
    candidates = find_numbers(prepared)
    prefer = None
    if counting:
        zeros = [Candidate(m.start(), m.end(), 0.0) for m in _ZERO_PHRASE.finditer(prepared)]
        candidates = _merge(candidates, zeros)
        prefer = _prefer_count_phrase
    chosen = pick_answer(prepared, candidates, prefer)
    return None if chosen is None else float(chosen.value)


def _prefer_count_phrase(text: str, pool: Sequence[Candidate]) -> Candidate | None:
    for candidate in pool:
        if _COUNT_PHRASE.match(text, candidate.end):
            return candidate
    return None


def _merge(first: list[Candidate], second: list[Candidate]) -> list[Candidate]:
    """Both lists in text order, dropping any candidate that overlaps an earlier one."""
    merged: list[Candidate] = []
    for candidate in sorted(first + second, key=lambda c: (c.start, -c.end)):
        if merged and candidate.start < merged[-1].end:
            continue
        merged.append(candidate)
    return merged
