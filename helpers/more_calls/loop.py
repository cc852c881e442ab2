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
`complete=False`, an empty result and a warning saying why. Each call may write
`LOOP_STEP_TOKENS` tokens (one step needs few), unless you pass `max_tokens=`.

Offline, with a viewer, each replayed step waits as long as writing it would take at
the replay's pace (`HOMEMADE_O1_PACE` tokens a second, at most `MAX_REPLAY_PAUSE`
seconds a step), so the steps arrive one by one as they would live, not all at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import openai

from helpers.modes.client import get_client
from helpers.modes.settings import default_model, stream_pace
from helpers.modes.transports import REPLAY_HEADER
from helpers.parsing.repair import load_json
from helpers.parsing.text import strip_code_fence, strip_think_block
from helpers.prompts import JSON_MODE, as_sdk_messages
from helpers.reasoning import Reasoning, Usage
from helpers.thinking import call_failed
from helpers.token_limits import LOOP_STEP_TOKENS, with_token_limit

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

MAX_REPLAY_PAUSE = 3.0
"""The longest a replayed step waits offline (seconds), however long the step."""

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


def replay_pause(origin: str | None, usage: Usage | None, pace: float) -> float:
    """Seconds a replayed step waits: as long as writing it takes at `pace` tokens a second.

    `origin` is the replay's mark on the response (None: a live answer, which took its
    own time); `pace` 0 means no waiting (tests, nbval). At most `MAX_REPLAY_PAUSE`.
    """
    if origin is None or pace <= 0 or usage is None:
        return 0.0
    return min(usage.completion_tokens / pace, MAX_REPLAY_PAUSE)


class LoopState:
    """The loop's decisions without the calls, so a sync and an async loop share them.

    Ask `request()` for the messages to send, send them however you like, and give
    the reply to `receive(text, finish_reason)`; repeat until `done`. `receive`
    returns the step it accepted (a dict from `read_step`), or None when the reply
    was not a new step (it was resent for, or it stopped the loop).
    """

    def __init__(
        self, question: str, system_prompt: str = LOOP_SYSTEM_PROMPT, max_steps: int = 10
    ) -> None:
        self.max_steps = max_steps
        self.messages: list[dict[str, Any]] = [
            {"role": "system", "content": system_prompt},
            {"role": "user", "content": question},
        ]
        self.steps: list[str] = []
        self.titles: list[str | None] = []
        self.raw: list[str] = []
        self.result: str | None = None
        self.warning: str | None = None
        self._last_call = False
        self._resending = False

    @property
    def done(self) -> bool:
        """True once the model gave its final answer or the loop had to stop."""
        return self.result is not None or self.warning is not None

    def request(self) -> list[dict[str, Any]]:
        """The messages for the next call (after the step cap, with a last reminder)."""
        if not self._resending and not self._last_call and len(self.steps) >= self.max_steps:
            self.messages.append({"role": "user", "content": LAST_CALL})
            self._last_call = True
        return list(self.messages)

    def receive(self, text: str | None, finish_reason: str | None) -> dict[str, Any] | None:
        """Take one reply: accept it as a step, ask for it again once, or stop."""
        text = text or ""
        self.raw.append(text)
        number = len(self.steps) + 1
        if finish_reason == "length":
            self.warning = f"step {number} was cut off by max_tokens, so the loop stopped"
            return None
        try:
            step = read_step(text)
        except ValueError as problem:  # one second chance, then stop
            if self._resending:
                self.warning = f"step {number} could not be read ({problem}), so the loop stopped"
                return None
            self._resending = True
            self.messages += [
                {"role": "assistant", "content": text},
                {"role": "user", "content": RESEND.format(problem=problem)},
            ]
            return None
        self._resending = False
        if step["content"] in self.steps:
            repeated = self.steps.index(step["content"]) + 1
            self.warning = f"the model repeated step {repeated}, so the loop stopped"
            return None
        self.messages.append({"role": "assistant", "content": text})
        self.steps.append(step["content"])
        self.titles.append(step["title"])
        if step["next_action"] == "final_answer" and step.get("result"):
            self.result = step["result"]
        elif self._last_call:
            self.warning = f"no final answer after {self.max_steps} steps and a last reminder"
        else:
            self.messages.append({"role": "user", "content": NEXT_STEP})
        return step

    def to_reasoning(self, question: str, calls: list[Usage]) -> Reasoning:
        """What the loop produced, as a Reasoning (complete only with a final answer)."""
        return Reasoning(
            steps=self.steps,
            result=self.result or "",
            titles=self.titles,
            raw="\n".join(self.raw),
            question=question,
            usage=Usage.total(calls),
            complete=self.result is not None,
            warnings=[self.warning] if self.warning else [],
            calls=calls,
        )


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
        **options: passed to every `chat.completions.create` call. Each reply may write
            `LOOP_STEP_TOKENS` tokens; `max_tokens=` changes that (None: no limit).

    Returns:
        A Reasoning whose `calls` lists the usage of every call in order. When the
        loop stops without an answer it is `complete=False` with a warning.

    Raises:
        openai.OpenAIError: a call failed (a line of advice is attached); a viewer shows
            the steps so far and why it stopped.
    """
    client = client or get_client()
    model = model or default_model()
    options = with_token_limit(options, client, model, LOOP_STEP_TOKENS)
    if response_format is not None:
        options["response_format"] = response_format
    state = LoopState(question, system_prompt, max_steps)
    calls: list[Usage] = []
    if viewer is not None:
        viewer.start_live()
    start = time.perf_counter()
    served_by, finish_reason = None, None

    pace = stream_pace() if viewer is not None else 0.0
    while not state.done:
        try:
            raw = client.chat.completions.with_raw_response.create(
                model=model, messages=as_sdk_messages(state.request()), **options
            )
            reply = raw.parse()
        except openai.OpenAIError as error:
            raise call_failed(viewer, error) from None
        served_by = reply.model or served_by
        finish_reason = reply.choices[0].finish_reason
        usage = Usage.from_api(reply.usage)
        if usage is not None:
            calls.append(usage)
        step = state.receive(reply.choices[0].message.content, finish_reason)
        if step is not None:
            if viewer is not None:
                time.sleep(replay_pause(raw.headers.get(REPLAY_HEADER), usage, pace))
                viewer.add_step(step["content"], step["title"])
            if on_step is not None:
                on_step(len(state.steps), step["title"], step["content"])

    reasoning = state.to_reasoning(question, calls)
    reasoning.elapsed = time.perf_counter() - start
    reasoning.model = served_by or model
    reasoning.finish_reason = finish_reason
    if viewer is not None:
        stopped = None if reasoning.complete else "; ".join(reasoning.warnings) or "stopped"
        viewer.finish(reasoning, error=stopped)
    return reasoning
