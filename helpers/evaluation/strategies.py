"""How the evaluation asks a problem: the strategies "direct", "cot" and "loop".

A strategy turns one `Problem` into calls to a chat API and returns the model's
answer. Each one reuses the course's own building blocks, so what is measured is
what the notebooks teach:

* **direct**: a short system prompt asking for the answer only (one call).
* **cot**: the JSON step prompt of notebook 02, in JSON mode, read with the same
  rules as `helpers.think` (one call).
* **loop**: the per-step loop of `helpers.step_loop` (one call per step).

Every strategy has a `prompt_id`, a short fingerprint of every fixed text and
setting it sends. The harness stores it in each result, so results made with
different prompts are never mixed::

    helpers.get_strategy("cot").prompt_id          # e.g. 'c0ffee1234'
    helpers.get_strategy("loop", max_steps=5)      # a variant, with its own prompt_id

The question sent is the problem's question plus one line saying the answer's
form (`problem.answer_format`), the same for every strategy.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import openai

from helpers.evaluation.problems import Problem
from helpers.modes.deadline import within_deadline
from helpers.modes.reply_checks import parsed_completion
from helpers.modes.transports import REPLAY_HEADER
from helpers.more_calls.loop import LAST_CALL, LOOP_SYSTEM_PROMPT, NEXT_STEP, RESEND, LoopState
from helpers.parsing.errors import ReasoningParseError
from helpers.prompts import JSON_MODE, STEPS_SYSTEM_PROMPT, as_sdk_messages, step_messages
from helpers.reasoning import Usage
from helpers.thinking import read_reply
from helpers.token_limits import (
    DIRECT_TOKENS,
    LIMIT_NAMES,
    LOOP_STEP_TOKENS,
    THINK_TOKENS,
    limit_name,
    named_limit,
    requested_limit,
    sent_limit,
    with_token_limit,
)

ANSWER_FORMAT_LINE = "Give the answer as {answer_format}."
DIRECT_SYSTEM_PROMPT = "Reply with the final answer only: no steps, no explanation, no other words."


def question_for(problem: Problem) -> str:
    """The user message every strategy sends: the question, then the answer's form."""
    if not problem.answer_format:
        return problem.question
    return problem.question + "\n" + ANSWER_FORMAT_LINE.format(answer_format=problem.answer_format)


class UnusableAnswer(Exception):
    """The model replied, but the reply cannot be used as an answer (cut off,
    unreadable, refused, or a loop that stopped without one). Counted as a failure
    and kept: asking again would cost the same and likely give the same."""


@dataclass
class Answer:
    """What a strategy got out of the model: its result and how many steps it showed."""

    result: str
    steps: int = 0


@dataclass
class Reply:
    """One chat call's reply, reduced to what the strategies and the report need."""

    text: str | None
    finish_reason: str | None
    refusal: str | None
    usage: Usage | None
    served_by: str | None
    origin: str | None  # "hand-written" or "recorded" when replayed offline; None when live
    limit: int | None = None  # the token limit the request carried (None: none)


class ChatCaller:
    """Makes the chat calls of one (problem, strategy, sample) and remembers their usage.

    Works with an `AsyncOpenAI` client, or a sync `OpenAI` one (each call then runs
    in a thread). A `pacer` (any object with `async wait()`) spaces calls out, and
    `timeout` is passed to every request: the deadline of the whole call, the SDK's
    retries of timeouts, 429s and 5xx errors included (held by the clients of
    `get_async_client`/`get_client`, and for any async client by a cancel scope here).
    """

    def __init__(
        self,
        client: openai.AsyncOpenAI | openai.OpenAI,
        model: str,
        *,
        timeout: float | None = None,
        pacer: Any = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self.client = client
        self.model = model
        self.timeout = timeout
        self.pacer = pacer
        self.options = dict(options or {})
        self.calls: list[Usage] = []
        self.served_by: str | None = None
        self.origin: str | None = None

    async def __call__(self, messages: list[dict[str, Any]], **settings: Any) -> Reply:
        if self.pacer is not None:
            await self.pacer.wait()
        # the caller's options win over the strategy's settings (None removes one)
        merged = {**settings, **self.options}
        request = {k: v for k, v in merged.items() if v is not None and k not in LIMIT_NAMES}
        caller_set_limit, caller_limit = requested_limit(self.options)
        if caller_set_limit:
            request = named_limit(request, limit_name(self.client), caller_limit)
        else:  # the strategy's own limit, with room for hidden reasoning where needed
            own_limit = requested_limit(settings)[1]
            request = with_token_limit(request, self.client, self.model, own_limit)
        if self.timeout is not None:
            request["timeout"] = self.timeout
        sdk_messages = as_sdk_messages(messages)
        if isinstance(self.client, openai.AsyncOpenAI):
            create_async = self.client.chat.completions.with_raw_response.create
            raw = await within_deadline(
                create_async(model=self.model, messages=sdk_messages, **request),
                self.client,
                self.timeout,
            )
        else:
            client, model = self.client, self.model

            def create() -> Any:  # the SDK's overloaded create, called from a worker thread
                return client.chat.completions.with_raw_response.create(
                    model=model, messages=sdk_messages, **request
                )

            raw = await asyncio.to_thread(create)
        completion = parsed_completion(raw)
        choice = completion.choices[0]
        usage = Usage.from_api(completion.usage)
        if usage is not None:
            self.calls.append(usage)
        self.served_by = completion.model or self.served_by
        self.origin = raw.headers.get(REPLAY_HEADER) or self.origin
        message = choice.message
        return Reply(
            message.content,
            choice.finish_reason,
            message.refusal,
            usage,
            completion.model,
            raw.headers.get(REPLAY_HEADER),
            sent_limit(request),
        )


Runner = Callable[..., Awaitable[Answer]]


@dataclass(frozen=True)
class Strategy:
    """A named way of asking: its runner, the fixed texts it sends, and its settings.

    Attributes:
        name: the short name results are filed under ("direct", "cot", ...).
        description: one line for tables and the notebook.
        run: `async run(problem, chat, **settings) -> Answer`; raises `UnusableAnswer`
            when the reply cannot be used, lets API errors through.
        prompts: every fixed text the strategy sends (part of the fingerprint).
        settings: keyword arguments for `run` (token caps, step cap, response format;
            part of the fingerprint too).
        messages, read: for strategies of one call, the request and the reading rule on
            their own, so the same problems can also go through the Batch API.
    """

    name: str
    description: str
    run: Runner
    prompts: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    messages: Callable[[Problem], list[dict[str, Any]]] | None = None
    read: Callable[..., Answer] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))

    @property
    def prompt_id(self) -> str:
        """A 10-character fingerprint of the prompts and settings (not of the name)."""
        return fingerprint({"prompts": list(self.prompts), "settings": dict(self.settings)})

    async def answer(self, problem: Problem, chat: ChatCaller) -> Answer:
        """Ask `problem` through `chat` the way this strategy does."""
        return await self.run(problem, chat, **self.settings)

    def with_settings(self, **changes: Any) -> Strategy:
        """A copy with some settings changed (so with a new `prompt_id`)."""
        unknown = set(changes) - set(self.settings)
        if unknown:
            known = ", ".join(sorted(self.settings)) or "none"
            raise ValueError(
                f"strategy {self.name!r} has no setting {', '.join(sorted(unknown))} "
                f"(its settings: {known})"
            )
        return replace(self, settings={**self.settings, **changes})


def fingerprint(value: Any) -> str:
    """A short, stable hash of any JSON-serialisable value."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


# ---- the three strategies ------------------------------------------------------------
def _cut_off(max_tokens: Any) -> str:
    if max_tokens is None:
        return "the reply filled the server's context window (no max_tokens was set)"
    return f"the reply stopped at max_tokens ({max_tokens}); allow more tokens"


def direct_messages(problem: Problem) -> list[dict[str, Any]]:
    """The "direct" request: a system prompt asking for the answer only, then the question."""
    return [
        {"role": "system", "content": DIRECT_SYSTEM_PROMPT},
        {"role": "user", "content": question_for(problem)},
    ]


def read_direct(reply: Reply, *, max_tokens: int | None = None, **_: Any) -> Answer:
    """The "direct" reading rule: the reply's text, unless it is empty, cut off or a refusal."""
    if reply.refusal:
        raise UnusableAnswer(f"the model refused: {reply.refusal}")
    if reply.finish_reason == "length":
        raise UnusableAnswer(_cut_off(reply.limit or max_tokens))
    text = (reply.text or "").strip()
    if not text:
        raise UnusableAnswer("the reply was empty")
    return Answer(result=text)


def cot_messages(problem: Problem) -> list[dict[str, Any]]:
    """The "cot" request: the JSON step prompt of notebook 02, then the question."""
    return step_messages(question_for(problem))


def read_cot(reply: Reply, *, max_tokens: int | None = None, **_: Any) -> Answer:
    """The "cot" reading rule: `think`'s own (`read_reply`)."""
    try:
        limit = reply.limit or max_tokens
        reasoning = read_reply(reply.text, reply.finish_reason, reply.refusal, limit)
    except ReasoningParseError as problem_reading:
        raise UnusableAnswer(str(problem_reading)) from None
    return Answer(result=reasoning.result, steps=len(reasoning.steps))


async def run_direct(problem: Problem, chat: ChatCaller, **settings: Any) -> Answer:
    """Answer only: one call, read with `read_direct`."""
    return read_direct(await chat(direct_messages(problem), **settings), **settings)


async def run_cot(problem: Problem, chat: ChatCaller, **settings: Any) -> Answer:
    """One call with the JSON step prompt (JSON mode), read with `think`'s rules."""
    return read_cot(await chat(cot_messages(problem), **settings), **settings)


async def run_loop(
    problem: Problem,
    chat: ChatCaller,
    *,
    max_steps: int,
    max_tokens: int | None,
    response_format: dict[str, Any] | None,
) -> Answer:
    """The per-step loop: `helpers.more_calls.loop.LoopState` decides, one call per step."""
    state = LoopState(question_for(problem), LOOP_SYSTEM_PROMPT, max_steps)
    while not state.done:
        reply = await chat(state.request(), max_tokens=max_tokens, response_format=response_format)
        state.receive(reply.text, reply.finish_reason)
    if state.result is None:
        raise UnusableAnswer(state.warning or "the loop stopped without an answer")
    return Answer(result=state.result, steps=len(state.steps))


STRATEGIES: dict[str, Strategy] = {
    "direct": Strategy(
        "direct",
        "answer only, one call",
        run_direct,
        prompts=(DIRECT_SYSTEM_PROMPT, ANSWER_FORMAT_LINE),
        settings={"max_tokens": DIRECT_TOKENS},
        messages=direct_messages,
        read=read_direct,
    ),
    "cot": Strategy(
        "cot",
        "JSON steps then the result, one call (as helpers.think)",
        run_cot,
        prompts=(STEPS_SYSTEM_PROMPT, ANSWER_FORMAT_LINE),
        settings={"max_tokens": THINK_TOKENS, "response_format": JSON_MODE},
        messages=cot_messages,
        read=read_cot,
    ),
    "loop": Strategy(
        "loop",
        "one call per step until a final answer (as helpers.step_loop)",
        run_loop,
        prompts=(LOOP_SYSTEM_PROMPT, NEXT_STEP, LAST_CALL, RESEND, ANSWER_FORMAT_LINE),
        settings={"max_steps": 8, "max_tokens": LOOP_STEP_TOKENS, "response_format": JSON_MODE},
    ),
}


def get_strategy(strategy: str | Strategy, **changes: Any) -> Strategy:
    """A strategy by name ("direct", "cot", "loop"), optionally with settings changed.

    A strategy's `max_tokens` is sent as `max_completion_tokens` to OpenAI's own API
    (its reasoning models refuse `max_tokens`; they also get `REASONING_ALLOWANCE`
    more for their hidden reasoning); `evaluate(..., max_tokens=None)` sends no limit.
    """
    if isinstance(strategy, Strategy):
        chosen = strategy
    elif strategy in STRATEGIES:
        chosen = STRATEGIES[strategy]
    else:
        known = ", ".join(STRATEGIES)
        raise ValueError(f"unknown strategy {strategy!r} (known: {known}, or pass a Strategy)")
    return chosen.with_settings(**changes) if changes else chosen
