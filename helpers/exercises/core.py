"""The exercise pattern: a checker that never raises, and a hint on request.

A checker runs the learner's answer on its own cases and returns a `Verdict`,
shown as a few short lines: what it looked for, and whether it found it. It
never raises, so "Run All" on an unsolved notebook still completes. A hint is
printed only when the learner asks for one with `hint("01.2")`.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

HINTS: dict[str, tuple[str, str]] = {}  # exercise id -> (what the checker looks for, hint)
NOTEBOOKS = ("00", "01", "02", "03", "04", "05", "06", "07")  # one checker module each
WIDTH = 88  # verdict and hint lines wrap at spaces before this, never inside a word
_EXERCISE_ID = re.compile(r"\s*(\d{1,2})[._](\d{1,2})\s*")


def load_checkers(notebook: str) -> ModuleType:
    """Import the checkers of one notebook (`"04"` -> `helpers.exercises.nb04`).

    Importing them also registers their hints in `HINTS`.
    """
    return importlib.import_module(f"helpers.exercises.nb{notebook}")


@dataclass
class Verdict:
    """The result of checking one exercise."""

    exercise: str
    passed: bool
    looked_for: str
    problem: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        if self.passed:
            return wrap(f"✅ Exercise {self.exercise} passed: {self.looked_for}.")
        return wrap(
            f"🔸 Exercise {self.exercise}, not yet. I looked for: {self.looked_for}.\n"
            f"   {self.problem}\n"
            f'   (Stuck? helpers.exercises.hint("{self.exercise}") gives a hint.)'
        )


def wrap(text: str, indent: str = "   ") -> str:
    """Text in lines of at most WIDTH characters, broken at spaces only.

    Each line of `text` is wrapped on its own; its continuation lines take its own
    leading spaces, or `indent` when it has none. A word longer than a line (a long
    repr) stays whole on a line of its own rather than being cut.
    """
    wrapped = []
    for line in text.split("\n"):
        body = line.lstrip(" ")
        lead = line[: len(line) - len(body)]
        wrapped.append(
            textwrap.fill(
                body,
                WIDTH,
                initial_indent=lead,
                subsequent_indent=lead or indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or line
        )
    return "\n".join(wrapped)


def as_tuple(value: Any, size: int) -> tuple[Any, ...] | None:
    """`value` as a tuple when it is a tuple or a list of `size` items, else None.

    Exercises that ask for "(a, b)" accept both: `return a, b` and `return [a, b]`
    are the same answer to a reader.
    """
    if isinstance(value, (tuple, list)) and len(value) == size:
        return tuple(value)
    return None


def is_unanswered(value: Any) -> bool:
    """True for the placeholders answer cells start with: `...`, None, or a function
    whose body is still just `...`."""
    if value is Ellipsis or value is None:
        return True
    if inspect.isfunction(value):
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(value)))
        except (OSError, TypeError, SyntaxError):
            return False
        body = tree.body[0].body if tree.body and hasattr(tree.body[0], "body") else []
        body = [node for node in body if not _is_docstring(node)]
        return len(body) == 1 and _is_ellipsis(body[0])
    return False


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _is_ellipsis(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and node.value.value is Ellipsis
    )


def checker(exercise: str) -> Callable[[Callable[..., str | None]], Callable[..., Verdict]]:
    """Turn `check(answer) -> problem or None` into a never-raising checker.

    The wrapped function returns None when the answer is right, or a sentence
    saying what is wrong. Anything the learner's code raises becomes that
    sentence instead of a traceback. Its docstring says what it looks for (the
    first paragraph) and gives the hint (the paragraph that starts "Hint:"), so
    `help(helpers.exercises.check_01_1)` in a notebook shows both.
    """

    def decorate(check: Callable[..., str | None]) -> Callable[..., Verdict]:
        looked_for, hint = _looked_for_and_hint(check)
        HINTS[exercise] = (looked_for, hint)

        @functools.wraps(check)
        def run(*answers: Any) -> Verdict:
            if answers and all(is_unanswered(a) for a in answers):
                return Verdict(
                    exercise,
                    False,
                    looked_for,
                    "There is no answer yet: replace the ... in the answer cell.",
                )
            try:
                problem = check(*answers)
            except Exception as error:  # the learner's code failed: say how, kindly
                problem = f"Running your answer raised {type(error).__name__}: {error}"
            return Verdict(exercise, problem is None, looked_for, problem or "")

        run.exercise = exercise  # type: ignore[attr-defined]
        return run

    return decorate


def _looked_for_and_hint(check: Callable[..., Any]) -> tuple[str, str]:
    """(what a checker looks for, its hint), read from its docstring's paragraphs."""
    paragraphs = [" ".join(p.split()) for p in inspect.cleandoc(check.__doc__ or "").split("\n\n")]
    hints = [p.removeprefix("Hint:").strip() for p in paragraphs if p.startswith("Hint:")]
    if not paragraphs[0] or len(hints) != 1:
        raise ValueError(f"{check.__name__}: the docstring needs what it looks for and a Hint:")
    return paragraphs[0], hints[0]


def exercise_id(exercise: Any) -> str | None:
    """The id "04.1" for 4.1, "4.1", "04.1", "04_1" or the checker itself; None if unreadable."""
    if callable(exercise) and isinstance(getattr(exercise, "exercise", None), str):
        return str(exercise.exercise)
    if isinstance(exercise, bool) or not isinstance(exercise, (str, int, float)):
        return None
    found = _EXERCISE_ID.fullmatch(str(exercise))
    if found is None:
        return None
    return f"{int(found.group(1)):02d}.{int(found.group(2))}"


def hint(exercise: str | float) -> None:
    """Print what the checker of an exercise looks for, then a hint.

    The exercise can be written "04.1", "4.1" or 4.1. Nothing is printed unless you call it.
    """
    found = exercise_id(exercise)
    if found is not None and found[:2] in NOTEBOOKS:
        load_checkers(found[:2])
    if found is None or found not in HINTS:
        notebook = f"{exercise:02d}" if isinstance(exercise, int) else ""
        if notebook in NOTEBOOKS:  # hint(4): which exercises notebook 04 has
            load_checkers(notebook)
            ids = sorted(e for e in HINTS if e.startswith(notebook + "."))
            print(f"Notebook {notebook} has exercises {', '.join(ids)}; try hint({ids[0]!r}).")
        else:
            print(f"There is no exercise {exercise!r}; the ids look like '01.2'.")
        return
    looked_for, text = HINTS[found]
    print(wrap(f"Exercise {found}: the checker looks for {looked_for}."))
    print(wrap(f"Hint: {text}"))
