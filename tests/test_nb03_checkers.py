"""The checkers of notebook 03 reject the wrong answers a learner is likely to write.

`tests/test_exercises.py` already shows that each solution passes and each unsolved
cell fails; these tests show that the checkers catch the half-right answers in between,
and that their cases agree with the course's own parser.
"""

from __future__ import annotations

import json
import re

import pytest

import helpers
from helpers.exercises import check_03_1, check_03_2, check_03_3
from helpers.exercises.nb03 import READABLE, UNREADABLE

DECODER = json.JSONDecoder(strict=False)


def find_object(text):
    for brace in re.finditer(r"\{", text):
        try:
            value, _ = DECODER.raw_decode(text, brace.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and value:
            return value
    raise ValueError("no JSON object")


def good_parser(text):
    data = find_object(text)
    if not data.get("steps"):
        raise ValueError("no steps")
    if data.get("result") is None:
        raise ValueError("no result")
    return [str(step) for step in data["steps"]], str(data["result"])


# ---- 03.1 -------------------------------------------------------------------------
def test_the_reference_parser_passes():
    assert check_03_1(good_parser)


def test_notebook_02s_parser_fails_on_the_capitalised_fence():
    def seed(text):
        data = json.loads(text.strip().removeprefix("```json").removesuffix("```"))
        return data["steps"], data["result"]

    verdict = check_03_1(seed)
    assert not verdict and "```JSON" in verdict.problem


def test_first_to_last_brace_fails_on_braces_in_the_chat():
    def first_to_last(text):
        data = json.loads(text[text.find("{") : text.rfind("}") + 1], strict=False)
        return [str(s) for s in data["steps"]], str(data["result"])

    verdict = check_03_1(first_to_last)
    assert not verdict and "chat around the JSON" in verdict.problem


def test_strict_json_fails_on_a_raw_line_break():
    def strict(text):
        for brace in re.finditer(r"\{", text):
            try:
                data, _ = json.JSONDecoder().raw_decode(text, brace.start())
            except json.JSONDecodeError:
                continue
            return [str(s) for s in data["steps"]], str(data["result"])
        raise ValueError("no JSON object")

    verdict = check_03_1(strict)
    assert not verdict and "raw line break" in verdict.problem


def test_a_number_result_must_become_text():
    def keeps_numbers(text):
        steps, _ = good_parser(text)
        return steps, find_object(text)["result"]

    verdict = check_03_1(keeps_numbers)
    assert not verdict and "'12'" in verdict.problem


def test_missing_steps_must_raise_value_error_not_key_error():
    def key_error(text):
        data = find_object(text)
        return [str(s) for s in data["steps"]], str(data["result"])

    verdict = check_03_1(key_error)
    assert not verdict and "raise ValueError" in verdict.problem and "KeyError" in verdict.problem


def test_empty_steps_must_not_be_accepted():
    def accepts_empty(text):
        data = find_object(text)
        if "steps" not in data or "result" not in data:
            raise ValueError("missing key")
        return [str(s) for s in data["steps"]], str(data["result"])

    verdict = check_03_1(accepts_empty)
    assert not verdict and "empty steps" in verdict.problem


def test_a_silent_default_is_caught():
    def silent(text):
        data = find_object(text)
        return [str(s) for s in data.get("steps", [])], str(data.get("result", ""))

    verdict = check_03_1(silent)
    assert not verdict and "should raise ValueError" in verdict.problem


@pytest.mark.parametrize(("what", "text", "expected"), READABLE, ids=[c[0] for c in READABLE])
def test_readable_cases_agree_with_parse_reasoning(what, text, expected):
    reasoning = helpers.parse_reasoning(text)
    assert (reasoning.steps, reasoning.result) == expected


@pytest.mark.parametrize(("what", "text"), UNREADABLE, ids=[c[0] for c in UNREADABLE])
def test_unreadable_cases_are_refused_by_parse_reasoning(what, text):
    with pytest.raises(helpers.ReasoningParseError):
        helpers.parse_reasoning(text)


# ---- 03.2 -------------------------------------------------------------------------
def test_natural_step_order_passes():
    assert check_03_2(helpers.natural_step_order)


def test_sorting_the_strings_fails():
    verdict = check_03_2(lambda keys: sorted(k for k in keys if k.lower().startswith("step")))
    assert not verdict


def test_only_lowercase_steps_fails_on_other_spellings():
    def lowercase_only(keys):
        found = [k for k in keys if re.fullmatch(r"step\d+", k)]
        return sorted(found, key=lambda k: int(k[4:]))

    verdict = check_03_2(lowercase_only)
    assert not verdict and "Step 3" in verdict.problem


def test_sorting_the_given_list_in_place_fails():
    def in_place(keys):
        keys.sort(key=lambda k: int(re.sub(r"\D", "", k) or 0))
        return helpers.natural_step_order(keys)

    verdict = check_03_2(in_place)
    assert not verdict and "should not change" in verdict.problem


def test_a_tuple_is_not_a_list():
    verdict = check_03_2(lambda keys: tuple(helpers.natural_step_order(keys)))
    assert not verdict and "list" in verdict.problem


# ---- 03.3 -------------------------------------------------------------------------
def test_ignoring_finish_reason_fails_on_a_cut_off_reply():
    verdict = check_03_3(lambda reply: helpers.parse_reasoning(reply.choices[0].message.content))
    assert not verdict and "cut off" in verdict.problem


def test_checking_only_length_fails_on_the_content_filter():
    def only_length(reply):
        if reply.choices[0].finish_reason == "length":
            raise ValueError("cut off")
        return helpers.parse_reasoning(reply.choices[0].message.content or "")

    verdict = check_03_3(only_length)
    assert not verdict and "content filter" in verdict.problem


def test_a_multi_line_message_fails():
    def chatty(reply):
        if reply.choices[0].finish_reason != "stop" or reply.choices[0].message.refusal:
            raise ValueError("This reply\ncannot be trusted.")
        return helpers.parse_reasoning(reply.choices[0].message.content or "")

    verdict = check_03_3(chatty)
    assert not verdict and "one-line" in verdict.problem


def test_returning_something_else_fails():
    verdict = check_03_3(lambda reply: reply.choices[0].message.content)
    assert not verdict and "parse_reasoning" in verdict.problem


def test_the_03_1_hint_is_a_nudge_not_the_solution():
    # issue 13: the hint named every call of the solution; it should point back at the
    # lesson instead and leave the writing to the learner
    from helpers.exercises import HINTS

    _looked_for, hint = HINTS["03.1"]
    given_away = [
        name
        for name in ("raw_decode", "JSONDecoder", "finditer", "strict=False", "str(result)")
        if name in hint
    ]
    assert not given_away, f"the hint gives away {given_away}: {hint}"
    assert "rung" in hint.lower()  # it points back at the lesson
