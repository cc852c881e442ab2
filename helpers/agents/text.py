"""ReAct with plain text: Thought / Action / Action Input / Observation / Final Answer.

The model writes what it thinks and which tool it wants, then stops; the program
runs the tool and sends the result back as an "Observation: ..." message; and
round it goes until the model writes a Final Answer:

    Thought: I need the height of the Eiffel Tower.
    Action: search_notes
    Action Input: Eiffel Tower height

This works with any chat model, no tool-calling support needed. `parse_react`
reads one reply (forgiving about case, spacing and markdown bold, strict about
what it cannot read), and `run_react` is the loop, with a step cap, loop
detection and a second chance for an unreadable reply:

    run = helpers.run_react("How many Eiffel Towers stacked reach the top of Everest?")
    run.answer, run.stop_reason, run.steps
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openai

from helpers.agents.common import AgentSession, RepeatGuard, Tools
from helpers.agents.trace import MAX_OBSERVATION_CHARS, AgentRun, AgentStep, cut_observation
from helpers.parsing.text import strip_think_block
from helpers.tools.registry import call_tool, default_tools, describe_tools

REACT_SYSTEM_PROMPT = """\
You answer questions by thinking step by step and using tools to look things up \
and to calculate. These are your tools:

{tools}

Each reply is either one action or the final answer.

An action looks like this, and then you stop:
Thought: <what you know so far, and what you need next>
Action: <one tool name from the list, nothing else>
Action Input: <the tool's input: plain text, or a JSON object if it takes several arguments>

The program runs the tool and sends you its result in a message that starts with \
"Observation:". Read it, then write your next Thought.

When the observations settle the question, reply like this instead:
Thought: <why you can answer now>
Final Answer: <the answer, short>

Rules:
- Never write an Observation yourself: wait for the real one.
- Take facts from observations, not from memory, and do arithmetic with a tool.
- If a tool returns an error, read it and try something different.
- If the tools cannot give you the answer, say so in your Final Answer: never guess."""

STOP_SEQUENCES = ("Observation:",)
"""Sent as `stop=`: the server cuts the reply before the model invents an observation."""

FORMAT_REMINDER = (
    "Use the format: Thought: ... then Action: <tool name> and Action Input: <input> on "
    "their own lines; or Thought: ... then Final Answer: <answer>."
)
REPEAT_WARNING = (
    "Error: you already ran {action} with this same input, and its observation is above. "
    "Running it again gives the same result. Use what you have, try a different action, "
    "or give your Final Answer."
)

_LABEL = re.compile(
    r"^[ \t]*(?:[-*>#]+[ \t]+)?[*_]{0,2}[ \t]*"
    r"(?P<label>thought|action[ \t_-]*input|action|observation|final[ \t_-]*answer)"
    r"[ \t]*[*_]{0,2}[ \t]*:[ \t]*[*_]{0,2}[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_TOOL_NAME = re.compile(r"[A-Za-z_][\w.-]*")
_INLINE_CALL = re.compile(r"(?P<name>[A-Za-z_][\w.-]*)\s*(?:\[(?P<a>.*)\]|\((?P<b>.*)\))", re.S)
_FENCE = re.compile(r"^```[\w-]*[ \t]*\n?(.*?)\n?```$", re.DOTALL)
_FINAL_NAMES = {"final answer", "final_answer", "finalanswer", "finish", "answer"}


class ReactParseError(ValueError):
    """A reply that cannot be read as an action or a final answer.

    The message is written for the model; `observation` is the full text to send
    back to it ("Error: ..." plus a reminder of the format).
    """

    @property
    def observation(self) -> str:
        return f"Error: {self} {FORMAT_REMINDER}"


@dataclass
class ReactStep:
    """One reply of the text protocol, read.

    Attributes:
        thought: the Thought ("" if the model wrote none).
        action: the tool name, or None for a final answer.
        action_input: the tool's input (None for a final answer).
        final_answer: the Final Answer, or None for an action.
        text: the reply as kept in the conversation (cut before a self-written
            Observation, if the model wrote one).
        dropped: what was cut off after the action ("" when nothing was).
    """

    thought: str
    action: str | None = None
    action_input: str | None = None
    final_answer: str | None = None
    text: str = ""
    dropped: str = ""

    @property
    def is_final(self) -> bool:
        """True when the reply is a final answer."""
        return self.final_answer is not None


def react_system_prompt(tools: Tools | None = None, template: str = REACT_SYSTEM_PROMPT) -> str:
    """The system prompt with the tool list filled in (default: `default_tools()`)."""
    return template.format(tools=describe_tools(default_tools() if tools is None else tools))


def react_messages(question: str, tools: Tools | None = None) -> list[dict[str, Any]]:
    """The first two messages of a ReAct run: the rules with the tools, then the question."""
    return [
        {"role": "system", "content": react_system_prompt(tools)},
        {"role": "user", "content": question},
    ]


def parse_react(text: str | None) -> ReactStep:
    """Read one ReAct reply into a `ReactStep`, or raise `ReactParseError` saying why not.

    Forgiving about: letter case and spacing of the labels ("action input:"),
    markdown around them ("**Action:**"), a `<think>` block before the reply,
    code fences or quotes around the input, and `Action: tool[input]` or
    `Action: tool(input)` on one line. Anything from a self-written
    "Observation:" on is cut off and kept in `dropped`. If a reply holds both an
    action and a Final Answer, whichever comes first counts.
    """
    if text is None or not text.strip():
        raise ReactParseError("your reply was empty.")
    try:
        body, _ = strip_think_block(text)
    except ValueError:
        raise ReactParseError("your reply stopped inside a <think> block.") from None
    sections = _sections(body)
    cut = _end_of_reply(sections, len(body))
    sections = [section for section in sections if section[2] < cut]
    offset = len(text) - len(body)  # a think block stays in front of the kept text
    if cut < len(body):
        kept, dropped = text[: offset + cut].rstrip() + "\n", text[offset + cut :]
    else:
        kept, dropped = text, ""
    labels = [label for label, _, _ in sections]
    thought = _first(sections, "thought")
    if thought is None and sections and sections[0][2] > 0:  # unlabelled text comes first
        thought = body[: sections[0][2]]
    thought = _clean(thought or "")
    first = next((label for label in labels if label in ("action", "final answer")), None)
    if first is None:
        if "action input" in labels:
            raise ReactParseError("I could not read an Action: there is no 'Action:' line.")
        raise ReactParseError("I could not find an Action or a Final Answer in your reply.")
    if first == "final answer":
        return _final(thought, _first(sections, "final answer"), kept, dropped)
    action, inline_input = _read_action(_first(sections, "action") or "")
    action_input = _first(sections, "action input")
    if action is None:  # "Action: Final Answer", with the answer as its input
        return _final(thought, action_input or inline_input, kept, dropped)
    if action_input is None:
        action_input = inline_input
    if action_input is None:
        raise ReactParseError(f"your Action {action!r} has no 'Action Input:' line.")
    return ReactStep(thought, action, _strip_input(action_input), text=kept, dropped=dropped)


def run_react(
    question: str,
    *,
    client: openai.OpenAI | None = None,
    model: str | None = None,
    tools: Tools | None = None,
    max_steps: int = 8,
    viewer: Any = None,
    system_prompt: str | None = None,
    stop: Sequence[str] | None = STOP_SEQUENCES,
    max_observation_chars: int = MAX_OBSERVATION_CHARS,
    **options: Any,
) -> AgentRun:
    """Answer `question` with the ReAct text protocol, running tools until a Final Answer.

    Args:
        question: what to ask.
        client: an `openai.OpenAI` client (default: `helpers.get_client()`).
        model: the model name (default: `helpers.default_model()`).
        tools: the tools, as a dict by name or a list of functions
            (default: `helpers.default_tools()`).
        max_steps: the most model calls; the loop stops there without an answer.
        viewer: a `StepViewer` that shows each step as it happens.
        system_prompt: the rules (default: `REACT_SYSTEM_PROMPT` with the tool list).
        stop: stop sequences, so the model does not write its own Observation; pass
            None for servers or models that reject `stop` (the parser cuts there too).
        max_observation_chars: longer tool results are cut before the model sees them.
        **options: passed to every `chat.completions.create` call. Each reply may write
            `AGENT_TURN_TOKENS` tokens; `max_tokens=` changes that (None: no limit).

    Returns:
        An `AgentRun`. It ends with a final answer, or without one and a stop reason:
        the step cap, a repeated action (the model is warned once, then stopped), two
        unreadable replies in a row, or a reply cut off by `max_tokens`. Tool errors
        and unknown tools never stop it: they go back to the model as observations.

    Raises:
        openai.OpenAIError: a call failed (a line of advice is attached); a viewer shows
            the steps so far and why the run stopped.
    """
    tools = default_tools() if tools is None else tools
    messages = react_messages(question, tools)
    if system_prompt is not None:
        messages[0]["content"] = system_prompt
    if stop:
        options["stop"] = list(stop)
    session = AgentSession.start(
        question, messages, client=client, model=model, tools=tools, viewer=viewer, options=options
    )
    guard = RepeatGuard()
    unreadable = 0
    stop_code = "step_cap"

    for turn in range(1, max_steps + 1):
        choice = session.ask(messages)
        text = choice.message.content or ""
        session.run.raw.append(text)
        if choice.finish_reason == "length":
            stop_code = "cut_off"
            break
        try:
            step = parse_react(text)
        except ReactParseError as problem:
            unreadable += 1
            session.add(
                AgentStep(
                    thought=text.strip(),
                    observation=problem.observation,
                    kind="unreadable",
                    turn=turn,
                )
            )
            if unreadable >= 2:
                stop_code = "unreadable_output"
                break
            messages.append({"role": "assistant", "content": text})
            messages.append({"role": "user", "content": f"Observation: {problem.observation}"})
            continue
        unreadable = 0
        messages.append({"role": "assistant", "content": step.text})
        if step.is_final:
            session.run.answer = step.final_answer
            stop_code = "final_answer"
            if step.thought:
                session.add(AgentStep(thought=step.thought, kind="answer", turn=turn))
            break
        action, action_input = step.action or "", step.action_input or ""
        seen = guard.check(action, action_input)
        if seen == "stop":
            not_run = "(not run: the same action again, after a warning)"
            session.add(AgentStep(step.thought, action, action_input, not_run, turn=turn))
            stop_code = "repeated_action"
            break
        if seen == "warn":
            observation = REPEAT_WARNING.format(action=action)
        else:
            result = call_tool(action, action_input, session.tools)
            observation = cut_observation(result, max_observation_chars)
        session.add(AgentStep(step.thought, action, action_input, observation, turn=turn))
        messages.append({"role": "user", "content": f"Observation: {observation}"})

    return session.end(stop_code, max_steps)


# ---- reading one reply ------------------------------------------------------------
def _sections(body: str) -> list[tuple[str, str, int]]:
    """(label, text, start) for every labelled section, in order."""
    matches = list(_LABEL.finditer(body))
    sections = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        label = re.sub(r"[\s_-]+", " ", match.group("label").lower())
        label = label.replace("actioninput", "action input").replace("finalanswer", "final answer")
        sections.append((label, body[match.end() : end], match.start()))
    return sections


def _end_of_reply(sections: list[tuple[str, str, int]], length: int) -> int:
    """Where the reply should end: right after the first action and its input. Whatever
    the model wrote after that (an Observation of its own, a next Thought, a Final
    Answer it could not know yet) is not kept. A reply whose Final Answer comes first
    is kept whole."""
    for index, (label, _, _) in enumerate(sections):
        if label == "final answer":
            return length
        if label == "action":
            after = index + 1
            if after < len(sections) and sections[after][0] == "action input":
                after += 1
            return sections[after][2] if after < len(sections) else length
    return length


def _final(thought: str, answer: str | None, kept: str, dropped: str) -> ReactStep:
    answer = _clean(answer or "")
    if not answer:
        raise ReactParseError("your Final Answer is empty.")
    return ReactStep(thought, final_answer=answer, text=kept, dropped=dropped)


def _first(sections: list[tuple[str, str, int]], label: str) -> str | None:
    return next((text for name, text, _ in sections if name == label), None)


def _clean(text: str) -> str:
    """Trim spaces and stray markdown emphasis left around a section's text."""
    return text.strip().strip("*_").strip()


def _read_action(text: str) -> tuple[str | None, str | None]:
    """(tool name, inline input or None); (None, inline text) for 'Action: Final Answer'."""
    value = _clean(text.strip().splitlines()[0] if text.strip() else "")
    value = value.strip("`'\"").rstrip(".").strip()
    if value.casefold() in _FINAL_NAMES:
        return None, None
    inline = _INLINE_CALL.fullmatch(value)
    if inline:
        argument = inline.group("a") if inline.group("a") is not None else inline.group("b")
        return inline.group("name"), argument
    if not value:
        raise ReactParseError("I could not read an Action: the 'Action:' line is empty.")
    if not _TOOL_NAME.fullmatch(value):
        raise ReactParseError(
            f"I could not read an Action: 'Action:' must be followed by a tool name only, "
            f"like 'Action: calculator', but it says {value[:60]!r}."
        )
    return value, None


def _strip_input(text: str) -> str:
    """The Action Input without surrounding spaces, code fences or a pair of quotes."""
    value = _clean(text)
    fenced = _FENCE.match(value)
    if fenced:
        value = fenced.group(1).strip()
    for quote in ('"', "'", "`"):
        inner = value[1:-1]
        if len(value) >= 2 and value[0] == value[-1] == quote and quote not in inner:
            return inner
    return value
