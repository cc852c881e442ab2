"""`StepViewer`: reveal a model's reasoning one step at a time, at the learner's pace.

Show a finished answer::

    viewer = StepViewer(reasoning)
    viewer                      # last line of a cell: the widget appears

Or watch an answer arrive, each step appearing the moment its JSON is complete::

    viewer = StepViewer.live(question)
    display(viewer)
    for delta in stream:        # plain text pieces, from any client
        viewer.feed(delta)
    viewer.finish(finish_reason="stop")

Design rules, for safety and for testing:

* Text not yet revealed (later steps, the answer) is not in any widget value: it
  is sent from the kernel only at the moment of reveal, never hidden with CSS.
* Every model string (and the learner's guesses) is HTML-escaped.
* All state lives in widget values (HTML, Label, IntProgress), never in an
  Output widget, so the widget works without a browser (tests, nbval).
* Only core ipywidgets are used: nothing to install in JupyterLab 4 or Notebook 7.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import ipywidgets as widgets

from helpers.reasoning import Reasoning
from helpers.widgets.live_steps import LiveSteps
from helpers.widgets.step_html import (
    MUTED_STYLE,
    call_summary,
    html_to_text,
    step_label,
    text_block,
    warning_lines,
    warnings_html,
)

VERDICT_SYMBOLS = {"right": "✓", "wrong": "✗", "unsure": "?"}
_VERDICT_COLOURS = {"right": "#2e7d32", "wrong": "#c62828", "unsure": "#8a6d00"}
_STEP_STYLE = "margin: 6px 0; padding: 2px 10px; border-left: 3px solid {colour};"
_ANSWER_STYLE = (
    "margin: 10px 0 6px 0; padding: 4px 10px; border-left: 4px solid #2e7d32;"
    " background: rgba(46, 125, 50, 0.08);"
)
_OLD_STEP_COLOUR = "var(--jp-border-color2, #cccccc)"
_NEW_STEP_COLOUR = "var(--jp-brand-color1, #1976d2)"


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
        self.status_label = widgets.Label()
        self.warning_html = widgets.HTML()
        self.steps_html = widgets.HTML()
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
                widgets.HBox([self.progress, self.status_label]),
                self.warning_html,
                self.steps_html,
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
        self._revealed = 0
        self._guesses: dict[int, str] = {}
        self._marks: dict[int, StepMark] = dict(marks or {})
        self._live: LiveSteps | None = None
        self._follow = True

        self.previous_button.on_click(lambda _button: self.previous_step())
        self.next_button.on_click(lambda _button: self.next_step())
        self.show_all_button.on_click(lambda _button: self.show_all())
        self.reset_button.on_click(lambda _button: self.reset())
        self.guess_toggle.observe(lambda _change: self._render(), names="value")

        if reasoning is not None:
            self.load(reasoning)
        else:
            self._render()

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
        """True between `start_live()` and `finish()`."""
        return self._live is not None

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
        self._set_reasoning(reasoning)
        self._revealed = 0
        self._guesses.clear()
        self.guess_box.value = ""
        self._render()

    def next_step(self) -> None:
        """Reveal one more step (saving the learner's guess for it first, in guess mode)."""
        if self._revealed >= len(self._steps) or self._following():
            return
        self._save_guess()
        self._revealed += 1
        self._render()

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
        if self._revealed < len(self._steps):
            self._save_guess()
        self._revealed = len(self._steps)
        self._render()

    def reset(self) -> None:
        """Hide everything again and forget the guesses: start over."""
        if self._following():
            return
        self._revealed = 0
        self._guesses.clear()
        self.guess_box.value = ""
        self._render()

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
        self._render()

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
            follow: show each step as soon as it arrives (default: on, unless guessing);
                when off, arrived steps wait for the learner to press Next step.
        """
        viewer = cls(question=question, guess_first=guess_first)
        viewer.start_live(follow=follow)
        return viewer

    def start_live(self, *, follow: bool | None = None) -> None:
        """Clear the viewer and wait for a streamed answer (see `live`)."""
        self._live = LiveSteps()
        self._follow = (not self.guess_toggle.value) if follow is None else follow
        self._reasoning = None
        self._steps, self._titles = [], []
        self._revealed = 0
        self._guesses.clear()
        self.guess_box.value = ""
        self._render()

    def feed(self, delta: str) -> list[str]:
        """Add a piece of streamed text; return the steps it completed (already shown)."""
        if self._live is None:
            raise RuntimeError("feed() needs a live viewer: use StepViewer.live() first")
        new_steps = self._live.feed(delta)
        if new_steps:
            self._steps = list(self._live.steps)
            self._titles = list(self._live.titles)
            if self._follow:
                self._revealed = len(self._steps)
            self._render()
        return new_steps

    def add_step(self, text: str, title: str | None = None) -> None:
        """Show one more whole step in a live viewer.

        For answers built one call at a time (the per-step loop, an agent's trace)
        rather than streamed as text; end with `finish()` as usual.
        """
        if self._live is None:
            raise RuntimeError("add_step() needs a live viewer: use StepViewer.live() first")
        self._live.steps.append(str(text))
        self._live.titles.append(title)
        self._steps = list(self._live.steps)
        self._titles = list(self._live.titles)
        if self._follow:
            self._revealed = len(self._steps)
        self._render()

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
            error: set when the stream broke off (for example a dropped connection).

        A cut-off stream shows the steps that arrived plus a warning, and never a
        final answer that did not arrive in full.
        """
        live = self._live or LiveSteps()
        cut_off = finish_reason == "length" or error is not None
        if reasoning is None:
            reasoning = _reasoning_from_stream(live, cut_off, finish_reason, error)
        elif cut_off and not live.result_complete:
            reasoning = _without_answer(reasoning, finish_reason, error)
        if reasoning.question is None and self._question:
            reasoning = replace(reasoning, question=self._question)
        follow = self._follow
        self._live = None
        self._set_reasoning(reasoning)
        self._revealed = len(self._steps) if follow else min(self._revealed, len(self._steps))
        self._render()
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
        question = self._question or "(no question)"
        if len(question) > 50:
            question = question[:49] + "…"
        state = "live" if self.is_live else f"{len(self._steps)} steps"
        return f"StepViewer({question!r}, {state})"

    # ---- internals ---------------------------------------------------------------------
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
            and reasoning is not None
            and reasoning.complete
            and self._revealed >= len(self._steps)
        )

    def _save_guess(self) -> None:
        if not self.guess_toggle.value:
            return
        number = self._revealed + 1
        guess = self.guess_box.value.strip()
        if guess:
            self._guesses[number] = guess
        else:
            self._guesses.pop(number, None)
        self.guess_box.value = self._guesses.get(number + 1, "")

    def _render(self) -> None:
        """Rebuild every widget value from the state (unchanged values send nothing)."""
        question = self._question
        self.question_html.value = f"<b>Question:</b> {html.escape(question)}" if question else ""
        self.steps_html.value = self._steps_markup()
        self.answer_html.value = self._answer_markup()
        self._render_controls()
        reasoning = self._reasoning
        if reasoning is None or self._live is not None:
            self.warning_html.value = ""
            self.info_html.value = ""
        else:
            self.warning_html.value = warnings_html(warning_lines(reasoning))
            summary = call_summary(reasoning)
            self.info_html.value = (
                f'<div style="{MUTED_STYLE}">{html.escape(summary)}</div>' if summary else ""
            )

    def _render_controls(self) -> None:
        total, shown = len(self._steps), self._revealed
        following = self._following()
        self.previous_button.disabled = following or shown == 0
        self.next_button.disabled = following or shown >= total
        self.show_all_button.disabled = following or shown >= total
        self.reset_button.disabled = following or (shown == 0 and not self._guesses)
        self.progress.max = max(total, 1)
        self.progress.value = shown
        self.status_label.value = self._status_text()
        waiting_for_guess = self.guess_toggle.value and not following and shown < total
        self.guess_box.layout.display = "" if waiting_for_guess else "none"
        self.guess_box.placeholder = (
            f"Your guess for step {shown + 1}: what will the model do next?"
            " Type it, then press Next step."
        )

    def _status_text(self) -> str:
        total, shown = len(self._steps), self._revealed
        if self._live is not None:
            if self._follow:
                return f"Thinking… {total} step{'s' if total != 1 else ''} so far"
            return f"Step {shown} of {total} arrived so far (still thinking…)"
        if self._reasoning is None:
            return "Nothing to show yet."
        if total == 0:
            return "The model gave no steps."
        if shown == 0:
            return f"0 of {total} steps shown: press Next step"
        return f"Step {shown} of {total}"

    def _steps_markup(self) -> str:
        blocks = []
        for number in range(1, self._revealed + 1):
            colour = _NEW_STEP_COLOUR if number == self._revealed else _OLD_STEP_COLOUR
            parts = [f"<div>{step_label(number, self._titles[number - 1])}</div>"]
            guess = self._guesses.get(number)
            if guess is not None:
                parts.append(
                    f'<div style="{MUTED_STYLE}"><i>Your guess:</i></div>{text_block(guess)}'
                    f'<div style="{MUTED_STYLE}"><i>The model:</i></div>'
                )
            parts.append(text_block(self._steps[number - 1]))
            mark = self._marks.get(number)
            if mark is not None:
                parts.append(_mark_markup(mark))
            blocks.append(
                f'<div style="{_STEP_STYLE.format(colour=colour)}">{"".join(parts)}</div>'
            )
        return "".join(blocks)

    def _answer_markup(self) -> str:
        reasoning = self._reasoning
        if self._live is not None or reasoning is None:
            return ""
        if self._answer_visible():
            answer = text_block(reasoning.result)
            return f'<div style="{_ANSWER_STYLE}"><b>Answer:</b>{answer}</div>'
        if not reasoning.complete:
            if self._revealed >= len(self._steps):
                return "<div><b>Answer:</b> <i>none: the reply stopped before the answer.</i></div>"
            return ""
        return f'<div style="{MUTED_STYLE}"><i>The answer appears after the last step.</i></div>'


def _mark_markup(mark: StepMark) -> str:
    colour = _VERDICT_COLOURS[mark.verdict]
    note = f" {html.escape(mark.note)}" if mark.note else ""
    return (
        f'<div style="color: {colour}; margin-top: 2px;">'
        f"<b>{mark.symbol} {mark.verdict}</b>{note}</div>"
    )


def _reasoning_from_stream(
    live: LiveSteps, cut_off: bool, finish_reason: str | None, error: str | None
) -> Reasoning:
    """Parse the streamed text at the end; fall back to what `LiveSteps` read."""
    if not cut_off:
        try:
            from helpers.parsing.parse import parse_reasoning
        except ImportError:
            parse_reasoning = None
        if parse_reasoning is not None:
            try:
                parsed = parse_reasoning(live.text)
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
        value = getattr(widget, name, None)
        if isinstance(value, str) and value:
            texts.append(html_to_text(value) if isinstance(widget, widgets.HTML) else value)
    for child in getattr(widget, "children", ()):
        _collect_text(child, texts)
