"""Tests for the problem sets, their answers and the answer checkers."""

from __future__ import annotations

import ast
import datetime as dt
import json
import operator
import re

import pytest

from helpers.evaluation.problems import PROBLEM_FAMILIES, Problem, make_problems
from helpers.evaluation.problems.checks import (
    FAMILY_CHECKERS,
    check_answer,
    check_approximate,
    check_count,
    check_date_answer,
    check_integer,
    check_sorted_list,
)
from helpers.evaluation.problems.generators import GENERATORS, Draft
from helpers.evaluation.problems.numbers import normalize_number
from helpers.evaluation.problems.stable_random import StableRandom

FAMILIES = list(PROBLEM_FAMILIES)

# ------------------------------------------------------------ normalize_number


@pytest.mark.parametrize(
    "text",
    [
        "3",
        "3.0",
        "three",
        "Three.",
        "THREE",
        "3 times",
        "The letter r appears 3 times.",
        "**3**",
        "`3`",
        '"3"',
        "there are three r's",
        "Answer: 3",
        "**Answer:** 3 r's",
        "The answer is 3.",
        "\\boxed{3}",
        "$3$",
        "3 (positions 3, 8, 9)",
        "3, because r is at positions 3, 8 and 9",
        "1 + 2 = 3",
        "not 2 but 3",
        "  3\n",
        3,
        3.0,
    ],
)
def test_normalize_number_reads_three_in_many_forms(text: object) -> None:
    assert normalize_number(text) == 3.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234", 1234.0),
        ("1,234,567 people", 1234567.0),
        ("$12", 12.0),
        ("12 dollars", 12.0),
        ("12.00", 12.0),
        ("It costs $12.50 in total.", 12.5),
        ("twenty-one", 21.0),
        ("twenty one", 21.0),
        ("ninety-nine", 99.0),
        ("one hundred", 100.0),
        ("a hundred and five", 105.0),
        ("two hundred forty-two", 242.0),
        ("a dozen", 12.0),
        ("zero", 0.0),
        ("none", 0.0),
        ("-5", -5.0),
        ("\u22125 degrees", -5.0),
        ("x = -5", -5.0),
        ("The total cost is 24 dollars.", 24.0),
        ("5 miles is 8.05 km", 8.05),
        ("It went from 4 to 12", 12.0),
        ("10 - 3 = 7", 7.0),
        ("The answer is 7, since 10 - 3 = 7", 7.0),
        ("Step 1 gives 20, step 2 gives 24.", 24.0),
        ("seventeen", 17.0),
        ("seven", 7.0),
        ("often 7", 7.0),
    ],
)
def test_normalize_number_values(text: str, expected: float) -> None:
    assert normalize_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "3 or 4",
        "three or four",
        "The answer is 3 or 4.",
        "3-4",
        "3\u20134",
        "3 to 4 times",
        "not 3",
        "it is not 3",
        "the 3rd letter",
        "",
        None,
        "I don't know",
        "r2d2",
    ],
)
def test_normalize_number_refuses_unclear_answers(text: object) -> None:
    assert normalize_number(text) is None


def test_counting_mode_prefers_the_number_before_times() -> None:
    text = "The letter r appears 3 times, at positions 3, 8 and 9."
    assert normalize_number(text) == 9.0  # plain mode: the last number
    assert normalize_number(text, counting=True) == 3.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("twice", 2.0),
        ("It appears once.", 1.0),
        ("The letter z does not appear in 'apple'.", 0.0),
        ("There are no z's in apple (5 letters).", 0.0),
        ("'apple' doesn't contain a z", 0.0),
        ("3 x", 3.0),
        ("r: 3 occurrences (at 3, 8, 9)", 3.0),
    ],
)
def test_counting_mode_reads_counting_phrases(text: str, expected: float) -> None:
    assert normalize_number(text, counting=True) == expected


def test_times_as_multiplication_is_not_a_count() -> None:
    assert normalize_number("3 times 4 is 12", counting=True) == 12.0


# ---------------------------------------------------------------- checkers


@pytest.mark.parametrize(
    "result",
    ["3", "three", "r appears 3 times (positions 3, 8, 9)", "There are 3 r's.", "**3**", 3],
)
def test_count_checker_accepts(result: object) -> None:
    assert check_count("3", result)


@pytest.mark.parametrize(
    "result",
    ["30", "13", "33", "0.3", "2", "3 or 4", "three or four", "4 times", "2 (not 3)", "", None],
)
def test_count_checker_rejects_near_misses(result: object) -> None:
    assert not check_count("3", result)


@pytest.mark.parametrize(
    "result", ["0", "zero", "none", "z appears 0 times", "z does not appear.", "no z's"]
)
def test_count_checker_reads_zero(result: str) -> None:
    assert check_count("0", result)
    assert not check_count("1", result)


def test_integer_checker_rejects_non_whole_numbers() -> None:
    assert check_integer("12", "12 dollars")
    assert check_integer("12", "$12.00")
    assert not check_integer("12", "12.5")
    assert not check_integer("12", "120")


@pytest.mark.parametrize(
    "result",
    [
        "2024-03-26",
        "March 26, 2024",
        "march 26 2024",
        "26 March 2024",
        "26th of March, 2024",
        "Mar. 26th, 2024",
        "Tuesday, March 26, 2024",
        "2024/03/26",
        "**2024-03-26**",
        "45 days after 2024-02-10 is 2024-03-26.",
        "2024-03-26 (45 days after 2024-02-10)",
        "The answer is 2024-03-26, which is 45 days after 2024-02-10",
    ],
)
def test_date_checker_accepts_spellings(result: str) -> None:
    assert check_date_answer("2024-03-26", result)


@pytest.mark.parametrize(
    "result",
    [
        "2024-03-27",
        "March 25, 2024",
        "2023-03-26",
        "03/26/2024",  # month/day/year is ambiguous, so not read
        "2024-03-26 or 2024-03-27",
        "February 30, 2024",
        "",
    ],
)
def test_date_checker_rejects_wrong_dates(result: str) -> None:
    assert not check_date_answer("2024-03-26", result)


@pytest.mark.parametrize(
    "result",
    ["Wednesday", "wednesday", "WEDNESDAY", "It was a Wednesday.", "Wed", "2023-03-01 was a Wed."],
)
def test_weekday_checker_accepts(result: str) -> None:
    assert check_date_answer("Wednesday", result)


@pytest.mark.parametrize("result", ["Tuesday", "Thursday", "Tuesday or Wednesday", "", "3"])
def test_weekday_checker_rejects(result: str) -> None:
    assert not check_date_answer("Wednesday", result)


def test_day_count_checker_ignores_the_digits_of_dates() -> None:
    assert check_date_answer("47", "47")
    assert check_date_answer("47", "From 2024-01-15 to 2024-03-02 is 47 days.")
    assert check_date_answer("47", "forty-seven days")
    assert not check_date_answer("47", "46 days")
    assert not check_date_answer("47", "2024-03-02")


@pytest.mark.parametrize(
    "result",
    [
        "apple, fig, pear",
        "Apple, Fig, Pear",
        "['apple', 'fig', 'pear']",
        ["apple", "fig", "pear"],
        "apple fig pear",
        "apple, fig and pear",
        "1. apple\n2. fig\n3. pear",
        "Sorted: apple, fig, pear.",
        "pear, apple, fig sorted alphabetically gives apple, fig, pear",
        "apple, fig, pear (not pear, apple, fig)",
    ],
)
def test_sorted_words_checker_accepts(result: object) -> None:
    assert check_sorted_list("apple, fig, pear", result)


@pytest.mark.parametrize(
    "result",
    [
        "apple, pear, fig",
        "apple, fig",
        "fig, apple, pear",
        "apples, fig, pear",
        "apple, apple, fig, pear",
        "fig, apple, fig, pear",
        "",
        None,
    ],
)
def test_sorted_words_checker_rejects(result: object) -> None:
    assert not check_sorted_list("apple, fig, pear", result)


@pytest.mark.parametrize(
    "result",
    ["-3, 4.5, 12", "[-3, 4.5, 12]", "-3 < 4.5 < 12", "-3.0, 4.50, 12", "1. -3\n2. 4.5\n3. 12"],
)
def test_sorted_numbers_checker_accepts(result: str) -> None:
    assert check_sorted_list("-3, 4.5, 12", result)


@pytest.mark.parametrize("result", ["4.5, -3, 12", "3, 4.5, 12", "-3, 4.5", "12, 4.5, -3"])
def test_sorted_numbers_checker_rejects(result: str) -> None:
    assert not check_sorted_list("-3, 4.5, 12", result)


def test_sorted_numbers_keep_commas_between_items() -> None:
    assert check_sorted_list("12, 450, 900", "12,450,900")


@pytest.mark.parametrize("result", ["8.0", "8", "8.05 km", "about 8.05 kilometres", "7.95"])
def test_approximate_checker_accepts_close_values(result: str) -> None:
    assert check_approximate("8.0", result)


@pytest.mark.parametrize("result", ["8.2", "7.9", "3.1", "80", "8 or 9", ""])
def test_approximate_checker_rejects_far_values(result: str) -> None:
    assert not check_approximate("8.0", result)


def test_check_answer_dispatches_and_rejects_unknown_families() -> None:
    assert check_answer("letters", "3", "three")
    assert not check_answer("arithmetic", "3", "13")
    with pytest.raises(ValueError, match="unknown problem family"):
        check_answer("poetry", "3", "3")


def test_every_family_has_a_checker() -> None:
    assert set(FAMILY_CHECKERS) == set(PROBLEM_FAMILIES)


# -------------------------------------------------------------- generators


@pytest.mark.parametrize("family", [*FAMILIES, "mixed"])
def test_same_seed_gives_the_same_problems(family: str) -> None:
    first = make_problems(family, 30, seed=5)
    second = make_problems(family, 30, seed=5)
    assert [p.to_dict() for p in first] == [p.to_dict() for p in second]
    assert [p.id for p in make_problems(family, 30, seed=6)] != [p.id for p in first]


@pytest.mark.parametrize("family", FAMILIES)
def test_a_longer_set_starts_with_the_shorter_one(family: str) -> None:
    assert make_problems(family, 40, seed=3)[:10] == make_problems(family, 10, seed=3)


@pytest.mark.parametrize("family", [*FAMILIES, "mixed"])
def test_ids_and_questions_are_unique_and_well_formed(family: str) -> None:
    problems = make_problems(family, 150, seed=1)
    assert len(problems) == 150
    assert len({p.id for p in problems}) == 150
    assert len({p.question for p in problems}) == 150
    for problem in problems:
        assert problem.family in PROBLEM_FAMILIES
        assert re.fullmatch(rf"{problem.family}-\d{{4}}-[0-9a-f]{{6}}", problem.id)
        assert problem.difficulty in ("easy", "medium", "hard")
        assert problem.answer_format


def test_golden_problems_do_not_drift_between_machines() -> None:
    """Fixed expectations: if these change, saved results no longer match their problems."""
    letters = make_problems("letters", 2, seed=0)
    assert [p.id for p in letters] == ["letters-0000-ded55b", "letters-0001-bf9560"]
    assert letters[1].question == 'Count the letter "n" in "onomatopoeia". How many are there?'
    first_date = make_problems("dates", 1, seed=0)[0]
    assert first_date.question == "What date is 194 days after 2026-11-07?"
    assert make_problems("arithmetic", 1, seed=0)[0].answer == "57"
    assert make_problems("units", 1, seed=0)[0].question.startswith("Convert 67 inches")
    dice = StableRandom("golden")
    assert [dice.integer(1, 100) for _ in range(5)] == [34, 25, 84, 38, 80]


@pytest.mark.parametrize("family", FAMILIES)
def test_canonical_answers_pass_their_own_checker(family: str) -> None:
    for problem in make_problems(family, 200, seed=2):
        assert problem.check(problem.answer), problem
        assert problem.check(f"The answer is {problem.answer}."), problem
        assert problem.check(f"**{problem.answer}**"), problem


@pytest.mark.parametrize("family", FAMILIES)
def test_a_wrong_answer_fails_its_checker(family: str) -> None:
    for problem in make_problems(family, 200, seed=2):
        assert not problem.check(_wrong_answer(problem)), problem


def _wrong_answer(problem: Problem) -> str:
    answer = problem.answer
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", answer):
        return (dt.date.fromisoformat(answer) + dt.timedelta(days=1)).isoformat()
    if answer in WEEKDAYS:
        return WEEKDAYS[(WEEKDAYS.index(answer) + 1) % 7]
    if "," in answer:
        return ", ".join(reversed(answer.split(", ")))
    if problem.family == "units":
        return f"{float(answer) * 1.1 + 0.2:.1f}"
    return str(int(answer) + 1)


def test_letters_start_with_strawberry_and_count_correctly() -> None:
    problems = make_problems("letters", 150, seed=0)
    assert problems[0].question.endswith('the letter "r" appear in the word "strawberry"?')
    assert problems[0].answer == "3"
    for problem in problems:
        letter = re.search(r'letter "(\w)"', problem.question).group(1)
        word = next(q for q in re.findall(r'"([^"]+)"', problem.question) if len(q) > 1)
        expected = sum(1 for char in word if char.lower() == letter.lower())
        assert problem.answer == str(expected), problem.question


def test_letters_are_varied() -> None:
    problems = make_problems("letters", 150, seed=0)
    counts = {int(p.answer) for p in problems}
    assert {0, 1, 2, 3} <= counts
    assert any(len(p.details["word"]) >= 12 for p in problems)
    assert any(len(p.details["word"]) <= 4 for p in problems)
    assert any("capital and small letters alike" in p.question for p in problems)


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = "January February March April May June July August September October November December"


def _dates_in(question: str) -> list[dt.date]:
    found = []
    pattern = r"(\d{4})-(\d{2})-(\d{2})|([A-Z][a-z]+) (\d{1,2}), (\d{4})"
    for match in re.finditer(pattern, question):
        if match.group(1):
            found.append(dt.date(*(int(g) for g in match.group(1, 2, 3))))
        else:
            month = MONTHS.split().index(match.group(4)) + 1
            found.append(dt.date(int(match.group(6)), month, int(match.group(5))))
    return found


def test_date_answers_are_right() -> None:
    problems = make_problems("dates", 200, seed=0)
    assert {p.details["kind"] for p in problems} == {
        "days_after",
        "days_before",
        "days_between",
        "weekday",
    }
    for problem in problems:
        dates = _dates_in(problem.question)
        days = re.search(r"(\d+) days", problem.question)
        if "day of the week" in problem.question:
            # 2024-01-01 was a Monday
            expected = WEEKDAYS[(dates[0] - dt.date(2024, 1, 1)).days % 7]
        elif "How many days" in problem.question or "how many days" in problem.question:
            expected = str((dates[1] - dates[0]).days)
        elif "before" in problem.question:
            expected = (dates[0] - dt.timedelta(days=int(days.group(1)))).isoformat()
        else:
            expected = (dates[0] + dt.timedelta(days=int(days.group(1)))).isoformat()
        assert problem.answer == expected, problem.question


_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def _evaluate(node: ast.AST) -> int:
    """Evaluate + - * / on whole numbers, insisting every division is exact."""
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    assert isinstance(node, ast.BinOp), ast.dump(node)
    left, right = _evaluate(node.left), _evaluate(node.right)
    if isinstance(node.op, ast.Div):
        assert left % right == 0, "division must come out even"
        return left // right
    return _OPERATORS[type(node.op)](left, right)


def test_arithmetic_answers_are_right_whole_and_not_negative() -> None:
    for problem in make_problems("arithmetic", 200, seed=0):
        expression = problem.details["expression"]
        value = _evaluate(ast.parse(expression, mode="eval"))
        assert problem.answer == str(value) and value >= 0, problem.question
        operations = len(re.findall(r"[-+*/]", expression))
        assert operations == problem.details["operations"]
        assert 2 <= operations <= 4
        for number in re.findall(r"\d+", expression):
            assert re.search(rf"(?<!\d){number}(?!\d)", problem.question), (number, problem)


def test_sorting_answers_are_right() -> None:
    for problem in make_problems("sorting", 200, seed=0):
        items = problem.question.split(": ", 1)[1].rstrip(".").split(", ")
        if problem.question.startswith("Put these words"):
            expected = sorted(items)
        else:
            descending = "largest to smallest" in problem.question
            expected = sorted(items, key=float, reverse=descending)
        assert problem.answer == ", ".join(expected)


_TO_BASE = {  # factor to a base unit: metre, kilogram, litre
    "inches": 0.0254,
    "centimetres": 0.01,
    "feet": 0.3048,
    "metres": 1.0,
    "miles": 1609.344,
    "kilometres": 1000.0,
    "pounds": 0.45359237,
    "kilograms": 1.0,
    "ounces": 0.028349523125,
    "grams": 0.001,
    "US gallons": 3.785411784,
    "litres": 1.0,
}


def test_unit_answers_are_right() -> None:
    for problem in make_problems("units", 200, seed=0):
        match = re.match(r"Convert (-?\d+) (.+) to (.+)\. Round", problem.question)
        value, source, target = int(match.group(1)), match.group(2), match.group(3)
        if source == "degrees Fahrenheit":
            expected = (value - 32) / 1.8
        elif source == "degrees Celsius":
            expected = value * 1.8 + 32
        else:
            expected = value * _TO_BASE[source] / _TO_BASE[target]
        assert abs(float(problem.answer) - expected) <= 0.05 + 1e-9, problem.question
        assert re.fullmatch(r"-?\d+\.\d", problem.answer)


def test_problems_round_trip_through_json() -> None:
    for problem in make_problems("mixed", 25, seed=4):
        line = json.dumps(problem.to_dict())
        assert Problem.from_dict(json.loads(line)) == problem
        assert Problem.from_dict({**problem.to_dict(), "correct": True}) == problem


def test_problems_can_go_in_a_set() -> None:
    problems = make_problems("sorting", 10)
    assert len(set(problems)) == 10


def test_mixed_takes_turns_and_reuses_family_problems() -> None:
    mixed = make_problems("mixed", 12, seed=0)
    assert [p.family for p in mixed[:5]] == FAMILIES
    assert mixed[5].family == FAMILIES[0]
    assert mixed[5] == make_problems(FAMILIES[0], 2, seed=0)[1]


def test_bad_arguments_are_refused() -> None:
    assert make_problems("letters", 0) == []
    with pytest.raises(ValueError, match="unknown problem family"):
        make_problems("riddles", 3)
    with pytest.raises(ValueError, match="n must be"):
        make_problems("letters", -1)


def test_a_used_up_family_raises_instead_of_looping(monkeypatch: pytest.MonkeyPatch) -> None:
    def three_problems_only(dice: StableRandom, index: int) -> Draft:
        number = dice.integer(1, 3)
        return Draft(f"Say {number}.", str(number), "a whole number", "easy", str(number))

    monkeypatch.setitem(GENERATORS, "letters", three_problems_only)
    assert len(make_problems("letters", 3)) == 3
    with pytest.raises(ValueError, match="could only make 3 distinct"):
        make_problems("letters", 4)


# ------------------------------------------------------------ stable dice


def test_stable_random_stays_in_range_and_reaches_both_ends() -> None:
    dice = StableRandom("range")
    seen = {dice.integer(1, 6) for _ in range(500)}
    assert seen == {1, 2, 3, 4, 5, 6}


def test_stable_random_shuffle_and_sample_keep_the_items() -> None:
    dice = StableRandom("shuffle")
    items = list(range(20))
    shuffled = dice.shuffled(items)
    assert sorted(shuffled) == items and shuffled != items
    sample = dice.sample(items, 5)
    assert len(set(sample)) == 5 and set(sample) <= set(items)
    with pytest.raises(ValueError):
        dice.pick([])
    with pytest.raises(ValueError):
        dice.sample(items, 21)
