"""Every exercise: its %load target exists, its solution passes, the unsolved cell fails politely.

Exercises are found by reading the notebooks: an answer cell holds
`# %load solutions/<file>.py`, and the next code cell calls a checker.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import helpers
from helpers.exercises import HINTS, Verdict, hint, load_checkers
from helpers.exercises import NOTEBOOKS as NOTEBOOK_IDS

for _notebook in NOTEBOOK_IDS:  # checkers load on first use; the hint tests want them all
    load_checkers(_notebook)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LOAD = re.compile(r"^# %load (solutions/\S+\.py)\s*$", re.M)
CHECK = re.compile(r"helpers\.exercises\.(check_\d\d_\d+)\(")


def exercises() -> list[tuple[str, str, str, str]]:
    """(notebook, solution path, answer cell source, check cell source) for every exercise."""
    found = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        for index, cell in enumerate(cells):
            match = LOAD.search(cell.source)
            if match:
                check = cells[index + 1].source
                assert CHECK.search(check), f"{path.name}: no checker after {match.group(1)}"
                found.append((path.name, match.group(1), cell.source, check))
    return found


EXERCISES = exercises()
IDS = [f"{notebook}:{solution}" for notebook, solution, _, _ in EXERCISES]


def run_cells(*sources: str) -> object:
    """Run cell sources in a fresh namespace (as a notebook would) and return the last value."""
    namespace: dict = {"helpers": helpers}
    *body, last = sources
    previous = os.getcwd()
    os.chdir(NOTEBOOKS)  # a notebook's kernel runs in its folder
    try:
        for source in body:
            exec(compile(source, "<cell>", "exec"), namespace)
        return eval(compile(last.strip(), "<check>", "eval"), namespace)
    finally:
        os.chdir(previous)


def test_every_notebook_has_at_least_two_exercises():
    per_notebook: dict[str, int] = {}
    for notebook, *_ in EXERCISES:
        per_notebook[notebook] = per_notebook.get(notebook, 0) + 1
    notebooks = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert notebooks, "no notebooks found"
    for notebook in notebooks:
        assert per_notebook.get(notebook, 0) >= 2, f"{notebook} needs at least 2 exercises"


@pytest.mark.parametrize(("notebook", "solution", "answer", "check"), EXERCISES, ids=IDS)
def test_load_target_exists(notebook, solution, answer, check):
    assert (NOTEBOOKS / solution).is_file(), f"{notebook} loads {solution}, which is missing"


@pytest.mark.parametrize(("notebook", "solution", "answer", "check"), EXERCISES, ids=IDS)
def test_solution_passes_its_checker(notebook, solution, answer, check):
    verdict = run_cells((NOTEBOOKS / solution).read_text(), check)
    assert isinstance(verdict, Verdict)
    assert verdict.passed, repr(verdict)


@pytest.mark.parametrize(("notebook", "solution", "answer", "check"), EXERCISES, ids=IDS)
def test_unsolved_exercise_fails_politely(notebook, solution, answer, check):
    verdict = run_cells(answer, check)  # the cell as committed, %load still commented out
    assert isinstance(verdict, Verdict)
    assert not verdict.passed
    assert "not yet" in repr(verdict) and "looked for" in repr(verdict)


def test_a_checker_never_raises_on_broken_code():
    def broken(*args):
        raise ZeroDivisionError("oops")

    verdict = helpers.exercises.check_01_3(broken)
    assert not verdict.passed and "ZeroDivisionError" in verdict.problem


def test_a_wrong_answer_says_what_is_wrong():
    verdict = helpers.exercises.check_01_3(lambda p, c, i, o: p * i + c * o)
    assert not verdict.passed and "should be" in verdict.problem


@pytest.mark.parametrize("exercise", sorted(HINTS))
def test_every_hint_first_says_what_the_checker_looks_for(exercise, capsys):
    hint(exercise)
    printed = capsys.readouterr().out
    assert printed.startswith(f"Exercise {exercise}: the checker looks for ")
    assert "\nHint: " in printed


def test_every_checker_in_the_notebooks_has_a_hint():
    used = {CHECK.search(check).group(1) for *_, check in EXERCISES}
    ids = {name.removeprefix("check_").replace("_", ".") for name in used}
    assert ids <= set(HINTS)


def test_checkers_load_one_notebook_at_a_time():
    code = (
        "import sys, helpers; helpers.exercises.check_02_1; helpers.exercises.hint('03.1'); "
        "print(*sorted(m for m in sys.modules if m.startswith('helpers.exercises.nb')), "
        "'ipywidgets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout.splitlines()[-1].split()
    assert loaded == ["helpers.exercises.nb02", "helpers.exercises.nb03", "False"]


def test_a_hint_loads_its_checkers_first():
    code = "import helpers; helpers.exercises.hint('04.2')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("Exercise 04.2: the checker looks for ")


def test_every_notebook_has_a_checker_module():
    assert NOTEBOOK_IDS == tuple(path.name[:2] for path in sorted(NOTEBOOKS.glob("0*.ipynb")))
    for name in helpers.exercises.__all__:
        assert getattr(helpers.exercises, name) is not None
    with pytest.raises(AttributeError):
        helpers.exercises.check_99_1  # noqa: B018


def test_unknown_hint_is_a_friendly_message(capsys):
    hint("99.9")
    assert "no exercise" in capsys.readouterr().out


def test_verdict_text_is_stable():
    verdict = io.StringIO()
    verdict.write(repr(Verdict("01.1", True, "a thing")))
    assert verdict.getvalue() == "✅ Exercise 01.1 passed: a thing."
