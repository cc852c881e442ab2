"""The evaluation harness against a faulty server: a bad reply fails one problem, never
the run; a stalled server costs one deadline per call; every failure is resumable
(issue 14, findings 1 and 3); a results file that is not text is named (finding 9).
"""

from __future__ import annotations

import json
import time
from collections import Counter

import openai
import pytest

import helpers
from helpers.evaluation.store import ResultsFileError, ResultStore, read_results, result_key
from helpers.evaluation.strategies import DIRECT_SYSTEM_PROMPT, question_for
from tests.support.fault_calls import fake_key, live_settings
from tests.support.fault_server import FaultServer

PROBLEMS = helpers.make_problems("letters", 60)
ANSWERS = {question_for(problem): problem.answer for problem in PROBLEMS}


def answer_for(body):
    """The right answer, in the shape the strategy asked for."""
    answer = ANSWERS[body["messages"][1]["content"]]
    if body["messages"][0]["content"] == DIRECT_SYSTEM_PROMPT:
        return answer
    return json.dumps({"steps": ["Spell it.", "Count."], "result": answer})


@pytest.fixture(autouse=True)
def live(monkeypatch):
    for name, value in live_settings(fake_key()).items():
        monkeypatch.setenv(name, value)


def evaluate(client, path, problems=PROBLEMS, **options):
    options.setdefault("progress", False)
    return helpers.evaluate(
        problems, ("direct", "cot"), client=client, results_path=path, **options
    )


def check_complete(path, problems):
    keys = Counter(result_key(row) for row in read_results(path))
    assert len(keys) == 2 * len(problems) and set(keys.values()) == {1}  # none lost or doubled


@pytest.mark.parametrize("plain_client", [False, True], ids=["get_async_client", "AsyncOpenAI"])
def test_five_percent_bad_bodies_fail_their_problems_and_the_run_goes_on(tmp_path, plain_client):
    path = tmp_path / "results.jsonl"
    with FaultServer("bad_sometimes", content=answer_for, bad_share=0.05) as server:
        if plain_client:  # no reply checks in its transport: the harness's own net holds
            client = openai.AsyncOpenAI(base_url=server.url, api_key=fake_key(), max_retries=0)
        else:
            client = helpers.get_async_client(base_url=server.url, max_retries=0)
        report = evaluate(client, path, concurrency=8)
    rows = read_results(path)
    failed = [row for row in rows if row["error"]]
    assert report.run.new == 120 and len(rows) == 120
    assert 1 <= len(failed) <= 15 and report.run.failed_calls == len(failed)
    assert all(r["error_kind"] == "call" and "body is not JSON" in r["error"] for r in failed)
    assert all(r["correct"] for r in rows if not r["error"])

    with FaultServer("ok", content=answer_for) as server:  # resume: only the failures again
        client = helpers.get_async_client(base_url=server.url, max_retries=0)
        again = evaluate(client, path, concurrency=8)
    assert len(server.requests) == len(failed) and again.run.retried == len(failed)
    check_complete(path, PROBLEMS)
    assert all(row["correct"] for row in read_results(path))


def test_a_stalled_server_costs_each_call_one_deadline_and_the_run_resumes(tmp_path):
    path, problems, deadline = tmp_path / "results.jsonl", PROBLEMS[:4], 1.5
    with FaultServer("drip", drip=0.4) as server:
        client = helpers.get_async_client(base_url=server.url, max_retries=2)
        started = time.monotonic()
        report = evaluate(client, path, problems=problems, concurrency=8, timeout=deadline)
        elapsed = time.monotonic() - started
    rows = read_results(path)
    assert elapsed <= deadline + 1.0  # 8 calls at once, each held to its deadline
    assert report.run.failed_calls == 8 and all(r["latency"] <= deadline + 1.0 for r in rows)
    expected = "DeadlineExceeded: No complete reply within 1.5 s"
    assert all(row["error"].startswith(expected) for row in rows)

    with FaultServer("ok", content=answer_for) as server:
        client = helpers.get_async_client(base_url=server.url)
        evaluate(client, path, problems=problems, concurrency=8)
    check_complete(path, problems)
    assert all(row["correct"] for row in read_results(path))


def test_a_server_error_that_cannot_succeed_is_one_failed_call_per_problem(tmp_path):
    path = tmp_path / "results.jsonl"
    with FaultServer("deterministic_500") as server:
        client = helpers.get_async_client(base_url=server.url, max_retries=3)
        report = evaluate(client, path, problems=PROBLEMS[:3], concurrency=4)
    assert report.run.failed_calls == 6 and len(server.requests) == 6  # never asked twice
    assert all("Context size has been exceeded" in row["error"] for row in read_results(path))


# ---- results files that are not results files ---------------------------------------------
def test_a_results_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "old-results.jsonl"
    path.write_bytes(b'{"problem_id": "p1", "strategy": "direct", "sample": 0}\n\xff\xfe\x00bad\n')
    with pytest.raises(ResultsFileError, match=r"old-results\.jsonl is not a results file.*UTF-8"):
        read_results(path)
    with pytest.raises(ResultsFileError, match=r"old-results\.jsonl.*line 2"):
        ResultStore(path).open()
    with pytest.raises(ResultsFileError, match=r"old-results\.jsonl"):
        evaluate(None, path, problems=PROBLEMS[:1])
    assert path.read_bytes().endswith(b"\xff\xfe\x00bad\n")  # nothing was changed


def test_a_binary_results_file_is_named_and_left_alone(tmp_path):
    path = tmp_path / "picture.jsonl"
    path.write_bytes(b"\x00\x01\x02\x03 binary, valid UTF-8, but not text")
    with pytest.raises(ResultsFileError, match=r"picture\.jsonl .*binary"):
        ResultStore(path).open()
    assert path.read_bytes().startswith(b"\x00\x01")


def test_a_one_line_file_of_something_else_is_not_taken_for_a_torn_result(tmp_path):
    """Only the start of a result can be a line cut off by a kill; any other last line is
    an error, so pointing results_path at the wrong file never wipes it."""
    path = tmp_path / "notes.txt"
    path.write_text("my own notes, not results", encoding="utf-8")
    with pytest.raises(ResultsFileError, match=r"notes\.txt, line 1"):
        ResultStore(path).open()
    assert path.read_text(encoding="utf-8") == "my own notes, not results"
