"""Short word problems with 2-4 arithmetic steps and a whole-number answer.

Each story picks its numbers so that every division comes out even and no
step goes below zero, then returns the question, the answer and the
expression that produces it (for example ``"50 - (3 * 4 + 2)"``), so a
learner (or a test) can see how the answer was reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from helpers.evaluation.problems.stable_random import StableRandom
from helpers.evaluation.problems.words import PEOPLE


class Story(NamedTuple):
    """One generated word problem."""

    question: str
    answer: int
    expression: str
    operations: int


def cinema_seats(dice: StableRandom) -> Story:
    """Rows times seats, minus the seats taken (2 steps)."""
    rows, per_row = dice.integer(6, 20), dice.integer(8, 25)
    taken = dice.integer(1, rows * per_row - 1)
    question = (
        f"A cinema has {rows} rows with {per_row} seats in each row. "
        f"{taken} seats are already taken. How many seats are still free?"
    )
    return Story(question, rows * per_row - taken, f"{rows} * {per_row} - {taken}", 2)


def tulip_beds(dice: StableRandom) -> Story:
    """Rows of flowers plus a few extra (2 steps)."""
    name = dice.pick(PEOPLE)
    rows, per_row, extra = dice.integer(3, 12), dice.integer(4, 15), dice.integer(2, 30)
    question = (
        f"{name} plants {rows} rows of {per_row} tulips and then {extra} more tulips "
        f"by the gate. How many tulips does {name} plant altogether?"
    )
    return Story(question, rows * per_row + extra, f"{rows} * {per_row} + {extra}", 2)


def notebook_change(dice: StableRandom) -> Story:
    """Price of several items plus one, taken from a banknote (3 steps)."""
    name = dice.pick(PEOPLE)
    count, price, pen = dice.integer(2, 6), dice.integer(2, 9), dice.integer(1, 5)
    total = count * price + pen
    note = next(value for value in (10, 20, 50, 100) if value > total)
    question = (
        f"{name} buys {count} notebooks that cost {price} dollars each and one pen for "
        f"{pen} dollars, and pays with a {note}-dollar note. "
        f"How many dollars of change does {name} get back?"
    )
    return Story(question, note - total, f"{note} - ({count} * {price} + {pen})", 3)


def cookie_boxes(dice: StableRandom) -> Story:
    """Trays of cookies, minus broken ones, packed into boxes (3 steps)."""
    trays, per_tray, box = dice.integer(2, 6), dice.integer(8, 24), dice.integer(4, 8)
    baked = trays * per_tray
    broken = baked % box or box
    question = (
        f"A baker bakes {trays} trays of {per_tray} cookies. {broken} cookies break, and "
        f"the rest are packed into boxes of {box}. How many boxes does the baker fill?"
    )
    expression = f"({trays} * {per_tray} - {broken}) / {box}"
    return Story(question, (baked - broken) // box, expression, 3)


def train_trip(dice: StableRandom) -> Story:
    """Two legs of a journey at different speeds (3 steps)."""
    speed1, hours1 = 5 * dice.integer(8, 24), dice.integer(1, 4)
    speed2, hours2 = 5 * dice.integer(8, 24), dice.integer(1, 4)
    question = (
        f"A train travels at {speed1} km per hour for {hours1} hours and then at "
        f"{speed2} km per hour for {hours2} hours. How many kilometres does it travel in total?"
    )
    expression = f"{speed1} * {hours1} + {speed2} * {hours2}"
    return Story(question, speed1 * hours1 + speed2 * hours2, expression, 3)


def pocket_money(dice: StableRandom) -> Story:
    """Starting money plus weekly savings, minus a purchase (3 steps)."""
    name = dice.pick(PEOPLE)
    start, weekly, weeks = dice.integer(5, 60), dice.integer(3, 15), dice.integer(2, 10)
    saved = start + weekly * weeks
    spent = dice.integer(1, saved - 1)
    question = (
        f"{name} has {start} dollars and saves {weekly} dollars every week for {weeks} weeks. "
        f"Then {name} spends {spent} dollars on a game. How many dollars does {name} have left?"
    )
    return Story(question, saved - spent, f"{start} + {weekly} * {weeks} - {spent}", 3)


def shared_apples(dice: StableRandom) -> Story:
    """Boxes of apples plus loose ones, shared equally (3 steps)."""
    boxes, per_box, children = dice.integer(2, 6), dice.integer(6, 15), dice.integer(3, 9)
    each = boxes * per_box // children + dice.integer(1, 3)
    loose = children * each - boxes * per_box
    question = (
        f"There are {boxes} boxes with {per_box} apples in each, plus {loose} loose apples. "
        f"The apples are shared equally among {children} children. "
        f"How many apples does each child get?"
    )
    return Story(question, each, f"({boxes} * {per_box} + {loose}) / {children}", 3)


def pancake_flour(dice: StableRandom) -> Story:
    """Scale a recipe up, then subtract what is already in the cupboard (3 steps)."""
    name = dice.pick(PEOPLE)
    batch, flour, times = dice.pick((4, 6, 8, 10, 12)), 25 * dice.integer(4, 12), dice.integer(2, 5)
    wanted = batch * times
    needed = flour * times
    have = 10 * dice.integer(1, needed // 10 - 1)
    question = (
        f"A recipe for {batch} pancakes needs {flour} grams of flour. {name} wants to make "
        f"{wanted} pancakes and already has {have} grams of flour. "
        f"How many more grams of flour does {name} need?"
    )
    return Story(question, needed - have, f"{flour} * {wanted} / {batch} - {have}", 3)


def sticker_albums(dice: StableRandom) -> Story:
    """Packs plus a gift, minus a give-away, split evenly (4 steps)."""
    name, friend = dice.sample(PEOPLE, 2)
    packs, size, received = dice.integer(2, 8), dice.integer(5, 12), dice.integer(3, 20)
    albums = dice.integer(3, 7)
    total = packs * size + received
    given = total % albums or albums
    question = (
        f"{name} buys {packs} packs of {size} stickers and gets {received} more from "
        f"{friend}. {name} gives {given} stickers to a little brother and shares the rest "
        f"equally among {albums} albums. How many stickers go into each album?"
    )
    expression = f"({packs} * {size} + {received} - {given}) / {albums}"
    return Story(question, (total - given) // albums, expression, 4)


def bus_passengers(dice: StableRandom) -> Story:
    """People getting off and on at two stops (4 steps)."""
    start = dice.integer(10, 40)
    off1, on1 = dice.integer(1, start - 1), dice.integer(1, 15)
    after_first = start - off1 + on1
    off2, on2 = dice.integer(1, after_first), dice.integer(1, 12)
    question = (
        f"A bus leaves the depot with {start} passengers. At the first stop {off1} people "
        f"get off and {on1} get on. At the second stop {off2} get off and {on2} get on. "
        f"How many passengers are on the bus now?"
    )
    expression = f"{start} - {off1} + {on1} - {off2} + {on2}"
    return Story(question, after_first - off2 + on2, expression, 4)


STORIES: tuple[Callable[[StableRandom], Story], ...] = (
    cinema_seats,
    tulip_beds,
    notebook_change,
    cookie_boxes,
    train_trip,
    pocket_money,
    shared_apples,
    pancake_flour,
    sticker_albums,
    bus_passengers,
)
