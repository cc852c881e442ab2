"""The helpers, live against a real llama.cpp server serving a tiny random model.

The model writes gibberish: it is the weakest model there is. So these tests do not check
answers. They check that every helper ends with a clear result or a clear one-line error
(never a KeyError, an AttributeError or a wait without end), that every call carries a
token limit the server honours, and that the messages say what really happened.

Without a built `llama-server` they skip (see tests/support/llama_server.py); under CI
(`HOMEMADE_O1_REQUIRE_SERVER=1`) they must run.
"""

from __future__ import annotations

import json

import openai
import pytest

import helpers
from helpers.agents.trace import STOP_REASONS
from helpers.errors import explain_error
from helpers.more_calls.self_check import ReviewError
from helpers.parsing.errors import ReasoningParseError
from helpers.token_limits import (
    AGENT_TURN_TOKENS,
    LOOP_STEP_TOKENS,
    REVIEW_TOKENS,
    THINK_TOKENS,
)
from tests.support.llama_server import MODEL_ALIAS, LlamaServer, llama_server  # noqa: F401

QUESTION = "What is 2 + 3?"
CLEAR_ERRORS = (ReasoningParseError, ReviewError, openai.APIStatusError)
"""What a helper may raise against a weak model: the reply could not be read, or the server
said no (llama-server answers 500 when the model's text breaks its own output parser)."""


@pytest.fixture
def client(llama_server: LlamaServer) -> openai.OpenAI:  # noqa: F811
    return openai.OpenAI(base_url=llama_server.url, api_key="none", max_retries=0, timeout=120)


def one_line(text: str) -> bool:
    return bool(text.strip()) and "\n" not in text.strip() and len(text) < 600


def ends_clearly(call):
    """Run a helper; return ("result", value) or ("error", error) for an error it may raise,
    after checking that the error explains itself in one line."""
    try:
        return "result", call()
    except CLEAR_ERRORS as error:
        assert one_line(str(error)), str(error)
        assert one_line(explain_error(error)), explain_error(error)
        return "error", error


def assert_token_limit_held(usage, limit: int) -> None:
    if usage is not None:
        assert usage.completion_tokens <= limit


# ---- think -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "response_format",
    [helpers.JSON_MODE, None, helpers.STEPS_JSON_SCHEMA],
    ids=["json mode", "prompt only", "schema"],
)
def test_think_ends_with_reasoning_or_one_clear_error(client, response_format):
    kind, value = ends_clearly(
        lambda: helpers.think(QUESTION, client=client, response_format=response_format)
    )
    if kind == "result":
        assert value.steps and value.result and value.model == MODEL_ALIAS
        assert_token_limit_held(value.usage, THINK_TOKENS)
    elif value.reason == "truncated":  # the limit, not the context window, stopped it
        assert f"max_tokens ({THINK_TOKENS} tokens)" in str(value)


def test_think_streams_into_a_viewer_that_always_finishes(client):
    viewer = helpers.StepViewer.live(QUESTION)
    kind, value = ends_clearly(
        lambda: helpers.think(QUESTION, client=client, stream=True, viewer=viewer)
    )
    assert not viewer.is_live
    if kind == "error":
        assert viewer.reasoning is not None and not viewer.reasoning.complete


def test_think_with_retry_ends_clearly_after_at_most_two_calls(client):
    kind, value = ends_clearly(
        lambda: helpers.think(QUESTION, client=client, response_format=None, retry=True)
    )
    if kind == "result":
        assert len(value.calls) <= 2


# ---- loop, vote, self-check --------------------------------------------------------------
def test_step_loop_ends_with_a_reasoning_or_a_server_error(client):
    viewer = helpers.StepViewer(question=QUESTION)
    kind, value = ends_clearly(
        lambda: helpers.step_loop(QUESTION, client=client, max_steps=3, viewer=viewer)
    )
    assert not viewer.is_live
    if kind == "result":
        assert value.complete or value.warnings
        for usage in value.calls:
            assert_token_limit_held(usage, LOOP_STEP_TOKENS)


def test_a_vote_falls_back_when_n_is_above_the_slot_count_and_says_so(client, llama_server):  # noqa: F811
    vote = helpers.self_consistency(QUESTION, client=client, samples=llama_server.slots + 3)
    assert vote.fell_back
    assert "refused n=5" in vote.how and "1 <= value <= 2" in vote.how  # the server's words
    assert len(vote.calls) == 5 and len(vote.samples) == 5
    assert one_line(vote.describe())


def test_a_vote_with_n_within_the_slots_notes_usage_counted_for_one_answer(client):
    vote = helpers.self_consistency(QUESTION, client=client, samples=2, max_tokens=8)
    assert not vote.fell_back and vote.how == "one call with n=2"
    assert all(sample.problem == "cut off by max_tokens" for sample in vote.samples)
    # llama-server counts the output of one answer: 8, not 16
    assert vote.usage.completion_tokens == 8
    assert vote.usage_note and "counted one answer" in vote.usage_note
    assert vote.answer is None and "none of the 2 samples could be read" in vote.describe()


def test_self_check_ends_with_a_review_or_a_clear_error(client):
    reasoning = helpers.Reasoning(
        steps=["2 + 3 = 5", "Check: 5 - 3 = 2."], result="5", question=QUESTION
    )
    kind, value = ends_clearly(lambda: helpers.self_check(reasoning, client=client))
    if kind == "result":
        assert value.first_wrong_step in (None, 1, 2)
        assert_token_limit_held(value.usage, REVIEW_TOKENS)


# ---- agents ----------------------------------------------------------------------------
@pytest.mark.parametrize("agent", ["run_react", "run_tool_agent"])
def test_both_agents_end_with_a_stop_reason(client, agent):
    viewer = helpers.StepViewer(question=QUESTION)
    run = getattr(helpers, agent)
    kind, value = ends_clearly(lambda: run(QUESTION, client=client, max_steps=3, viewer=viewer))
    assert not viewer.is_live
    if kind == "result":
        assert value.stop_reason in STOP_REASONS and one_line(value.summary())
        assert len(value.calls) <= 3
        for usage in value.calls:
            assert_token_limit_held(usage, AGENT_TURN_TOKENS)


# ---- probe -----------------------------------------------------------------------------
def test_probe_reports_what_llama_server_really_does(client, llama_server):  # noqa: F811
    report = helpers.probe_server(client)
    rows = {feature.name: feature for feature in report.features}
    assert rows["plain chat"].supported == "yes"
    several = rows["several answers (n=5)"]
    assert several.supported == "no" and "1 <= value <= 2" in several.seen
    tools = rows["tool calling"]
    assert tools.supported in ("yes", "unclear", "error")
    if tools.supported == "unclear":  # llama-server renders the tools into the prompt
        assert "passed the tools on" in tools.seen
    if tools.supported == "error":  # its parser refused the model's text: its words shown
        assert tools.seen.startswith("server error (500)")
    for feature in report.features:
        assert one_line(feature.seen) and len(feature.seen) <= 200, feature


# ---- evaluation ------------------------------------------------------------------------
def test_the_evaluation_keeps_every_result_and_reports(client, tmp_path):
    problems = helpers.make_problems("arithmetic", 2)
    path = tmp_path / "results.jsonl"
    report = helpers.evaluate(
        problems,
        ("direct", "cot", "loop"),
        client=client,
        results_path=path,
        progress=False,
        concurrency=2,
        max_retries=0,
    )
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 6 and report.run.new == 6
    for row in rows:
        assert row["served_by"] == MODEL_ALIAS
        assert row["error"] is None or one_line(row["error"])
    assert "direct" in report.to_text()


# ---- record, then replay ---------------------------------------------------------------
def test_what_was_recorded_live_replays_offline(llama_server, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOMEMADE_O1_RECORDINGS", str(tmp_path))
    monkeypatch.setenv("HOMEMADE_O1_PACE", "0")

    def calls():
        client = helpers.get_client()
        outcomes = []
        for run in (
            lambda: helpers.think(QUESTION, client=client, temperature=0, seed=1),
            lambda: helpers.think(QUESTION, client=client, stream=True, temperature=0, seed=1),
            lambda: helpers.self_consistency(QUESTION, client=client, samples=2, seed=1),
            lambda: helpers.run_react(QUESTION, client=client, max_steps=2, seed=1),
        ):
            kind, value = ends_clearly(run)
            outcomes.append(str(value) if kind == "error" else repr(value))
        return outcomes

    monkeypatch.setenv("HOMEMADE_O1_MODE", "record")
    monkeypatch.setenv("OPENAI_BASE_URL", llama_server.url)
    recorded = calls()
    assert list(tmp_path.rglob("*.json"))
    # offline, with no server configured: the client talks to OpenAI's address, so the
    # limit goes as max_completion_tokens, and the recordings (max_tokens) still match
    monkeypatch.setenv("HOMEMADE_O1_MODE", "offline")
    monkeypatch.delenv("OPENAI_BASE_URL")
    replayed = calls()
    assert [_without_times(text) for text in replayed] == [
        _without_times(text) for text in recorded
    ]


def _without_times(text: str) -> str:
    """A result's text without its elapsed time (the only thing a replay changes)."""
    import re

    return re.sub(r"elapsed=[0-9.e-]+", "elapsed=…", text)


# ---- a shared context that fills up -----------------------------------------------------
@pytest.fixture(scope="module")
def shared_context_server(llama_server: LlamaServer, tmp_path_factory):  # noqa: F811
    """A llama-server whose 2 slots share one small context (512 tokens), the way it shares
    its context when started without -np: two long replies at once overflow it."""
    from tests.support.llama_server import running_llama_server

    folder = tmp_path_factory.mktemp("shared-context")
    with running_llama_server(folder, slots=2, context_per_slot=256, shared_context=True) as s:
        yield s


def test_context_exceeded_mid_stream_ends_every_viewer(shared_context_server):
    import threading

    from tests.support.tiny_model import SPECIAL_TOKEN_IDS

    client = openai.OpenAI(base_url=shared_context_server.url, api_key="none", max_retries=0)
    never_stop = {str(SPECIAL_TOKEN_IDS["<|im_end|>"]): -100}  # the reply goes on and on
    viewers = [helpers.StepViewer.live(QUESTION) for _ in range(2)]
    errors: list[BaseException] = []

    def ask(viewer):
        try:
            helpers.think(
                QUESTION,
                client=client,
                stream=True,
                viewer=viewer,
                response_format=None,
                max_tokens=None,  # no limit: what the helpers used to send
                logit_bias=never_stop,
            )
        except (openai.APIError, ReasoningParseError) as error:
            errors.append(error)

    threads = [threading.Thread(target=ask, args=(viewer,)) for viewer in viewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    server_errors = [e for e in errors if isinstance(e, openai.APIError)]
    assert any("Context size has been exceeded" in str(e) for e in server_errors), errors
    assert not any(viewer.is_live for viewer in viewers)  # none is left "Thinking..."
