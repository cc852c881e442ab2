"""The prompts that make a chat model think in steps and answer as JSON.

Notebook 02 builds them in the open; this is the tidy version later notebooks
reuse. Two styles:

* `NUMBERED_KEYS_PROMPT`: one user message asking for `step1 ... stepN` and
  `result` keys (the first idea, with its problems).
* `STEPS_SYSTEM_PROMPT`: the improved version: rules in a system message, the
  question alone in the user message, and a `steps` list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

NUMBERED_KEYS_PROMPT = """\
Work out the answer to the question below. Think it through in small numbered steps \
before you answer, then give the final answer.

Reply in JSON with one key per step and a key for the answer, like this:
{{"step1": "...", "step2": "...", "step3": "...", "result": "..."}}

Question: {question}"""

STEPS_SYSTEM_PROMPT = """\
You solve problems carefully, one small step at a time, and only then answer.

Reply with a single JSON object and nothing else, in exactly this shape:
{"steps": ["<first step>", "<second step>", "..."], "result": "<final answer>"}

Rules:
- Each step is one short piece of reasoning that a reader can check.
- Use as many steps as the problem needs; three to eight is typical.
- Make the last step a check of your work.
- "result" holds only the final answer, as briefly as possible.
- Inside strings, write a newline as \\n and a double quote as \\"."""


class StepAnswer(BaseModel):
    """The answer shape, for structured outputs (`client.chat.completions.parse`)."""

    model_config = ConfigDict(extra="forbid")

    steps: list[str] = Field(
        min_length=1, description="The reasoning, one short checkable step per entry."
    )
    result: str = Field(description="Only the final answer, as briefly as possible.")


# "minItems": 1, because a server that enforces the schema with a grammar (llama.cpp) will
# otherwise happily produce `"steps": []`; where a server ignores it, `parse_reasoning`
# still refuses an empty step list.
STEPS_JSON_SCHEMA: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": "step_answer",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "steps": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "result": {"type": "string"},
            },
            "required": ["steps", "result"],
            "additionalProperties": False,
        },
    },
}

JSON_MODE: dict[str, str] = {"type": "json_object"}


def numbered_keys_messages(question: str) -> list[dict[str, str]]:
    """The first, naive request: everything in one user message."""
    return [{"role": "user", "content": NUMBERED_KEYS_PROMPT.format(question=question)}]


def step_messages(question: str, system_prompt: str = STEPS_SYSTEM_PROMPT) -> list[dict[str, str]]:
    """The improved request: the rules as a system message, the question on its own."""
    return [
        {"role": "system", "content": system_prompt},
        {"role": "user", "content": question},
    ]


def as_sdk_messages(messages: Iterable[Mapping[str, Any]]) -> list[ChatCompletionMessageParam]:
    """`messages` as the SDK's own type. The course builds messages as plain dicts,
    which is exactly what the SDK sends; this only tells the type checker so."""
    return cast("list[ChatCompletionMessageParam]", list(messages))
