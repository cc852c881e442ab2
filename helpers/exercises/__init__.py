"""Checkers and hints for every exercise in the collection.

In a notebook: write your answer in the marked cell, then run the cell below it::

    helpers.exercises.check_01_2(read_reply)   # prints a friendly verdict
    helpers.exercises.hint("01.2")             # what it looks for, and a nudge

Solutions are in `notebooks/solutions/`, loadable with `%load`.

Each notebook's checkers live in their own module (`nb04` for notebook 04, ...)
and load the first time one of them is used, so checking an exercise in
notebook 02 does not import the widget library that notebook 04's checkers need.
"""

from typing import Any

from helpers.exercises.core import HINTS, NOTEBOOKS, Verdict, hint, load_checkers

__all__ = [
    "HINTS",
    "NOTEBOOKS",
    "Verdict",
    "check_00_1",
    "check_00_2",
    "check_01_1",
    "check_01_2",
    "check_01_3",
    "check_02_1",
    "check_02_2",
    "check_02_3",
    "check_03_1",
    "check_03_2",
    "check_03_3",
    "check_04_1",
    "check_04_2",
    "check_04_3",
    "check_05_1",
    "check_05_2",
    "check_05_3",
    "check_06_1",
    "check_06_2",
    "check_06_3",
    "check_07_1",
    "check_07_2",
    "check_07_3",
    "hint",
    "load_checkers",
]


def __getattr__(name: str) -> Any:
    notebook = name.removeprefix("check_")[:2]
    if name not in __all__ or notebook not in NOTEBOOKS:
        raise AttributeError(f"module 'helpers.exercises' has no attribute {name!r}")
    value = getattr(load_checkers(notebook), name)
    globals()[name] = value  # the next lookup is an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
