"""Run one chat request on the local model and write the reply in the API's JSON shape.

`prepare()` does everything that can fail with a 400 before any token is generated
(checking the request, rendering and measuring the prompt, building the grammar).
Then `complete()` returns a whole `chat.completion`, and `chunks()` yields the
`chat.completion.chunk` objects of a stream, each as soon as its token is ready.
Both need the model's turn (see `runtime.ModelGate`).

Usage is counted, not estimated: prompt tokens as the model saw them (once, even
with `n` > 1) and every generated token of every choice, including thinking.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from helpers.modes.local.errors import RequestError
from helpers.modes.local.grammar import json_object_grammar, json_schema_grammar, tool_call_grammar
from helpers.modes.local.output import StopFilter, ThinkSplitter, ToolCallCollector, Utf8Pieces
from helpers.modes.local.prompt import TOOL_CLOSE, TOOL_OPEN, Prompt, check_fits, render_prompt
from helpers.modes.local.request import ChatRequest
from helpers.modes.local.runtime import LoadedModel, Turn
from helpers.modes.local.sampler import (
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_P,
    Limits,
    Sampled,
    Sampling,
    sample,
)
from helpers.modes.wire import usage_block

FINGERPRINT = "fp_local_llama_cpp"


@dataclass
class ChoiceResult:
    """One finished choice."""

    index: int
    content: str = ""
    reasoning: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str = "length"
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    logprobs: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Delta:
    """A piece of a choice as it is generated: reasoning text, answer text or tool calls."""

    channel: str  # "reasoning", "content" or "tool_calls"
    value: Any
    logprobs: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Job:
    """A checked request, ready to run."""

    model: LoadedModel
    chat: ChatRequest
    prompt: Prompt
    grammar: str | None
    limits: Limits
    base_seed: int
    id: str = field(default_factory=lambda: "chatcmpl-" + uuid.uuid4().hex[:29])
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def budget(self) -> int:
        """Most tokens one choice may write: `max_tokens`, and what is left of the context."""
        room = self.model.context - len(self.prompt.tokens)
        return min(self.chat.max_tokens or room, room)

    def sampling(self, index: int) -> Sampling:
        """How choice `index` picks tokens (its own seed, so `n` choices differ)."""
        chat = self.chat
        return Sampling(
            temperature=DEFAULT_TEMPERATURE if chat.temperature is None else chat.temperature,
            top_p=DEFAULT_TOP_P if chat.top_p is None else chat.top_p,
            presence_penalty=chat.presence_penalty,
            frequency_penalty=chat.frequency_penalty,
            seed=(self.base_seed + index) % 2**32,
            logit_bias=tuple(chat.logit_bias.items()),
        )


def _grammar(chat: ChatRequest) -> str | None:
    if chat.forced_tools:
        return tool_call_grammar(chat.forced_tools, TOOL_OPEN, TOOL_CLOSE)
    if chat.response_kind == "json_object":
        return json_object_grammar()
    if chat.response_kind == "json_schema":
        return json_schema_grammar(chat.json_schema or {})
    return None


def prepare(model: LoadedModel, chat: ChatRequest, limits: Limits) -> Job:
    """Render and measure the prompt and build the grammar; raises `RequestError` (400)."""
    vocabulary = model.llama.n_vocab()
    unknown = [token for token in chat.logit_bias if token >= vocabulary]
    if unknown:
        raise RequestError(
            f"Invalid 'logit_bias': token id {unknown[0]} is not in this model's vocabulary "
            f"(ids 0 to {vocabulary - 1}).",
            "logit_bias",
        )
    grammar = _grammar(chat)
    prompt = render_prompt(model, chat)
    check_fits(model, prompt)
    seed = chat.seed if chat.seed is not None else random.getrandbits(32)
    return Job(model, chat, prompt, grammar, limits, seed)


class _ChoiceRun:
    """Generate one choice: phases, stop strings, thinking, tool calls, token counts."""

    def __init__(self, job: Job, index: int, turn: Turn) -> None:
        self.job = job
        self.turn = turn
        self.result = ChoiceResult(index)
        self.tokens: list[int] = []
        self._reset_text()

    def _reset_text(self) -> None:
        chat = self.job.chat
        self.utf8 = Utf8Pieces()
        self.stops = StopFilter(chat.stop)
        self.think = ThinkSplitter(self.job.prompt.opens_in_thinking)
        self.tools = ToolCallCollector(chat.tools_active)
        self.pending_logprobs: list[dict[str, Any]] = []
        self._undecided: list[dict[str, Any] | None] = []  # tokens before <think> is settled

    def _route(self, pieces: list[tuple[str, str]]) -> list[Delta]:
        deltas = []
        for channel, text in pieces:
            if channel == "content":
                text = self.tools.feed(text)
                if not text:
                    continue
                self.result.content += text
                deltas.append(Delta("content", text, self.pending_logprobs))
                self.pending_logprobs = []
            else:
                self.result.reasoning += text
                deltas.append(Delta("reasoning", text))
        return deltas

    def _take(self, step: Sampled) -> list[Delta]:
        """Account for one token and return what it adds to the reply.

        A token counts as reasoning when it belongs to the <think> block (its closing
        tag included); tokens at the very start wait until the reply shows whether it
        opens with <think>. Log-probabilities are kept for answer tokens only.
        """
        self.tokens.append(step.token)
        self.result.completion_tokens += 1
        before = self.think.state
        pieces = self.think.feed(self.stops.feed(self.utf8.feed(step.piece)))
        after = self.think.state
        self._undecided.append(step.logprob)
        if after == "start":
            return self._route(pieces)  # not known yet
        undecided, self._undecided = self._undecided, []
        if before == "reasoning" or after == "reasoning":
            self.result.reasoning_tokens += len(undecided)
        else:
            entries = [entry for entry in undecided if entry is not None]
            self.pending_logprobs.extend(entries)
            self.result.logprobs.extend(entries)
        return self._route(pieces)

    def run(self) -> Generator[Delta, None, ChoiceResult]:
        """Generate the choice, in phases that differ in their grammar.

        - "think": a thinking model thinks freely first when a grammar must shape the
          answer (a grammar describes the answer, not the thinking);
        - "answer": the answer, under the request's grammar if any;
        - "call": with tools on "auto", once the model opens a tool call itself, the
          rest of the call follows the tools' schemas (as llama.cpp's server does), so
          a call the model chose to make is always well formed.
        """
        job = self.job
        phase = "think" if job.grammar and job.prompt.thinking else "answer"
        while self.result.completion_tokens < job.budget:
            if phase == "think":
                outcome = yield from self._generate(None, until="thought")
            elif phase == "answer":
                watch = "tool_call" if job.chat.tools_active and not job.grammar else None
                outcome = yield from self._generate(job.grammar, until=watch)
            else:
                outcome = yield from self._generate(self._call_grammar(), until=None)
            if outcome in ("thought", "no thinking"):
                phase = "answer"
            elif outcome == "tool_call":
                phase = "call"
            else:
                break
        yield from self._finish()
        return self.result

    def _call_grammar(self) -> str:
        chat = self.job.chat
        return tool_call_grammar(
            chat.tools or [],
            TOOL_OPEN,
            TOOL_CLOSE,
            already_open=True,
            several=chat.parallel_tool_calls,
        )

    def _generate(self, grammar: str | None, until: str | None) -> Generator[Delta, None, str]:
        """Generate under `grammar` until the end, or until the event `until` happens.

        Returns "end" (the model stopped, the budget ran out or a stop string came),
        "thought" (the <think> block closed), "no thinking" (the reply did not open
        one; nothing was shown, start again) or "tool_call" (the model opened a call).
        """
        job = self.job
        chat = job.chat
        steps = sample(
            job.model,
            job.prompt.tokens + self.tokens,
            job.sampling(self.result.index),
            grammar=grammar,
            max_new=job.budget - self.result.completion_tokens,
            limits=job.limits,
            turn=self.turn,
            top_logprobs=chat.top_logprobs if chat.logprobs else None,
        )
        try:
            while True:
                try:
                    step = next(steps)
                except StopIteration as done:
                    self.result.finish_reason = str(done.value)
                    return "end"
                deltas = self._take(step)
                if until == "thought" and self.think.decided_no_thinking:
                    self._restart()  # no <think>: answer under the grammar from the start
                    return "no thinking"
                yield from deltas
                if self.stops.stopped:
                    self.result.finish_reason = "stop"
                    return "end"
                if until == "thought" and self.think.state == "content":
                    return "thought"
                if until == "tool_call" and self.tools.collecting:
                    return "tool_call"
        finally:
            steps.close()

    def _restart(self) -> None:
        """Forget tokens generated before the grammar phase (they were never shown)."""
        self.tokens = []
        self.result = ChoiceResult(self.result.index)
        self._reset_text()

    def _finish(self) -> Iterator[Delta]:
        tail = self.stops.finish() if not self.stops.stopped else ""
        yield from self._route(self.think.feed(self.utf8.finish() + tail))
        yield from self._route(self.think.finish())
        text, calls = self.tools.finish()
        if not self.job.chat.parallel_tool_calls:
            calls = calls[:1]
        if text:
            self.result.content += text
            yield Delta("content", text, self.pending_logprobs)
            self.pending_logprobs = []
        if calls:
            self.result.tool_calls = calls
            if self.result.finish_reason == "stop":
                self.result.finish_reason = "tool_calls"
            yield Delta("tool_calls", calls)
        if self.pending_logprobs:
            yield Delta("content", "", self.pending_logprobs)
            self.pending_logprobs = []


def run_choices(job: Job, turn: Turn) -> Generator[Delta | ChoiceResult, None, None]:
    """Every choice in turn: its deltas as generated, then its `ChoiceResult`."""
    for index in range(job.chat.n):
        run = _ChoiceRun(job, index, turn)
        result = yield from run.run()
        yield result


def _usage(job: Job, results: list[ChoiceResult]) -> dict[str, Any]:
    return usage_block(
        len(job.prompt.tokens),
        sum(r.completion_tokens for r in results),
        sum(r.reasoning_tokens for r in results),
    )


def _message(result: ChoiceResult) -> dict[str, Any]:
    content: str | None = result.content
    if result.tool_calls and not (content or "").strip():
        content = None
    message: dict[str, Any] = {
        "role": "assistant",
        "content": content,
        "refusal": None,
        "annotations": [],
    }
    if result.reasoning:
        message["reasoning_content"] = result.reasoning
    if result.tool_calls:
        message["tool_calls"] = result.tool_calls
    return message


def complete(job: Job, turn: Turn) -> dict[str, Any]:
    """Run every choice to the end and return the `chat.completion` object."""
    results = [item for item in run_choices(job, turn) if isinstance(item, ChoiceResult)]
    return {
        "id": job.id,
        "object": "chat.completion",
        "created": job.created,
        "model": job.model.model_id,
        "choices": [
            {
                "index": r.index,
                "message": _message(r),
                "logprobs": {"content": r.logprobs, "refusal": None} if job.chat.logprobs else None,
                "finish_reason": r.finish_reason,
            }
            for r in results
        ],
        "usage": _usage(job, results),
        "system_fingerprint": FINGERPRINT,
    }


def _tool_call_deltas(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"index": number, **call} for number, call in enumerate(calls)]


def chunks(job: Job, turn: Turn) -> Iterator[dict[str, Any]]:
    """The `chat.completion.chunk` objects of the streamed reply, each as soon as it is known."""
    base = {
        "id": job.id,
        "object": "chat.completion.chunk",
        "created": job.created,
        "model": job.model.model_id,
        "system_fingerprint": FINGERPRINT,
    }
    with_usage = job.chat.include_usage
    want_logprobs = job.chat.logprobs

    def chunk(index: int, delta: dict[str, Any], reason: str | None = None, lp: Any = None):
        logprobs = {"content": lp or [], "refusal": None} if want_logprobs and lp else None
        item = {
            **base,
            "choices": [
                {"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": reason}
            ],
        }
        if with_usage:
            item["usage"] = None
        return item

    results = []
    index = 0
    yield chunk(0, {"role": "assistant", "content": "", "refusal": None})
    for item in run_choices(job, turn):
        if isinstance(item, ChoiceResult):
            results.append(item)
            yield chunk(item.index, {}, item.finish_reason)
            index = item.index + 1
            if index < job.chat.n:
                yield chunk(index, {"role": "assistant", "content": "", "refusal": None})
        elif item.channel == "content":
            yield chunk(index, {"content": item.value}, lp=item.logprobs)
        elif item.channel == "reasoning":
            yield chunk(index, {"reasoning_content": item.value})
        else:
            yield chunk(index, {"tool_calls": _tool_call_deltas(item.value)})
    if with_usage:
        yield {**base, "choices": [], "usage": _usage(job, results)}
