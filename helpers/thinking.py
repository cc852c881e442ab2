"""`think()`: one call with the step prompt, read back as a `Reasoning`.

    reasoning = helpers.think("How many r's are in strawberry?")
    reasoning.steps, reasoning.result, reasoning.usage, reasoning.elapsed

With `stream=True` and a live `StepViewer`, each step appears the moment it is
complete in the stream. A reply cut off by `max_tokens` (`finish_reason ==
"length"`) always raises, even when the text happens to parse: half an answer is
never passed off as a whole one; neither is a stream that ends with no
`finish_reason` (the connection, not the model, ended it). Each call may write
`THINK_TOKENS` tokens unless you pass `max_tokens=` (see `helpers/token_limits.py`).
If the call fails, a live viewer is told why, so it never shows "Thinking..." for ever.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import httpx2
import openai

from helpers.errors import add_advice, explain_error
from helpers.modes.client import get_client
from helpers.modes.reply_checks import ReplyCutOff, scrub_text
from helpers.modes.settings import default_model
from helpers.parsing.errors import ReasoningParseError, cut_off_error
from helpers.parsing.parse import parse_reasoning
from helpers.prompts import JSON_MODE, STEPS_SYSTEM_PROMPT, step_messages
from helpers.reasoning import Reasoning, Usage
from helpers.token_limits import THINK_TOKENS, sent_limit, with_token_limit

RETRY_REQUEST = (
    "Your previous reply could not be read: {problem} Reply again with only the corrected "
    'JSON object, in exactly this shape: {{"steps": ["..."], "result": "..."}}.'
)


def _truncation_error(text: str, max_tokens: Any) -> ReasoningParseError:
    return cut_off_error(text, max_tokens)  # says max_tokens only when one was set


def read_reply(
    text: str | None, finish_reason: str | None, refusal: str | None, max_tokens: Any = None
) -> Reasoning:
    """Turn one step-prompt reply into a Reasoning, or raise ReasoningParseError saying why not.

    The reading rules `think` uses, shared with the evaluation harness: a refusal
    or a reply cut off at `max_tokens` (`finish_reason == "length"`) raises even
    when the text happens to parse; anything else goes through `parse_reasoning`.
    """
    if refusal:
        raise ReasoningParseError("refusal", refusal, text or "")
    if finish_reason == "length":
        raise _truncation_error(text or "", max_tokens)
    return parse_reasoning(text or "")


def think(
    question: str,
    *,
    client: openai.OpenAI | None = None,
    model: str | None = None,
    system_prompt: str = STEPS_SYSTEM_PROMPT,
    response_format: dict[str, Any] | None = JSON_MODE,
    retry: bool = False,
    stream: bool = False,
    viewer: Any = None,
    **options: Any,
) -> Reasoning:
    """Ask `question` with the step prompt and return the parsed `Reasoning`.

    Args:
        question: what to ask.
        client: an `openai.OpenAI` client (default: `helpers.get_client()`).
        model: the model name (default: `helpers.default_model()`).
        system_prompt: the rules; the default asks for `{"steps": [...], "result": ...}`.
        response_format: JSON mode by default; None for servers without it, or a
            structured-outputs schema such as `helpers.STEPS_JSON_SCHEMA`.
        retry: if the reply cannot be read, show the model the problem once and ask
            for a corrected answer (costs a second call, counted in `usage`).
        stream: stream the reply; with `viewer`, steps appear as they complete.
        viewer: a live `StepViewer` (from `StepViewer.live(question)`) to feed.
        **options: passed to `chat.completions.create` (e.g. `temperature`). The reply
            may write `THINK_TOKENS` tokens; `max_tokens=` changes that (None: no limit).
            `timeout=` is the call's deadline in seconds, retries included (live).

    Raises:
        ReasoningParseError: the reply cannot honestly be read as steps and a result
            (cut off, refused, no JSON, ...); its message says which.
        openai.OpenAIError: the call itself failed; a line of advice is attached.
    """
    client = client or get_client()
    model = model or default_model()
    messages = step_messages(question, system_prompt)
    options = with_token_limit(options, client, model, THINK_TOKENS)
    limit = sent_limit(options)
    if response_format is not None:
        options["response_format"] = response_format
    call = _stream_once if stream else _call_once
    start = time.perf_counter()
    text, finish_reason, refusal, usage, served_by = call(client, model, messages, options, viewer)
    calls = [usage] if usage else []
    try:
        reasoning = read_reply(text, finish_reason, refusal, limit)
    except ReasoningParseError as problem:
        if not retry or problem.reason == "refusal":
            _finish_viewer(viewer, None, finish_reason, problem)
            raise
        messages = [
            *messages,
            {"role": "assistant", "content": text or ""},
            {"role": "user", "content": RETRY_REQUEST.format(problem=problem)},
        ]
        if viewer is not None:
            viewer.start_live()
        text, finish_reason, refusal, more, served_by = call(
            client, model, messages, options, viewer
        )
        usage = usage + more if usage else more
        calls += [more] if more else []
        try:
            reasoning = read_reply(text, finish_reason, refusal, limit)
        except ReasoningParseError as second:
            _finish_viewer(viewer, None, finish_reason, second)
            raise
        reasoning.repairs.append("asked the model to correct an answer that could not be read")
    reasoning = replace(
        reasoning,
        question=question,
        usage=usage,
        elapsed=time.perf_counter() - start,
        model=served_by or model,
        finish_reason=finish_reason,
        calls=calls,
    )
    _finish_viewer(viewer, reasoning, finish_reason, None)
    return reasoning


def call_failed(viewer: Any, error: BaseException) -> BaseException:
    """A call failed: end a live viewer with the reason (so it never shows "Thinking..."
    for ever), attach the line of advice to the error and return it, to be raised."""
    if viewer is not None and getattr(viewer, "is_live", False):
        viewer.finish(error=explain_error(error))
    return add_advice(error)


def _call_once(client, model, messages, options, viewer):
    try:
        reply = client.chat.completions.create(model=model, messages=messages, **options)
    except openai.OpenAIError as error:
        raise call_failed(viewer, error) from None
    choice = reply.choices[0]
    message = choice.message
    usage = Usage.from_api(reply.usage)
    return message.content, choice.finish_reason, message.refusal, usage, reply.model


def _stream_once(client, model, messages, options, viewer):
    options = {**options, "stream": True, "stream_options": {"include_usage": True}}
    pieces: list[str] = []
    finish_reason = refusal = served_by = None
    usage = None
    try:
        stream = client.chat.completions.create(model=model, messages=messages, **options)
        for chunk in stream:
            served_by = chunk.model or served_by
            if chunk.usage:
                usage = Usage.from_api(chunk.usage)
            if not chunk.choices:
                continue
            choice = chunk.choices[0]
            finish_reason = choice.finish_reason or finish_reason
            delta = choice.delta
            if delta.refusal:
                refusal = (refusal or "") + delta.refusal
            if delta.content:
                pieces.append(delta.content)
                if viewer is not None:
                    viewer.feed(delta.content)
    except (openai.APIConnectionError, httpx2.TransportError) as error:
        # The connection broke mid-answer: show what arrived, never a made-up ending.
        if viewer is not None:
            viewer.finish(finish_reason="dropped", error=explain_error(error))
        raise add_advice(error) from None
    except openai.OpenAIError as error:  # e.g. the server sent an error event mid-stream
        raise call_failed(viewer, error) from None
    text = scrub_text("".join(pieces), getattr(client, "api_key", None))
    if finish_reason is None:  # it ended without saying it was done: the connection cut it
        if viewer is not None and getattr(viewer, "is_live", False):
            viewer.finish()  # the viewer names a stream with no finish reason itself
        raise add_advice(ReplyCutOff(stream.response.request, len(text)))
    return text, finish_reason, refusal, usage, served_by


def _finish_viewer(viewer, reasoning, finish_reason, problem) -> None:
    if viewer is None or not getattr(viewer, "is_live", False):
        return
    if problem is None:
        viewer.finish(reasoning, finish_reason=finish_reason)
    elif finish_reason == "length":
        viewer.finish(finish_reason="length")
    else:
        viewer.finish(error=str(problem))
