"""The live-reveal benchmark measures the real streaming path, and its bookkeeping is right."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import httpx2
import openai
import pytest

import helpers

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench_live_reveal.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_live_reveal", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_closing_quotes_are_found_in_order(bench) -> None:
    text = '{"steps": ["say \\"hi\\"", "é and hi"], "result": "hi"}'
    offsets = bench.closing_quote_offsets(text, ['say "hi"', "é and hi"])
    assert [text[offset] for offset in offsets] == ['"', '"']
    assert text[: offsets[0] + 1].endswith('\\"hi\\""')
    assert text[: offsets[1] + 1].endswith('"é and hi"')
    with pytest.raises(ValueError, match="not found"):
        bench.closing_quote_offsets(text, ["missing"])


def test_replay_shows_each_step_after_its_quote_and_before_the_end(bench, monkeypatch) -> None:
    monkeypatch.setenv("HOMEMADE_O1_PACE", "1000")  # fast, but still paced
    question = bench.recorded_question()
    run, reasoning = bench.replay(question)
    # every step of the recorded answer (notebook 04's has several) timed once
    assert len(reasoning.steps) == len(run.quote_arrived) == len(run.visible) >= 3
    for quote, shown in zip(run.quote_arrived, run.visible):
        assert quote <= shown  # a step is never shown before its text has arrived
    assert run.visible == sorted(run.visible)
    # the point of the live view: step 1 is on screen well before the reply is complete
    assert run.visible[0] < run.quote_arrived[1] < run.whole_reply <= run.returned
    # the step being written is on screen at most one piece after it arrived
    assert run.partial_lags and max(run.partial_lags) <= 1
    assert all(delay >= 0 for delay in run.partial_delays)


def test_long_answer_paths_reveal_every_step_in_linear_cost(bench) -> None:
    results = bench.scale_runs(300)
    assert [result.name.split(",")[0] for result in results] == ["add_step", "feed", "feed"]
    for result in results:
        assert result.sent_bytes > 0 and result.seconds > 0
    # every message was serialised; re-sending all steps each time would be ~40x this
    assert all(result.sent_bytes < 300 * 20_000 for result in results)


# ---- part 3: local mode (the tiny random model; skipped without llama-cpp-python) --------
def test_steps_string_ends_reads_escapes_and_skips_other_strings(bench) -> None:
    text = '{"steps": ["a \\"b\\"", "\\u00e9\\n", ""], "result": "x", "more": ["y"]}'
    ends = bench.steps_string_ends(text)
    assert [value for _, value in ends] == ['a "b"', "é\n", ""]
    assert [text[end] for end, _ in ends] == ['"', '"', '"']
    assert text[: ends[1][0] + 1].endswith('"\\u00e9\\n"')


class _GenerateFirst(httpx2.BaseTransport):
    """A broken transport for the check: generates the whole stream before answering."""

    def __init__(self, inner: httpx2.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self.inner.handle_request(request)
        events = list(response.stream)  # every event, generated before the first is handed over
        return httpx2.Response(
            response.status_code, headers=response.headers, stream=_Events(events), request=request
        )


class _Events(httpx2.SyncByteStream):
    def __init__(self, events: list[bytes]) -> None:
        self.events = events

    def __iter__(self):
        yield from self.events


def _local_client(bench, transport):
    clock = bench.ProducerClock(transport)
    client = helpers.get_client("local", http_client=openai.DefaultHttpxClient(transport=clock))
    return clock, client


def test_local_part_runs_and_reports_on_the_tiny_model(bench, local_mode, capsys) -> None:
    results, description = bench.local_runs(
        local_mode, runs=2, threads=1, context=4096, steps=3, step_length=24
    )
    assert local_mode.name in description
    for result in results:
        run = result.run
        assert len(run.quote_arrived) == len(run.visible) == 3
        for quote, shown in zip(run.quote_arrived, run.visible):
            assert quote <= shown < quote + 2.0  # loose: shown soon after its quote arrived
        assert run.visible == sorted(run.visible) and run.visible[-1] < run.whole_reply
        assert result.tokens > 10 and len(result.token_gaps) > 10
        # the rest of the reply was generated after step 1 was handed over (streaming is real)
        assert result.waits_after_step_1 > 0.05 * run.whole_reply
        assert run.partial_lags and max(run.partial_lags) <= 1
        assert result.pieces_late == [0, 0, 0]  # each step shown with its closing quote
    verdict = bench.report_local(results, description)
    shown = capsys.readouterr().out
    assert "step | closing quote arrives" in shown and "\n   3 |" in shown
    assert shown.count("PASS") + shown.count("FAIL") == 4
    assert verdict == ("FAIL" not in shown)


def test_local_streaming_check_catches_a_transport_that_generates_first(
    bench, local_mode, capsys
) -> None:
    honest = bench.local_transport(local_mode, 1, 4096)
    schema = bench.steps_schema(3, 24)
    question = bench.recorded_question()
    results = []
    for transport in (honest, _GenerateFirst(honest)):
        clock, client = _local_client(bench, transport)
        result, reasoning = bench.local_run(client, clock, question, schema, seed=1)
        assert len(reasoning.steps) == 3
        results.append(result)
    streamed, buffered = results
    assert streamed.waits_after_step_1 > 20 * buffered.waits_after_step_1
    bench.report_local([buffered], "generated first")
    assert "FAIL: real streaming" in capsys.readouterr().out
