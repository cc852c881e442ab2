"""What local mode accepts and refuses, and how it shapes text (no model needed here).

Refusals must look like a real server's HTTP 400 (the API's error JSON, with the
parameter named), and the text shaping (thinking, tool calls, stop strings, UTF-8)
must never lose or invent a character, however the text is cut into tokens.
"""

from __future__ import annotations

import json

import pytest

from helpers.modes.local.errors import RequestError
from helpers.modes.local.output import (
    StopFilter,
    ThinkSplitter,
    ToolCallCollector,
    Utf8Pieces,
    parse_tool_calls,
)
from helpers.modes.local.request import parse_chat_request

USER = [{"role": "user", "content": "Hi"}]


def parse(can_think: bool = True, **body):
    return parse_chat_request({"model": "m", "messages": USER, **body}, can_think=can_think)


def refusal(can_think: bool = True, **body) -> RequestError:
    with pytest.raises(RequestError) as caught:
        parse(can_think, **body)
    assert caught.value.status == 400 and "\n" not in caught.value.message
    return caught.value


# ---- what is accepted ---------------------------------------------------------------
def test_everything_the_course_sends_is_accepted():
    chat = parse(
        temperature=0.2,
        top_p=0.9,
        seed=4,
        max_tokens=300,
        stop=["Observation:"],
        stream=True,
        stream_options={"include_usage": True},
        response_format={"type": "json_object"},
        n=5,
        reasoning_effort="low",
        logprobs=True,
        top_logprobs=2,
        user="someone",
        metadata={"run": "1"},
    )
    assert (chat.temperature, chat.top_p, chat.seed, chat.max_tokens) == (0.2, 0.9, 4, 300)
    assert chat.stop == ["Observation:"] and chat.stream and chat.include_usage
    assert chat.response_kind == "json_object" and chat.n == 5 and chat.thinking is True
    assert chat.logprobs and chat.top_logprobs == 2


def test_message_content_parts_and_roles_are_read_as_the_template_needs_them():
    messages = [
        {"role": "developer", "content": [{"type": "text", "text": t} for t in ("Be ", "brief.")]},
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "w", "arguments": '{"a": 1}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
    ]  # fmt: skip
    chat = parse_chat_request({"messages": messages}, can_think=False)
    assert chat.messages[0] == {"role": "system", "content": "Be brief."}
    assert chat.messages[2]["content"] == ""  # None becomes "" for the template
    assert chat.messages[2]["tool_calls"][0]["function"]["arguments"] == {"a": 1}
    assert chat.messages[3]["tool_call_id"] == "c1"


@pytest.mark.parametrize(
    ("effort", "thinking"), [("none", False), ("minimal", False), ("low", True), ("high", True)]
)
def test_reasoning_effort_turns_thinking_on_or_off(effort, thinking):
    assert parse(reasoning_effort=effort).thinking is thinking
    assert parse().thinking is None


def test_max_completion_tokens_is_the_newer_name_of_max_tokens():
    assert parse(max_completion_tokens=7).max_tokens == 7


def test_forced_tools_follow_tool_choice():
    tools = [
        {"type": "function", "function": {"name": "a", "parameters": {}}},
        {"type": "function", "function": {"name": "b", "parameters": {}}},
    ]
    assert parse(tools=tools).forced_tools == []
    assert parse(tools=tools, tool_choice="none").tools_active is False
    assert [
        t["function"]["name"] for t in parse(tools=tools, tool_choice="required").forced_tools
    ] == ["a", "b"]
    named = {"type": "function", "function": {"name": "b"}}
    assert [t["function"]["name"] for t in parse(tools=tools, tool_choice=named).forced_tools] == [
        "b"
    ]


# ---- what is refused ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "param", "words"),
    [
        ({"frobnicate": 1}, "frobnicate", "Unrecognized request argument"),
        ({"audio": {"voice": "x"}}, "audio", "not supported"),
        ({"functions": [{"name": "f"}]}, "functions", "not supported"),
        ({"temperature": 3}, "temperature", "between 0 and 2"),
        ({"temperature": "hot"}, "temperature", "expected a number"),
        ({"top_p": 1.5}, "top_p", "between 0 and 1"),
        ({"n": 0}, "n", "between 1 and 16"),
        ({"max_tokens": 0}, "max_tokens", "at least 1"),
        ({"max_tokens": 5, "max_completion_tokens": 5}, "max_tokens", "at the same time"),
        ({"seed": 1.5}, "seed", "integer"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop", "at most 4"),
        ({"stop": [""]}, "stop", "non-empty"),
        ({"stream_options": {"include_usage": True}}, "stream_options", "only allowed when"),
        ({"top_logprobs": 3}, "top_logprobs", "needs 'logprobs'"),
        ({"tool_choice": "auto"}, "tool_choice", "only allowed when 'tools'"),
        ({"response_format": {"type": "yaml"}}, "response_format.type", "json_schema"),
        ({"response_format": {"type": "json_schema", "json_schema": {}}},
         "response_format.json_schema.name", "name"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort", "use none, minimal"),
        ({"logit_bias": {"abc": 1}}, "logit_bias", "not a token id"),
        ({"logit_bias": {"12": 500}}, "logit_bias", "-100 to 100"),
        ({"messages": []}, "messages", "non-empty"),
        ({"messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role", "use one of"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0]", "tool_call_id"),
    ],
)  # fmt: skip
def test_a_request_the_local_model_cannot_honour_is_a_400_naming_the_parameter(body, param, words):
    error = refusal(**body)
    assert error.param == param and words in error.message


def test_images_are_refused_with_a_clear_reason():
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    error = refusal(messages=[{"role": "user", "content": [image]}])
    assert "text only" in error.message and error.param == "messages[0].content[0]"


def test_tool_choice_must_name_a_given_tool():
    tools = [{"type": "function", "function": {"name": "a"}}]
    error = refusal(tools=tools, tool_choice={"type": "function", "function": {"name": "zz"}})
    assert "zz" in error.message


def test_reasoning_effort_needs_a_model_that_can_think():
    error = refusal(can_think=False, reasoning_effort="low")
    assert error.code == "unsupported_parameter"


# ---- shaping the text -------------------------------------------------------------------
def cut_everywhere(text: str):
    """Every way to cut `text` into two pieces, and one piece per character."""
    for at in range(len(text) + 1):
        yield [text[:at], text[at:]]
    yield list(text)


def split_thinking(pieces, opens_in_thinking=False):
    splitter = ThinkSplitter(opens_in_thinking)
    out = {"reasoning": "", "content": ""}
    for piece in pieces:
        for channel, text in splitter.feed(piece):
            out[channel] += text
    for channel, text in splitter.finish():
        out[channel] += text
    return out


@pytest.mark.parametrize(
    "pieces", list(cut_everywhere("<think>\nStep 1.\n</think>\n\nThe answer."))
)
def test_a_think_block_becomes_reasoning_however_the_text_is_cut(pieces):
    assert split_thinking(pieces) == {"reasoning": "Step 1.", "content": "The answer."}


@pytest.mark.parametrize("pieces", list(cut_everywhere("  <thin k> is not a tag")))
def test_text_that_does_not_open_with_think_is_all_answer(pieces):
    assert split_thinking(pieces) == {"reasoning": "", "content": "  <thin k> is not a tag"}


def test_a_reply_that_opens_inside_thinking_needs_no_opening_tag():
    assert split_thinking(["I think</think>Yes"], opens_in_thinking=True) == {
        "reasoning": "I think",
        "content": "Yes",
    }


def test_thinking_cut_short_is_still_reasoning():
    assert split_thinking(["<think>Step 1, step"]) == {"reasoning": "Step 1, step", "content": ""}


@pytest.mark.parametrize("pieces", list(cut_everywhere("one two STOP three")))
def test_a_stop_string_is_never_shown_however_the_text_is_cut(pieces):
    stops = StopFilter(["STOP", "zzz"])
    shown = "".join(stops.feed(piece) for piece in pieces if not stops.stopped)
    shown += stops.finish()
    assert shown == "one two " and stops.stopped


def test_text_that_only_looks_like_a_stop_string_start_is_given_back():
    stops = StopFilter(["STOP"])
    assert stops.feed("ends with ST") == "ends with "
    assert stops.finish() == "ST" and not stops.stopped


def test_a_character_split_across_tokens_comes_out_whole():
    data = "né ✓".encode()
    pieces = Utf8Pieces()
    out = [pieces.feed(data[i : i + 1]) for i in range(len(data))] + [pieces.finish()]
    assert "".join(out) == "né ✓" and "\ufffd" not in "".join(out)


CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'


@pytest.mark.parametrize("pieces", list(cut_everywhere("Let me check. " + CALL)))
def test_a_tool_call_is_collected_however_the_text_is_cut(pieces):
    collector = ToolCallCollector(active=True)
    shown = "".join(collector.feed(piece) for piece in pieces)
    rest, calls = collector.finish()
    assert shown + rest == "Let me check. "
    assert [c["function"]["name"] for c in calls] == ["get_weather"]
    assert json.loads(calls[0]["function"]["arguments"]) == {"city": "Paris"}


def test_several_calls_parse_and_a_broken_one_stays_text():
    broken = '<tool_call>\n{"name": "x", "argu\n</tool_call>'
    rest, calls = parse_tool_calls(CALL + "\n" + CALL + "\n" + broken)
    assert len(calls) == 2 and calls[0]["id"] != calls[1]["id"]
    assert broken in rest


def test_a_last_call_without_its_closing_tag_counts_if_its_json_is_complete():
    rest, calls = parse_tool_calls('<tool_call>\n{"name": "f", "arguments": {}}')
    assert calls[0]["function"] == {"name": "f", "arguments": "{}"} and rest == ""


def test_tool_calls_are_plain_text_when_tools_are_off():
    collector = ToolCallCollector(active=False)
    assert collector.feed(CALL) == CALL and collector.finish() == ("", [])
