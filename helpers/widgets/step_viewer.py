"""`StepViewer`: reveal a model's reasoning one step at a time, at the learner's pace.

Show a finished answer::

    viewer = StepViewer(reasoning)
    viewer                      # last line of a cell: the widget appears

Or watch an answer arrive: the step being written appears as it is written, each
whole step keeps the time it took, and when the answer is in, a "Thought for 4.2 s ·
5 steps" header folds the steps away::

    viewer = StepViewer.live(question)
    display(viewer)
    for delta in stream:        # plain text pieces, from any client
        viewer.feed(delta)
    viewer.finish(finish_reason="stop")   # the stream's finish_reason

If the stream breaks off, `viewer.fail(error)` ends the live state with one line
saying what happened (in a notebook this happens by itself when the cell stops with
an error or is interrupted). A stream that ends without a finish reason is treated
as broken off: its answer is not shown.

Design rules, for safety and for testing:

* Text not yet revealed (later steps, the answer) is not in any widget value: it
  is sent from the kernel only at the moment of reveal, never hidden with CSS.
  While a live answer streams in (and the learner is not guessing), the step being
  written is revealed as far as it has arrived; the answer never is until the end.
* Every model string (and the learner's guesses) is HTML-escaped, and invisible or
  bidi-control characters are shown as markers such as [U+202E] (see `step_html`).
* Appending a step costs the same whatever came before: steps live in pages of
  `StepList.PAGE_SIZE`, and only the page that changed is sent again.
* All state lives in widget values (HTML, Label, IntProgress), never in an
  Output widget, so the widget works without a browser (tests, nbval). Timings
  appear only in widget values, which notebooks do not save, never in printed text.
* Only core ipywidgets are used: nothing to install in JupyterLab 4 or Notebook 7.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import ipywidgets as widgets

from helpers.reasoning import Reasoning
from helpers.widgets.live_steps import LiveSteps
from helpers.widgets.step_html import (
    MUTED_STYLE,
    call_summary,
    escape_text,
    html_to_text,
    reveal_hidden,
    step_block,
    step_label,
    text_block,
    warning_lines,
    warnings_html,
)

VERDICT_SYMBOLS = {"right": "✓", "wrong": "✗", "unsure": "?"}
_VERDICT_COLOURS = {"right": "#2e7d32", "wrong": "#c62828", "unsure": "#8a6d00"}
_STEP_STYLE = "margin: 6px 0; padding: 2px 10px; border-left: 3px solid {colour};"
_WRITING_STYLE = (
    "margin: 6px 0; padding: 2px 10px; border-left: 3px dashed {colour}; opacity: 0.85;"
)
_ANSWER_STYLE = (
    "margin: 10px 0 6px 0; padding: 4px 10px; border-left: 4px solid #2e7d32;"
    " background: rgba(46, 125, 50, 0.08);"
)
_FAILED_STYLE = (
    "margin: 4px 0; padding: 4px 8px; border-left: 4px solid #c62828;"
    " background: rgba(198, 40, 40, 0.08);"
)
_OLD_STEP_COLOUR = "var(--jp-border-color2, #cccccc)"
_NEW_STEP_COLOUR = "var(--jp-brand-color1, #1976d2)"
# A <progress> element with no value is "indeterminate": browsers animate it by themselves.
_THINKING_BAR = (
    '<progress class="homemade-o1-thinking" style="width: 200px; height: 0.9em;"'
    ' title="Still thinking: the number of steps is not known yet"></progress>'
)
WRITING_FRAME_SECONDS = 0.01
"""The step being written is redrawn at most about this often (see `_render_writing`)."""
FAILURE_CHARS = 200
"""A failure message is cut to this many characters (it is one line under the steps)."""


@dataclass(frozen=True)
class StepMark:
    """A verdict on one step (from a self-check): 'right', 'wrong' or 'unsure', plus a note."""

    verdict: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICT_SYMBOLS:
            allowed = ", ".join(VERDICT_SYMBOLS)
            raise ValueError(f"verdict must be one of {allowed}, not {self.verdict!r}")

    @property
    def symbol(self) -> str:
        """✓, ✗ or ?"""
        return VERDICT_SYMBOLS[self.verdict]


class StepList(widgets.VBox):
    """The shown steps, in pages of `PAGE_SIZE` steps; each page is one HTML widget.

    Showing one more step re-sends only its page (at most `PAGE_SIZE` steps) and, when
    a page is added, the short list of pages: the cost of a step does not grow with
    the number of steps before it.
    """

    PAGE_SIZE = 16

    def __init__(self) -> None:
        super().__init__()
        self._pages: list[widgets.HTML] = []
        self._markup: list[str] = []
        self._pages_shown = 0

    @property
    def value(self) -> str:
        """The markup of all shown steps, joined (what the pages show together)."""
        return "".join(self._markup)

    @property
    def count(self) -> int:
        """How many steps are shown."""
        return len(self._markup)

    def show(self, count: int, changed: Mapping[int, str]) -> None:
        """Show the first `count` steps; `changed` maps step index -> its new markup
        (it must hold every step not shown before)."""
        size = self.PAGE_SIZE
        dirty: set[int] = set()
        if count < len(self._markup):
            del self._markup[count:]
            if count:
                dirty.add((count - 1) // size)
        for index in sorted(changed):
            if index >= count:
                continue
            if index < len(self._markup):
                self._markup[index] = changed[index]
            elif index == len(self._markup):
                self._markup.append(changed[index])
            else:
                raise ValueError(f"step {index} shown before step {len(self._markup)}")
            dirty.add(index // size)
        if len(self._markup) != count:
            raise ValueError(f"markup for {count} steps needed, {len(self._markup)} given")
        needed = -(-count // size)
        while len(self._pages) < needed:
            self._pages.append(widgets.HTML())
        for page in sorted(dirty):
            if page < needed:
                self._pages[page].value = "".join(self._markup[page * size : (page + 1) * size])
        for page in self._pages[needed:]:
            page.value = ""  # a hidden page keeps no text of hidden steps
        if self._pages_shown != needed:
            self.children = tuple(self._pages[:needed])
            self._pages_shown = needed


class StepViewer(widgets.VBox):
    """A widget that shows a question, then the reasoning steps one click at a time.

    Buttons: **Previous**, **Next step**, **Show all**, **Reset**. The final answer
    appears only once the last step is revealed (or on Show all). With guess-first
    mode on, the learner can type what they expect before each step, and sees
    "Your guess" next to "The model" afterwards.

    Args:
        reasoning: the answer to show; None for an empty viewer (see `live`).
        question: the question, if `reasoning.question` is not set.
        guess_first: start with guess-first mode on (a checkbox toggles it).
        marks: verdicts per step number (1-based), e.g. {2: StepMark("wrong", "3 r's")}.
    """

    def __init__(
        self,
        reasoning: Reasoning | None = None,
        *,
        question: str | None = None,
        guess_first: bool = False,
        marks: Mapping[int, StepMark] | None = None,
    ) -> None:
        self.question_html = widgets.HTML()
        self.previous_button = widgets.Button(description="Previous")
        self.next_button = widgets.Button(description="Next step", button_style="primary")
        self.show_all_button = widgets.Button(description="Show all")
        self.reset_button = widgets.Button(description="Reset")
        self.guess_toggle = widgets.Checkbox(
            value=guess_first, description="Guess each step first", indent=False
        )
        self.progress = widgets.IntProgress(
            value=0, min=0, max=1, layout=widgets.Layout(width="200px")
        )
        self.thinking_bar = widgets.HTML(layout=widgets.Layout(display="none"))
        self.status_label = widgets.Label()
        self.warning_html = widgets.HTML()
        self.thought_button = widgets.Button(
            tooltip="Fold or unfold the steps",
            layout=widgets.Layout(width="auto", display="none"),
            style={"button_color": "transparent", "font_weight": "bold"},
        )
        self.steps_html = StepList()
        self.writing_html = widgets.HTML()
        self.guess_box = widgets.Textarea(
            layout=widgets.Layout(width="98%", height="4.5em", display="none")
        )
        self.answer_html = widgets.HTML()
        self.info_html = widgets.HTML()
        super().__init__(
            children=[
                self.question_html,
                widgets.HBox(
                    [
                        self.previous_button,
                        self.next_button,
                        self.show_all_button,
                        self.reset_button,
                        self.guess_toggle,
                    ]
                ),
                widgets.HBox([self.progress, self.thinking_bar, self.status_label]),
                self.warning_html,
                self.thought_button,
                self.steps_html,
                self.writing_html,
                self.guess_box,
                self.answer_html,
                self.info_html,
            ],
            layout=widgets.Layout(max_width="820px"),
        )
        self.add_class("homemade-o1-step-viewer")

        self._question = question
        self._reasoning: Reasoning | None = None
        self._steps: list[str] = []
        self._titles: list[str | None] = []
        self._seconds: list[float | None] = []  # per step: how long it took to arrive
        self._revealed = 0
        self._painted_newest = -1  # the step drawn as newest (highlighted) last time
        self._guesses: dict[int, str] = {}
        self._marks: dict[int, StepMark] = dict(marks or {})
        self._live: LiveSteps | None = None
        self._follow = True
        self._started_at: float | None = None  # _now() when live began
        self._last_step_at = 0.0
        self._thought_seconds: float | None = None  # set when a live answer ends
        self._failure: str | None = None
        self._folded = False
        self._touched_in_cell = -1
        self._watch: _CellWatch | None = None
        self._writing_drawn_at = 0.0
        self._writing_skipped = False

        self.previous_button.on_click(lambda _button: self.previous_step())
        self.next_button.on_click(lambda _button: self.next_step())
        self.show_all_button.on_click(lambda _button: self.show_all())
        self.reset_button.on_click(lambda _button: self.reset())
        self.thought_button.on_click(lambda _button: self.fold(not self._folded))
        self.guess_toggle.observe(lambda _change: self._render(every_step=True), names="value")

        if reasoning is not None:
            self.load(reasoning)
        else:
            self._render(every_step=True)

    # ---- public state ------------------------------------------------------------------
    @property
    def revealed(self) -> int:
        """How many steps are shown right now."""
        return self._revealed

    @property
    def step_count(self) -> int:
        """How many steps there are (while live: how many have fully arrived)."""
        return len(self._steps)

    @property
    def answer_shown(self) -> bool:
        """True when the final answer is on screen."""
        return self._answer_visible()

    @property
    def reasoning(self) -> Reasoning | None:
        """The answer being shown; None while a live answer is still arriving."""
        return self._reasoning

    @property
    def is_live(self) -> bool:
        """True between `start_live()` and `finish()` (or `fail()`)."""
        return self._live is not None

    @property
    def failure(self) -> str | None:
        """The one-line message of `fail()`, or None when nothing failed."""
        return self._failure

    @property
    def step_seconds(self) -> list[float | None]:
        """Per step: seconds it took to arrive in a live answer (None when not timed)."""
        return list(self._seconds)

    @property
    def thought_seconds(self) -> float | None:
        """Seconds a live answer took from `start_live()` to its end (None before)."""
        return self._thought_seconds

    @property
    def guess_first(self) -> bool:
        """True when the learner is asked to guess each step before it is shown."""
        return self.guess_toggle.value

    @property
    def guesses(self) -> dict[int, str]:
        """The learner's guesses so far, by step number (1-based)."""
        return dict(self._guesses)

    @property
    def marks(self) -> dict[int, StepMark]:
        """Verdicts shown next to steps, by step number (1-based)."""
        return dict(self._marks)

    # ---- showing a finished answer -----------------------------------------------------
    def load(self, reasoning: Reasoning) -> None:
        """Show `reasoning` (replacing what was shown), starting with no steps revealed."""
        self._live = None
        self._failure = None
        self._thought_seconds = None
        self._set_reasoning(reasoning)
        self._seconds = [None] * len(self._steps)
        self._revealed = 0
        self._guesses.clear()
        self.guess_box.value = ""
        self._render(every_step=True)

    def next_step(self) -> None:
        """Reveal one more step (saving the learner's guess for it first, in guess mode)."""
        if self._revealed >= len(self._steps) or self._following():
            return
        changed = self._save_guess()
        self._revealed += 1
        self._folded = False
        self._render(changed)

    def previous_step(self) -> None:
        """Hide the last revealed step again."""
        if self._revealed == 0 or self._following():
            return
        self._revealed -= 1
        self.guess_box.value = self._guesses.get(self._revealed + 1, "")
        self._render()

    def show_all(self) -> None:
        """Reveal every step (and the answer, if it has arrived)."""
        if self._following():
            return
        changed = self._save_guess() if self._revealed < len(self._steps) else ()
        self._revealed = len(self._steps)
        self._folded = False
        self._render(changed)

    def reset(self) -> None:
        """Hide everything again and forget the guesses: start over."""
        if self._following():
            return
        self._revealed = 0
        self._guesses.clear()
        self.guess_box.value = ""
        self._render()

    def fold(self, folded: bool = True) -> None:
        """Fold the steps away under the "Thought for …" header (False unfolds them)."""
        self._folded = bool(folded)
        self._render_header()

    def mark_step(self, number: int, verdict: str | None, note: str = "") -> None:
        """Show a verdict next to step `number` (1-based): 'right', 'wrong' or 'unsure'.

        Pass `verdict=None` to remove the mark. The mark appears once the step is shown.
        """
        if number < 1:
            raise ValueError("step numbers start at 1")
        if verdict is None:
            self._marks.pop(number, None)
        else:
            self._marks[number] = StepMark(verdict, note)
        self._render([number - 1])

    # ---- live: an answer that is still arriving ---------------------------------------
    @classmethod
    def live(
        cls,
        question: str | None = None,
        *,
        guess_first: bool = False,
        follow: bool | None = None,
    ) -> StepViewer:
        """A viewer waiting for a streamed answer; call `feed(delta)`, then `finish()`.

        Args:
            question: the question being answered, shown at the top.
            guess_first: ask the learner to guess each step before it is shown.
            follow: show each step as soon as it arrives, and the step being written
                as it is written (default: on, unless guessing); when off, arrived
                steps wait for the learner to press Next step.
        """
        viewer = cls(question=question, guess_first=guess_first)
        viewer.start_live(follow=follow)
        return viewer

    def start_live(self, *, follow: bool | None = None) -> None:
        """Clear the viewer and wait for a streamed answer (see `live`)."""
        self._live = LiveSteps()
        self._follow = (not self.guess_toggle.value) if follow is None else follow
        self._reasoning = None
        self._steps, self._titles, self._seconds = [], [], []
        self._revealed = 0
        self._guesses.clear()
        self._failure = None
        self._thought_seconds = None
        self._folded = False
        self._started_at = self._last_step_at = _now()
        self.guess_box.value = ""
        _CellWatch.register(self)
        self._render(every_step=True)

    def feed(self, delta: str) -> list[str]:
        """Add a piece of streamed text; return the steps it completed (already shown).

        While following, the step being written is shown as far as it has arrived.
        """
        live = self._require_live("feed")
        new_steps = live.feed(delta)
        if new_steps:
            self._steps.extend(new_steps)
            self._titles.extend(live.titles[len(self._titles) :])
            self._note_times(len(new_steps))
            if self._follow:
                self._revealed = len(self._steps)
            self._render_live()
        self._render_writing(bool(new_steps))
        return new_steps

    def add_step(self, text: str, title: str | None = None) -> None:
        """Show one more whole step in a live viewer.

        For answers built one call at a time (the per-step loop, an agent's trace)
        rather than streamed as text; end with `finish()` as usual.
        """
        live = self._require_live("add_step")
        live.steps.append(str(text))
        live.titles.append(title)
        self._steps.append(str(text))
        self._titles.append(title)
        self._note_times(1)
        if self._follow:
            self._revealed = len(self._steps)
        self._render_live()

    def finish(
        self,
        reasoning: Reasoning | None = None,
        *,
        finish_reason: str | None = None,
        error: str | None = None,
    ) -> Reasoning:
        """End the live state and show the final answer; return what is shown.

        Args:
            reasoning: the parsed answer, if the caller has one; otherwise the streamed
                text is parsed here.
            finish_reason: the API's finish reason; "length" means the reply was cut off.
                After `feed`, pass the stream's own: a stream that ended without one
                broke off, so its answer is not shown (see `fail`).
            error: set when the stream broke off (for example a dropped connection); the
                viewer then shows the failed state of `fail`, with this message.

        A cut-off or broken stream shows the steps that arrived plus a warning, and
        never a final answer, even one whose JSON happened to close.
        """
        live = self._live or LiveSteps()
        if live.text and finish_reason is None and error is None:
            return self.fail(
                "the stream ended without a finish reason (the connection may have closed"
                " early), so the answer may be cut off and is not shown"
            )
        cut_off = finish_reason == "length" or error is not None
        if reasoning is None:
            reasoning = _reasoning_from_stream(live, cut_off, finish_reason, None)
        if cut_off and reasoning.complete:  # a cut reply is never a whole answer
            reasoning = _without_answer(reasoning, finish_reason, None)
        if error is not None:
            self._failure = failure_message(error)  # shown in red, like fail()
        self._end_live(reasoning)
        return reasoning

    def fail(self, problem: str | BaseException) -> Reasoning:
        """Stop a live answer that broke off, with one line saying what happened.

        The steps that arrived stay (a step cut part-way is shown as far as it came,
        with a warning), no answer is shown, the bar stops and the message appears in
        red. `problem` is a message or the exception that stopped the stream; keys
        and invisible characters in it are never shown. Returns what is shown.

        In a notebook this is called by itself when a cell that fed this viewer ends
        with an error or is interrupted while the viewer is still live. Code that
        catches the error itself should call it.
        """
        message = failure_message(problem)
        if self._live is not None:
            reasoning = _without_answer(self._live.to_reasoning(), None, None)
        elif self._reasoning is not None:
            reasoning = _without_answer(self._reasoning, self._reasoning.finish_reason, None)
        else:
            reasoning = Reasoning(steps=[], result="", complete=False)
        self._failure = message
        self._end_live(reasoning)
        return reasoning

    @classmethod
    def replay(
        cls,
        deltas: Iterable[str],
        question: str | None = None,
        *,
        finish_reason: str | None = "stop",
        error: str | None = None,
    ) -> StepViewer:
        """Feed every delta into a new live viewer, then finish it (handy for tests)."""
        viewer = cls.live(question)
        for delta in deltas:
            viewer.feed(delta)
        viewer.finish(finish_reason=finish_reason, error=error)
        return viewer

    # ---- text forms ----------------------------------------------------------------------
    def visible_text(self) -> str:
        """All text the widget currently shows (tags stripped), for tests and checkers."""
        texts: list[str] = []
        _collect_text(self, texts)
        return "\n".join(text for text in texts if text)

    def __repr__(self) -> str:
        """Stable plain-text form: no ids, no timings, never the answer."""
        question = reveal_hidden(self._question or "(no question)")
        if len(question) > 50:
            question = question[:49] + "…"
        state = "live" if self.is_live else f"{len(self._steps)} steps"
        return f"StepViewer({question!r}, {state})"

    # ---- internals ---------------------------------------------------------------------
    def _require_live(self, action: str) -> LiveSteps:
        if self._live is None:
            raise RuntimeError(f"{action}() needs a live viewer: use StepViewer.live() first")
        if self._watch is not None:
            self._touched_in_cell = self._watch.cell
        return self._live

    def _note_times(self, count: int) -> None:
        now = _now()
        self._seconds.append(now - self._last_step_at)
        self._seconds.extend([0.0] * (count - 1))  # arrived in the same piece
        self._last_step_at = now

    def _end_live(self, reasoning: Reasoning) -> None:
        """Leave the live state and show `reasoning` (kept step times where they match)."""
        if reasoning.question is None and self._question:
            reasoning = replace(reasoning, question=self._question)
        was_live = self._live is not None
        follow = self._follow
        seconds = list(self._seconds)
        if was_live and self._started_at is not None:
            self._thought_seconds = _now() - self._started_at
        self._live = None
        self._set_reasoning(reasoning)
        seconds += [None] * (len(self._steps) - len(seconds))
        self._seconds = seconds[: len(self._steps)]
        if follow:
            self._revealed = len(self._steps)
        else:
            self._revealed = min(self._revealed, len(self._steps))
        self.writing_html.value = ""
        self._render(every_step=True)

    def _set_reasoning(self, reasoning: Reasoning) -> None:
        self._reasoning = reasoning
        self._steps = list(reasoning.steps)
        self._titles = list(reasoning.titles)
        if reasoning.question:
            self._question = reasoning.question

    def _following(self) -> bool:
        return self._live is not None and self._follow

    def _answer_visible(self) -> bool:
        reasoning = self._reasoning
        return (
            self._live is None
            and self._failure is None
            and reasoning is not None
            and reasoning.complete
            and self._revealed >= len(self._steps)
        )

    def _save_guess(self) -> list[int]:
        """Keep the guess for the next step; return the index of the step it belongs to."""
        if not self.guess_toggle.value:
            return []
        number = self._revealed + 1
        guess = self.guess_box.value.strip()
        if guess:
            self._guesses[number] = guess
        else:
            self._guesses.pop(number, None)
        self.guess_box.value = self._guesses.get(number + 1, "")
        return [number - 1]

    def _render(self, changed: Iterable[int] = (), *, every_step: bool = False) -> None:
        """Bring every widget value up to date with the state.

        Only the steps that changed are drawn again: the newly shown ones, the ones in
        `changed`, and the one that stops (or starts) being the newest. `every_step`
        redraws all of them (after load, finish, or a switch of guess mode).
        """
        question = self._question
        self.question_html.value = f"<b>Question:</b> {escape_text(question)}" if question else ""
        self._render_steps(changed, every_step)
        self.answer_html.value = self._answer_markup()
        self._render_controls()
        self._render_header()
        reasoning = self._reasoning
        if self._live is not None or reasoning is None:
            self.warning_html.value = ""
            self.info_html.value = ""
        else:
            self.warning_html.value = self._failure_markup() + warnings_html(
                warning_lines(reasoning)
            )
            summary = call_summary(reasoning)
            self.info_html.value = (
                f'<div style="{MUTED_STYLE}">{escape_text(summary)}</div>' if summary else ""
            )

    def _render_live(self) -> None:
        """After a step arrived: draw the new steps and the status (all that changes)."""
        self._render_steps((), every_step=False)
        if self._follow:
            self.status_label.value = self._status_text()
        else:
            self._render_controls()  # Next step may have become possible

    def _render_steps(self, changed: Iterable[int], every_step: bool) -> None:
        count = self._revealed
        newest = count - 1
        if every_step:
            indices = set(range(count))
        else:
            indices = set(changed) | set(range(self.steps_html.count, count))
            if newest != self._painted_newest:
                indices |= {newest, self._painted_newest}
        self._painted_newest = newest
        markup = {index: self._step_markup(index) for index in indices if 0 <= index < count}
        self.steps_html.show(count, markup)

    def _render_writing(self, step_ended: bool) -> None:
        """The step being written, as far as it has arrived (live and following only).

        Redrawn for every piece, except that a piece arriving less than
        `WRITING_FRAME_SECONDS` after the last drawing may wait for the next piece (never
        two in a row): what is shown is at most one piece behind, and a stream faster
        than 100 pieces a second sends about half as many drawings as pieces.
        """
        live = self._live
        if live is None or not self._follow or not live.writing_step:
            self.writing_html.value = ""
            self._writing_skipped = False
            return
        now = _now()
        recent = now - self._writing_drawn_at < WRITING_FRAME_SECONDS
        if recent and not step_ended and not self._writing_skipped:
            self._writing_skipped = True
            return
        found = live.unfinished()
        if found is None:
            self.writing_html.value = ""
            return
        self._writing_skipped = False
        self._writing_drawn_at = now
        text, title = found
        number = len(self._steps) + 1
        self.writing_html.value = (
            f'<div style="{_WRITING_STYLE.format(colour=_NEW_STEP_COLOUR)}">'
            f"<div>{step_label(number, title)}"
            f' <span style="{MUTED_STYLE}">· writing… {now - self._last_step_at:.1f} s</span></div>'
            f"{step_block(text)}</div>"
        )

    def _render_controls(self) -> None:
        total, shown = len(self._steps), self._revealed
        following = self._following()
        self.previous_button.disabled = following or shown == 0
        self.next_button.disabled = following or shown >= total
        self.show_all_button.disabled = following or shown >= total
        self.reset_button.disabled = following or (shown == 0 and not self._guesses)
        # while live the number of steps is unknown: an indeterminate bar, never a full one
        live = self._live is not None
        self.progress.layout.display = "none" if live else ""
        self.thinking_bar.layout.display = "" if live else "none"
        self.thinking_bar.value = _THINKING_BAR if live else ""
        self.progress.max = max(total, 1)
        self.progress.value = shown
        self.progress.bar_style = "danger" if self._failure else ""
        self.status_label.value = self._status_text()
        waiting_for_guess = self.guess_toggle.value and not following and shown < total
        self.guess_box.layout.display = "" if waiting_for_guess else "none"
        self.guess_box.placeholder = (
            f"Your guess for step {shown + 1}: what will the model do next?"
            " Type it, then press Next step."
        )

    def _render_header(self) -> None:
        """The "Thought for 4.2 s · 5 steps" header of a live answer that has ended."""
        seconds = self._thought_seconds
        if seconds is None or self._live is not None:
            self.thought_button.layout.display = "none"
            self.thought_button.description = ""
            self.steps_html.layout.display = ""
            return
        count = len(self._steps)
        steps = f"{count} step{'s' if count != 1 else ''}"
        verb = "Stopped after" if self._failure else "Thought for"
        caret = "▸" if self._folded else "▾"
        self.thought_button.description = f"{caret} {verb} {_duration(seconds)} · {steps}"
        self.thought_button.layout.display = ""
        self.steps_html.layout.display = "none" if self._folded else ""

    def _status_text(self) -> str:
        total, shown = len(self._steps), self._revealed
        if self._live is not None:
            if self._follow:
                return f"Thinking… {total} step{'s' if total != 1 else ''} so far"
            return f"Step {shown} of {total} arrived so far (still thinking…)"
        if self._failure is not None:
            return f"Stopped: {total} step{'s' if total != 1 else ''} arrived"
        if self._reasoning is None:
            return "Nothing to show yet."
        if total == 0:
            return "The model gave no steps."
        if shown == 0:
            return f"0 of {total} steps shown: press Next step"
        return f"Step {shown} of {total}"

    def _step_markup(self, index: int) -> str:
        number = index + 1
        colour = _NEW_STEP_COLOUR if number == self._revealed else _OLD_STEP_COLOUR
        label = step_label(number, self._titles[index])
        seconds = self._seconds[index] if index < len(self._seconds) else None
        if seconds is not None:
            label += f' <span style="{MUTED_STYLE}">· {seconds:.1f} s</span>'
        parts = [f"<div>{label}</div>"]
        guess = self._guesses.get(number)
        if guess is not None:
            parts.append(
                f'<div style="{MUTED_STYLE}"><i>Your guess:</i></div>{text_block(guess)}'
                f'<div style="{MUTED_STYLE}"><i>The model:</i></div>'
            )
        parts.append(step_block(self._steps[index]))
        mark = self._marks.get(number)
        if mark is not None:
            parts.append(_mark_markup(mark))
        return f'<div style="{_STEP_STYLE.format(colour=colour)}">{"".join(parts)}</div>'

    def _failure_markup(self) -> str:
        if self._failure is None:
            return ""
        return f'<div style="{_FAILED_STYLE}">&#10006; Stopped: {escape_text(self._failure)}</div>'

    def _answer_markup(self) -> str:
        reasoning = self._reasoning
        if self._live is not None or reasoning is None:
            return ""
        if self._answer_visible():
            answer = text_block(reasoning.result)
            return f'<div style="{_ANSWER_STYLE}"><b>Answer:</b>{answer}</div>'
        if not reasoning.complete or self._failure is not None:
            if self._revealed >= len(self._steps):
                return "<div><b>Answer:</b> <i>none: the reply stopped before the answer.</i></div>"
            return ""
        return f'<div style="{MUTED_STYLE}"><i>The answer appears after the last step.</i></div>'


def _now() -> float:
    """The clock for step times (seconds; only differences matter)."""
    return time.monotonic()


def failure_message(problem: str | BaseException) -> str:
    """One short line for a failed live answer: what stopped it, keys removed, invisible
    characters shown, cut to `FAILURE_CHARS` characters."""
    if isinstance(problem, KeyboardInterrupt):
        text = "interrupted (Kernel > Interrupt) before the answer was complete"
    elif isinstance(problem, BaseException):
        from helpers.errors import explain_error

        text = explain_error(problem)  # any error: what happened, and what to try
    else:
        text = str(problem)
    from helpers.modes.recording_files import redact

    text = redact(" ".join(text.split()), [os.environ.get("OPENAI_API_KEY", "")])
    text = reveal_hidden(text)
    return text if len(text) <= FAILURE_CHARS else text[: FAILURE_CHARS - 1] + "…"


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def _mark_markup(mark: StepMark) -> str:
    colour = _VERDICT_COLOURS[mark.verdict]
    note = f" {escape_text(mark.note)}" if mark.note else ""
    return (
        f'<div style="color: {colour}; margin-top: 2px;">'
        f"<b>{mark.symbol} {mark.verdict}</b>{note}</div>"
    )


def _reasoning_from_stream(
    live: LiveSteps, cut_off: bool, finish_reason: str | None, error: str | None
) -> Reasoning:
    """Parse the streamed text at the end; fall back to what `LiveSteps` read."""
    if not cut_off:
        parse: Callable[[str], Reasoning] | None
        try:
            from helpers.parsing.parse import parse_reasoning as parse
        except ImportError:
            parse = None
        if parse is not None:
            try:
                parsed = parse(live.text)
            except ValueError:
                parsed = None
            if parsed is not None:
                return replace(parsed, finish_reason=finish_reason or parsed.finish_reason)
    return live.to_reasoning(finish_reason=finish_reason, error=error)


def _without_answer(
    reasoning: Reasoning, finish_reason: str | None, error: str | None
) -> Reasoning:
    """A copy of `reasoning` marked incomplete, with its result removed and a warning added."""
    warnings = list(reasoning.warnings)
    if error:
        warnings.append(f"The stream stopped early: {error}")
    return replace(
        reasoning,
        result="",
        complete=False,
        finish_reason=finish_reason or reasoning.finish_reason,
        warnings=warnings,
    )


def _collect_text(widget: widgets.Widget, texts: list[str]) -> None:
    """Depth-first: the shown text of `widget` and its children (hidden ones skipped)."""
    layout = getattr(widget, "layout", None)
    if layout is not None and layout.display == "none":
        return
    for name in ("value", "description"):
        if not widget.has_trait(name):
            continue
        value = getattr(widget, name)
        if isinstance(value, str) and value:
            texts.append(html_to_text(value) if isinstance(widget, widgets.HTML) else value)
    for child in getattr(widget, "children", ()):
        _collect_text(child, texts)


class _CellWatch:
    """In IPython: fails a live viewer that a cell fed when that cell ends with an error
    or is interrupted, so no viewer says "Thinking…" forever after a broken stream."""

    _by_shell: weakref.WeakKeyDictionary[Any, _CellWatch] = weakref.WeakKeyDictionary()

    def __init__(self, shell: Any) -> None:
        self.cell = 0
        self.viewers: weakref.WeakSet[StepViewer] = weakref.WeakSet()
        shell.events.register("pre_run_cell", self.before_cell)
        shell.events.register("post_run_cell", self.after_cell)

    @staticmethod
    def _shell() -> Any:
        try:
            from IPython import get_ipython
        except ImportError:
            return None
        return get_ipython()

    @classmethod
    def register(cls, viewer: StepViewer) -> None:
        """Watch `viewer` (no-op outside IPython)."""
        shell = cls._shell()
        if shell is None or not hasattr(shell, "events"):
            return
        watch = cls._by_shell.get(shell)
        if watch is None:
            watch = cls._by_shell[shell] = cls(shell)
        watch.viewers.add(viewer)
        viewer._watch = watch
        viewer._touched_in_cell = watch.cell

    def before_cell(self, info: object = None) -> None:
        self.cell += 1

    def after_cell(self, result: Any = None) -> None:
        error = getattr(result, "error_in_exec", None)
        for viewer in list(self.viewers):
            if not viewer.is_live:
                self.viewers.discard(viewer)
            elif error is not None and viewer._touched_in_cell == self.cell:
                self.viewers.discard(viewer)
                viewer.fail(error)
