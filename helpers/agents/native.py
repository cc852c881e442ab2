"""The same agent with native tool calling: `tools=`, `tool_calls` and tool messages.

Instead of parsing "Action:" lines, we describe the tools as JSON Schemas
(`tool_schemas`) and the server returns structured calls:

    reply.choices[0].message.tool_calls[0].function.name        # "search_notes"
    reply.choices[0].message.tool_calls[0].function.arguments   # '{"query": "..."}'

We run each call and answer it with one `{"role": "tool", "tool_call_id": ...}`
message, after the assistant's own message (with its `tool_calls`), then ask
again, until the model answers without calling a tool. A reply may hold several
calls at once (parallel tool calls): each gets its own tool message.

    run = helpers.run_tool_agent("How tall is the Eiffel Tower?")
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import openai

from helpers.agents.common import AgentSession, RepeatGuard, Tools
from helpers.agents.trace import MAX_OBSERVATION_CHARS, AgentRun, AgentStep, cut_observation
from helpers.tools.registry import call_tool, tool_schemas

TOOL_AGENT_SYSTEM_PROMPT = """\
You answer questions with the help of tools. Look facts up with the tools rather \
than trusting your memory, and do arithmetic with the calculator. Before you call \
tools, say in one short sentence what you are looking for. If a tool returns an \
error, read it and try something different. When you have what you need, answer \
briefly, without calling a tool."""

REPEAT_WARNING = (
    "Error: you already called {name} with these same arguments, and its result is above. "
    "Calling it again gives the same result. Use what you have, try something else, or "
    "answer."
)
NOT_RUN = "Not run: the agent stopped before this call."


def assistant_message(message: Any) -> dict[str, Any]:
    """The assistant's reply as a plain dict to send back: its content and its tool calls.

    `message` is `reply.choices[0].message` from the SDK (or the same shape as a dict).
    """
    data = message.model_dump() if hasattr(message, "model_dump") else dict(message)
    result: dict[str, Any] = {"role": "assistant", "content": data.get("content")}
    calls = data.get("tool_calls") or []
    if calls:
        result["tool_calls"] = [
            {
                "id": call["id"],
                "type": "function",
                "function": {
                    "name": call["function"]["name"],
                    "arguments": call["function"]["arguments"],
                },
            }
            for call in calls
        ]
    return result


def tool_result_message(call_id: str, content: str) -> dict[str, Any]:
    """The message that answers one tool call: `{"role": "tool", "tool_call_id", "content"}`."""
    return {"role": "tool", "tool_call_id": call_id, "content": content}


def run_tool_call(name: str, arguments: str | Mapping[str, Any] | None, tools: Tools) -> str:
    """Run one tool call from the model; always return text, errors as "Error: ...".

    `arguments` is the JSON text the model wrote. Text that is not a JSON object
    (the model's JSON can be broken) is not guessed at: the error goes back to the
    model, which can send the call again.
    """
    if isinstance(arguments, Mapping):
        return call_tool(name, arguments, tools)
    text = (arguments or "").strip() or "{}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return (
            f"Error: the arguments for {name} are not valid JSON ({error.msg} at character "
            f'{error.pos}). Send the call again with a JSON object, like {{"name": value}}.'
        )
    if not isinstance(value, dict):
        return f"Error: the arguments for {name} must be a JSON object, not {text[:40]!r}."
    return call_tool(name, value, tools)


def run_tool_agent(
    question: str,
    *,
    client: openai.OpenAI | None = None,
    model: str | None = None,
    tools: Tools | None = None,
    max_steps: int = 8,
    viewer: Any = None,
    system_prompt: str = TOOL_AGENT_SYSTEM_PROMPT,
    max_observation_chars: int = MAX_OBSERVATION_CHARS,
    **options: Any,
) -> AgentRun:
    """Answer `question` with native tool calling, running tools until the model answers.

    Args:
        question: what to ask.
        client: an `openai.OpenAI` client (default: `helpers.get_client()`).
        model: the model name (default: `helpers.default_model()`).
        tools: the tools, as a dict by name or a list of functions
            (default: `helpers.default_tools()`); sent as `tools=tool_schemas(tools)`.
        max_steps: the most model calls; the loop stops there without an answer.
        viewer: a `StepViewer` that shows each tool call as it is run.
        system_prompt: the instructions (default: `TOOL_AGENT_SYSTEM_PROMPT`).
        max_observation_chars: longer tool results are cut before the model sees them.
        **options: passed to every call (e.g. `parallel_tool_calls=False`). Each reply
            may write `AGENT_TURN_TOKENS` tokens; `max_tokens=` changes that.

    Returns:
        An `AgentRun` with one step per tool call. Broken JSON arguments, unknown
        tools and tool errors go back to the model as the tool's result. The loop
        ends with the model's answer, or without one at the step cap, after a
        repeated call (warned once, then stopped), or when a reply was cut off.

    Raises:
        openai.OpenAIError: a call failed (a line of advice is attached); a viewer shows
            the steps so far and why the run stopped.
    """
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system_prompt},
        {"role": "user", "content": question},
    ]
    session = AgentSession.start(
        question, messages, client=client, model=model, tools=tools, viewer=viewer, options=options
    )
    guard = RepeatGuard()
    stop_code = "step_cap"
    schemas = tool_schemas(session.tools)

    for turn in range(1, max_steps + 1):
        choice = session.ask(messages, tools=schemas)
        message = choice.message
        session.run.raw.append(_describe_reply(message))
        if choice.finish_reason == "length":
            stop_code = "cut_off"
            break
        if not message.tool_calls:
            answer = (message.content or "").strip()
            stop_code = "final_answer" if answer else "no_answer"
            session.run.answer = answer or None
            messages.append({"role": "assistant", "content": message.content})
            break
        messages.append(assistant_message(message))
        thought = (message.content or "").strip()
        for call in message.tool_calls:
            name, arguments = _call_name_and_arguments(call)
            seen = guard.check(name, arguments)
            if stop_code == "repeated_action":
                observation = NOT_RUN  # every call after the stop gets an answer too
            elif seen == "stop":
                stop_code = "repeated_action"
                observation = NOT_RUN
            elif seen == "warn":
                observation = REPEAT_WARNING.format(name=name)
            else:
                result = run_tool_call(name, arguments, session.tools)
                observation = cut_observation(result, max_observation_chars)
            session.add(
                AgentStep(thought, name, arguments, observation, call_id=call.id, turn=turn)
            )
            thought = ""  # the thought belongs to the first call of the turn
            messages.append(tool_result_message(call.id, observation))
        if stop_code == "repeated_action":
            break

    return session.end(stop_code, max_steps)


def _call_name_and_arguments(call: Any) -> tuple[str, str]:
    """(tool name, JSON arguments) of one tool call; a call of another kind than
    "function" gets a name that no tool has, so the model is told it is unknown."""
    function = getattr(call, "function", None)
    if function is None:
        return f"({getattr(call, 'type', 'unknown')} call)", ""
    return function.name or "", function.arguments or ""


def _describe_reply(message: Any) -> str:
    """The reply as text for `AgentRun.raw`: its content, then one line per tool call."""
    lines = [message.content] if message.content else []
    for call in message.tool_calls or []:
        name, arguments = _call_name_and_arguments(call)
        lines.append(f"[tool call {call.id}] {name}({arguments})")
    return "\n".join(lines)
