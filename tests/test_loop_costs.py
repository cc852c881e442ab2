"""What the per-step loop costs: per-call input growth, the recorded 10-step run, the plot.

Notebook 05 claims that the loop re-sends the whole history, that each call's input grows
by the size of the step it appends, and that at ten steps one JSON call sends at least
twenty times fewer input tokens. These tests hold the helpers and the shipped recordings
to those claims.
"""

from __future__ import annotations

import json
import subprocess
import sys

import matplotlib
import openai

import helpers
from helpers.modes.recording_files import RecordingLibrary
from helpers.modes.settings import recordings_dir
from helpers.modes.wire import chat_completion, estimate_tokens
from helpers.more_calls.loop import NEXT_STEP, step_loop
from helpers.more_calls.token_plot import cumulative_input_tokens, plot_token_growth
from helpers.reasoning import Reasoning, Usage
from tests.support.server import JsonReply, StubServer, replies_in_order

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NOTEBOOK_FOLDER = "05_beyond_one_call"


def step(content, final=None):
    value = {"title": "Step", "content": content, "next_action": "continue"}
    if final is not None:
        value.update(next_action="final_answer", result=final)
    return json.dumps(value)


def test_each_call_grows_by_exactly_the_step_it_appends():
    texts = [step(f"working line {n}: " + "abc " * (5 + 3 * n)) for n in range(5)]
    texts.append(step("done", final="7"))
    with StubServer(
        replies_in_order(
            [lambda request, t=t: JsonReply(chat_completion(request.body, t)) for t in texts]
        )
    ) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test", max_retries=0)
        reasoning = step_loop("q", client=client, model="m")
    prompts = [call.prompt_tokens for call in reasoning.calls]
    for k in range(1, len(prompts)):
        appended = (4 + estimate_tokens(texts[k - 1])) + (4 + estimate_tokens(NEXT_STEP))
        assert prompts[k] - prompts[k - 1] == appended
    assert cumulative_input_tokens(reasoning) == [sum(prompts[: k + 1]) for k in range(6)]


def _long_question() -> str:
    """The ten-step question of notebook 05, read from its loop recordings."""
    library = RecordingLibrary(recordings_dir() / NOTEBOOK_FOLDER)
    for recording in library.recordings:
        messages = recording.request["body"]["messages"]
        if messages[0]["content"] == helpers.LOOP_SYSTEM_PROMPT and len(messages) == 2:
            if messages[1]["content"].startswith("Sam buys"):
                return messages[1]["content"]
    raise AssertionError("notebook 05's ten-step loop recording is missing")


def test_the_recorded_ten_step_run_shows_at_least_twenty_times_fewer_input_tokens():
    client = helpers.get_client("offline")
    question = _long_question()
    loop = step_loop(question, client=client, model="gpt-4o-mini")
    single = helpers.think(question, client=client, model="gpt-4o-mini")
    assert loop.complete and len(loop.steps) == len(loop.calls) == 10
    assert len(single.steps) == 10 and single.result == loop.result
    loop_input = sum(call.prompt_tokens for call in loop.calls)
    assert loop_input >= 20 * single.usage.prompt_tokens
    per_call = [call.prompt_tokens for call in loop.calls]
    assert per_call == sorted(per_call) and len(set(per_call)) == 10


def test_cumulative_input_tokens_of_a_one_call_answer():
    one = Reasoning(steps=["a"], result="b", usage=Usage(prompt_tokens=120, completion_tokens=9))
    assert cumulative_input_tokens(one) == [120]
    assert cumulative_input_tokens(Reasoning(steps=["a"], result="b")) == []


def test_the_plot_shows_the_recorded_numbers():
    calls = [Usage(prompt_tokens=200 + 60 * k, completion_tokens=50) for k in range(4)]
    loop = Reasoning(steps=["s"] * 4, result="r", calls=calls, usage=sum(calls))
    single = Reasoning(steps=["s"] * 4, result="r", usage=Usage(prompt_tokens=190))
    figure = plot_token_growth(loop, single, label="illustration")
    try:
        left, right = figure.axes
        assert [bar.get_height() for bar in left.patches] == [200, 260, 320, 380]
        lines = {line.get_label(): list(line.get_ydata()) for line in right.lines}
        assert lines["per-step loop"] == [200, 460, 780, 1160]
        assert lines["one JSON call"] == [190] * 4
        assert figure._suptitle.get_text() == "illustration"
        assert repr(figure) == "<Figure size 1000x380 with 2 Axes>"
    finally:
        plt.close(figure)


def test_importing_helpers_does_not_import_pyplot():
    code = "import sys, helpers; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
