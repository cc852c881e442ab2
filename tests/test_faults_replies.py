"""Replies that cannot be used are errors with one line of advice, never answers
(issue 14, findings 2 and 3).

* A 200 whose body is not JSON, or a streamed chunk that is not JSON: one line
  saying so, everywhere; a whole body is retried like a server error.
* A stream that ends without a `finish_reason` (no `[DONE]`) was cut off by the
  connection: never complete, even when the text so far parses; and a dropped
  connection is named as one, not as "try a larger max_tokens".
"""

from __future__ import annotations

import json

import openai
import pytest

import helpers
from helpers.errors import explain_error
from helpers.evaluation.store import read_results
from helpers.modes.client import get_client
from helpers.modes.reply_checks import ReplyCutOff, UnreadableReply
from helpers.widgets.step_viewer import StepViewer
from tests.support.fault_calls import (
    ENTRY_POINTS,
    LAST_VIEWER_TEXT,
    QUESTION,
    HarnessRowsFailed,
    answer_for,
    fake_key,
    live_settings,
    run_entries,
    run_entry,
)
from tests.support.fault_server import FaultServer

SDK_ENTRIES = [entry for entry in ENTRY_POINTS if entry != "http client"]


@pytest.fixture(autouse=True)
def live(monkeypatch):
    for name, value in live_settings(fake_key()).items():
        monkeypatch.setenv(name, value)


def chain(error):
    """The error and every error it came from."""
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


# ---- a body that is not JSON -----------------------------------------------------------
def test_a_body_that_is_not_json_is_one_line_of_advice_everywhere():
    with FaultServer("not_json") as server:
        outcomes = run_entries(SDK_ENTRIES, server.url, 10)
    for entry, outcome in outcomes.items():
        error = outcome.error
        assert error is not None, f"{entry} accepted a login page: {outcome.shown}"
        if isinstance(error, HarnessRowsFailed):
            assert all("body is not JSON" in e for e in error.errors), error.errors
            continue
        assert isinstance(error, openai.InternalServerError), f"{entry}: {outcome.summary()}"
        assert not any(isinstance(e, json.JSONDecodeError) for e in chain(error)), entry
        line = outcome.advice
        assert "200 but its body is not JSON" in line and "\n" not in line, line
        assert "OpenAI-compatible" in line  # what to check


def test_a_body_that_is_not_json_is_retried_like_a_server_error():
    with FaultServer("not_json") as server:
        client = get_client(base_url=server.url, max_retries=2)
        with pytest.raises(openai.InternalServerError):
            helpers.think(QUESTION, client=client)
    assert len(server.requests) == 3  # the first attempt and two retries


def test_a_stream_chunk_that_is_not_json_is_one_line_of_advice():
    viewer = StepViewer.live(QUESTION)
    with FaultServer("not_json_chunk", content=answer_for) as server:
        client = get_client(base_url=server.url)
        with pytest.raises(UnreadableReply) as caught:
            helpers.think(QUESTION, client=client, stream=True, viewer=viewer)
        raw = run_entry("client(stream)", server.url, 10)
    line = explain_error(caught.value)
    assert "streamed chunk from the server is not JSON" in line and "\n" not in line
    assert not viewer.is_live  # the viewer says what happened instead of waiting forever
    assert isinstance(raw.error, UnreadableReply)
    assert not any(isinstance(e, json.JSONDecodeError) for e in chain(caught.value))


def test_the_harness_keeps_going_past_an_unreadable_body_from_any_client(tmp_path):
    """A plain `openai.AsyncOpenAI` has no reply checks: its JSONDecodeError, or a reply
    with no choices, is still a failed call of that problem, not the end of the run."""
    problems = helpers.make_problems("letters", 4)
    with FaultServer("not_json") as server:
        client = openai.AsyncOpenAI(base_url=server.url, api_key=fake_key(), max_retries=0)
        report = helpers.evaluate(
            problems, ("direct",), client=client, results_path=tmp_path / "r.jsonl", progress=False
        )
    rows = read_results(tmp_path / "r.jsonl")
    assert report.run.new == 4 and report.run.failed_calls == 4
    assert all(r["error_kind"] == "call" and "not JSON" in r["error"] for r in rows)


# ---- a stream that ends before the server says it is done -------------------------------
def test_a_stream_without_finish_reason_is_cut_off_not_complete():
    """The text so far reads `"result": 12` (the true answer was 1234): never an answer."""
    viewer = StepViewer.live(QUESTION)
    with FaultServer("no_finish") as server:
        client = get_client(base_url=server.url)
        with pytest.raises(ReplyCutOff) as caught:
            helpers.think(QUESTION, client=client, stream=True, viewer=viewer)
    line = explain_error(caught.value)
    assert "connection closed before the reply was finished" in line
    assert "max_tokens" not in line and "\n" not in line
    shown = viewer.visible_text()
    assert "12" not in shown.replace("1200", "")  # no "Answer: 12" in the widget
    assert "stopped" in shown.lower() and not viewer.is_live  # it says the reply broke off


def test_a_whole_json_answer_without_finish_reason_is_still_refused():
    """Even text that parses completely is refused when the stream never said it ended."""
    text = json.dumps({"steps": ["1200 + 34 = 1234."], "result": "1234"})
    with FaultServer("no_finish", cut_text=text) as server:
        with pytest.raises(ReplyCutOff):
            helpers.think(QUESTION, client=get_client(base_url=server.url), stream=True)


def test_a_stream_with_finish_reason_but_no_done_is_accepted():
    with FaultServer("no_done", content=answer_for) as server:
        reasoning = helpers.think(QUESTION, client=get_client(base_url=server.url), stream=True)
    assert reasoning.result == "1234" and reasoning.complete


def test_a_dropped_stream_is_named_as_a_dropped_connection():
    with FaultServer("drop", content=answer_for) as server:
        outcome = run_entry("think(stream)", server.url, 10)
    assert isinstance(outcome.error, openai.APIConnectionError)
    assert "connection dropped" in outcome.advice and "max_tokens" not in outcome.advice
    shown = LAST_VIEWER_TEXT["think(stream)"]
    assert "max_tokens" not in shown and "stopped" in shown.lower()
