"""The exercise pattern: a checker that never raises, and a hint on request.

A checker runs the learner's answer on its own cases and returns a `Verdict`,
shown as one friendly line: what it looked for, and whether it found it. It
never raises, so "Run All" on an unsolved notebook still completes.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

HINTS: dict[str, tuple[str, str]] = {}  # exercise id -> (what the checker looks for, hint)
NOTEBOOKS = ("00", "01", "02", "03", "04", "05", "06", "07")  # one checker module each


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
            return f"✅ Exercise {self.exercise} passed: {self.looked_for}."
        return (
            f"🔸 Exercise {self.exercise}, not yet. I looked for: {self.looked_for}.\n"
            f"   {self.problem}\n"
            f'   (Stuck? helpers.exercises.hint("{self.exercise}") gives a hint.)'
        )


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
        and isinstance(getattr(node, "value", None), ast.Constant)
        and isinstance(node.value.value, str)
    )


def _is_ellipsis(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and node.value.value is Ellipsis
    )


def checker(exercise: str, looked_for: str, hint: str) -> Callable:
    """Turn `check(answer) -> problem or None` into a never-raising checker.

    The wrapped function returns None when the answer is right, or a sentence
    saying what is wrong. Anything the learner's code raises becomes that
    sentence instead of a traceback.
    """
    HINTS[exercise] = (looked_for, hint)

    def decorate(check: Callable[..., str | None]) -> Callable[..., Verdict]:
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


def hint(exercise: str) -> None:
    """Print what the checker of an exercise looks for, then a hint."""
    if exercise[:2] in NOTEBOOKS:
        load_checkers(exercise[:2])
    if exercise not in HINTS:
        print(f"There is no exercise {exercise!r}; the ids look like '01.2'.")
        return
    looked_for, text = HINTS[exercise]
    print(f"Exercise {exercise}: the checker looks for {looked_for}.\nHint: {text}")
