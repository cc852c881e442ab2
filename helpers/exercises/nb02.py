"""Checkers for the exercises of 02_json_step_prompt."""

from __future__ import annotations

import json
from typing import Any

from helpers.exercises.core import checker


@checker(
    "02.1",
    looked_for="build_messages(question) returning a system message that asks for JSON with "
    "'steps' and 'result', followed by the question alone as the user message",
    hint="Return a list of two dicts. Put all the instructions (mention JSON, steps and result) "
    "in the system message; the user message's content is exactly the question.",
)
def check_02_1(build_messages: Any) -> str | None:
    question = "Is 91 a prime number?"
    messages = build_messages(question)
    if not isinstance(messages, list) or len(messages) != 2:
        return "Return a list with exactly two messages: system, then user."
    system, user = messages
    if system.get("role") != "system" or user.get("role") != "user":
        return "The first message should have role 'system', the second role 'user'."
    if user.get("content") != question:
        return "The user message should be the question and nothing else."
    instructions = str(system.get("content", "")).lower()
    for word in ("json", "steps", "result"):
        if word not in instructions:
            return f"The system message should mention {word!r}."
    if build_messages("Another question")[0] != system:
        return "The system message should be the same for every question."
    return None


@checker(
    "02.2",
    looked_for="step_schema: a response_format dict of type json_schema, strict, whose schema "
    "requires a 'steps' array of strings and a 'result' string and allows nothing else",
    hint="Copy the shape {'type': 'json_schema', 'json_schema': {'name': ..., 'strict': True, "
    "'schema': {...}}}. The inner schema needs properties, required and additionalProperties.",
)
def check_02_2(step_schema: Any) -> str | None:
    if not isinstance(step_schema, dict) or step_schema.get("type") != "json_schema":
        return "step_schema should be a dict with 'type': 'json_schema'."
    spec = step_schema.get("json_schema") or {}
    if not spec.get("name"):
        return "json_schema needs a 'name'."
    if spec.get("strict") is not True:
        return "Set 'strict': True so the server enforces the schema."
    schema = spec.get("schema") or {}
    properties = schema.get("properties") or {}
    if schema.get("type") != "object":
        return "The schema's type should be 'object'."
    steps = properties.get("steps") or {}
    if steps.get("type") != "array" or (steps.get("items") or {}).get("type") != "string":
        return "'steps' should be {'type': 'array', 'items': {'type': 'string'}}."
    if (properties.get("result") or {}).get("type") != "string":
        return "'result' should be {'type': 'string'}."
    if sorted(schema.get("required") or []) != ["result", "steps"]:
        return "Strict mode needs every property listed in 'required'."
    if schema.get("additionalProperties") is not False:
        return "Strict mode needs 'additionalProperties': False."
    return None


@checker(
    "02.3",
    looked_for="read_steps(reply_text) turning a JSON-mode reply into (list of step strings, "
    "result string), numbers included",
    hint="json.loads the text, then take data['steps'] and data['result']; str() the result so "
    "that 4 becomes '4'.",
)
def check_02_3(read_steps: Any) -> str | None:
    cases = [
        ({"steps": ["a", "b"], "result": "yes"}, (["a", "b"], "yes")),
        ({"steps": ["2 + 2 = 4"], "result": 4}, (["2 + 2 = 4"], "4")),
        (
            {"result": "Paris", "steps": ["France's capital is Paris."]},
            (["France's capital is Paris."], "Paris"),
        ),
    ]
    for data, expected in cases:
        got = read_steps(json.dumps(data, indent=2))
        if not isinstance(got, tuple) or len(got) != 2:
            return f"read_steps should return a tuple (steps, result), got {got!r}."
        if (list(got[0]), got[1]) != expected:
            return f"For {json.dumps(data)} expected {expected}, got {got!r}."
    return None
