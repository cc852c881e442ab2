"""Strategies: stable prompt fingerprints, shared reading rules with think/step_loop."""

from __future__ import annotations

import asyncio
import json
import statistics
import time

import openai
import pytest

from helpers.evaluation.problems import make_problems
from helpers.evaluation.strategies import (
    ANSWER_FORMAT_LINE,
    DIRECT_SYSTEM_PROMPT,
    STRATEGIES,
    Reply,
    Strategy,
    UnusableAnswer,
    get_strategy,
    question_for,
    run_direct,
)
from helpers.modes.wire import chat_completion
from helpers.more_calls.loop import LAST_CALL, NEXT_STEP, RESEND, LoopState, step_loop
from helpers.parsing.errors import ReasoningParseError
from helpers.thinking import read_reply
from tests.support.server import JsonReply, StubServer, replies_in_order

# Pinned on purpose: if a prompt or setting changes, results on disk and the recordings
# of notebook 07 no longer match. Re-record notebook 07, then update these.
PINNED_PROMPT_IDS = {"direct": "aac1a1be83", "cot": "c3d3492630", "loop": "965860c4d7"}


def test_prompt_ids_are_stable():
    assert {name: s.prompt_id for name, s in STRATEGIES.items()} == PINNED_PROMPT_IDS


def test_prompt_ids_follow_prompts_and_settings_not_names():
    cot = get_strategy("cot")
    assert get_strategy("cot", max_tokens=500).prompt_id != cot.prompt_id
    renamed = Strategy("cot-again", "same prompt", cot.run, cot.prompts, cot.settings)
    assert renamed.prompt_id == cot.prompt_id
    reworded = Strategy("cot", "", cot.run, (cot.prompts[0] + " Be brief.",), cot.settings)
    assert reworded.prompt_id != cot.prompt_id


def test_unknown_strategies_and_settings_are_clear_errors():
    with pytest.raises(ValueError, match="known: direct, cot, loop"):
        get_strategy("think-hard")
    with pytest.raises(ValueError, match="no setting max_step"):
        get_strategy("loop", max_step=3)


def test_every_strategy_states_the_answer_format():
    problem = make_problems("dates", 1)[0]
    assert question_for(problem) == (
        problem.question + "\n" + ANSWER_FORMAT_LINE.format(answer_format=problem.answer_format)
    )


def test_read_reply_is_thinks_reading_rule():
    good = json.dumps({"steps": ["a", "b"], "result": "3"})
    assert read_reply(good, "stop", None).result == "3"
    with pytest.raises(ReasoningParseError, match="max_tokens"):
        read_reply(good, "length", None, 50)  # parses, but was cut off: never accepted
    with pytest.raises(ReasoningParseError):
        read_reply("", "stop", "I can't help with that.")


def step(content, final=None):
    value = {"title": "t", "content": content, "next_action": "continue"}
    if final is not None:
        value.update(next_action="final_answer", result=final)
    return json.dumps(value)


def test_loop_state_decides_without_calling_anything():
    state = LoopState("q?", max_steps=2)
    assert [m["role"] for m in state.request()] == ["system", "user"]
    assert state.receive(step("one"), "stop")["content"] == "one"
    assert state.request()[-1] == {"role": "user", "content": NEXT_STEP}
    assert state.receive("not json", "stop") is None and not state.done
    assert RESEND.split("(")[0] in state.request()[-1]["content"]
    state.receive(step("two"), "stop")
    assert state.request()[-1] == {"role": "user", "content": LAST_CALL}
    state.receive(step("three", final="42"), "stop")
    assert state.done and state.result == "42" and state.steps == ["one", "two", "three"]


def test_a_cut_off_resend_stops_the_loop_even_if_it_parses():
    # Before LoopState, the loop read the resent step without looking at finish_reason.
    with StubServer(
        replies_in_order(
            [
                lambda r: JsonReply(chat_completion(r.body, "Let me count.")),
                lambda r: JsonReply(
                    chat_completion(r.body, step("so 3", final="3"), finish_reason="length")
                ),
            ]
        )
    ) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test", max_retries=0)
        reasoning = step_loop("How many r's in strawberry?", client=client)
    assert not reasoning.complete and reasoning.result == ""
    assert "cut off" in reasoning.warnings[0]


def test_the_test_server_answers_without_a_nagle_delay():
    # Every harness test and the benchmark time real requests to this server.
    with StubServer(lambda r: JsonReply(chat_completion(r.body, "ok"))) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test")
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        times = []
        for _ in range(10):
            started = time.perf_counter()
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
            times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.025  # about 0.04 s with Nagle's algorithm on


class FakeChat:
    """Stands in for ChatCaller: gives one prepared Reply and records the request."""

    def __init__(self, text, finish_reason="stop", refusal=None):
        self.reply = Reply(text, finish_reason, refusal, None, "m", None)
        self.requests = []

    async def __call__(self, messages, **settings):
        self.requests.append((messages, settings))
        return self.reply


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (FakeChat("", "stop"), "empty"),
        (FakeChat("The answer is", "length"), r"max_tokens \(100\)"),
        (FakeChat(None, "stop", refusal="I can't."), "refused"),
    ],
)
def test_direct_answers_that_cannot_be_used(reply, problem):
    with pytest.raises(UnusableAnswer, match=problem):
        asyncio.run(run_direct(make_problems("letters", 1)[0], reply, max_tokens=100))


def test_direct_answer_is_the_reply_text_and_asks_for_the_answer_only():
    chat = FakeChat("  3\n")
    answer = asyncio.run(get_strategy("direct").answer(make_problems("letters", 1)[0], chat))
    assert answer.result == "3" and answer.steps == 0
    messages, settings = chat.requests[0]
    assert messages[0]["content"] == DIRECT_SYSTEM_PROMPT and settings == {"max_tokens": 100}
