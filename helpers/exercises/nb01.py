"""Checkers for the exercises of 01_raw_api_calls."""

from __future__ import annotations

import json
import math
from typing import Any

from helpers.exercises.core import checker
from helpers.modes.wire import chat_completion


@checker(
    "01.1",
    looked_for="chat_body(question, system=None, temperature=None) building a JSON-ready request "
    "body: model, messages (system first when given, then user) and temperature only when given",
    hint="Start with body = {'model': ..., 'messages': []}. Append {'role': 'system', ...} only "
    "if system is not None, then the user message. Add 'temperature' only when it is not None.",
)
def check_01_1(chat_body: Any) -> str | None:
    body = chat_body("What is 2 + 2?")
    if not isinstance(body, dict):
        return f"chat_body returned {type(body).__name__}, not a dict."
    json.dumps(body)  # must be JSON-ready; raises (and is reported) otherwise
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "The body needs a 'model' string."
    if body.get("messages") != [{"role": "user", "content": "What is 2 + 2?"}]:
        got = body.get("messages")
        return f"With no system prompt, messages should be one user message; got {got}."
    if "temperature" in body:
        return "With temperature=None, leave 'temperature' out of the body."
    body = chat_body("Hi", system="Be brief.", temperature=0.2)
    expected = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    if body.get("messages") != expected:
        return f"With a system prompt, messages should be {expected}; got {body.get('messages')}."
    if body.get("temperature") != 0.2:
        return "temperature=0.2 should appear in the body as 0.2."
    return None


def _response(text: str | None, reason: str) -> dict:
    return chat_completion(
        {"messages": [{"role": "user", "content": "x"}]}, text, finish_reason=reason
    )


@checker(
    "01.2",
    looked_for="read_reply(response_json) returning (text, finish_reason, total_tokens) from a "
    "raw chat-completion JSON dict",
    hint="The text is in response_json['choices'][0]['message']['content']; finish_reason sits "
    "next to 'message' in the same choice; the token count is in response_json['usage'].",
)
def check_01_2(read_reply: Any) -> str | None:
    for text, reason in (("Paris.", "stop"), ("The capital of France is", "length")):
        response = _response(text, reason)
        got = read_reply(response)
        expected = (text, reason, response["usage"]["total_tokens"])
        if tuple(got) != expected:
            return f"For a reply {text!r} ({reason}) expected {expected}, got {got!r}."
    return None


@checker(
    "01.3",
    looked_for="cost_in_dollars(prompt_tokens, completion_tokens, input_price, output_price) "
    "with prices in dollars per million tokens",
    hint="Each side costs tokens x price / 1,000,000; add the two sides.",
)
def check_01_3(cost_in_dollars: Any) -> str | None:
    cases = [
        ((1_000_000, 0, 0.15, 0.60), 0.15),
        ((0, 1_000_000, 0.15, 0.60), 0.60),
        ((1200, 350, 0.15, 0.60), 0.00039),
        ((0, 0, 2.5, 10.0), 0.0),
    ]
    for args, expected in cases:
        got = cost_in_dollars(*args)
        if not isinstance(got, (int, float)) or not math.isclose(
            got, expected, rel_tol=1e-9, abs_tol=1e-12
        ):
            return f"cost_in_dollars{args} should be {expected}, got {got!r}."
    return None
