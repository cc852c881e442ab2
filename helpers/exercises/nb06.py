"""Checkers for the exercises of 06_react_agent."""

from __future__ import annotations

import copy
import inspect
import json
from typing import Any

from helpers.exercises.core import as_tuple, checker
from helpers.tools.registry import call_tool, tool_schema

_PARSE_CASES: list[tuple[str, tuple[str, str] | None]] = [
    (
        "Thought: I need the tower's height.\nAction: search_notes\n"
        "Action Input: Eiffel Tower height\n",
        ("search_notes", "Eiffel Tower height"),
    ),
    (
        "thought: now divide\naction:   calculator\naction input:   8848.86 / 330   ",
        ("calculator", "8848.86 / 330"),
    ),
    (
        'Thought: two results will do\nAction: search_notes\nAction Input: {"query": "Moon", '
        '"k": 2}',
        ("search_notes", '{"query": "Moon", "k": 2}'),
    ),
    (
        "Thought: look it up\nAction: search_notes\nAction Input: Everest height\n"
        "Observation: 8,849 m\nThought: I invented that observation\nAction: calculator\n"
        "Action Input: 1 + 1",
        ("search_notes", "Everest height"),
    ),
    # The Action Input comes only after an invented Observation: cut there, and no complete
    # Action is left (helpers.parse_react refuses this reply too).
    (
        "Thought: look it up\nAction: search_notes\nObservation: 330 m\nAction Input: Eiffel",
        None,
    ),
    ("Thought: The observations settle it.\nFinal Answer: about 27 towers", None),
]


@checker("06.1")
def check_06_1(parse_action: Any) -> str | None:
    """parse_action(text) returning (tool name, tool input), both stripped, with labels in any
    letter case, a self-written Observation and all after it ignored, and None for a reply
    without an Action

    Hint: Cut the text at the first line that starts with 'Observation:' (re.split with
    re.IGNORECASE | re.MULTILINE), then search for ^Action:(.*)$ and ^Action Input:(.*)$. Split
    on the first colon only: an input can hold colons of its own.
    """
    for text, expected in _PARSE_CASES:
        got = parse_action(text)
        if expected is None:
            if got is None:
                continue
            if "Observation:" in text:
                return (
                    f"For\n   {text!r}\n   you returned {got!r}; cut the reply at the model's "
                    "own 'Observation:' first: nothing after it counts, so no complete Action "
                    "is left."
                )
            return f"A reply with a Final Answer and no Action should give None, not {got!r}."
        pair = as_tuple(got, 2)
        if pair is None:
            return f"Return a pair (tool, tool_input); for\n   {text!r}\n   you returned {got!r}."
        if pair != expected:
            return f"For\n   {text!r}\n   expected {expected!r}, got {got!r}."
    return None


@checker("06.2")
def check_06_2(days_between: Any) -> str | None:
    """a tool days_between(start: str, end: str) -> str with a docstring for the model (a
    description and an Args: line per parameter) that returns the number of days from start to
    end as text, and an 'Error: ...' string for a date it cannot read

    Hint: Use datetime.date.fromisoformat for both dates and return str((end - start).days).
    Catch ValueError and return 'Error: ...' explaining the YYYY-MM-DD format. The docstring's
    first paragraph is the description; below it, 'Args:' and one indented 'name: what it is'
    line per parameter.
    """
    if not callable(days_between) or getattr(days_between, "__name__", "") != "days_between":
        return "Define a function named days_between."
    try:
        schema = tool_schema(days_between)
    except TypeError as error:
        return f"It cannot be a tool yet: {error}."
    function = schema["function"]
    if len(function["description"]) < 20:
        return (
            "Give the docstring a first paragraph that tells the model what the tool does "
            "(it becomes the tool's description)."
        )
    parameters = function["parameters"]
    if parameters["required"] != ["start", "end"]:
        return "The parameters should be start and end, in that order, both required."
    for name in ("start", "end"):
        spec = parameters["properties"][name]
        if spec.get("type") != "string":
            return f"Give {name} the type hint str, so the model knows to send text."
        if not spec.get("description"):
            return (
                f"Describe {name} in an 'Args:' section of the docstring "
                f"(a line like '{name}: A date as YYYY-MM-DD, for example 2024-03-01.')."
            )
    if inspect.signature(days_between).return_annotation not in (str, "str"):
        return "Annotate the return type as str: tools return text."
    cases = [
        (("2024-01-01", "2024-03-01"), "60"),
        (("2024-03-01", "2024-01-01"), "-60"),
        (("2023-12-31", "2024-01-01"), "1"),
        (("1969-07-20", "1969-07-20"), "0"),
    ]
    for args, expected in cases:
        got = days_between(*args)
        if got != expected:
            return f"days_between{args} should return {expected!r} (text), not {got!r}."
    through_json = call_tool(
        "days_between", json.dumps({"start": "2024-02-28", "end": "2024-03-01"}), [days_between]
    )
    if through_json != "2":
        return f"Called the way a model calls it, the result was {through_json!r}, not '2'."
    for bad in (("next Tuesday", "2024-01-01"), ("2024-01-01", "2024-02-30")):
        try:
            got = days_between(*bad)
        except Exception as error:
            return (
                f"days_between{bad} raised {type(error).__name__}; a tool should return "
                "an 'Error: ...' string the model can read instead."
            )
        if not (isinstance(got, str) and got.startswith("Error:")):
            return f"days_between{bad} should return a string starting with 'Error:', not {got!r}."
    return None


def _call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


@checker("06.3")
def check_06_3(tool_turn: Any) -> str | None:
    """tool_turn(content, tool_calls, results) returning the assistant message (role, content,
    tool_calls) followed by one tool message per call, in order, each with role 'tool', its
    call's tool_call_id and the result as content

    Hint: Start the list with {'role': 'assistant', 'content': content, 'tool_calls':
    tool_calls}. Then, for each call and its result (zip), add {'role': 'tool', 'tool_call_id':
    call['id'], 'content': result}.
    """
    parallel = [
        _call("call_7a", "search_notes", {"query": "Eiffel Tower height"}),
        _call("call_7b", "search_notes", {"query": "Mount Everest height"}),
    ]
    results = ["1. Eiffel Tower ... 330 metres", "1. Mount Everest ... 8,848.86 metres"]
    cases = [
        ("I need both heights.", parallel, results),
        (None, [_call("call_9", "calculator", {"expression": "8848.86 / 330"})], ["26.81"]),
    ]
    for content, calls, outputs in cases:
        expected = [{"role": "assistant", "content": content, "tool_calls": calls}]
        expected += [
            {"role": "tool", "tool_call_id": call["id"], "content": output}
            for call, output in zip(calls, outputs)
        ]
        before = copy.deepcopy((calls, outputs))
        got = tool_turn(content, calls, outputs)
        if (calls, outputs) != before:
            return "tool_turn should not change the lists it is given."
        if not isinstance(got, list) or len(got) != len(expected):
            count = len(got) if isinstance(got, list) else got
            return (
                f"For {len(calls)} tool call(s) return a list of {len(expected)} messages "
                f"(the assistant's, then one per call), not {count!r}."
            )
        if got[0] != expected[0]:
            return f"The first message should be exactly {expected[0]!r}; yours is {got[0]!r}."
        for number, (mine, wanted) in enumerate(zip(got[1:], expected[1:]), start=1):
            if mine != wanted:
                return f"Tool message {number} should be exactly {wanted!r}; yours is {mine!r}."
    return None
