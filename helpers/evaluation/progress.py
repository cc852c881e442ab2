"""A progress bar for long evaluations: a widget in notebooks, a text line in terminals.

The widget keeps its state in widget values only (an `IntProgress` and a
`Label`), so nothing is printed while a notebook cell runs. The terminal bar
rewrites one line of standard error with `\\r`.
"""

from __future__ import annotations

import sys
import threading
from typing import IO, Any

BAR_WIDTH = 30


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where a widget can be shown)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class Progress:
    """No progress display at all (the base class: every method does nothing)."""

    def start(self, total: int, done: int, title: str) -> None:
        """Show the bar: `done` of `total` items are already finished."""

    def advance(self, note: str = "") -> None:
        """One more item finished."""

    def finish(self, summary: str) -> None:
        """The run ended; show `summary`."""


def _progress_box(children: list[Any]) -> Any:
    """An HBox whose plain-text form reads well in a saved notebook."""
    import ipywidgets as widgets

    class ProgressBox(widgets.HBox):
        def __repr__(self) -> str:
            return "[progress bar of the evaluation: live while the cell runs]"

    return ProgressBox(children)


class WidgetProgress(Progress):
    """An `IntProgress` bar and a `Label` in a notebook.

    It is displayed as soon as it is made (`display=True`), so that it appears
    under the cell that started the run even when the run goes on in a thread.
    """

    def __init__(self, display: bool = False) -> None:
        import ipywidgets as widgets

        self.bar = widgets.IntProgress(value=0, min=0, max=1, bar_style="info")
        self.bar.style.description_width = "initial"
        self.label = widgets.Label(value="starting")
        self.box = _progress_box([self.bar, self.label])
        self._lock = threading.Lock()
        if display:
            from IPython.display import display as show

            show(self.box)

    def start(self, total: int, done: int, title: str) -> None:
        self.bar.max = max(total, 1)
        self.bar.value = done
        self.bar.description = title
        self.label.value = f"{done} of {total} done"

    def advance(self, note: str = "") -> None:
        with self._lock:
            self.bar.value += 1
            self.label.value = f"{self.bar.value} of {self.bar.max} done"

    def finish(self, summary: str) -> None:
        self.bar.bar_style = "success" if self.bar.value >= self.bar.max else "warning"
        self.label.value = summary


class TextProgress(Progress):
    """`title [#########.........] 12/30` on one line of a terminal."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = 0
        self.done = 0
        self.title = ""
        self._width = 0
        self._lock = threading.Lock()

    def _draw(self, note: str = "") -> None:
        filled = BAR_WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        line = f"\r{self.title} [{bar}] {self.done}/{self.total}"
        if note:
            line += f" {note}"
        line = line[:100]
        self.stream.write(line.ljust(self._width))  # cover the end of a longer earlier line
        self._width = len(line)
        self.stream.flush()

    def start(self, total: int, done: int, title: str) -> None:
        self.total, self.done, self.title = total, done, title
        self._draw()

    def advance(self, note: str = "") -> None:
        with self._lock:
            self.done += 1
            self._draw(note)

    def finish(self, summary: str) -> None:
        self._draw()
        self.stream.write(f"\n{summary}\n")
        self.stream.flush()


def make_progress(progress: bool | Progress | Any) -> Progress:
    """`True`: a widget in a notebook, a text bar elsewhere; `False`: none; or your own."""
    if isinstance(progress, Progress):
        return progress
    if not progress:
        return Progress()
    return WidgetProgress(display=True) if in_notebook() else TextProgress()
