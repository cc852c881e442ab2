"""How the helpers' errors look in a notebook: a few lines to read, not a traceback.

When a cell raises, IPython prints the traceback, unless the exception has a
`_render_traceback_()` method: then it prints the list of lines that method returns.
The errors the helpers raise with advice (a miss in offline mode, a setting that is
wrong, an answer that cannot be read, an API error with a line of advice) use this to
show their message and what to do, without twenty frames of SDK and HTTP code.

The full traceback is not lost: the same error shown a second time, which is what
`%tb` does, prints it in full. Outside IPython nothing changes: `str(error)` is the
complete message and Python prints the usual traceback.

Every line shown goes through `redact`, so a key never reaches the notebook.
"""

from __future__ import annotations

import traceback
from typing import Any

from helpers.modes.redaction import redact

FULL_TRACEBACK_HINT = "(Shortened by helpers: run %tb in a new cell to see the full traceback.)"
MESSAGE_WIDTH = 300  # a longer first line (a server's whole error body) is cut here


def short_lines(error: BaseException) -> list[str]:
    """The lines a learner sees: `Name: message`, any advice notes, and the `%tb` hint."""
    text = redact(str(error)).rstrip() or "(no message)"
    first, _, rest = text.partition("\n")
    if len(first) > MESSAGE_WIDTH:
        first = first[: MESSAGE_WIDTH - 1] + "…"
    lines = [f"{type(error).__name__}: {first}"]
    lines += rest.splitlines()
    for note in getattr(error, "__notes__", None) or []:
        if isinstance(note, str) and note not in lines:
            lines.append(redact(note))
    lines.append(FULL_TRACEBACK_HINT)
    return lines


def full_traceback_lines(error: BaseException) -> list[str]:
    """The whole traceback, as IPython would show it (plain Python's when not in IPython)."""
    lines: list[str] | None = None
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            lines = shell.InteractiveTB.structured_traceback(
                type(error), error, error.__traceback__
            )
    except Exception:  # no IPython, or it could not format this error
        lines = None
    if lines is None:
        lines = traceback.format_exception(type(error), error, error.__traceback__)
    return [redact(line) for line in lines]


def render_traceback(error: BaseException) -> list[str]:
    """What IPython shows for `error`: short the first time, in full when shown again (%tb)."""
    if getattr(error, "_homemade_o1_shown", False):
        return full_traceback_lines(error)
    try:
        error._homemade_o1_shown = True  # type: ignore[attr-defined]
    except AttributeError:  # an exception type without a __dict__: always short
        pass
    return short_lines(error)


class ShortTraceback:
    """Mix into an exception class so IPython shows `short_lines` instead of a traceback.

    The message of such an error must say what happened and what to do: it is all
    a learner sees.
    """

    def _render_traceback_(self) -> list[str]:
        assert isinstance(self, BaseException)
        return render_traceback(self)


class _RenderShort:
    """An instance's `_render_traceback_`, for exception classes that are not ours."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __call__(self) -> list[str]:
        return render_traceback(self.error)


def show_briefly(error: BaseException) -> BaseException:
    """Make IPython show this one error in short form (used for the SDK's own errors)."""
    if not isinstance(error, ShortTraceback):
        try:
            error._render_traceback_ = _RenderShort(error)  # type: ignore[attr-defined]
        except AttributeError:
            pass
    return error


def is_short(error: Any) -> bool:
    """True when IPython will show this error in short form."""
    return isinstance(error, ShortTraceback) or isinstance(
        getattr(error, "_render_traceback_", None), _RenderShort
    )
