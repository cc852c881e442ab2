"""The per-step loop: one call per reasoning step, the model deciding when to stop.

This is how g1 and its forks work. Each call returns one step as JSON and says
whether to `continue` or give the `final_answer`; the step goes back into the
conversation and the next call sees all earlier steps. The model chooses how many
steps to take, and each step can be shown as soon as its call returns. The price:
every call re-sends the whole history, so input tokens grow quadratically with the
number of steps (notebook 05 measures it).

    reasoning = helpers.step_loop("How many r's are in strawberry?", max_steps=8)
    reasoning.calls   # the usage of every call, in order

The loop never invents an answer: when it stops without a `final_answer` (a step
cap, an unreadable or cut-off step, a repeated step) it returns a Reasoning with
`complete=False`, an empty result and a warning saying why.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import openai

from helpers.client import get_client
from helpers.config import default_model
from helpers.errors import explain_error
from helpers.parsing import load_json, strip_code_fence, strip_think_block
from helpers.prompts import JSON_MODE
from helpers.reasoning import Reasoning, Usage

LOOP_SYSTEM_PROMPT = """\
You work through a problem one step per reply, and you decide when you are done.

Each reply is one JSON object and nothing else:
{"title": "<a few words>", "content": "<one step of reasoning>", "next_action": "continue"}

When your steps so far settle the answer, reply instead with:
{"title": "Final answer", "content": "<a last check of the answer>", \
"next_action": "final_answer", "result": "<the answer alone>"}

Rules:
- One step per reply; each step adds something new.
- Take as many steps as the problem needs, and no more.
- Inside strings, write a newline as \\n and a double quote as \\"."""

NEXT_STEP = "Next step."
LAST_CALL = (
    'You have used all your steps. Reply now with "next_action": "final_answer" and your '
    "best result."
)
RESEND = (
    "That reply was not the JSON object asked for ({problem}). Send the same step again as JSON."
)


def read_step(text: str) -> dict[str, Any]:
    """Read one step object from a reply; raise ValueError saying why it can't be read."""
    after_thinking, _ = strip_think_block(text or "")  # raises if still thinking
    body = strip_code_fence(after_thinking).strip()
    start, end = body.find("{"), body.rfind("}")
    if start == -1 or end < start:
        raise ValueError("no JSON object in the reply")
    value = load_json(body[start : end + 1]).value
    if not isinstance(value, dict):
        raise ValueError("the JSON is not an object")
    content = value.get("content", value.get("step", value.get("text")))
    if content is None:
        raise ValueError('the object has no "content"')
    step = {
        "title": None if value.get("title") is None else str(value["title"]),
        "content": str(content),
        "next_action": str(value.get("next_action", "continue")).strip().lower(),
    }
    if "result" in value and value["result"] is not None:
        step["result"] = str(value["result"])
    return step


class _ViewerFeed:
    """Shows loop steps in a live StepViewer by feeding it the same JSON it reads from
    a streamed one-call answer, so one viewer serves both."""

    def __init__(self, viewer: Any) -> None:
        self.viewer = viewer
        self.count = 0
        if viewer is not None:
            viewer.start_live()
            viewer.feed('{"steps": [')

    def add(self, title: str | None, content: str) -> None:
        if self.viewer is not None:
            separator = ", " if self.count else ""
            self.viewer.feed(separator + json.dumps({"title": title, "content": content}))
        self.count += 1

    def finish(self, reasoning: Reasoning) -> None:
        if self.viewer is not None:
            stopped = None if reasoning.complete else "; ".join(reasoning.warnings) or "stopped"
            self.viewer.finish(reasoning, error=stopped)


def step_loop(
    question: str,
    *,
    client: openai.OpenAI | None = None,
    model: str | None = None,
    max_steps: int = 10,
    system_prompt: str = LOOP_SYSTEM_PROMPT,
    response_format: dict[str, Any] | None = JSON_MODE,
    viewer: Any = None,
    on_step: Callable[[int, str | None, str], None] | None = None,
    **options: Any,
) -> Reasoning:
    """Reason one call per step until the model gives its final answer.

    Args:
        question: what to ask.
        client: an `openai.OpenAI` client (default: `helpers.get_client()`).
        model: the model name (default: `helpers.default_model()`).
        max_steps: the most steps to allow; then one last call asks for the answer.
        system_prompt: the rules (default: `LOOP_SYSTEM_PROMPT`).
        response_format: JSON mode by default; None for servers without it.
        viewer: a `StepViewer` that shows each step as its call returns.
        on_step: called as `on_step(number, title, content)` after each step.
        **options: passed to every `chat.completions.create` call.

    Returns:
        A Reasoning whose `calls` lists the usage of every call in order. When the
        loop stops without an answer it is `complete=False` with a warning.
    """
    client = client or get_client()
    model = model or default_model()
    if response_format is not None:
        options["response_format"] = response_format
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system_prompt},
        {"role": "user", "content": question},
    ]
    steps: list[str] = []
    titles: list[str | None] = []
    calls: list[Usage] = []
    raw: list[str] = []
    feed = _ViewerFeed(viewer)
    start = time.perf_counter()
    served_by, result, finish_reason, warning = None, None, None, None

    def ask() -> str:
        nonlocal served_by, finish_reason
        try:
            reply = client.chat.completions.create(model=model, messages=messages, **options)
        except openai.OpenAIError as error:
            if hasattr(error, "add_note"):
                error.add_note(explain_error(error))
            raise
        served_by = reply.model or served_by
        finish_reason = reply.choices[0].finish_reason
        if reply.usage is not None:
            calls.append(Usage.from_api(reply.usage))
        text = reply.choices[0].message.content or ""
        raw.append(text)
        return text

    while result is None and warning is None:
        last_call = len(steps) >= max_steps
        if last_call:
            messages.append({"role": "user", "content": LAST_CALL})
        text = ask()
        if finish_reason == "length":
            warning = f"step {len(steps) + 1} was cut off by max_tokens, so the loop stopped"
            break
        try:
            step = read_step(text)
        except ValueError as problem:  # one second chance, then stop
            messages += [
                {"role": "assistant", "content": text},
                {"role": "user", "content": RESEND.format(problem=problem)},
            ]
            text = ask()
            try:
                step = read_step(text)
            except ValueError as again:
                warning = f"step {len(steps) + 1} could not be read ({again}), so the loop stopped"
                break
        if step["content"] in steps:
            warning = (
                f"the model repeated step {steps.index(step['content']) + 1}, so the loop stopped"
            )
            break
        messages.append({"role": "assistant", "content": text})
        steps.append(step["content"])
        titles.append(step["title"])
        feed.add(step["title"], step["content"])
        if on_step is not None:
            on_step(len(steps), step["title"], step["content"])
        if step["next_action"] == "final_answer" and step.get("result"):
            result = step["result"]
        elif last_call:
            warning = f"no final answer after {max_steps} steps and a last reminder"
        else:
            messages.append({"role": "user", "content": NEXT_STEP})

    reasoning = Reasoning(
        steps=steps,
        result=result or "",
        titles=titles,
        raw="\n".join(raw),
        question=question,
        usage=sum(calls) if calls else None,
        elapsed=time.perf_counter() - start,
        model=served_by or model,
        finish_reason=finish_reason,
        complete=result is not None,
        warnings=[warning] if warning else [],
        calls=calls,
    )
    feed.finish(reasoning)
    return reasoning
