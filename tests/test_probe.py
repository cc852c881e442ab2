"""probe_server: what a server honours, over real HTTP to a local test server."""

from __future__ import annotations

import json

import openai
import pytest

import helpers
from helpers.checks.probe import ServerReport, probe_server
from helpers.modes.wire import chat_completion, chat_completion_chunks, error_body, tool_call
from tests.support.server import JsonReply, StreamReply, StubRequest, StubServer

STEPS = json.dumps({"steps": ["2 + 3 = 5", "Check: 5 - 3 = 2."], "result": "5"})


def full_support(request: StubRequest) -> JsonReply | StreamReply:
    """A server like OpenAI's: every option honoured."""
    body = request.body
    if body.get("stream"):
        return StreamReply(chat_completion_chunks(body, "5"))
    if body.get("tools"):
        call = tool_call("call_1", "calculator", {"expression": "12 * 34"})
        return JsonReply(chat_completion(body, None, tool_calls=[call]))
    if body.get("response_format"):
        return JsonReply(chat_completion(body, STEPS))
    return JsonReply(chat_completion(body, ["5"] * body.get("n", 1)))


def patchy(request: StubRequest) -> JsonReply | StreamReply:
    """A small local server: refuses some options, quietly ignores others."""
    body = request.body
    if body.get("stream_options"):
        return JsonReply(error_body("unknown field stream_options"), status=400)
    if body.get("stream"):
        return StreamReply(chat_completion_chunks(body, "5"))
    kind = (body.get("response_format") or {}).get("type")
    if kind == "json_schema":
        return JsonReply(error_body("json_schema is not supported"), status=400)
    if kind == "json_object":
        return JsonReply(chat_completion(body, "```json\n" + STEPS + "\n```"))
    if body.get("tools"):  # tools dropped: the prompt is as long as without them
        without_tools = {k: v for k, v in body.items() if k != "tools"}
        return JsonReply(chat_completion(without_tools, "12 * 34 = 408"))
    reply = chat_completion(body, "<think>2 plus 3</think>5")  # n ignored: one choice
    return JsonReply(reply)


def probe(handler, **options) -> tuple[ServerReport, list[StubRequest]]:
    with StubServer(handler) as server:
        client = openai.OpenAI(base_url=server.url, api_key="local", max_retries=0)
        report = probe_server(client, model="test-model", **options)
    return report, server.requests


def verdicts(report: ServerReport) -> dict[str, str]:
    return {feature.name: feature.supported for feature in report.features}


def test_a_server_that_honours_everything():
    report, requests = probe(full_support)
    assert set(verdicts(report).values()) == {"yes", "no"}
    assert verdicts(report)["reasoning field"] == "no"  # the only "no": no reasoning model
    assert report.best_response_format is helpers.STEPS_JSON_SCHEMA
    assert len(requests) == 6 and all(r.body["model"] == "test-model" for r in requests)
    seen = {f.name: f.seen for f in report.features}
    assert seen["streaming"].endswith("with usage in the last chunk")
    assert seen["tool calling"] == 'called calculator({"expression": "12 * 34"})'
    assert seen["structured outputs"] == "fits the schema: 2 steps, result '5'"


def test_refused_and_ignored_options_are_told_apart():
    report, requests = probe(patchy)
    assert verdicts(report) == {
        "plain chat": "yes",
        "token counts (usage)": "yes",
        "reasoning field": "no",
        "streaming": "yes",
        "JSON mode": "ignored",
        "structured outputs": "no",
        "several answers (n=5)": "ignored",
        "tool calling": "ignored",
    }
    seen = {f.name: f.seen for f in report.features}
    assert seen["structured outputs"] == "refused (400): json_schema is not supported"
    assert seen["streaming"] == "1 text chunk, stream_options refused, so no usage"
    assert seen["reasoning field"] == "reasoning inside the text, in <think> tags"
    assert report.best_response_format is None
    assert "None (the prompt alone)" in str(report)
    assert sum(1 for r in requests if r.body.get("stream")) == 2  # retried without options


def test_a_separate_reasoning_field_is_found():
    def handler(request):
        reply = chat_completion(request.body, "5")
        reply["choices"][0]["message"]["reasoning_content"] = "Two plus three is five."
        return JsonReply(reply)

    report, _ = probe(handler)
    feature = next(f for f in report.features if f.name == "reasoning field")
    assert feature.supported == "yes" and "reasoning_content" in feature.seen


def test_a_broken_probe_is_an_error_line_not_a_crash():
    def handler(request):
        if request.body.get("n"):
            return JsonReply(error_body("the server fell over", "server_error"), status=500)
        return full_support(request)

    report, _ = probe(handler)
    feature = next(f for f in report.features if f.name.startswith("several answers"))
    # the server's own words, not advice to wait: a local server's 500 is about this request
    assert feature.supported == "error"
    assert feature.seen == "server error (500): the server fell over"


def test_no_server_at_all_raises_with_advice():
    def handler(request):
        return JsonReply(error_body("model 'test-model' not found"), status=404)

    with pytest.raises(openai.NotFoundError) as caught:
        probe(handler)
    notes = getattr(caught.value, "__notes__", None)
    if notes is not None:
        assert "model name" in notes[0]


def test_model_text_is_escaped_in_the_table():
    def handler(request):
        return JsonReply(chat_completion(request.body, "<img src=x onerror=alert(1)>"))

    report, _ = probe(handler)
    shown = report._repr_html_()
    assert "<img" not in shown and "&lt;img" in shown


def test_json_mode_alone_is_the_best_format_when_schemas_are_refused():
    def handler(request):
        if (request.body.get("response_format") or {}).get("type") == "json_schema":
            return JsonReply(error_body("no schemas here"), status=400)
        return full_support(request)

    report, _ = probe(handler)
    assert report.best_response_format is helpers.JSON_MODE


def test_offline_the_report_says_the_replies_are_hand_written():
    report = probe_server()
    assert report.replayed == "hand-written"
    assert "Offline: no server was asked. These are hand-written replies" in report.to_text()
    assert all(f.supported == "yes" for f in report.features if f.name != "reasoning field")


def test_tools_passed_on_but_not_called_is_not_called_ignored():
    """llama-server renders the tools into the prompt; a weak model then writes text."""

    def handler(request):
        if request.body.get("tools"):  # the prompt grew by the tool descriptions
            without_tools = {k: v for k, v in request.body.items() if k != "tools"}
            reply = chat_completion(without_tools, "I think it is 400-something.")
            reply["usage"]["prompt_tokens"] += 150
            return JsonReply(reply)
        return full_support(request)

    report, requests = probe(handler)
    feature = next(f for f in report.features if f.name == "tool calling")
    assert feature.supported == "unclear"
    assert feature.seen.startswith("the server passed the tools on (+150 prompt tokens)")
    assert "the model did not call one" in feature.seen
    assert len(requests) == 7  # one more, without the tools, to compare prompt sizes


def test_n_refused_above_the_slot_count_shows_the_servers_words():
    def handler(request):
        if request.body.get("n", 1) > 2:
            message = "Field 'n': Value must be between 1 <= value <= 2, but got 5"
            return JsonReply(error_body(message), status=400)
        return full_support(request)

    report, _ = probe(handler)
    feature = next(f for f in report.features if f.name == "several answers (n=5)")
    assert feature.supported == "no"
    assert feature.seen.startswith("refused (400): Field 'n': Value must be between 1 <= value")
    assert report.best_response_format is helpers.STEPS_JSON_SCHEMA


def test_usage_that_counts_one_answer_of_several_is_said():
    def handler(request):
        reply = full_support(request)
        if request.body.get("n", 1) > 1:
            reply.body["usage"]["completion_tokens"] = 1  # five answers, counted as one
        return reply

    report, _ = probe(handler)
    feature = next(f for f in report.features if f.name == "several answers (n=5)")
    assert feature.seen == "5 answers, but usage counts one answer, not all"


def test_long_model_text_is_cut_in_the_table():
    long_result = "x" * 9000

    def handler(request):
        if (request.body.get("response_format") or {}).get("type") == "json_schema":
            return JsonReply(
                chat_completion(request.body, json.dumps({"steps": ["a"], "result": long_result}))
            )
        return full_support(request)

    report, _ = probe(handler)
    feature = next(f for f in report.features if f.name == "structured outputs")
    assert len(feature.seen) < 100 and feature.seen.startswith("fits the schema: 1 step, result")


def test_an_empty_json_object_is_said_to_be_empty():
    def handler(request):
        if (request.body.get("response_format") or {}).get("type") == "json_object":
            return JsonReply(chat_completion(request.body, "{}"))
        return full_support(request)

    report, _ = probe(handler)
    feature = next(f for f in report.features if f.name == "JSON mode")
    assert feature.seen == "valid JSON, but an empty object {}: no steps, no result"
