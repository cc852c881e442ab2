"""Read reasoning steps and a final result out of a loaded JSON value.

Models spell the same answer in many shapes. This module accepts:

* a `steps` list (strings, or objects such as g1's `{"title", "content"}` or the
  OpenAI cookbook's `{"explanation", "output"}`), or a `steps` object keyed by number;
* numbered keys in any spelling (`step1`, `Step 2`, `step_3`, `STEP-4`, `step\\_5`),
  ordered by their number so `step10` comes after `step9`;
* a bare `step` key repeated once per step, in document order;
* the result under `result`, `final_answer` or `answer` (ignoring case, spaces,
  `_` and `-`), before, between or after the steps;
* the whole answer wrapped under one key (`{"response": {...}}`) or encoded as a
  JSON string inside the JSON.

Numbers become strings ("72", "3.5") and booleans "true"/"false". Other keys are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from helpers.parsing.repair import JsonObject

RESULT_KEYS = frozenset({"result", "finalanswer", "answer", "finalresult", "conclusion"})
STEP_LIST_KEYS = (  # in order of preference
    "steps",
    "reasoningsteps",
    "reasoning",
    "thoughts",
    "thinking",
    "chainofthought",
    "thoughtprocess",
    "solutionsteps",
    "stepbystep",
    "workings",
    "calculations",
    "explanation",
    "explanations",
    "analysis",
    "solution",
    "rationale",
    "derivation",
    "work",
)
TITLE_KEYS = ("title", "heading", "header", "name", "label")
CONTENT_KEYS = (
    "content",
    "text",
    "explanation",
    "description",
    "reasoning",
    "thought",
    "thinking",
    "details",
    "detail",
    "body",
    "analysis",
    "work",
)
OUTPUT_KEYS = ("output", "result", "calculation", "equation")
NUMBER_KEYS = ("step", "number", "stepnumber", "index", "id", "n")
_STEP_KEY = re.compile(r"step[\s_\-#.]*(\d+)(?:\s*[:.)\-–—]?\s*(.*))?", re.IGNORECASE | re.DOTALL)
_DIGITS = re.compile(r"\d+")


def normalize_key(key: str) -> str:
    """Lower-case a key and keep only letters and digits ("**Final Answer:**" -> "finalanswer")."""
    return re.sub(r"[\W_]", "", key.lower())


def step_key_number(key: str) -> tuple[int, str | None] | None:
    """The step number (and any title written in the key) for keys like "step3" or "Step 2: Add".

    Returns None for keys that are not numbered steps.
    """
    match = _STEP_KEY.fullmatch(re.sub(r"[\\*`]", "", key).strip())
    if match is None:
        return None
    title = (match.group(2) or "").strip() or None
    return int(match.group(1)), title


def natural_step_order(keys: Iterable[str]) -> list[str]:
    """The numbered step keys among `keys`, sorted by their number (step2 before step10)."""
    numbered = [
        (found[0], position, key)
        for position, key in enumerate(keys)
        if (found := step_key_number(key)) is not None
    ]
    return [key for _, _, key in sorted(numbered)]


def as_text(value: Any) -> str:
    """A JSON value as a string: numbers as written, booleans "true"/"false", null as "".

    A list of plain values is joined with ", "; any other list or object is JSON text.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and all(
        item is None or isinstance(item, (str, int, float)) for item in value
    ):
        return ", ".join(as_text(item) for item in value)
    return json.dumps(value, ensure_ascii=False)


def _pairs(obj: dict[str, Any]) -> list[tuple[str, Any]]:
    return obj.pairs if isinstance(obj, JsonObject) else list(obj.items())


def _first(obj: dict[str, Any], names: Iterable[str]) -> tuple[str, Any] | None:
    by_name = {normalize_key(key): (key, value) for key, value in _pairs(obj)}
    for name in names:
        if name in by_name and by_name[name][1] not in (None, ""):
            return by_name[name]
    return None


def read_step(value: Any) -> tuple[str, str | None]:
    """One step as (text, title). Objects give their content and keep their title apart."""
    if isinstance(value, list):
        return "\n".join(read_step(item)[0] for item in value), None
    if not isinstance(value, dict):
        return as_text(value), None
    title_pair = _first(value, TITLE_KEYS)
    title = as_text(title_pair[1]) if title_pair else None
    label = _first(value, ("step",))
    if label and isinstance(label[1], str) and not label[1].strip().isdigit():
        title = title or label[1]  # {"step": "Understand the problem", "content": ...}
    content_pair = _first(value, CONTENT_KEYS)
    output_pair = _first(value, OUTPUT_KEYS)
    content = as_text(content_pair[1]) if content_pair else ""
    output = as_text(output_pair[1]) if output_pair else ""
    if content and output and output != content:
        return f"{content}\n{output}", title
    if content or output:
        return content or output, title
    if label and isinstance(label[1], str) and title == label[1] and not title_pair:
        return label[1], None
    skip = set(TITLE_KEYS) | set(NUMBER_KEYS) | {"nextaction", "confidence"}
    rest = [as_text(item) for key, item in _pairs(value) if normalize_key(key) not in skip]
    if not rest and title is not None:
        return "", title
    return "\n".join(text for text in rest if text), title


def _step_number(value: Any) -> int | None:
    if not isinstance(value, dict):
        return None
    found = _first(value, NUMBER_KEYS)
    if found is None or isinstance(found[1], bool):
        return None
    digits = _DIGITS.search(str(found[1]))
    return int(digits.group()) if digits else None


def read_step_list(value: Any) -> list[tuple[str, str | None]]:
    """Steps from a `steps` value: a list, an object keyed by number, or one string of lines."""
    if isinstance(value, str):
        return [(line, None) for line in value.splitlines() if line.strip()]
    if isinstance(value, dict):
        items = _pairs(value)
        key_numbers = [_DIGITS.search(key) for key, _ in items]
        numbered = [(int(found.group()), pair) for found, pair in zip(key_numbers, items) if found]
        if items and len(numbered) == len(items):
            items = [pair for _, pair in sorted(numbered, key=lambda entry: entry[0])]
        steps = []
        for key, item in items:
            text, title = read_step(item)
            key_title = step_key_number(key)
            steps.append((text, title or (key_title[1] if key_title else None)))
        return steps
    if not isinstance(value, list):
        return []
    step_numbers = [(_step_number(item), item) for item in value]
    known = [(number, item) for number, item in step_numbers if number is not None]
    items = list(value)
    if items and len(known) == len(items):
        items = [item for _, item in sorted(known, key=lambda pair: pair[0])]
    return [read_step(item) for item in items]


@dataclass
class AnswerParts:
    """What one JSON object says: its steps, titles and result, and how it was laid out.

    Attributes:
        steps: step texts, in order.
        titles: one title (or None) per step.
        result: the final result as text, or None when the object has none.
        may_continue: True when numbered steps were still being written after the result
            (so a missing closing brace could hide more steps).
        refusal: the refusal text, when the object is `{"refusal": ...}`.
        repairs: names of the unwrapping done to reach the answer.
        empty_step_list: True when the object has a step list that is empty (`"steps": []`).
    """

    steps: list[str] = field(default_factory=list)
    titles: list[str | None] = field(default_factory=list)
    result: str | None = None
    may_continue: bool = False
    refusal: str | None = None
    repairs: list[str] = field(default_factory=list)
    empty_step_list: bool = False

    @property
    def complete(self) -> bool:
        """True when there is at least one non-blank step and a non-blank result."""
        return any(step.strip() for step in self.steps) and bool(
            self.result is not None and self.result.strip()
        )


def _read_level(obj: dict[str, Any]) -> AnswerParts:
    """Read steps and result written directly in this object (no unwrapping)."""
    numbered: list[tuple[int, int, str | None, Any]] = []
    bare: list[Any] = []
    step_lists: dict[str, Any] = {}
    digit_keyed: list[tuple[int, int, Any]] = []
    result: tuple[int, Any] | None = None
    last_step_position = -1
    refusal = None
    empty_list = False
    for position, (key, value) in enumerate(_pairs(obj)):
        name = normalize_key(key)
        found = step_key_number(key)
        if found is not None:
            numbered.append((found[0], position, found[1], value))
            last_step_position = position
        elif name == "step":
            bare.append(value)
            last_step_position = position
        elif name in STEP_LIST_KEYS and isinstance(value, (list, dict)) and value:
            if not _wraps_answer(value):  # else its steps are one level down: find_answer
                step_lists.setdefault(name, value)
        elif name == "steps" and isinstance(value, (list, dict)):
            empty_list = True  # "steps": [] (a schema without minItems allows it)
        elif name == "steps" and isinstance(value, str) and value.strip():
            step_lists.setdefault(name, value)  # one string holding every step, line by line
        elif name.isdigit() and key.strip().rstrip(".):").isdigit():
            digit_keyed.append((int(name), position, value))
        elif name in RESULT_KEYS and not _holds_answer(value):
            result = (position, value)
        elif name == "refusal" and isinstance(value, str) and value.strip():
            refusal = value
    parts = AnswerParts(refusal=refusal, empty_step_list=empty_list)
    if numbered:
        for _, _, key_title, value in sorted(numbered, key=lambda item: (item[0], item[1])):
            text, title = read_step(value)
            parts.steps.append(text)
            parts.titles.append(title or key_title)
    elif bare:
        for value in bare:
            text, title = read_step(value)
            parts.steps.append(text)
            parts.titles.append(title)
    elif step_lists:
        preferred = min(step_lists, key=STEP_LIST_KEYS.index)
        for text, title in read_step_list(step_lists[preferred]):
            parts.steps.append(text)
            parts.titles.append(title)
    elif digit_keyed:  # {"1": "...", "2": "...", "result": "..."}
        for _, _, value in sorted(digit_keyed, key=lambda item: (item[0], item[1])):
            text, title = read_step(value)
            parts.steps.append(text)
            parts.titles.append(title)
    if result is not None:
        parts.result = as_text(result[1])
        parts.may_continue = bool(numbered or bare) and result[0] < last_step_position
    return parts


def _wraps_answer(value: Any) -> bool:
    """True when an object under a step-list key is a whole answer, not a list of steps.

    `{"reasoning": {"steps": [...]}}` or `{"thoughts": {"step1": ..., "answer": ...}}`
    hold their steps one level down; `{"steps": {"1": ..., "2": ...}}` is the steps.
    """
    if not isinstance(value, dict):
        return False
    names = {normalize_key(key) for key, _ in _pairs(value)}
    return bool(names & {*STEP_LIST_KEYS, *RESULT_KEYS, "step", "refusal"})


def _holds_answer(value: Any) -> bool:
    """True when a value under a result-like key is itself a whole answer (a wrapper)."""
    if not isinstance(value, dict):
        return False
    return any(
        step_key_number(key) is not None or normalize_key(key) in (*STEP_LIST_KEYS, "step")
        for key, _ in _pairs(value)
    )


def find_answer(
    value: Any, decode: Callable[[str], Any] | None = None, depth: int = 0
) -> AnswerParts | None:
    """Find the answer in a loaded JSON value, unwrapping `{"response": {...}}` and JSON strings.

    `decode` reads a string value that itself holds JSON (double encoding); it should
    return the loaded value or raise ValueError. The deepest complete answer wins
    over an incomplete outer one. Returns None when the value holds nothing useful.
    """
    if isinstance(value, str) and decode is not None and value.lstrip().startswith("{"):
        try:
            inner = decode(value)
        except ValueError:
            return None
        found = find_answer(inner, decode, depth + 1)
        if found is not None:
            found.repairs.insert(0, "decoded JSON written inside a string")
        return found
    if not isinstance(value, dict) or depth > 6:
        return None
    here = _read_level(value)
    if here.steps:
        return here
    nested: AnswerParts | None = None
    for key, item in _pairs(value):
        candidate = find_answer(item, decode, depth + 1)
        if candidate is not None and candidate.empty_step_list and not candidate.steps:
            here.empty_step_list = True  # {"reasoning": {"steps": []}, ...}
        if candidate is None or not candidate.steps:
            continue
        if candidate.result is None and here.result is not None:
            candidate.result = here.result  # {"reasoning": {...steps...}, "answer": "4"}
        if nested is None or candidate.complete or not nested.complete:
            nested = candidate
            if isinstance(item, dict):
                nested.repairs.append(f'unwrapped the answer from "{key}"')
    return nested or here


class ReasoningAnswer(BaseModel):
    """The validated answer: at least one step and a non-empty result, all as text.

    Numbers are accepted and turned into strings, so `{"steps": ["x"], "result": 72}`
    validates with `result == "72"`. Use `ReasoningAnswer.model_json_schema()` to show a
    model the shape we want.
    """

    model_config = ConfigDict(coerce_numbers_to_str=True)

    steps: list[str] = Field(min_length=1, description="The reasoning steps, in order.")
    result: str = Field(description="The final answer.")
    titles: list[str | None] = Field(default_factory=list, description="Optional step titles.")

    @field_validator("steps")
    @classmethod
    def _some_step_has_text(cls, steps: list[str]) -> list[str]:
        if not any(step.strip() for step in steps):
            raise ValueError("every step is empty")
        return steps

    @field_validator("result")
    @classmethod
    def _result_has_text(cls, result: str) -> str:
        if not result.strip():
            raise ValueError("the result is empty")
        return result
