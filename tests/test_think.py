"""`think()`: one step-prompt call, parsed, with truncation, refusal, retry and streaming."""

from __future__ import annotations

import json

import openai
import pytest

from helpers import StepViewer, think
from helpers.modes.wire import chat_completion, chat_completion_chunks
from helpers.parsing.errors import ReasoningParseError
from helpers.prompts import JSON_MODE, step_messages
from helpers.token_limits import THINK_TOKENS
from tests.support.recordings import add_recording
from tests.support.server import JsonReply, StreamReply, StubServer, replies_in_order

QUESTION = "How many r's are in strawberry?"
GOOD = json.dumps({"steps": ["s-t-r-a-w-b-e-r-r-y", "r at 3, 8, 9", "check: 3"], "result": "3"})


def request_body(**extra) -> dict:
    """What think() sends offline: the client's address is OpenAI's, so the limit goes as
    max_completion_tokens (a recording made with max_tokens matches it too)."""
    limit = {} if "max_tokens" in extra else {"max_completion_tokens": THINK_TOKENS}
    return {
        "model": "gpt-4o-mini",
        "messages": step_messages(QUESTION),
        "response_format": JSON_MODE,
        **limit,
        **extra,
    }


def record(folder, body, text, **details):
    add_recording(folder, body, text=text, **details)


@pytest.fixture
def offline(recordings_folder):
    return recordings_folder


def test_think_returns_steps_usage_and_time(offline):
    record(offline, request_body(), GOOD)
    reasoning = think(QUESTION)
    assert reasoning.steps == ["s-t-r-a-w-b-e-r-r-y", "r at 3, 8, 9", "check: 3"]
    assert reasoning.result == "3"
    assert reasoning.question == QUESTION and reasoning.finish_reason == "stop"
    assert reasoning.usage.prompt_tokens > 0 and reasoning.usage.completion_tokens > 0
    assert reasoning.elapsed is not None and reasoning.elapsed >= 0
    assert reasoning.model == "gpt-4o-mini-2024-07-18"


def test_a_cut_off_reply_raises_even_when_it_parses(offline):
    record(offline, request_body(max_tokens=40), GOOD, finish_reason="length")
    with pytest.raises(ReasoningParseError) as caught:
        think(QUESTION, max_tokens=40)
    assert caught.value.reason == "truncated" and "40" in str(caught.value)


def test_a_refusal_raises_with_its_reason(offline):
    record(offline, request_body(), None, refusal="I can't help with that.")
    with pytest.raises(ReasoningParseError) as caught:
        think(QUESTION)
    assert caught.value.reason == "refusal" and "can't help" in str(caught.value)


def test_unreadable_reply_raises_without_retry(offline):
    record(offline, request_body(), "Sure! The answer is 3.")
    with pytest.raises(ReasoningParseError) as caught:
        think(QUESTION)
    assert caught.value.reason == "no_json"


def test_retry_shows_the_model_its_error_and_counts_both_calls(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-" + "x" * 30)
    bad = JsonReply(chat_completion({"messages": []}, "Sure! The answer is 3."))
    good = JsonReply(chat_completion({"messages": []}, GOOD))
    with StubServer(replies_in_order([bad, good])) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test")
        reasoning = think(QUESTION, client=client, retry=True)
    assert reasoning.result == "3"
    assert reasoning.usage.calls == 2
    assert any("correct" in repair for repair in reasoning.repairs)
    second = server.requests[1].body["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert second[2]["content"] == "Sure! The answer is 3."
    assert "No JSON object" in second[3]["content"]


def test_truncation_over_real_http():
    cut = JsonReply(chat_completion({"messages": []}, '{"steps": ["s-t-r', finish_reason="length"))
    with StubServer(lambda request: cut) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test")
        with pytest.raises(ReasoningParseError, match="cut off"):
            think(QUESTION, client=client, max_tokens=5)
    assert server.requests[0].body["max_tokens"] == 5


def test_think_streams_into_a_live_viewer(offline):
    body = request_body(stream=True, stream_options={"include_usage": True})
    record(offline, body, GOOD, stream=True)
    viewer = StepViewer.live(QUESTION)
    reasoning = think(QUESTION, stream=True, viewer=viewer)
    assert reasoning.result == "3" and reasoning.usage is not None
    assert not viewer.is_live
    assert viewer.step_count == 3
    viewer.show_all()
    assert "3" in viewer.visible_text()


def test_a_stream_cut_at_max_tokens_shows_steps_but_no_answer(offline):
    text = '{"steps": ["s-t-r-a-w-b-e-r-r-y", "r at 3, 8'
    body = request_body(stream=True, stream_options={"include_usage": True}, max_tokens=20)
    record(offline, body, text, stream=True, finish_reason="length")
    viewer = StepViewer.live(QUESTION)
    with pytest.raises(ReasoningParseError) as caught:
        think(QUESTION, stream=True, viewer=viewer, max_tokens=20)
    assert caught.value.reason == "truncated"
    viewer.show_all()
    shown = viewer.visible_text()
    assert "s-t-r-a-w-b-e-r-r-y" in shown and "cut off" in shown.lower()
    assert viewer.reasoning.result == "" and not viewer.reasoning.complete


def test_a_dropped_stream_warns_in_the_viewer_and_raises_with_advice(offline):
    body = request_body(stream=True, stream_options={"include_usage": True})
    record(offline, body, GOOD, stream=True, ends="dropped")
    viewer = StepViewer.live(QUESTION)
    with pytest.raises(openai.APIConnectionError) as caught:
        think(QUESTION, stream=True, viewer=viewer)
    assert not viewer.is_live
    assert "connection" in viewer.visible_text().lower()
    notes = getattr(caught.value, "__notes__", [])
    assert not notes or "server" in notes[0]


def test_api_errors_carry_one_line_of_advice():
    with StubServer(lambda request: JsonReply({"error": {"message": "bad key"}}, status=401)) as s:
        client = openai.OpenAI(base_url=s.url, api_key="wrong")
        with pytest.raises(openai.AuthenticationError) as caught:
            think(QUESTION, client=client)
    notes = getattr(caught.value, "__notes__", None)
    if notes is not None:  # Python 3.11+
        assert "OPENAI_API_KEY" in notes[-1]


def test_streaming_over_real_http_with_a_drop():
    chunks = chat_completion_chunks({"messages": []}, GOOD)
    with StubServer(lambda request: StreamReply(chunks, drop_after=6)) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test", max_retries=0)
        viewer = StepViewer.live(QUESTION)
        with pytest.raises(openai.APIConnectionError):
            think(QUESTION, client=client, stream=True, viewer=viewer)
    assert viewer.reasoning is not None and not viewer.reasoning.result
