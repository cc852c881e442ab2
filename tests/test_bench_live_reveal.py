"""The live-reveal benchmark measures the real streaming path, and its bookkeeping is right."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

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
    assert len(reasoning.steps) == len(run.quote_arrived) == len(run.visible) == 5
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
