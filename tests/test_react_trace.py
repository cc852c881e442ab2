"""An agent's trace: titles, text, conversion to a Reasoning, and escaping in the viewer."""

from __future__ import annotations

from helpers import StepViewer
from helpers.agents.trace import AgentRun, AgentStep, action_key, cut_observation, stop_detail
from helpers.reasoning import Usage

XSS = '<img src=x onerror="window.__xss = 1">'


def sample_run(answer: str | None = "About 27 towers.") -> AgentRun:
    steps = [
        AgentStep(
            "I need the tower's height.",
            "search_notes",
            "Eiffel Tower height",
            "1. Eiffel Tower (eiffel-tower.md)\n   Height: 330 metres",
            turn=1,
        ),
        AgentStep(
            "",
            "calculator",
            '{"expression": "8848.86 / 330"}',
            "26.8147272727",
            call_id="call_1",
            turn=2,
        ),
        AgentStep("26.8, so 27.", kind="answer", turn=3),
    ]
    return AgentRun(
        question="How many Eiffel Towers reach the top of Everest?",
        steps=steps if answer else steps[:2],
        answer=answer,
        stop_reason="final_answer" if answer else "step_cap",
        stop_detail=stop_detail("final_answer" if answer else "step_cap", 2),
        calls=[Usage(100, 20, total_tokens=120), Usage(150, 10, total_tokens=160)],
        model="gpt-4o-mini",
        elapsed=1.5,
        raw=["a", "b"],
    )


def test_titles_name_the_tool_and_its_input():
    run = sample_run()
    assert [s.title for s in run.steps] == [
        "Search: Eiffel Tower height",
        "Calculate: 8848.86 / 330",
        "Ready to answer",
    ]
    assert AgentStep(action="my_tool", action_input="x").title == "my_tool: x"
    assert AgentStep(kind="unreadable", thought="??").title == "Unreadable reply"
    code = "for n in range(10):\n    print(n, 'is a number worth printing')\n"
    long = AgentStep(action="run_python", action_input=code)
    assert len(long.title) <= len("Run Python: ") + 48 and long.title.endswith("…")


def test_a_run_becomes_a_reasoning_with_one_step_per_action():
    reasoning = sample_run().to_reasoning()
    assert reasoning.complete and reasoning.result == "About 27 towers."
    assert reasoning.titles[0] == "Search: Eiffel Tower height"
    assert reasoning.steps[0] == (
        "Thought: I need the tower's height.\nAction: search_notes\n"
        "Action Input: Eiffel Tower height\n"
        "Observation: 1. Eiffel Tower (eiffel-tower.md)\n   Height: 330 metres"
    )
    assert reasoning.steps[2] == "Thought: 26.8, so 27."
    assert reasoning.usage.prompt_tokens == 250 and reasoning.usage.calls == 2
    assert reasoning.model == "gpt-4o-mini" and reasoning.question.startswith("How many")


def test_a_run_without_an_answer_says_why_and_shows_no_answer():
    run = sample_run(answer=None)
    reasoning = run.to_reasoning()
    assert not reasoning.complete and reasoning.result == ""
    assert reasoning.warnings == [
        "The agent stopped: no final answer after 2 steps (the step cap)."
    ]
    viewer = StepViewer(reasoning)
    viewer.show_all()
    assert "The agent stopped: no final answer after 2 steps" in viewer.visible_text()
    assert not viewer.answer_shown
    assert "=== No final answer: no final answer after 2 steps" in run.to_text()
    assert not run.answered and run.summary().startswith("no final answer after 2 steps")


def test_the_text_trace_is_readable_and_shortens_long_observations():
    run = sample_run()
    run.steps[0].observation = "y" * 500
    text = run.to_text(observation_chars=100)
    assert "--- Step 1 · Search: Eiffel Tower height" in text
    assert "Observation: " + "y" * 100 + " …[400 more characters]" in text
    assert text.endswith("=== Final answer: About 27 towers.")
    assert str(run) == run.to_text()
    assert "y" * 500 in run.to_text(observation_chars=None)
    assert run.summary() == (
        "the model gave its final answer (3 steps, 2 tool calls, 2 model calls, 280 tokens)"
    )


def test_markup_in_thoughts_and_observations_stays_text_in_the_viewer():
    run = sample_run()
    run.steps[0].observation = f"Found: {XSS}"
    run.steps[1].thought = "<script>alert(1)</script>"
    run.answer = f"<b>27</b> {XSS}"
    run.steps[0].action_input = "<i>x</i>"
    viewer = StepViewer(run.to_reasoning())
    viewer.show_all()
    shown = viewer.steps_html.value + viewer.answer_html.value
    assert "<img" not in shown and "<script>" not in shown and "<i>x</i>" not in shown
    assert "&lt;img src=x onerror=" in shown and "&lt;script&gt;" in shown
    text = viewer.visible_text()
    assert XSS in text and "<script>alert(1)</script>" in text  # shown as text, literally
    assert "<img" not in run._repr_html_().replace("&lt;img", "")


def test_action_key_ignores_spacing_case_and_json_key_order():
    assert action_key("calculator", " 1 +  1 ") == action_key("Calculator", "1 + 1")
    assert action_key("search_notes", '{"query": "a", "k": 2}') == action_key(
        "search_notes", '{"k": 2,   "query": "a"}'
    )
    assert action_key("calculator", "1 + 1") != action_key("calculator", "1 + 2")


def test_cut_observation_says_how_much_was_cut():
    assert cut_observation("short", 10) == "short"
    assert cut_observation("abcdefghij" * 3, 10) == "abcdefghij\n[cut: showing 10 of 30 characters]"
