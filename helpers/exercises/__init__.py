"""Checkers and hints for every exercise in the collection.

In a notebook: write your answer in the marked cell, then run the cell below it::

    helpers.exercises.check_01_2(read_reply)   # prints a friendly verdict
    helpers.exercises.hint("01.2")             # what it looks for, and a nudge

Solutions are in `notebooks/solutions/`, loadable with `%load`.
"""

from helpers.exercises.core import HINTS, Verdict, hint
from helpers.exercises.nb00 import check_00_1, check_00_2
from helpers.exercises.nb01 import check_01_1, check_01_2, check_01_3
from helpers.exercises.nb02 import check_02_1, check_02_2, check_02_3
from helpers.exercises.nb03 import check_03_1, check_03_2, check_03_3
from helpers.exercises.nb04 import check_04_1, check_04_2, check_04_3
from helpers.exercises.nb05 import check_05_1, check_05_2, check_05_3
from helpers.exercises.nb06 import check_06_1, check_06_2, check_06_3
from helpers.exercises.nb07 import check_07_1, check_07_2, check_07_3

__all__ = [
    "HINTS",
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
]
