"""The "Try it" knobs of notebooks 04 and 05: every value a notebook says is recorded
replays offline, read from the notebook's own cells so the two cannot drift apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import helpers

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def notebook_value(notebook: str, name: str):
    """The value a notebook's code assigns to `name` (a literal, strings may be split)."""
    import nbformat

    cells = nbformat.read(NOTEBOOKS / notebook, as_version=4).cells
    for cell in cells:
        if cell.cell_type != "code" or f"{name} = " not in cell.source:
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == name for target in node.targets
            ):
                return ast.literal_eval(node.value)
    raise LookupError(f"{notebook} assigns no literal to {name}")


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("HOMEMADE_O1_MODE", "offline")
    monkeypatch.setenv("HOMEMADE_O1_PACE", "0")
    return helpers.get_client()


# ---- 04: four more questions to watch arrive ---------------------------------------------
QUESTIONS_04 = notebook_value("04_step_widget.ipynb", "try_questions")


def test_notebook_04_offers_four_recorded_questions():
    assert len(QUESTIONS_04) == 4 and len(set(QUESTIONS_04)) == 4


@pytest.mark.parametrize("question", QUESTIONS_04)
@pytest.mark.parametrize("guess_first", [False, True])
def test_each_question_of_04_streams_into_a_live_viewer_offline(client, question, guess_first):
    viewer = helpers.StepViewer.live(question, guess_first=guess_first)
    answer = helpers.think(question, client=client, stream=True, viewer=viewer)
    assert answer.complete and len(answer.steps) >= 3 and answer.result
    assert not viewer.is_live and viewer.step_count == len(answer.steps)
    assert viewer.failure is None


# ---- 05: samples 3/5/7, n, and the thinking switch ----------------------------------------
VOTE_QUESTION = notebook_value("05_beyond_one_call.ipynb", "vote_question")
LONG_QUESTION = notebook_value("05_beyond_one_call.ipynb", "long_question")


@pytest.mark.parametrize("samples", [3, 5, 7])
@pytest.mark.parametrize("use_n", [True, False])
def test_each_recorded_vote_size_replays_offline(client, samples, use_n):
    vote = helpers.self_consistency(
        VOTE_QUESTION, client=client, samples=samples, use_n=use_n, max_tokens=200
    )
    assert len(vote.samples) == samples and vote.readable == samples
    assert vote.key == "9" and not vote.fell_back and vote.usage_note is None
    if use_n:
        assert vote.how == f"one call with n={samples}" and len(vote.calls) == 1
    else:
        assert vote.how == f"{samples} separate calls" and len(vote.calls) == samples


@pytest.mark.parametrize("n", [3, 5, 7])
def test_the_raw_n_call_replays_for_each_recorded_n(client, n):
    reply = client.chat.completions.create(
        model=helpers.default_model(),
        messages=helpers.step_messages(VOTE_QUESTION),
        response_format={"type": "json_object"},
        n=n,
        temperature=0.8,
        max_tokens=200,
    )
    assert len(reply.choices) == n


def test_an_unrecorded_vote_size_says_how_to_go_on_briefly(client):
    with pytest.raises(helpers.RecordingNotFoundError) as caught:
        helpers.self_consistency(VOTE_QUESTION, client=client, samples=4, max_tokens=200)
    message = str(caught.value)
    assert len(message.splitlines()) <= 15
    assert "n: 4 (recorded: " in message and "use_local_model()" in message


@pytest.mark.parametrize(("effort", "thinks"), [("medium", True), ("none", False)])
def test_the_thinking_switch_replays_both_ways(client, effort, thinks):
    reply = client.chat.completions.create(
        model=helpers.default_model(),
        messages=[{"role": "user", "content": LONG_QUESTION}],
        reasoning_effort=effort,
        max_completion_tokens=2000,
    )
    assert reply.model == "Qwen3-0.6B-Q8_0"  # hand-written in a local Qwen3 reply's shape
    assert bool(helpers.thinking_text(reply)) is thinks
    assert (reply.usage.completion_tokens_details.reasoning_tokens > 0) is thinks
    assert reply.choices[0].message.content
