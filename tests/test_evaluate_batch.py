"""The Batch API route: the same requests as `evaluate`, answers read by the same rules."""

from __future__ import annotations

import json

import openai
import pytest

from helpers.evaluation.batch import batch_requests, batch_results, write_batch_file
from helpers.evaluation.harness import evaluate
from helpers.evaluation.problems import make_problems
from helpers.evaluation.report import build_report
from helpers.modes.wire import chat_completion
from tests.support.server import JsonReply, StubServer

PROBLEMS = make_problems("dates", 3)


def output_line(request, text, finish_reason="stop"):
    body = chat_completion(request["body"], text, finish_reason=finish_reason)
    return {
        "id": "batch_req_1",
        "custom_id": request["custom_id"],
        "response": {"status_code": 200, "request_id": "r", "body": body},
        "error": None,
    }


@pytest.mark.parametrize("strategy", ["direct", "cot"])
def test_batch_requests_are_the_requests_evaluate_sends(strategy):
    with StubServer(lambda r: JsonReply(chat_completion(r.body, "x"))) as server:
        client = openai.AsyncOpenAI(base_url=server.url, api_key="test", max_retries=0)
        evaluate(PROBLEMS, (strategy,), client=client, progress=False, temperature=0)
        sent = sorted((r.body for r in server.requests), key=json.dumps)
    lines = batch_requests(PROBLEMS, strategy, temperature=0)
    # the Batch API is OpenAI's, so the limit goes under OpenAI's name; the stub is a
    # local server, so evaluate sent it as max_tokens
    assert all("max_completion_tokens" in line["body"] for line in lines)
    assert all("max_tokens" not in line["body"] for line in lines)
    renamed = [
        {("max_tokens" if k == "max_completion_tokens" else k): v for k, v in line["body"].items()}
        for line in lines
    ]
    assert sorted(renamed, key=json.dumps) == sent
    assert {line["url"] for line in lines} == {"/v1/chat/completions"}
    assert [line["custom_id"] for line in lines] == [f"{p.id}|{strategy}|0" for p in PROBLEMS]


def test_batch_output_becomes_result_rows_and_a_report(tmp_path):
    requests = batch_requests(PROBLEMS, "cot", samples=2)
    path = write_batch_file(tmp_path / "batch.jsonl", requests)
    assert len(path.read_text(encoding="utf-8").splitlines()) == 6
    right = {p.id: p.answer for p in PROBLEMS}
    output = []
    for number, request in enumerate(requests):
        answer = right[request["custom_id"].split("|")[0]]
        if number == 4:
            output.append(
                output_line(
                    request, '{"steps": ["a"], "result": "' + answer + '"}', finish_reason="length"
                )
            )
        elif number == 5:
            output.append(
                {
                    "custom_id": request["custom_id"],
                    "response": None,
                    "error": {"code": "batch_expired", "message": "expired"},
                }
            )
        else:
            output.append(output_line(request, json.dumps({"steps": ["a"], "result": answer})))
    text = "\n".join(json.dumps(line) for line in output) + "\n"
    rows = batch_results(text, PROBLEMS, "cot")
    assert [r["error_kind"] for r in rows] == [None, None, None, None, "answer", "call"]
    assert "expired" in rows[5]["error"] and "max_tokens" in rows[4]["error"]
    report = build_report(rows, PROBLEMS, ["cot"])
    row = report.row("cot")
    assert (row.n, row.correct, row.failed) == (6, 4, 2)
    assert row.cost_total > 0 and row.latency_p50 is None


def test_the_loop_cannot_be_batched():
    with pytest.raises(ValueError, match="cannot go through the Batch API"):
        batch_requests(PROBLEMS, "loop")
