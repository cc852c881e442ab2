"""Checkers for the exercises of 03_parsing_steps."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

from openai.types.chat import ChatCompletion

from helpers.exercises.core import as_tuple, checker
from helpers.modes.wire import chat_completion

FENCE = "`" * 3

#: (what the reply is, its text, the expected (steps, result)) for replies that must be read.
READABLE: list[tuple[str, str, tuple[list[str], str]]] = [
    (
        f"a reply fenced with {FENCE}JSON",
        f'{FENCE}JSON\n{{\n  "steps": ["12 / 3 = 4 packs", "4 x 40 = 160 cents"],\n'
        f'  "result": "$1.60"\n}}\n{FENCE}',
        (["12 / 3 = 4 packs", "4 x 40 = 160 cents"], "$1.60"),
    ),
    (
        f"a reply fenced with {FENCE}javascript",
        f'{FENCE}javascript\n{{"steps": ["9.9 = 9.90", "9.90 > 9.11"], "result": "9.9"}}\n{FENCE}',
        (["9.9 = 9.90", "9.90 > 9.11"], "9.9"),
    ),
    (
        "a reply with chat around the JSON, and braces in the chat",
        "Sure! The sets {1, 2} and {2, 3} share one number. Here is my reasoning:\n\n"
        '{"steps": ["1 is only in {1, 2}.", "2 is in both sets."], "result": "{2}"}\n\n'
        "Let me know if you need anything else!",
        (["1 is only in {1, 2}.", "2 is in both sets."], "{2}"),
    ),
    (
        "a reply with a raw line break inside a step",
        '{\n  "steps": ["The primes are:\n23, 29, 31, 37", "That makes 4."],\n  "result": "4"\n}',
        (["The primes are:\n23, 29, 31, 37", "That makes 4."], "4"),
    ),
    (
        "a reply whose result is a number",
        '{"steps": ["0.15 x 80 = 12"], "result": 12}',
        (["0.15 x 80 = 12"], "12"),
    ),
]

#: (what the reply is, its text) for replies that must be refused with ValueError.
UNREADABLE: list[tuple[str, str]] = [
    ("a reply with no JSON at all", "**Step 1:** 09:45 to 13:20 is 3 h 35 min.\nAnswer: 3 h 35"),
    ("a reply with a result but no steps", '{"result": "15% of 80 is 12."}'),
    ("a reply with steps but no result", '{"steps": ["60 x 60 = 3600 seconds in an hour."]}'),
    ("a reply with an empty steps list", '{"steps": [], "result": "7"}'),
]


# The course's own parser (parse_reasoning, find_json_objects, repair_json, ...): exercise
# 03.1 asks learners to write theirs, so an answer that hands the work to it does not pass.
_HELPERS_PARSER = str(Path(__file__).resolve().parent.parent / "parsing")


@contextmanager
def _watch_calls_into(folder: str) -> Iterator[list[str]]:
    """Note each function from `folder` called, from outside it, inside the `with` block.

    It uses Python's profiler hook, so it sees the call however it is reached: through
    `helpers.parse_reasoning`, an import under another name, or a function of your own.
    (Modules of `folder` being imported on the way are not calls of interest.)
    """
    seen: list[str] = []
    previous = sys.getprofile()

    def watch(frame: FrameType, event: str, arg: Any) -> None:
        code = frame.f_code
        if event != "call" or code.co_name.startswith("<"):
            return
        caller = frame.f_back.f_code.co_filename if frame.f_back else ""
        if code.co_filename.startswith(folder) and not caller.startswith(folder):
            seen.append(code.co_name)

    sys.setprofile(watch)
    try:
        yield seen
    finally:
        sys.setprofile(previous)


def _raised(call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    """Run call(); return (value, None) or (None, the exception it raised)."""
    try:
        return call(), None
    except Exception as error:  # the learner's code: report, never raise
        return None, error


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:120]}" if text else type(error).__name__


def _short(value: Any) -> str:
    """A returned value, briefly: a Reasoning by its result, anything else by a short repr."""
    if hasattr(value, "steps") and hasattr(value, "result"):
        return f"an answer with result {value.result!r}"
    text = repr(value)
    return text if len(text) <= 100 else text[:99] + "…"


def _must_refuse(what: str, value: Any, error: BaseException | None) -> str | None:
    """The problem with how an answer handled a reply it had to refuse, or None."""
    if error is None:
        return f"For {what}, your function returned {_short(value)}; it should raise ValueError."
    if not isinstance(error, ValueError):
        return f"For {what}, raise ValueError (yours raised {_one_line(error)})."
    message = str(error).strip()
    if not message or "\n" in message:
        return f"For {what}, give the ValueError a short one-line message."
    return None


def _first_wrong_refusal(answer: Callable[[Any], Any], cases: list[tuple[str, Any]]) -> str | None:
    """The problem with the first case `answer` did not refuse properly, or None."""
    for what, case in cases:
        got, error = _raised(partial(answer, case))
        problem = _must_refuse(what, got, error)
        if problem:
            return problem
    return None


@checker("03.1")
def check_03_1(parse_steps: Any) -> str | None:
    """parse_steps(text) reading (steps, result) from fenced replies (any label), replies with chat
    and braces around the JSON, and raw line breaks in strings; and raising ValueError for no
    JSON, no steps, no result or empty steps

    Hint: Rungs 1 to 3 of this notebook already read all three kinds of reply. Which
    function there finds the object whatever surrounds it, and which json setting lets a
    raw line break through? Once you have the object, decide what must be in it before you
    return anything.
    """
    with _watch_calls_into(_HELPERS_PARSER) as used:
        _raised(partial(parse_steps, READABLE[0][1]))
    if used:
        return (
            f"Your parse_steps hands the work to the course's own parser ({used[0]} in "
            "helpers/parsing). Here the exercise is to write one yourself with json and re; "
            "helpers.parse_reasoning is what you can compare it with afterwards."
        )
    for what, text, expected in READABLE:
        returned, error = _raised(partial(parse_steps, text))
        if error is not None:
            return f"For {what}, your parser raised {_one_line(error)}."
        got = as_tuple(returned, 2)
        if got is None:
            return f"For {what}, return a pair (steps, result), not {_short(returned)}."
        steps, result = got
        if not isinstance(steps, list) or list(steps) != expected[0]:
            return f"For {what}, the steps should be {expected[0]!r}, not {steps!r}."
        if result != expected[1]:
            return f"For {what}, the result should be the string {expected[1]!r}, not {result!r}."
    return _first_wrong_refusal(parse_steps, UNREADABLE)


@checker("03.2")
def check_03_2(order_steps: Any) -> str | None:
    r"""order_steps(keys) returning only the step keys (step3, Step 3, STEP_3, ...) sorted by their
    number, leaving the list it is given unchanged

    Hint: Match the whole key, not just a part of it, against a pattern: 'step', an optional
    space or underscore, then digits (the re module has a flag for any case). Sort by the
    number read as an int: sorting the strings puts 'step10' before 'step2'.
    """
    twelve = [f"step{number}" for number in range(1, 13)]
    shuffled = twelve + ["result", "final_answer"]
    random.Random(3).shuffle(shuffled)
    cases = [
        (
            ["step1", "step2", "step10", "step11", "step9", "result"],
            ["step1", "step2", "step9", "step10", "step11"],
        ),
        (shuffled, twelve),
        (["Step 3", "Step 1", "result", "Step 2"], ["Step 1", "Step 2", "Step 3"]),
        (["STEP_2", "step_10", "steps", "step_1"], ["step_1", "STEP_2", "step_10"]),
        (["result", "answer", "steps"], []),
        # a key must start with "step": one that only contains "step2" is not a step (a key
        # like "step3_note" is left open: helpers.natural_step_order reads it as a titled step)
        (["substep2", "step2", "first_step4", "step1", "my_step_3"], ["step1", "step2"]),
    ]
    for keys, expected in cases:
        given = list(keys)
        got = order_steps(given)
        if given != keys:
            return "order_steps should not change the list it is given; build a new one."
        if not isinstance(got, list):
            return f"Return a list of keys, not {type(got).__name__}."
        if got != expected:
            return f"For {keys} expected {expected}, got {got}."
    return None


def _reply(
    text: str | None, finish_reason: str = "stop", refusal: str | None = None
) -> ChatCompletion:
    """A real SDK ChatCompletion object, as client.chat.completions.create returns."""
    request = {"messages": [{"role": "user", "content": "What is 2 + 2?"}]}
    raw = chat_completion(request, text, finish_reason=finish_reason, refusal=refusal)
    return ChatCompletion.model_validate(raw)


CLEAN = '{"steps": ["2 + 2 = 4", "Check: 4 - 2 = 2."], "result": "4"}'


@checker("03.3")
def check_03_3(trusted_answer: Any) -> str | None:
    """trusted_answer(reply) returning helpers.parse_reasoning(text) for a finished reply, and
    raising a one-line ValueError for a reply cut off at max_tokens, stopped by the content
    filter, refused, or unreadable

    Hint: Take choice = reply.choices[0]. Look at choice.finish_reason ('length',
    'content_filter') and choice.message.refusal BEFORE reading the text, and raise
    ValueError('...') for each; then return helpers.parse_reasoning(choice.message.content or
    '').
    """
    readable = [
        ("a clean, finished reply", _reply(CLEAN), "4"),
        (
            "a finished reply in a code fence",
            _reply(
                f'{FENCE}json\n{{"steps": ["12 / 3 = 4", "4 x 40 = 160"], "result": "$1.60"}}'
                f"\n{FENCE}"
            ),
            "$1.60",
        ),
    ]
    for what, reply, result in readable:
        got, error = _raised(partial(trusted_answer, reply))
        if error is not None:
            return f"For {what}, your function raised {_one_line(error)}."
        if getattr(got, "result", None) != result or not getattr(got, "steps", None):
            return f"For {what}, return helpers.parse_reasoning(text) (result {result!r})."
    refused = [
        (
            "a reply cut off at max_tokens right after a complete JSON object",
            _reply(CLEAN + "\n\nLet me also explain why this", "length"),
        ),
        (
            "a reply cut off at max_tokens in the middle of its result",
            _reply('{"steps": ["7 x 86400 = 604800"], "result": "6048', "length"),
        ),
        ("a reply stopped by the content filter", _reply(CLEAN, "content_filter")),
        (
            "a refusal",
            _reply(None, refusal="I'm sorry, but I can't help with that request."),
        ),
        ("a reply with no JSON", _reply("2 + 2 is 4.")),
    ]
    return _first_wrong_refusal(trusted_answer, refused)
