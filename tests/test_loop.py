"""The per-step loop: final answers, the step cap, bad JSON mid-way, repeats, tokens, viewer."""

from __future__ import annotations

import json

import openai
import pytest

from helpers import StepViewer
from helpers.modes.wire import chat_completion
from helpers.more_calls.loop import LAST_CALL, NEXT_STEP, read_step, step_loop
from tests.support.server import JsonReply, StubServer, replies_in_order


def step(content, title="Step", final=None):
    value = {"title": title, "content": content, "next_action": "continue"}
    if final is not None:
        value.update(next_action="final_answer", result=final)
    return json.dumps(value)


def reply(text, finish_reason="stop"):
    return lambda request: JsonReply(
        chat_completion(request.body, text, finish_reason=finish_reason)
    )


def run(replies, **kwargs):
    with StubServer(replies_in_order(replies)) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test", max_retries=0)
        reasoning = step_loop("How many r's in strawberry?", client=client, **kwargs)
    return reasoning, server.requests


def test_the_loop_stops_at_the_final_answer_and_sums_usage():
    reasoning, requests = run(
        [
            reply(step("Spell it: s-t-r-a-w-b-e-r-r-y", "Spell")),
            reply(step("r at 3, 8, 9", "Find")),
            reply(step("1 + 2 = 3", "Check", final="3")),
        ]
    )
    assert reasoning.complete and reasoning.result == "3"
    assert reasoning.steps == ["Spell it: s-t-r-a-w-b-e-r-r-y", "r at 3, 8, 9", "1 + 2 = 3"]
    assert reasoning.titles == ["Spell", "Find", "Check"]
    assert len(reasoning.calls) == 3 and reasoning.usage.calls == 3
    assert reasoning.usage.prompt_tokens == sum(c.prompt_tokens for c in reasoning.calls)


def test_each_call_resends_the_whole_history():
    _, requests = run([reply(step("a")), reply(step("b")), reply(step("c", final="x"))])
    lengths = [len(r.body["messages"]) for r in requests]
    assert lengths == [2, 4, 6]
    assert requests[2].body["messages"][3] == {"role": "user", "content": NEXT_STEP}
    assert json.loads(requests[2].body["messages"][2]["content"])["content"] == "a"


def test_input_tokens_grow_with_every_step():
    reasoning, _ = run(
        [reply(step(f"step number {n} " + "x" * 40)) for n in range(5)]
        + [reply(step("done", final="1"))]
    )
    prompts = [c.prompt_tokens for c in reasoning.calls]
    assert prompts == sorted(prompts) and prompts[-1] > 2 * prompts[0]


def test_the_step_cap_asks_once_more_then_gives_up_honestly():
    reasoning, requests = run([reply(step(f"thinking {n}")) for n in range(4)], max_steps=3)
    assert not reasoning.complete and reasoning.result == ""
    assert "no final answer after 3 steps" in reasoning.warnings[0]
    assert len(requests) == 4
    assert requests[-1].body["messages"][-1]["content"] == LAST_CALL


def test_the_cap_reminder_can_still_produce_an_answer():
    reasoning, _ = run(
        [reply(step("a")), reply(step("b")), reply(step("c", final="42"))], max_steps=2
    )
    assert reasoning.complete and reasoning.result == "42" and len(reasoning.steps) == 3


def test_bad_json_in_a_middle_step_is_asked_for_again():
    reasoning, requests = run(
        [
            reply(step("first")),
            reply("Sure, the next step is to count."),
            reply(step("second")),
            reply(step("third", final="3")),
        ]
    )
    assert reasoning.complete and reasoning.steps == ["first", "second", "third"]
    resend = requests[2].body["messages"][-1]["content"]
    assert "not the JSON object" in resend and "no JSON object" in resend


def test_bad_json_twice_stops_without_an_answer():
    reasoning, _ = run([reply(step("first")), reply("nope"), reply("still prose")])
    assert not reasoning.complete and reasoning.steps == ["first"]
    assert "step 2 could not be read" in reasoning.warnings[0]


def test_a_repeated_step_stops_the_loop():
    reasoning, _ = run([reply(step("same")), reply(step("same"))])
    assert not reasoning.complete and "repeated step 1" in reasoning.warnings[0]


def test_a_cut_off_step_stops_the_loop():
    reasoning, _ = run(
        [reply(step("first")), reply('{"title": "x", "content": "ha', finish_reason="length")]
    )
    assert not reasoning.complete and "cut off" in reasoning.warnings[0]
    assert reasoning.steps == ["first"]


def test_steps_show_in_a_viewer_as_they_arrive():
    seen = []
    viewer = StepViewer(question="q")
    with StubServer(
        replies_in_order(
            [
                reply(step("one", "A")),
                reply(step("two", "B", final="2")),
            ]
        )
    ) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test")
        reasoning = step_loop(
            "q",
            client=client,
            viewer=viewer,
            on_step=lambda n, title, content: seen.append((n, viewer.step_count)),
        )
    assert seen == [(1, 1), (2, 2)]
    assert not viewer.is_live and viewer.step_count == 2
    viewer.show_all()
    assert "two" in viewer.visible_text() and reasoning.result in viewer.visible_text()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '```json\n{"title": "T", "content": "c", "next_action": "continue"}\n```',
            {"title": "T", "content": "c", "next_action": "continue"},
        ),
        (
            '{"content": "c", "next_action": "Final_Answer", "result": 4}',
            {"title": None, "content": "c", "next_action": "final_answer", "result": "4"},
        ),
        (
            '<think>hmm {x}</think>{"title": "T", "content": "multi\nline"}',
            {"title": "T", "content": "multi\nline", "next_action": "continue"},
        ),
    ],
)
def test_read_step(text, expected):
    assert read_step(text) == expected


@pytest.mark.parametrize("text", ["", "just prose", '["a list"]', '{"title": "no content"}'])
def test_read_step_refuses(text):
    with pytest.raises(ValueError):
        read_step(text)


# ---- offline pacing: a replayed loop shows its steps one by one -----------------------
def _record_loop(folder, question, texts):
    """Record the calls step_loop makes offline for `texts`, one step per call."""
    from helpers.more_calls.loop import LOOP_SYSTEM_PROMPT
    from tests.support.recordings import add_recording

    messages = [
        {"role": "system", "content": LOOP_SYSTEM_PROMPT},
        {"role": "user", "content": question},
    ]
    for text in texts:
        body = {
            "model": "gpt-4o-mini",
            "messages": list(messages),
            "max_completion_tokens": 300,
            "response_format": {"type": "json_object"},
        }
        add_recording(folder, body, text=text)
        messages += [
            {"role": "assistant", "content": text},
            {"role": "user", "content": NEXT_STEP},
        ]


@pytest.fixture
def pauses(monkeypatch):
    """The seconds step_loop sleeps, recorded instead of slept."""
    from helpers.more_calls import loop

    slept = []
    monkeypatch.setattr(loop.time, "sleep", slept.append)
    return slept


def test_offline_a_viewer_gets_each_step_at_the_replay_pace(recordings_folder, monkeypatch, pauses):
    from helpers import get_client
    from helpers.modes.wire import estimate_tokens

    texts = [step("Spell it: s-t-r-a-w-b-e-r-r-y"), step("1 + 2 = 3", final="3")]
    _record_loop(recordings_folder, "How many r's?", texts)
    monkeypatch.setenv("HOMEMADE_O1_PACE", "50")
    viewer = StepViewer(question="How many r's?")
    reasoning = step_loop("How many r's?", client=get_client(), viewer=viewer)
    assert reasoning.result == "3" and viewer.step_count == 2
    assert pauses == pytest.approx([estimate_tokens(text) / 50 for text in texts])
    assert all(pause > 0 for pause in pauses)


def test_offline_without_a_viewer_or_pace_the_loop_does_not_wait(
    recordings_folder, monkeypatch, pauses
):
    from helpers import get_client

    texts = [step("a"), step("b", final="x")]
    _record_loop(recordings_folder, "q", texts)
    monkeypatch.setenv("HOMEMADE_O1_PACE", "50")
    assert step_loop("q", client=get_client()).result == "x"  # no viewer
    monkeypatch.setenv("HOMEMADE_O1_PACE", "0")
    assert step_loop("q", client=get_client(), viewer=StepViewer()).result == "x"
    assert not any(pauses)


def test_a_live_answer_is_never_paced(monkeypatch, pauses):
    monkeypatch.setenv("HOMEMADE_O1_PACE", "50")
    reasoning, _ = run([reply(step("a")), reply(step("b", final="x"))], viewer=StepViewer())
    assert reasoning.result == "x" and not any(pauses)


def test_a_replayed_pause_is_capped():
    from helpers.more_calls.loop import MAX_REPLAY_PAUSE, replay_pause
    from helpers.reasoning import Usage

    assert replay_pause("hand-written", Usage(completion_tokens=30), 60) == 0.5
    assert replay_pause("hand-written", Usage(completion_tokens=9000), 60) == MAX_REPLAY_PAUSE
    assert replay_pause(None, Usage(completion_tokens=30), 60) == 0.0
