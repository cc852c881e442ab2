"""Checkers for the exercises of 02_json_step_prompt."""

from __future__ import annotations

import json
import re
from typing import Any

from helpers.exercises.core import as_tuple, checker

# Words that undo a mention when they stand just before it: "never use JSON", "no result".
_NEGATIONS = {"no", "not", "never", "without", "avoid", "don't", "dont", "nor", "neither", "none"}
# ...unless they are followed by a verb of leaving out: "never omit the result" asks for it.
_LEAVE_OUT = {"forget", "omit", "skip", "drop", "leave", "miss", "lose", "exclude"}
_NEGATION_REACH = 3  # how many words before a mention a negation still governs it
# ...and a mention followed by "is not allowed" (or the like) is ruled out, not asked for.
_RULED_OUT = ({"is", "are"}, {"not", "never"}, {"allowed", "permitted", "wanted", "needed"})


def _asked_for(word: str, instructions: str) -> bool:
    """Whether `instructions` ask for `word`: it is mentioned at least once not negated.

    The text is read clause by clause (split at punctuation and at "and"/"but", which
    end what a negation governs); a mention counts when no negation stands in the few
    words before it, or that negation is about leaving something out ("never omit").
    """
    text = instructions.lower().replace("\u2019", "'")
    for clause in re.split(r"[.,;:!?()\n]|\band\b|\bbut\b|\bthen\b", text):
        words = re.findall(r"[a-z']+", clause)
        for index, found in enumerate(words):
            if found != word:
                continue
            before = words[max(0, index - _NEGATION_REACH) : index]
            negated = [n for n, w in enumerate(before) if w in _NEGATIONS]
            if negated:
                after_negation = before[negated[-1] + 1 : negated[-1] + 2]
                if not (set(after_negation) & _LEAVE_OUT):
                    continue
            after = words[index + 1 : index + 1 + len(_RULED_OUT)]
            if len(after) == len(_RULED_OUT) and all(
                w in allowed for w, allowed in zip(after, _RULED_OUT)
            ):
                continue
            return True
    return False


@checker("02.1")
def check_02_1(build_messages: Any) -> str | None:
    """build_messages(question) returning a system message that asks for JSON with 'steps' and
    'result', followed by the question alone as the user message

    Hint: Return a list of two dicts. Put all the instructions in the system message: ask for
    JSON with a 'steps' list and a 'result' (showing the shape, like {"steps": [...], "result":
    "..."}, helps). The user message's content is exactly the question.
    """
    question = "Is 91 a prime number?"
    messages = build_messages(question)
    if not isinstance(messages, list) or len(messages) != 2:
        return "Return a list with exactly two messages: system, then user."
    system, user = messages
    if not isinstance(system, dict) or not isinstance(user, dict):
        return "Each message should be a dict like {'role': 'user', 'content': '...'}."
    if system.get("role") != "system" or user.get("role") != "user":
        return "The first message should have role 'system', the second role 'user'."
    if user.get("content") != question:
        return "The user message should be the question and nothing else."
    instructions = system.get("content")
    if not isinstance(instructions, str) or not instructions.strip():
        return "The system message's content should be your rules, as a string."
    words = re.findall(r"[a-z]+", instructions.lower())
    if "json" not in words:
        return (
            "The system message should ask for JSON (JSON mode also refuses a request whose "
            "messages never say 'JSON')."
        )
    for word, shown in (("json", "JSON"), ("steps", "'steps'"), ("result", "'result'")):
        if word not in words:
            return f"The system message should name the key {shown}, the way your code reads it."
        if not _asked_for(word, instructions):
            return (
                f"The system message mentions {shown} only to rule it out (with a 'no', "
                "'not', 'never' or 'not allowed'); it should ask for it."
            )
    if build_messages("Another question")[0] != system:
        return "The system message should be the same for every question."
    return None


@checker("02.2")
def check_02_2(step_schema: Any) -> str | None:
    """step_schema: a response_format dict of type json_schema, strict, whose schema requires a
    'steps' array of strings and a 'result' string and allows nothing else

    Hint: Copy the shape {'type': 'json_schema', 'json_schema': {'name': ..., 'strict': True,
    'schema': {...}}}. The inner schema needs properties, required and additionalProperties.
    """
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
    extra = sorted(set(properties) - {"steps", "result"})
    if extra:
        return (
            f"The schema allows more than steps and result ({', '.join(map(repr, extra))}); "
            "strict mode rejects a property that is not required, and the task allows "
            "nothing else."
        )
    if sorted(schema.get("required") or []) != ["result", "steps"]:
        return "Strict mode needs every property listed in 'required'."
    if schema.get("additionalProperties") is not False:
        return "Strict mode needs 'additionalProperties': False."
    return None


@checker("02.3")
def check_02_3(read_steps: Any) -> str | None:
    """read_steps(reply_text) turning a JSON-mode reply into (list of step strings, result string),
    numbers included

    Hint: json.loads the text, then take data['steps'] and data['result']; str() the result so
    that 4 becomes '4'.
    """
    cases = [
        ({"steps": ["a", "b"], "result": "yes"}, (["a", "b"], "yes")),
        ({"steps": ["2 + 2 = 4"], "result": 4}, (["2 + 2 = 4"], "4")),
        (
            {"result": "Paris", "steps": ["France's capital is Paris."]},
            (["France's capital is Paris."], "Paris"),
        ),
    ]
    for data, expected in cases:
        returned = read_steps(json.dumps(data, indent=2))
        got = as_tuple(returned, 2)
        if got is None:
            return f"read_steps should return a pair (steps, result), got {returned!r}."
        if (list(got[0]), got[1]) != expected:
            return f"For {json.dumps(data)} expected {expected}, got {returned!r}."
    return None
