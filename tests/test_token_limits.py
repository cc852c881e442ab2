"""Every call the helpers make carries a token limit, under the name the server wants."""

from __future__ import annotations

import json

import openai
import pytest

import helpers
from helpers import token_limits
from helpers.evaluation.problems import make_problems
from helpers.modes.wire import chat_completion, chat_completion_chunks, tool_call
from helpers.reasoning import Reasoning
from helpers.token_limits import (
    AGENT_TURN_TOKENS,
    LOOP_STEP_TOKENS,
    PROBE_TOKENS,
    REASONING_ALLOWANCE,
    REVIEW_TOKENS,
    THINK_TOKENS,
    is_openai_api,
    limit_name,
    with_token_limit,
)
from tests.support.server import JsonReply, StreamReply, StubServer

STEPS = json.dumps({"steps": ["2 + 3 = 5"], "result": "5"})
LOOP_STEP = json.dumps(
    {"title": "Add", "content": "2 + 3 = 5", "next_action": "final_answer", "result": "5"}
)
REVIEW = json.dumps({"first_wrong_step": None, "reason": "fine"})


def answer_everything(request) -> JsonReply | StreamReply:
    """One plausible reply for whatever a helper asks."""
    body = request.body
    if body.get("stream"):
        return StreamReply(chat_completion_chunks(body, STEPS))
    system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
    if body.get("tools"):
        if any(m["role"] == "tool" for m in body["messages"]):
            return JsonReply(chat_completion(body, "5"))
        call = tool_call("call_1", "calculator", {"expression": "2 + 3"})
        return JsonReply(chat_completion(body, None, tool_calls=[call]))
    if system.startswith("You answer questions by thinking"):
        return JsonReply(chat_completion(body, "Thought: easy.\nFinal Answer: 5"))
    if system == helpers.LOOP_SYSTEM_PROMPT:
        return JsonReply(chat_completion(body, LOOP_STEP))
    if system == helpers.REVIEW_SYSTEM_PROMPT:
        return JsonReply(chat_completion(body, REVIEW))
    return JsonReply(chat_completion(body, [STEPS] * body.get("n", 1)))


def bodies_of(run) -> list[dict]:
    with StubServer(answer_everything) as server:
        client = openai.OpenAI(base_url=server.url, api_key="local", max_retries=0)
        run(client)
    return [request.body for request in server.requests]


REASONING = Reasoning(steps=["2 + 3 = 5"], result="5", question="What is 2 + 3?")
HELPERS = {
    "think": (lambda c: helpers.think("What is 2 + 3?", client=c, model="m"), THINK_TOKENS),
    "think stream": (
        lambda c: helpers.think("What is 2 + 3?", client=c, model="m", stream=True),
        THINK_TOKENS,
    ),
    "step_loop": (
        lambda c: helpers.step_loop("What is 2 + 3?", client=c, model="m"),
        LOOP_STEP_TOKENS,
    ),
    "self_consistency": (
        lambda c: helpers.self_consistency("What is 2 + 3?", client=c, model="m", samples=3),
        THINK_TOKENS,
    ),
    "self_check": (lambda c: helpers.self_check(REASONING, client=c, model="m"), REVIEW_TOKENS),
    "run_react": (lambda c: helpers.run_react("2 + 3?", client=c, model="m"), AGENT_TURN_TOKENS),
    "run_tool_agent": (
        lambda c: helpers.run_tool_agent("2 + 3?", client=c, model="m"),
        AGENT_TURN_TOKENS,
    ),
    "probe_server": (lambda c: helpers.probe_server(c, "m"), PROBE_TOKENS),
}


@pytest.mark.parametrize("name", list(HELPERS))
def test_every_request_of_every_helper_sets_its_limit(name):
    run, limit = HELPERS[name]
    bodies = bodies_of(run)
    assert bodies
    for body in bodies:
        assert body.get("max_tokens") == limit, body
        assert "max_completion_tokens" not in body


def test_the_loop_limit_is_its_named_constant():
    assert LOOP_STEP_TOKENS == 300  # the "loop" strategy's limit too
    assert helpers.get_strategy("loop").settings["max_tokens"] == LOOP_STEP_TOKENS


def test_the_evaluation_strategies_send_their_limits():
    problems = make_problems("arithmetic", 1)

    def run(client):
        helpers.evaluate(problems, ("direct", "cot"), client=client, model="m", progress=False)

    limits = sorted(body["max_tokens"] for body in bodies_of(run))
    assert limits == [token_limits.DIRECT_TOKENS, THINK_TOKENS]


def test_a_limit_given_by_the_caller_wins_and_none_sends_no_limit():
    bodies = bodies_of(lambda c: helpers.think("q", client=c, model="m", max_tokens=50))
    assert bodies[0]["max_tokens"] == 50
    bodies = bodies_of(lambda c: helpers.think("q", client=c, model="m", max_completion_tokens=60))
    assert bodies[0]["max_tokens"] == 60 and "max_completion_tokens" not in bodies[0]
    bodies = bodies_of(lambda c: helpers.think("q", client=c, model="m", max_tokens=None))
    assert "max_tokens" not in bodies[0] and "max_completion_tokens" not in bodies[0]


class FakeClient:
    def __init__(self, url: str) -> None:
        self.base_url = openai.OpenAI(base_url=url, api_key="x").base_url


def test_openai_gets_max_completion_tokens_and_reasoning_models_get_room():
    openai_api = FakeClient("https://api.openai.com/v1")
    azure = FakeClient("https://mine.openai.azure.com/openai/v1")
    local = FakeClient("http://127.0.0.1:8080/v1")
    assert is_openai_api(openai_api) and is_openai_api(azure) and not is_openai_api(local)
    assert limit_name(openai_api) == "max_completion_tokens"
    assert limit_name(local) == "max_tokens"
    assert with_token_limit({}, openai_api, "gpt-4o-mini", 100) == {"max_completion_tokens": 100}
    assert with_token_limit({}, openai_api, "o4-mini", 100) == {
        "max_completion_tokens": 100 + REASONING_ALLOWANCE
    }
    assert with_token_limit({}, local, "o4-mini", 100) == {"max_tokens": 100}
    # a limit the caller gives is theirs: renamed, never enlarged
    assert with_token_limit({"max_tokens": 7}, openai_api, "o3", 100) == {
        "max_completion_tokens": 7
    }
    with pytest.raises(ValueError, match="same limit"):
        with_token_limit({"max_tokens": 7, "max_completion_tokens": 8}, local, "m", 100)


def test_an_answer_recorded_under_one_name_replays_under_the_other():
    client = helpers.get_client("offline")  # notebook 03 recorded this with max_tokens=100
    reply = client.chat.completions.create(
        model=helpers.default_model(),
        messages=helpers.step_messages("How many seconds are there in a week?"),
        max_completion_tokens=100,
    )
    assert reply.choices[0].finish_reason == "length"
