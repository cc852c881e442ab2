"""The "Try it" values of notebooks 06 and 07 replay offline, as their cells promise.

Each value is read from the notebook itself, so a value added to a Try-it cell without
its recordings fails here, not in a learner's hands.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

import helpers

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def cell_source(notebook: str, needle: str) -> str:
    """The source of the one code cell of `notebook` that contains `needle`."""
    cells = nbformat.read(NOTEBOOKS / notebook, as_version=4).cells
    found = [c.source for c in cells if c.cell_type == "code" and needle in c.source]
    assert len(found) == 1, f"{notebook}: {len(found)} code cells hold {needle!r}"
    return found[0]


def assignment(source: str, name: str, namespace: dict) -> object:
    """Evaluate the statement `name = (...)` (up to its closing bracket) of a cell."""
    match = re.search(rf"^{name} = \(\n.*?^\)", source, re.MULTILINE | re.DOTALL)
    assert match, f"no '{name} = (...)' in the cell"
    exec(match.group(0), namespace)
    return namespace[name]


def nb06_tasks() -> tuple[str, ...]:
    names: dict = {}
    assignment(cell_source("06_react_agent.ipynb", "direct = client"), "QUESTION", names)
    return assignment(cell_source("06_react_agent.ipynb", "TASKS = ("), "TASKS", names)


@pytest.mark.parametrize("agent", ["run_react", "run_tool_agent"])
@pytest.mark.parametrize("number", [0, 1, 2])
def test_every_06_task_is_answered_offline_by_both_agents(agent, number):
    tasks = nb06_tasks()
    assert len(tasks) == 3
    run = getattr(helpers, agent)(tasks[number], tools=helpers.default_tools())
    assert run.answered and run.stop_reason == "final_answer", run.stop_detail
    assert run.tool_calls >= 2  # the recorded runs look facts up and calculate


@pytest.mark.parametrize("max_steps", range(1, 7))
def test_any_step_cap_replays_for_the_06_question(max_steps):
    question = nb06_tasks()[0]
    run = helpers.run_react(question, tools=helpers.default_tools(), max_steps=max_steps)
    assert run.stop_reason == ("final_answer" if max_steps >= 5 else "step_cap")


def nb07_families() -> tuple[str, ...]:
    source = cell_source("07_does_thinking_pay.ipynb", "FAMILIES = (")
    line = next(text for text in source.splitlines() if text.startswith("FAMILIES = "))
    return ast.literal_eval(line.split("=", 1)[1].strip())


def test_07_any_smaller_set_of_its_families_is_recorded(tmp_path):
    """The cell says: offline, these families with 1 to 8 problems each. A smaller set is
    the start of the larger one (same ids), so recording the 8 covers every choice."""
    families = nb07_families()
    full = {family: helpers.make_problems(family, 8) for family in families}
    for family, problems in full.items():
        for size in range(1, 9):
            assert helpers.make_problems(family, size) == problems[:size]
    everything = [problem for problems in full.values() for problem in problems]
    report = helpers.evaluate(
        everything, ("direct", "cot", "loop"), results_path=tmp_path / "r.jsonl", progress=False
    )
    assert len(report.results) == 96 and report.run.failed_calls == 0
    assert report.origins == {"hand-written": 96}


@pytest.mark.parametrize("family", nb07_families())
def test_07_by_hand_cells_replay_for_every_recorded_problem(family):
    client = helpers.get_client()
    for problem in helpers.make_problems(family, 8):
        question = f"{problem.question}\nGive the answer as {problem.answer_format}."
        rules = helpers.get_strategy("direct").prompts[0]
        client.chat.completions.create(  # a miss would raise RecordingNotFoundError
            model=helpers.default_model(),
            messages=[
                {"role": "system", "content": rules},
                {"role": "user", "content": question},
            ],
            max_tokens=100,
        )
        try:
            helpers.think(question, client=client, max_tokens=1000)
        except helpers.ReasoningParseError:
            pass  # recorded as cut off on purpose; the notebook says so in one line
