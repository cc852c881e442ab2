"""Chat-completion responses in the exact JSON shape the API sends.

Used to write hand-written recordings and by the tests' local server. Token
counts here are *estimates* (about four characters per token, plus a few tokens
of overhead per message), because no tokenizer is bundled; recordings made from
a real model carry the server's real counts instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

HANDWRITTEN_FINGERPRINT = "fp_handwritten"
DEFAULT_WIRE_MODEL = "gpt-4o-mini-2024-07-18"
_TOKEN_PIECE = re.compile(r" ?[A-Za-z]{1,8}| ?\d{1,3}| ?[^\sA-Za-z\d]|\s+")


# ---- token estimates --------------------------------------------------------------
def split_into_tokens(text: str) -> list[str]:
    """Cut text into token-sized pieces (a word with its leading space, a digit group, ...)."""
    pieces = _TOKEN_PIECE.findall(text)
    assert "".join(pieces) == text, "token pieces must rebuild the text"
    return pieces


def estimate_tokens(text: str) -> int:
    """Roughly how many tokens a text is (always at least 1 for non-empty text)."""
    return len(split_into_tokens(text)) if text else 0


def estimate_prompt_tokens(body: dict[str, Any]) -> int:
    """Estimated prompt tokens of a chat request: its messages, tools and schema."""
    total = 3  # every reply is primed with a few tokens
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        total += 4 + estimate_tokens(content or "")
        for call in message.get("tool_calls") or []:
            total += estimate_tokens(json.dumps(call.get("function", {})))
    for extra in ("tools", "response_format"):
        if body.get(extra):
            total += estimate_tokens(json.dumps(body[extra]))
    return total


def usage_block(
    prompt_tokens: int, completion_tokens: int, reasoning_tokens: int = 0
) -> dict[str, Any]:
    """A `usage` object as the API writes it."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


# ---- ids and times ----------------------------------------------------------------
def completion_id(*parts: Any) -> str:
    """A stable id in the API's format, derived from the content (so files don't churn)."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return "chatcmpl-" + digest[:29]


def timestamp(date: str | None = None) -> int:
    """Unix time of noon UTC on `date` (ISO; default today)."""
    day = dt.date.fromisoformat(date) if date else dt.date.today()
    return int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc).timestamp())


# ---- whole responses --------------------------------------------------------------
def _message(
    content: str | None,
    tool_calls: list[dict[str, Any]] | None,
    refusal: str | None,
    reasoning: str | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": content,
        "refusal": refusal,
        "annotations": [],
    }
    if reasoning:  # a thinking model's thinking, the way llama.cpp and vLLM send it
        message["reasoning_content"] = reasoning
    if tool_calls:
        message["tool_calls"] = tool_calls
    return message


def tool_call(call_id: str, name: str, arguments: dict[str, Any] | str) -> dict[str, Any]:
    """One entry of `message.tool_calls`."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}


def chat_completion(
    request: dict[str, Any],
    contents: str | list[str | None] | None,
    *,
    finish_reason: str | list[str] | None = "stop",
    tool_calls: list[dict[str, Any]] | None = None,
    refusal: str | None = None,
    model: str = DEFAULT_WIRE_MODEL,
    date: str | None = None,
    reasoning_tokens: int = 0,
    fingerprint: str = HANDWRITTEN_FINGERPRINT,
    reasoning: str | None = None,
) -> dict[str, Any]:
    """A `chat.completion` object answering `request`.

    `contents` may be a list (one entry per choice, for requests with `n`).
    `finish_reason=None` sends `null` there, as a server does that does not say how the
    answer ended.
    `reasoning` is the thinking of a model that thinks apart from its answer: sent as the
    first choice's `reasoning_content` and, unless `reasoning_tokens` says otherwise,
    counted as reasoning tokens.
    Usage is estimated from the request and the answer text.
    """
    if reasoning and not reasoning_tokens:
        reasoning_tokens = estimate_tokens(reasoning)
    texts = contents if isinstance(contents, list) else [contents]
    reasons = finish_reason if isinstance(finish_reason, list) else [finish_reason] * len(texts)
    choices = []
    completion_tokens = reasoning_tokens
    for index, (text, reason) in enumerate(zip(texts, reasons)):
        calls = tool_calls if index == 0 else None
        choices.append(
            {
                "index": index,
                "message": _message(text, calls, refusal, reasoning if index == 0 else None),
                "logprobs": None,
                "finish_reason": "tool_calls" if calls and reason == "stop" else reason,
            }
        )
        completion_tokens += estimate_tokens(text or refusal or "")
        for call in calls or []:
            function = call["function"]
            completion_tokens += estimate_tokens(function["name"] + function["arguments"])
    return {
        "id": completion_id(request, texts, tool_calls),
        "object": "chat.completion",
        "created": timestamp(date),
        "model": model,
        "choices": choices,
        "usage": usage_block(estimate_prompt_tokens(request), completion_tokens, reasoning_tokens),
        "service_tier": "default",
        "system_fingerprint": fingerprint,
    }


def chat_completion_chunks(
    request: dict[str, Any],
    content: str,
    *,
    finish_reason: str = "stop",
    model: str = DEFAULT_WIRE_MODEL,
    date: str | None = None,
    fingerprint: str = HANDWRITTEN_FINGERPRINT,
    include_usage: bool | None = None,
) -> list[dict[str, Any]]:
    """The `chat.completion.chunk` events of a streamed answer, one token-sized piece each.

    The usage chunk is added when the request asked for it with
    `stream_options={"include_usage": True}` (or when `include_usage` says so).
    """
    if include_usage is None:
        include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
    base = {
        "id": completion_id(request, content, "stream"),
        "object": "chat.completion.chunk",
        "created": timestamp(date),
        "model": model,
        "service_tier": "default",
        "system_fingerprint": fingerprint,
    }

    def chunk(delta: dict[str, Any], reason: str | None = None) -> dict[str, Any]:
        item = {
            **base,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}],
        }
        if include_usage:
            item["usage"] = None
        return item

    pieces = split_into_tokens(content)
    chunks = [chunk({"role": "assistant", "content": "", "refusal": None})]
    chunks += [chunk({"content": piece}) for piece in pieces]
    chunks.append(chunk({}, finish_reason))
    if include_usage:
        usage = usage_block(estimate_prompt_tokens(request), len(pieces))
        chunks.append({**base, "choices": [], "usage": usage})
    return chunks


def error_body(message: str, kind: str = "invalid_request_error", code: str | None = None) -> dict:
    """An error response body in the API's format."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}
