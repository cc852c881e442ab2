"""The evaluation harness over real HTTP: resume, no duplicates, retries, timeouts, limits."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import openai
import pytest

from helpers.evaluation.harness import evaluate, evaluate_async
from helpers.evaluation.problems import make_problems
from helpers.evaluation.store import ResultsFileError, read_results, result_key
from helpers.evaluation.strategies import DIRECT_SYSTEM_PROMPT, get_strategy, question_for
from helpers.modes.recording_files import last_user_message
from helpers.modes.wire import chat_completion, error_body
from helpers.more_calls.loop import LOOP_SYSTEM_PROMPT
from tests.support.recordings import add_recording
from tests.support.server import JsonReply, StubServer

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = make_problems("letters", 6)
ANSWERS = {question_for(p): p.answer for p in make_problems("letters", 40)}


def right_answer(body: dict) -> str:
    """A reply in the shape each strategy asks for, with the right answer."""
    system = body["messages"][0]["content"]
    answer = ANSWERS[body["messages"][1]["content"]]
    if system == DIRECT_SYSTEM_PROMPT:
        return answer
    if system == LOOP_SYSTEM_PROMPT:
        if len(body["messages"]) < 4:
            return json.dumps(
                {"title": "Spell", "content": "spell the word", "next_action": "continue"}
            )
        return json.dumps(
            {
                "title": "Final answer",
                "content": "count",
                "next_action": "final_answer",
                "result": answer,
            }
        )
    return json.dumps({"steps": ["spell it", "count"], "result": answer})


def answering(request, delay: float = 0.0) -> JsonReply:
    return JsonReply(chat_completion(request.body, right_answer(request.body)), delay=delay)


def client_for(server, **options) -> openai.AsyncOpenAI:
    options.setdefault("max_retries", 3)
    return openai.AsyncOpenAI(base_url=server.url, api_key="test", **options)


def run(server, path=None, problems=PROBLEMS, strategies=("direct", "cot", "loop"), **kwargs):
    kwargs.setdefault("progress", False)
    client = kwargs.pop("client", None) or client_for(server)
    return evaluate(problems, strategies, client=client, results_path=path, **kwargs)


def keys_in(path: Path) -> Counter:
    return Counter(result_key(row) for row in read_results(path))


def test_every_result_is_kept_once_and_right_answers_are_right(tmp_path):
    path = tmp_path / "results.jsonl"
    with StubServer(answering) as server:
        report = run(server, path)
    keys = keys_in(path)
    assert len(keys) == 18 and set(keys.values()) == {1}
    assert [row.strategy for row in report.rows] == ["direct", "cot", "loop"]
    assert all(row.correct == row.n == 6 for row in report.rows)
    assert report.row("loop").mean_calls == 2 and report.row("direct").mean_calls == 1
    assert report.run.new == 18 and report.run.reused == 0


def test_rerunning_asks_nothing_again(tmp_path):
    path = tmp_path / "results.jsonl"
    with StubServer(answering) as server:
        first = run(server, path)
        asked = len(server.requests)
        second = run(server, path)
        assert len(server.requests) == asked  # nothing re-paid
    assert second.run.new == 0 and second.run.reused == 18
    assert second.rows == first.rows


def test_resume_after_a_stop_and_a_torn_last_line(tmp_path):
    path = tmp_path / "results.jsonl"
    with StubServer(answering) as server:
        partial = run(server, path, limit=7)
        assert partial.run.new == 7 and partial.run.not_run == 11
        with path.open("a", encoding="utf-8") as handle:  # killed in the middle of a write
            handle.write('{"problem_id": "letters-0005-x", "strategy": "co')
        server.requests.clear()
        report = run(server, path)
        asked = Counter(
            (last_user_message(r.body), r.body["messages"][0]["content"][:20])
            for r in server.requests
            if len(r.body["messages"]) == 2
        )
    keys = keys_in(path)
    assert len(keys) == 18 and set(keys.values()) == {1}
    assert report.run.new == 11 and report.run.reused == 7
    assert sum(asked.values()) == 11  # only the missing ones were asked
    assert path.read_text(encoding="utf-8").endswith("\n")


def test_a_killed_process_resumes_without_losing_or_duplicating(tmp_path):
    path = tmp_path / "results.jsonl"
    problems = make_problems("letters", 40)
    script = (
        "import sys, openai\n"
        "from helpers.evaluation.problems import make_problems\n"
        "from helpers.evaluation.harness import evaluate\n"
        "client = openai.AsyncOpenAI(base_url=sys.argv[1], api_key='t', max_retries=3)\n"
        "evaluate(make_problems('letters', 40), ('direct',), client=client,\n"
        "         results_path=sys.argv[2], concurrency=4, progress=False)\n"
    )
    with StubServer(lambda request: answering(request, delay=0.03)) as server:
        server._server.handle_error = lambda *args: None  # the kill resets connections
        child = subprocess.Popen(
            [sys.executable, "-c", script, server.url, str(path)], cwd=ROOT, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and child.poll() is None:
            if path.exists() and path.read_bytes().count(b"\n") >= 10:
                break
            time.sleep(0.002)
        assert child.poll() is None, child.stderr.read().decode()[-500:]
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        saved = len(read_results(path))
        assert 10 <= saved < 40
        done = {row["problem_id"] for row in read_results(path)}
        server.requests.clear()
        run(server, path, problems=problems, strategies=("direct",))
        asked_again = {last_user_message(r.body) for r in server.requests}
    keys = keys_in(path)
    assert len(keys) == 40 and set(keys.values()) == {1}
    assert not asked_again & {question_for(p) for p in problems if p.id in done}


def test_429s_are_retried_by_the_sdk_without_duplicates(tmp_path):
    seen: Counter = Counter()
    lock = threading.Lock()

    def handler(request):
        key = json.dumps(request.body["messages"])
        with lock:
            seen[key] += 1
            first = seen[key] == 1
        if first:  # every request is turned away once
            return JsonReply(
                error_body("slow down", "rate_limit_error"), 429, {"retry-after-ms": "10"}
            )
        return answering(request)

    path = tmp_path / "results.jsonl"
    with StubServer(handler) as server:
        report = run(server, path, strategies=("direct", "cot"))
        assert len(server.requests) == 2 * 12
    keys = keys_in(path)
    assert len(keys) == 12 and set(keys.values()) == {1}
    assert all(row.correct == 6 and row.failed == 0 for row in report.rows)


def test_a_call_that_keeps_failing_is_a_result_and_is_asked_again_next_time(tmp_path):
    path = tmp_path / "results.jsonl"
    refusing = {"on": True}

    def handler(request):
        if refusing["on"] and "r" in request.body["messages"][1]["content"].split('"')[1]:
            return JsonReply(error_body("overloaded", "server_error"), 503)
        return answering(request)

    with StubServer(handler) as server:
        client = client_for(server, max_retries=0)
        first = run(server, path, strategies=("direct",), client=client)
        failed = [r for r in read_results(path) if r["error"]]
        assert failed and all(r["error_kind"] == "call" for r in failed)
        assert "InternalServerError" in failed[0]["error"]
        assert first.row("direct").failed == len(failed) == first.run.failed_calls
        refusing["on"] = False
        second = run(server, path, strategies=("direct",), client=client)
    assert second.run.retried == len(failed) and second.run.new == len(failed)
    keys = keys_in(path)
    assert len(keys) == 6 and set(keys.values()) == {1}
    assert second.row("direct").failed == 0 and second.row("direct").correct == 6


def test_unusable_replies_are_failures_that_are_not_asked_again(tmp_path):
    def handler(request):
        if request.body["messages"][0]["content"] == DIRECT_SYSTEM_PROMPT:
            return JsonReply(
                chat_completion(request.body, "Let me think about th", finish_reason="length")
            )
        return JsonReply(chat_completion(request.body, "I am not sure, sorry."))

    path = tmp_path / "results.jsonl"
    with StubServer(handler) as server:
        report = run(server, path, strategies=("direct", "cot"))
        asked = len(server.requests)
        run(server, path, strategies=("direct", "cot"))
        assert len(server.requests) == asked
    rows = read_results(path)
    assert all(r["error_kind"] == "answer" and not r["correct"] for r in rows)
    assert all("max_tokens" in r["error"] for r in rows if r["strategy"] == "direct")
    assert all("No JSON" in r["error"] for r in rows if r["strategy"] == "cot")
    assert report.row("cot").failed == 6 and report.row("cot").accuracy == 0


def test_each_request_has_a_timeout(tmp_path):
    with StubServer(lambda request: answering(request, delay=1.0)) as server:
        started = time.perf_counter()
        report = run(
            server,
            tmp_path / "r.jsonl",
            problems=PROBLEMS[:2],
            strategies=("direct",),
            client=client_for(server, max_retries=0),
            timeout=0.2,
        )
        elapsed = time.perf_counter() - started
    rows = read_results(tmp_path / "r.jsonl")
    assert elapsed < 0.9
    assert all(r["error_kind"] == "call" and "APITimeoutError" in r["error"] for r in rows)
    assert report.row("direct").failed_calls == 2


def test_concurrency_is_bounded(tmp_path):
    in_flight = {"now": 0, "most": 0}
    lock = threading.Lock()

    def handler(request):
        with lock:
            in_flight["now"] += 1
            in_flight["most"] = max(in_flight["most"], in_flight["now"])
        time.sleep(0.05)
        with lock:
            in_flight["now"] -= 1
        return answering(request)

    problems = make_problems("letters", 20)
    with StubServer(handler) as server:
        run(server, None, problems=problems, strategies=("direct", "loop"), concurrency=3)
    assert in_flight["most"] == 3


def test_requests_per_minute_spaces_calls_out(tmp_path):
    with StubServer(answering) as server:
        started = time.perf_counter()
        run(server, None, problems=PROBLEMS[:4], strategies=("direct",), requests_per_minute=600)
        elapsed = time.perf_counter() - started
    assert elapsed >= 0.3  # 4 calls, one every 0.1 s


def test_a_wrong_key_stops_the_run_at_once_and_keeps_what_was_done(tmp_path):
    path = tmp_path / "results.jsonl"
    with StubServer(answering) as server:
        run(server, path, strategies=("direct",), limit=2)
    with StubServer(lambda r: JsonReply(error_body("bad key", "invalid_request_error"), 401)) as s:
        with pytest.raises(openai.AuthenticationError):
            run(s, path, strategies=("direct",))
        assert len(s.requests) <= 8  # no more than one round of workers
    assert len(read_results(path)) == 2


def test_results_from_another_setup_are_never_mixed(tmp_path):
    path = tmp_path / "results.jsonl"
    with StubServer(answering) as server:
        run(server, path, strategies=("cot",))
        with pytest.raises(ResultsFileError, match="prompt_id"):
            run(server, path, strategies=(get_strategy("cot", max_tokens=50),))
        with pytest.raises(ResultsFileError, match="model"):
            run(server, path, strategies=("cot",), model="another-model")
        with pytest.raises(ResultsFileError, match="options"):
            run(server, path, strategies=("cot",), temperature=0.5)
        run(server, path, strategies=("direct",))  # a new strategy in the same file is fine
    assert len(keys_in(path)) == 12


def test_samples_and_options_reach_every_request(tmp_path):
    with StubServer(answering) as server:
        report = run(
            server,
            tmp_path / "r.jsonl",
            problems=PROBLEMS[:2],
            strategies=("direct",),
            samples=3,
            temperature=0.7,
        )
        temperatures = {r.body.get("temperature") for r in server.requests}
    assert temperatures == {0.7}
    assert report.row("direct").n == 6
    samples = sorted(result_key(r)[2] for r in read_results(tmp_path / "r.jsonl"))
    assert samples == [0, 0, 1, 1, 2, 2]


def test_a_sync_client_works_too(tmp_path):
    with StubServer(answering) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test")
        report = run(server, None, strategies=("direct", "cot"), client=client)
    assert all(row.correct == 6 for row in report.rows)


def test_evaluate_works_inside_a_running_event_loop_and_async(tmp_path):
    with StubServer(answering) as server:

        async def inside_a_notebook():
            from_thread = evaluate(PROBLEMS, ("direct",), client=client_for(server), progress=False)
            awaited = await evaluate_async(
                PROBLEMS, ("direct",), client=client_for(server), progress=False
            )
            return from_thread, awaited

        first, second = asyncio.run(inside_a_notebook())
    assert first.row("direct").correct == second.row("direct").correct == 6
    assert first.row("direct").cost_total == second.row("direct").cost_total


def test_bad_arguments_get_clear_errors():
    with pytest.raises(ValueError, match="unknown strategy"):
        evaluate(PROBLEMS, ("ponder",), progress=False)
    with pytest.raises(ValueError, match="concurrency"):
        evaluate(PROBLEMS, concurrency=0, progress=False)
    with pytest.raises(ValueError, match="share an id"):
        evaluate(PROBLEMS + PROBLEMS[:1], progress=False)
    with pytest.raises(ValueError, match="problems"):
        evaluate([], progress=False)


def test_the_terminal_progress_bar_counts_to_the_end(tmp_path, capsys):
    path = tmp_path / "r.jsonl"
    with StubServer(answering) as server:
        run(server, path, strategies=("direct",), limit=4, progress=True)
        capsys.readouterr()
        report = run(server, path, strategies=("direct",), progress=True)  # 4 done, 2 to go
    shown = capsys.readouterr().err  # tqdm's line in a terminal, redrawn with \r
    assert "\r" in shown and "direct:" in shown
    assert "4/6" in shown and "6/6" in shown
    # the summary is printed by whoever called (report.run): the bar's last state does not
    # repeat it on the line above
    final = shown.split("\r")[-1]
    assert "6/6" in final and str(report.run) not in final and "new results" not in final


def test_no_progress_bar_when_asked_for_none(capsys):
    with StubServer(answering) as server:
        run(server, None, strategies=("direct",), progress=False)
    assert capsys.readouterr().err == ""


def test_evaluate_async_takes_exactly_the_arguments_of_evaluate():
    assert inspect.signature(evaluate_async) == inspect.signature(evaluate)
    with pytest.raises(TypeError, match="too many positional arguments"):
        asyncio.run(evaluate_async(PROBLEMS, ("direct",), 3))  # settings are keywords only


def test_stopping_the_cell_cancels_the_run_and_keeps_what_was_done(tmp_path):
    import _thread

    path = tmp_path / "results.jsonl"
    problems = make_problems("letters", 30)
    with StubServer(lambda request: answering(request, delay=0.1)) as server:
        threading.Timer(0.35, _thread.interrupt_main).start()  # the learner presses stop
        started = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            run(server, path, problems=problems, strategies=("direct",), concurrency=2)
        assert time.perf_counter() - started < 2  # the calls in flight were cancelled
        saved = len(read_results(path))
        assert 0 < saved < 30
        report = run(server, path, problems=problems, strategies=("direct",))  # lock released
    assert report.run.reused == saved and report.run.new == 30 - saved
    keys = keys_in(path)
    assert len(keys) == 30 and set(keys.values()) == {1}


def test_the_terminal_command_runs_against_a_server(tmp_path, monkeypatch, capsys):
    from helpers.evaluation.cli import main

    with StubServer(answering) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("HOMEMADE_O1_MODE", "live")
        path = tmp_path / "cli.jsonl"
        code = main(
            [
                "--families",
                "letters",
                "--n",
                "4",
                "--strategies",
                "direct,cot",
                "--results",
                str(path),
                "--quiet",
                "--plot",
                str(tmp_path / "p.png"),
            ]
        )
    printed = capsys.readouterr().out
    assert code == 0 and "Mode: LIVE" in printed and "8 new results" in printed
    assert "4/4" in printed and "direct vs cot on the same 4 problems" in printed
    assert len(keys_in(path)) == 8 and (tmp_path / "p.png").exists()


def test_the_terminal_command_explains_a_failure_in_one_line(tmp_path, monkeypatch, capsys):
    from helpers.evaluation.cli import main

    with StubServer(lambda r: JsonReply(error_body("bad key", "invalid_request_error"), 401)) as s:
        monkeypatch.setenv("OPENAI_BASE_URL", s.url)
        monkeypatch.setenv("HOMEMADE_O1_MODE", "live")
        code = main(["--n", "2", "--results", str(tmp_path / "r.jsonl"), "--quiet"])
    assert code == 1
    assert "Stopped: The server refused the key (401)" in capsys.readouterr().err


@pytest.fixture
def offline(recordings_folder):
    return recordings_folder


def test_offline_replay_is_marked_and_its_latency_left_out(offline, tmp_path):
    from helpers.evaluation.strategies import direct_messages

    for problem in PROBLEMS[:2]:
        body = {"model": "gpt-4o-mini", "messages": direct_messages(problem), "max_tokens": 100}
        add_recording(offline, body, text=problem.answer)
    report = evaluate(PROBLEMS[:2], ("direct",), results_path=tmp_path / "r.jsonl", progress=False)
    rows = read_results(tmp_path / "r.jsonl")
    assert {r["origin"] for r in rows} == {"hand-written"}
    assert report.row("direct").correct == 2 and report.row("direct").latency_p50 is None
    assert "HAND-WRITTEN" in report.to_text()
    with pytest.raises(openai.OpenAIError, match="no recorded answer"):  # stops, with advice
        evaluate(PROBLEMS[:3], ("direct",), results_path=tmp_path / "r.jsonl", progress=False)
    assert len(read_results(tmp_path / "r.jsonl")) == 2


def test_a_limited_rerun_only_clears_the_failures_it_asks_again(tmp_path):
    path = tmp_path / "results.jsonl"
    with StubServer(lambda r: JsonReply(error_body("overloaded", "server_error"), 503)) as down:
        run(down, path, strategies=("direct",), client=client_for(down, max_retries=0))
    assert all(r["error_kind"] == "call" for r in read_results(path))
    with StubServer(answering) as server:
        report = run(server, path, strategies=("direct",), limit=2)
        assert len(server.requests) == 2
    rows = read_results(path)
    assert len(rows) == 6 and sum(r["error_kind"] == "call" for r in rows) == 4
    assert (report.run.retried, report.run.new, report.run.reused) == (2, 2, 4)


def test_a_live_run_never_resumes_from_replayed_answers(tmp_path, monkeypatch):
    path = tmp_path / "results.jsonl"
    replayed = {
        "problem_id": PROBLEMS[0].id,
        "strategy": "direct",
        "sample": 0,
        "prompt_id": get_strategy("direct").prompt_id,
        "model": "gpt-4o-mini",
        "options": {},
        "result": "3",
        "correct": True,
        "error": None,
        "error_kind": None,
        "origin": "hand-written",
    }
    path.write_text(json.dumps(replayed) + "\n", encoding="utf-8")
    with StubServer(answering) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("HOMEMADE_O1_MODE", "live")
        with pytest.raises(ResultsFileError, match="replayed offline"):
            evaluate(PROBLEMS, ("direct",), results_path=path, progress=False)
        assert not server.requests


def test_what_the_terminal_command_leaves_behind_is_ignored_by_git():
    """Its default results file and the lock beside it stay out of `git status`."""
    import shutil

    from helpers.evaluation.cli import build_parser

    root = Path(__file__).resolve().parent.parent
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")
    results = build_parser().parse_args([]).results
    left = [str(results), str(results.with_name(f".{results.name}.lock")), ".other.jsonl.lock"]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *left],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert ignored == left
