"""The findings of the real-server run (issue 12), each pinned down with the stub server.

Against llama-server with a tiny model these happened: a server error in the middle of a
stream left the viewer "Thinking..." for ever; a vote counted a number picked out of a long
ramble; a server error on one sample sank a whole vote; a cut-off reply blamed a max_tokens
that was never set; `n` above the slot count fell back silently. The stub server replays
the same situations exactly, so these tests run everywhere, without the binary.
"""

from __future__ import annotations

import json

import openai
import pytest

import helpers
from helpers.modes.wire import chat_completion, chat_completion_chunks, error_body, tool_call
from helpers.more_calls import voting
from helpers.parsing.errors import ReasoningParseError
from tests.support.server import JsonReply, StreamReply, StubServer, replies_in_order

QUESTION = "What is 2 + 3?"
STEPS = json.dumps({"steps": ["2 + 3 = 5"], "result": "5"})
CONTEXT_FULL = "Context size has been exceeded."  # llama-server's words, mid-stream
PARSER_FAILED = "The model produced output that does not match the expected peg-native format"


def client_for(server: StubServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url, api_key="local", max_retries=0)


def error_mid_stream(request) -> StreamReply:
    """Two pieces of an answer, then an error event instead of the rest (llama-server)."""
    chunks = chat_completion_chunks(request.body, STEPS)[:3]
    chunks.append({"error": {"code": 500, "message": CONTEXT_FULL, "type": "server_error"}})
    return StreamReply(chunks)


def server_error(request) -> JsonReply:
    return JsonReply(error_body(PARSER_FAILED, "server_error"), status=500)


# ---- a failed call never leaves a live viewer waiting ------------------------------------
def test_an_error_event_mid_stream_ends_the_viewer_with_the_servers_words():
    viewer = helpers.StepViewer.live(QUESTION)
    with StubServer(error_mid_stream) as server, pytest.raises(openai.APIError) as caught:
        helpers.think(QUESTION, client=client_for(server), stream=True, viewer=viewer)
    assert CONTEXT_FULL in str(caught.value)
    assert not viewer.is_live
    assert not viewer.reasoning.complete and viewer.reasoning.result == ""


def test_a_call_that_fails_at_once_ends_the_viewer_too():
    viewer = helpers.StepViewer.live(QUESTION)
    with StubServer(server_error) as server, pytest.raises(openai.InternalServerError):
        helpers.think(QUESTION, client=client_for(server), viewer=viewer)
    assert not viewer.is_live


def test_the_loop_shows_its_steps_so_far_when_a_later_call_fails():
    step = json.dumps({"title": "Add", "content": "2 + 3 = 5", "next_action": "continue"})
    replies = replies_in_order([lambda r: JsonReply(chat_completion(r.body, step)), server_error])
    viewer = helpers.StepViewer(question=QUESTION)
    with StubServer(replies) as server, pytest.raises(openai.InternalServerError):
        helpers.step_loop(QUESTION, client=client_for(server), viewer=viewer)
    assert not viewer.is_live and viewer.step_count == 1


@pytest.mark.parametrize("agent", ["run_react", "run_tool_agent"])
def test_an_agent_whose_call_fails_ends_its_viewer(agent):
    search = tool_call("c1", "search_notes", {"query": "Paris"})
    first = (
        (lambda r: JsonReply(chat_completion(r.body, None, tool_calls=[search])))
        if agent == "run_tool_agent"
        else (
            lambda r: JsonReply(
                chat_completion(r.body, "Thought: look.\nAction: search_notes\nAction Input: Paris")
            )
        )
    )
    viewer = helpers.StepViewer(question=QUESTION)
    with StubServer(replies_in_order([first, server_error])) as server:
        with pytest.raises(openai.InternalServerError):
            getattr(helpers, agent)(QUESTION, client=client_for(server), viewer=viewer)
    assert not viewer.is_live and viewer.step_count == 1


# ---- a cut-off reply says which limit cut it ---------------------------------------------
def test_a_reply_cut_with_no_limit_set_blames_the_context_window_not_max_tokens():
    def cut(request):
        return JsonReply(chat_completion(request.body, '{"steps": ["a', finish_reason="length"))

    with StubServer(cut) as server, pytest.raises(ReasoningParseError) as caught:
        helpers.think(QUESTION, client=client_for(server), max_tokens=None)
    message = str(caught.value)
    assert "no max_tokens was set" in message and "context window" in message
    assert "the model's limit tokens" not in message


# ---- a vote counts answers only ---------------------------------------------------------
RAMBLE = "laing nain hether bras bost 4 biong shondra " * 14  # ~600 characters


def test_a_number_inside_a_long_ramble_is_not_an_answer():
    assert len(RAMBLE) > voting.MAX_ANSWER_CHARS
    assert voting.normalize_result(RAMBLE) == ""
    assert "not a short answer" in voting.not_an_answer(RAMBLE)
    assert voting.normalize_result("He must buy 9 packs.") == "9"  # a short one still counts
    assert voting.not_an_answer("?!") == "the result is empty"


def test_a_vote_of_rambles_has_no_winner():
    ramble = json.dumps({"steps": ["x"], "result": RAMBLE})
    with StubServer(lambda r: JsonReply(chat_completion(r.body, ramble))) as server:
        vote = helpers.self_consistency(QUESTION, client=client_for(server), samples=1)
    assert vote.answer is None and vote.count == 0
    assert "not a short answer" in vote.samples[0].problem
    assert vote.describe() == "none of the 1 samples could be read, so there is no vote"


# ---- a vote survives one failed sample, and says how it gathered them ---------------------
def test_a_server_error_on_one_sample_costs_that_sample_not_the_vote():
    good = lambda r: JsonReply(chat_completion(r.body, STEPS))  # noqa: E731
    refused = JsonReply(error_body("Field 'n': Value must be between 1 <= value <= 2"), 400)
    replies = replies_in_order([lambda r: refused, good, server_error, good])
    with StubServer(replies) as server:
        vote = helpers.self_consistency(QUESTION, client=client_for(server), samples=3)
    assert vote.fell_back and "the server refused n=3: Field 'n'" in vote.how
    assert (vote.answer, vote.count, vote.unreadable) == ("5", 2, 1)
    assert PARSER_FAILED in vote.samples[1].problem


def test_when_every_sample_fails_the_error_is_raised():
    with StubServer(server_error) as server, pytest.raises(openai.InternalServerError):
        helpers.self_consistency(QUESTION, client=client_for(server), samples=2, use_n=False)


def test_usage_counted_for_one_answer_of_an_n_call_is_noted():
    def one_answer_counted(request):
        reply = chat_completion(request.body, [STEPS] * 2, finish_reason="length")
        reply["usage"]["completion_tokens"] = request.body["max_tokens"]  # like llama-server
        return JsonReply(reply)

    with StubServer(one_answer_counted) as server:
        vote = helpers.self_consistency(
            QUESTION, client=client_for(server), samples=2, max_tokens=8
        )
    assert vote.how == "one call with n=2" and not vote.fell_back
    assert vote.usage.completion_tokens == 8
    assert "counted one answer" in vote.usage_note and "note:" in vote.to_text()


def test_a_server_that_counts_every_answer_gets_no_note():
    with StubServer(lambda r: JsonReply(chat_completion(r.body, [STEPS] * 2))) as server:
        vote = helpers.self_consistency(QUESTION, client=client_for(server), samples=2)
    assert vote.usage_note is None and not vote.fell_back


# ---- the schema asks for at least one step ------------------------------------------------
def test_the_step_schema_needs_at_least_one_step():
    schema = helpers.STEPS_JSON_SCHEMA["json_schema"]["schema"]
    assert schema["properties"]["steps"]["minItems"] == 1
    assert helpers.StepAnswer.model_json_schema()["properties"]["steps"]["minItems"] == 1
    with pytest.raises(ReasoningParseError) as caught:  # where a server ignores it
        helpers.parse_reasoning('{"steps": [], "result": "5"}')
    assert caught.value.reason == "no_steps"


# ---- a price is the price of the model that answered --------------------------------------
def test_an_answer_from_another_model_is_not_priced_as_the_model_asked_for():
    usage = helpers.Usage(prompt_tokens=1000, completion_tokens=1000)
    local = helpers.Reasoning(steps=["a"], result="b", usage=usage, model="tiny-random-qwen3")
    dated = helpers.Reasoning(steps=["a"], result="b", usage=usage, model="o4-mini-2025-04-16")
    assert helpers.estimate_cost(local, "o4-mini") is None  # a local model: no price known
    assert helpers.estimate_cost(dated, "o4-mini") == helpers.estimate_cost(usage, "o4-mini")
    other = helpers.Reasoning(steps=["a"], result="b", usage=usage, model="gpt-4o-mini")
    assert helpers.estimate_cost(other, "o4-mini") == helpers.estimate_cost(usage, "gpt-4o-mini")


def test_a_reply_from_the_sdk_is_priced_by_its_own_model():
    with StubServer(lambda r: JsonReply(chat_completion(r.body, "5", model="llama3.2"))) as server:
        reply = client_for(server).chat.completions.create(
            model="o4-mini", messages=[{"role": "user", "content": QUESTION}]
        )
    assert reply.model == "llama3.2" and helpers.estimate_cost(reply, "o4-mini") is None
