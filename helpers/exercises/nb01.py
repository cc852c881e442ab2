"""Checkers for the exercises of 01_raw_api_calls."""

from __future__ import annotations

import json
import math
from typing import Any

from helpers.exercises.core import as_tuple, checker
from helpers.modes.settings import default_model
from helpers.modes.wire import chat_completion

_MARKED_MODEL = "the-model-named-by-MODEL"  # put in MODEL while checking, to see it is used


@checker("01.1")
def check_01_1(chat_body: Any) -> str | None:
    """chat_body(question, system=None, temperature=None) building a JSON-ready request body: model
    (the notebook's MODEL), messages (system first when given, then user) and temperature only
    when given, 0 included

    Hint: Start with body = {'model': MODEL, 'messages': []}. Append {'role': 'system', ...}
    only if system is not None, then the user message. Add 'temperature' only when it is not
    None (test `is not None`: 0 is a temperature too).
    """
    namespace = getattr(chat_body, "__globals__", {})  # the notebook's names, MODEL among them
    names = getattr(getattr(chat_body, "__code__", None), "co_names", ())
    expected_models = {default_model()} if "default_model" in names else set()
    if "MODEL" in namespace:
        notebook_model = namespace["MODEL"]
        namespace["MODEL"] = _MARKED_MODEL
        try:
            body = chat_body("What is 2 + 2?")
        finally:
            namespace["MODEL"] = notebook_model
        expected_models.add(_MARKED_MODEL)
    else:
        body = chat_body("What is 2 + 2?")
        expected_models.add(default_model())
    if not isinstance(body, dict):
        return f"chat_body returned {type(body).__name__}, not a dict."
    json.dumps(body)  # must be JSON-ready; raises (and is reported) otherwise
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "The body needs a 'model' string."
    if body["model"] not in expected_models:
        return (
            f"The model should come from the notebook's MODEL variable, not be written out "
            f"({body['model']!r}): MODEL follows the mode and HOMEMADE_O1_MODEL."
        )
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
    body = chat_body("Hi", temperature=0)
    if body.get("temperature") != 0 or "temperature" not in body:
        return (
            "temperature=0 should appear in the body as 0: it is a real setting (the most "
            "predictable one). Test `temperature is not None`, not `if temperature:`."
        )
    if body.get("messages") != [{"role": "user", "content": "Hi"}]:
        return "With system=None, there should be no system message."
    return None


def _response(text: str | None, reason: str) -> dict:
    return chat_completion(
        {"messages": [{"role": "user", "content": "x"}]}, text, finish_reason=reason
    )


@checker("01.2")
def check_01_2(read_reply: Any) -> str | None:
    """read_reply(response_json) returning (text, finish_reason, total_tokens) from a raw
    chat-completion JSON dict

    Hint: The text is in response_json['choices'][0]['message']['content']; finish_reason sits
    next to 'message' in the same choice; the token count is in response_json['usage'].
    """
    for text, reason in (("Paris.", "stop"), ("The capital of France is", "length")):
        response = _response(text, reason)
        got = read_reply(response)
        expected = (text, reason, response["usage"]["total_tokens"])
        if as_tuple(got, 3) != expected:
            return f"For a reply {text!r} ({reason}) expected {expected}, got {got!r}."
    return None


@checker("01.3")
def check_01_3(cost_in_dollars: Any) -> str | None:
    """cost_in_dollars(prompt_tokens, completion_tokens, input_price, output_price) with prices in
    dollars per million tokens

    Hint: Each side costs tokens x price / 1,000,000; add the two sides.
    """
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
