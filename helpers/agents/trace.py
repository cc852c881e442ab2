"""The trace of an agent run: what it thought, which tools it called, what it saw.

Both agent loops of notebook 06 return an `AgentRun`: the text-protocol ReAct
loop (`helpers.run_react`, in `helpers/agents/text.py`) and the native tool-calling loop
(`helpers.run_tool_agent`, in `helpers/agents/native.py`). An `AgentRun` prints as a
readable trace, and `to_reasoning()` turns it into a `Reasoning` so that
`StepViewer` can reveal it one step at a time:

    run = helpers.run_react("How tall is the Eiffel Tower?")
    print(run)                               # the trace as text
    helpers.StepViewer(run.to_reasoning())   # the trace in the widget

Every string in a trace came from a model or a tool, so it is untrusted; the
viewer and `to_html` escape all of it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import openai

from helpers.errors import add_advice
from helpers.reasoning import Reasoning, Usage

STOP_REASONS = {
    "final_answer": "the model gave its final answer",
    "step_cap": "no final answer after {max_steps} steps (the step cap)",
    "repeated_action": (
        "the model repeated an action it had already been warned about, so the loop stopped"
    ),
    "unreadable_output": "two replies in a row could not be read, so the loop stopped",
    "cut_off": "a reply was cut off by max_tokens, so the loop stopped",
    "no_answer": "the model stopped without calling a tool or giving an answer",
}
"""Why an agent loop ended, by code; `AgentRun.stop_reason` holds the code."""

MAX_OBSERVATION_CHARS = 4000
"""Tool results longer than this are cut before the model sees them."""

_VERBS = {
    "search_notes": "Search",
    "calculator": "Calculate",
    "read_file": "Read",
    "run_python": "Run Python",
}
_TITLE_INPUT_CHARS = 48


@dataclass
class AgentStep:
    """One step of an agent run.

    Attributes:
        thought: what the model wrote before acting ("" when it wrote nothing); for an
            unreadable reply, the reply itself.
        action: the tool it called; None for its final thought or an unreadable reply.
        action_input: the tool's input as the model wrote it (text, or JSON arguments).
        observation: what went back to the model: the tool's result or an error.
        kind: "tool", "answer" (the thought that came with the final answer) or
            "unreadable" (a reply the loop could not read; `observation` says why).
        call_id: the tool call's id, with native tool calling.
        turn: which model call (1, 2, ...) the step came from; parallel tool calls
            share a turn.
    """

    thought: str = ""
    action: str | None = None
    action_input: str = ""
    observation: str = ""
    kind: str = "tool"
    call_id: str | None = None
    turn: int = 0

    @property
    def title(self) -> str:
        """A short title for the viewer, such as 'Search: Eiffel Tower height'."""
        if self.kind == "answer":
            return "Ready to answer"
        if self.kind == "unreadable":
            return "Unreadable reply"
        verb = _VERBS.get(self.action or "", self.action or "Action")
        shown = _short(_input_summary(self.action_input), _TITLE_INPUT_CHARS)
        return f"{verb}: {shown}" if shown else verb

    def to_text(self, observation_chars: int | None = None) -> str:
        """The step in the text protocol's own words: Thought, Action, Action Input,
        Observation (an observation longer than `observation_chars` is shortened)."""
        lines = []
        if self.kind == "unreadable":
            lines.append(f"Reply: {self.thought}")
        elif self.thought:
            lines.append(f"Thought: {self.thought}")
        if self.action is not None:
            lines.append(f"Action: {self.action}")
            lines.append(f"Action Input: {self.action_input}")
        if self.observation:
            lines.append(f"Observation: {_cut(self.observation, observation_chars)}")
        return "\n".join(lines)


@dataclass
class AgentRun:
    """Everything an agent loop did, and how it ended.

    Attributes:
        question: the question asked.
        steps: the steps, in order.
        answer: the final answer, or None when the loop stopped without one.
        stop_reason: a code from `STOP_REASONS` ("final_answer", "step_cap", ...).
        stop_detail: one sentence saying why the loop ended.
        messages: the whole conversation as sent, for inspection.
        calls: the token usage of each model call, in order.
        model: the model that answered, as the server reported it.
        elapsed: seconds the run took.
        raw: the text of each model reply, as written.
    """

    question: str
    steps: list[AgentStep] = field(default_factory=list)
    answer: str | None = None
    stop_reason: str = "final_answer"
    stop_detail: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Usage] = field(default_factory=list)
    model: str | None = None
    elapsed: float | None = None
    raw: list[str] = field(default_factory=list)

    def ask(self, client: Any, **request: Any) -> Any:
        """Make one model call for this run; record its model and usage; return its choice.

        An API error gets its line of advice attached and is raised as it is.
        """
        try:
            reply = client.chat.completions.create(**request)
        except openai.OpenAIError as error:
            add_advice(error)
            raise
        self.model = reply.model or self.model
        usage = Usage.from_api(reply.usage)
        if usage is not None:
            self.calls.append(usage)
        return reply.choices[0]

    def end(self, stop_code: str, max_steps: int, started: float, model: str) -> None:
        """Record why and when the run ended (a loop's last act before it returns)."""
        self.stop_reason = stop_code
        self.stop_detail = stop_detail(stop_code, max_steps)
        self.elapsed = time.perf_counter() - started
        self.model = self.model or model

    @property
    def answered(self) -> bool:
        """True when the model gave a final answer."""
        return self.answer is not None

    @property
    def usage(self) -> Usage | None:
        """Tokens of all calls added up (None when the server reported none)."""
        return Usage.total(self.calls)

    @property
    def tool_calls(self) -> int:
        """How many tool calls the model asked for (run or refused)."""
        return sum(1 for step in self.steps if step.kind == "tool")

    def to_text(self, observation_chars: int | None = 200) -> str:
        """The trace as plain text; observations are shortened to `observation_chars`."""
        lines = [f"Question: {self.question}"]
        for number, step in enumerate(self.steps, start=1):
            lines.append(f"--- Step {number} · {step.title}")
            lines.append(step.to_text(observation_chars))
        if self.answered:
            lines.append(f"=== Final answer: {self.answer}")
        else:
            lines.append(f"=== No final answer: {self.stop_detail}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def summary(self) -> str:
        """One line: how it ended, in how many steps and calls, with how many tokens."""
        calls = len(self.calls) or len(self.raw)
        text = f"{len(self.steps)} steps, {self.tool_calls} tool calls, {calls} model calls"
        if self.usage is not None:
            text += f", {self.usage.prompt_tokens + self.usage.completion_tokens} tokens"
        return f"{self.stop_detail} ({text})"

    def to_reasoning(self) -> Reasoning:
        """The trace as a `Reasoning`: one step per action (thought, action, observation),
        titled like 'Search: Eiffel Tower height'; the final answer as the result."""
        warnings = [] if self.answered else [f"The agent stopped: {self.stop_detail}."]
        return Reasoning(
            steps=[step.to_text() for step in self.steps],
            result=self.answer or "",
            titles=[step.title for step in self.steps],
            raw="\n\n".join(self.raw),
            question=self.question,
            usage=self.usage,
            elapsed=self.elapsed,
            model=self.model,
            finish_reason=None,
            complete=self.answered,
            warnings=warnings,
            calls=list(self.calls),
        )

    def _repr_html_(self) -> str:
        return self.to_reasoning().to_html()


def stop_detail(code: str, max_steps: int = 0) -> str:
    """The sentence for a stop-reason code, e.g. 'no final answer after 6 steps (...)'."""
    return STOP_REASONS[code].format(max_steps=max_steps)


def action_key(action: str, action_input: str) -> tuple[str, str]:
    """What counts as 'the same action' for loop detection: the tool name and its input,
    with runs of spaces and letter case ignored (and JSON arguments compared as objects)."""
    text = action_input.strip()
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, (dict, list)):
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return action.strip().casefold(), " ".join(text.split()).casefold()


def cut_observation(text: str, limit: int) -> str:
    """A tool result cut to `limit` characters before the model sees it, with a note
    saying so (a long file would otherwise fill the context window)."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[cut: showing {limit} of {len(text)} characters]"


class TraceFeed:
    """Shows an agent's steps in a live `StepViewer` (if there is one) as they happen."""

    def __init__(self, viewer: Any) -> None:
        self.viewer = viewer
        if viewer is not None:
            viewer.start_live()

    def add(self, step: AgentStep) -> None:
        """Show one more step."""
        if self.viewer is not None:
            self.viewer.add_step(step.to_text(), step.title)

    def finish(self, run: AgentRun) -> None:
        """Show the whole run, with its answer or the reason it stopped."""
        if self.viewer is not None:
            self.viewer.finish(run.to_reasoning())


def _input_summary(action_input: str) -> str:
    """A JSON object's values joined by commas; any other input as it is."""
    try:
        value = json.loads(action_input)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return ", ".join(str(item) for item in value.values())
    return action_input


def _cut(text: str, limit: int | None) -> str:
    """`text` (line breaks kept) cut to about `limit` characters, saying how much was left."""
    text = text.strip()
    if limit is None or len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()} …[{len(text) - limit} more characters]"


def _short(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
