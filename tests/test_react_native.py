"""Native tool calling: round trips over real HTTP, parallel calls, broken arguments."""

from __future__ import annotations

import json

import openai
import pytest

from helpers.agents.native import (
    NOT_RUN,
    TOOL_AGENT_SYSTEM_PROMPT,
    assistant_message,
    run_tool_agent,
    run_tool_call,
    tool_result_message,
)
from helpers.modes.wire import chat_completion, tool_call
from helpers.tools.calculator import calculator
from helpers.tools.registry import default_tools, tool_schemas
from helpers.tools.search import search_notes
from tests.support.server import JsonReply, StubServer, replies_in_order

QUESTION = "How many Eiffel Towers stacked would reach the top of Mount Everest?"


def calls(*entries, content=None):
    """A reply holding tool calls: entries are (id, name, arguments dict or raw text)."""
    made = [tool_call(call_id, name, arguments) for call_id, name, arguments in entries]
    return lambda request: JsonReply(chat_completion(request.body, content, tool_calls=made))


def answer(text, finish_reason="stop"):
    return lambda request: JsonReply(
        chat_completion(request.body, text, finish_reason=finish_reason)
    )


def run(replies, **kwargs):
    with StubServer(replies_in_order(replies)) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test", max_retries=0)
        agent_run = run_tool_agent(QUESTION, client=client, model="test-model", **kwargs)
        assert not server.errors, server.errors
    return agent_run, server.requests


def test_parallel_tool_calls_each_get_their_own_tool_message():
    agent_run, requests = run(
        [
            calls(
                ("call_1", "search_notes", {"query": "Eiffel Tower height"}),
                ("call_2", "search_notes", {"query": "Mount Everest height"}),
                content="I need both heights.",
            ),
            calls(("call_3", "calculator", {"expression": "8848.86 / 330"})),
            answer("About 27 Eiffel Towers (8848.86 / 330 = 26.8)."),
        ]
    )
    assert agent_run.answered and agent_run.answer.startswith("About 27")
    assert [s.call_id for s in agent_run.steps] == ["call_1", "call_2", "call_3"]
    assert [s.turn for s in agent_run.steps] == [1, 1, 2]
    assert agent_run.steps[0].thought == "I need both heights." and agent_run.steps[1].thought == ""
    first = requests[0].body
    assert first["tools"] == tool_schemas(default_tools())
    assert first["messages"][0] == {"role": "system", "content": TOOL_AGENT_SYSTEM_PROMPT}
    sent = requests[1].body["messages"]
    assert sent[2] == {
        "role": "assistant",
        "content": "I need both heights.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {
                    "name": "search_notes",
                    "arguments": json.dumps({"query": "Eiffel Tower height"}),
                },
            },
            {
                "id": "call_2",
                "type": "function",
                "function": {
                    "name": "search_notes",
                    "arguments": json.dumps({"query": "Mount Everest height"}),
                },
            },
        ],
    }
    assert [m["role"] for m in sent[3:]] == ["tool", "tool"]
    assert sent[3]["tool_call_id"] == "call_1" and "330 metres" in sent[3]["content"]
    assert sent[4]["tool_call_id"] == "call_2" and "8,848.86" in sent[4]["content"]
    final_request = requests[2].body["messages"]
    assert final_request[-1] == {
        "role": "tool",
        "tool_call_id": "call_3",
        "content": "26.8147272727",
    }
    assert agent_run.messages[-1]["role"] == "assistant"
    assert agent_run.usage.calls == 3


def test_malformed_arguments_go_back_as_the_tool_result():
    agent_run, requests = run(
        [
            calls(("call_1", "calculator", '{"expression": "8848.86 / 330"')),
            calls(("call_2", "calculator", {"expression": "8848.86 / 330"})),
            answer("26.8"),
        ]
    )
    error = agent_run.steps[0].observation
    assert error.startswith("Error: the arguments for calculator are not valid JSON")
    assert requests[1].body["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": error,
    }
    assert agent_run.steps[1].observation == "26.8147272727" and agent_run.answered


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("calculator", "[1, 2]", "must be a JSON object"),
        ("calculator", '"2 + 2"', "must be a JSON object"),
        ("calculator", "{}", "needs the argument 'expression'"),
        ("calculator", '{"expr": "1"}', "unexpected argument"),
        ("calculator", '{"expression": 5}', "must be text"),
        ("nope", '{"x": 1}', "no tool called 'nope'"),
        ("calculator", '{"expression": "__import__(\'os\')"}', "Error:"),
    ],
)
def test_run_tool_call_never_raises(name, arguments, expected):
    result = run_tool_call(name, arguments, default_tools())
    assert result.startswith("Error:") and expected in result


def test_run_tool_call_accepts_empty_arguments_and_dicts():
    def ping() -> str:
        """Say pong."""
        return "pong"

    assert run_tool_call("ping", "", [ping]) == "pong"
    assert run_tool_call("ping", None, [ping]) == "pong"
    assert run_tool_call("calculator", {"expression": "2 + 2"}, [calculator]) == "4"


def test_unknown_tools_and_tool_errors_do_not_stop_the_agent():
    agent_run, _ = run(
        [
            calls(
                ("a", "wikipedia", {"query": "Everest"}), ("b", "calculator", {"expression": "1/0"})
            ),
            answer("I could not find it."),
        ],
        tools=[calculator, search_notes],
    )
    assert "no tool called 'wikipedia'" in agent_run.steps[0].observation
    assert "division by zero" in agent_run.steps[1].observation
    assert agent_run.answered


def test_a_repeated_call_is_warned_once_then_stops_and_every_call_is_answered():
    same = {"query": "Statue of Liberty"}
    agent_run, requests = run(
        [
            calls(("c1", "search_notes", same)),
            calls(("c2", "search_notes", same)),
            calls(("c3", "search_notes", same), ("c4", "calculator", {"expression": "1 + 1"})),
        ]
    )
    assert agent_run.stop_reason == "repeated_action" and not agent_run.answered
    assert "already called search_notes" in agent_run.steps[1].observation
    assert agent_run.steps[2].observation == NOT_RUN
    assert agent_run.steps[3].observation == NOT_RUN  # stopped: not run either
    tool_ids = [m["tool_call_id"] for m in agent_run.messages if m["role"] == "tool"]
    assert tool_ids == ["c1", "c2", "c3", "c4"]
    assert len(requests) == 3


def test_the_step_cap_stops_without_an_answer():
    agent_run, requests = run(
        [calls((f"c{n}", "calculator", {"expression": f"{n} + 1"})) for n in range(2)],
        max_steps=2,
    )
    assert agent_run.stop_reason == "step_cap" and agent_run.answer is None
    assert len(requests) == 2


def test_an_empty_reply_is_no_answer_and_a_cut_off_reply_stops():
    agent_run, _ = run([answer("")])
    assert agent_run.stop_reason == "no_answer" and not agent_run.answered
    agent_run, _ = run([answer("The answer is", finish_reason="length")])
    assert agent_run.stop_reason == "cut_off" and not agent_run.answered


def test_options_reach_the_server():
    _, requests = run([answer("Fine.")], parallel_tool_calls=False, temperature=0)
    assert requests[0].body["parallel_tool_calls"] is False
    assert requests[0].body["temperature"] == 0


def test_message_helpers_build_the_exact_dicts():
    message = {
        "content": None,
        "tool_calls": [
            {"id": "x", "type": "function", "function": {"name": "calculator", "arguments": "{}"}}
        ],
        "refusal": None,
    }
    assert assistant_message(message) == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "x", "type": "function", "function": {"name": "calculator", "arguments": "{}"}}
        ],
    }
    assert assistant_message({"content": "Hi"}) == {"role": "assistant", "content": "Hi"}
    assert tool_result_message("x", "4") == {"role": "tool", "tool_call_id": "x", "content": "4"}
