"""The ReAct text protocol: the parser's cases, and the loop over real HTTP."""

from __future__ import annotations

import openai
import pytest

from helpers import StepViewer
from helpers.agents.text import (
    FORMAT_REMINDER,
    REACT_SYSTEM_PROMPT,
    ReactParseError,
    parse_react,
    react_messages,
    react_system_prompt,
    run_react,
)
from helpers.modes.wire import chat_completion
from helpers.tools.calculator import calculator
from helpers.tools.registry import default_tools
from helpers.tools.search import search_notes
from tests.support.server import JsonReply, StubServer, replies_in_order

QUESTION = "How many Eiffel Towers stacked would reach the top of Mount Everest?"


# ---- the parser -----------------------------------------------------------------
def test_a_plain_action_is_read_and_kept_exactly():
    text = "Thought: I need the height.\nAction: search_notes\nAction Input: Eiffel Tower height\n"
    step = parse_react(text)
    assert (step.thought, step.action, step.action_input) == (
        "I need the height.",
        "search_notes",
        "Eiffel Tower height",
    )
    assert step.final_answer is None and not step.is_final
    assert step.text == text and step.dropped == ""


def test_a_final_answer_is_read():
    step = parse_react("Thought: 8848.86 / 330 is about 26.8.\nFinal Answer: about 27 towers\n")
    assert step.is_final and step.final_answer == "about 27 towers"
    assert step.thought == "8848.86 / 330 is about 26.8." and step.action is None


@pytest.mark.parametrize(
    "text",
    [
        "thought: x\naction: calculator\naction input: 2 + 2",
        "THOUGHT: x\nACTION: calculator\nACTION INPUT: 2 + 2",
        "**Thought:** x\n**Action:** calculator\n**Action Input:** 2 + 2",
        "**Thought**: x\n**Action**: calculator\n**Action Input**: 2 + 2",
        "Thought : x\nAction :   calculator  \nAction_Input:    2 + 2   ",
        "### Thought: x\n- Action: `calculator`\n- Action Input: `2 + 2`",
        'Thought: x\nAction: calculator\nAction Input: "2 + 2"',
        "Thought: x\nAction: calculator\nAction Input:\n```\n2 + 2\n```",
        "Thought: x\nAction: calculator[2 + 2]",
        "Thought: x\nAction: calculator(2 + 2)",
        "<think>Maybe Action: foo?</think>\nThought: x\nAction: calculator\nAction Input: 2 + 2",
    ],
)
def test_case_spacing_and_markdown_variants_read_the_same(text):
    step = parse_react(text)
    assert (step.thought, step.action, step.action_input) == ("x", "calculator", "2 + 2")


def test_unlabelled_text_before_the_action_counts_as_the_thought():
    step = parse_react("I should search first.\nAction: search_notes\nAction Input: Moon")
    assert step.thought == "I should search first." and step.action == "search_notes"


def test_json_input_and_multiline_input_are_kept_whole():
    step = parse_react('Thought: t\nAction: search_notes\nAction Input: {"query": "Moon", "k": 2}')
    assert step.action_input == '{"query": "Moon", "k": 2}'
    code = "Thought: t\nAction: run_python\nAction Input:\nfor i in range(3):\n    print(i)\n"
    assert parse_react(code).action_input == "for i in range(3):\n    print(i)"


def test_a_self_written_observation_and_everything_after_it_are_cut():
    text = (
        "Thought: t\nAction: calculator\nAction Input: 2 + 2\n"
        "Observation: 5\nThought: so it is 5\nFinal Answer: 5"
    )
    step = parse_react(text)
    assert step.action == "calculator" and not step.is_final
    assert step.text == "Thought: t\nAction: calculator\nAction Input: 2 + 2\n"
    assert step.dropped.startswith("Observation: 5") and "Final Answer" in step.dropped


def test_a_final_answer_written_before_seeing_the_result_is_cut_too():
    step = parse_react("Thought: t\nAction: calculator\nAction Input: 2 + 2\nFinal Answer: 4")
    assert step.action == "calculator" and step.dropped == "Final Answer: 4"


def test_action_final_answer_is_read_as_a_final_answer():
    step = parse_react("Thought: done\nAction: Final Answer\nAction Input: 42")
    assert step.is_final and step.final_answer == "42"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        (None, "empty"),
        ("The answer is probably 27.", "could not find an Action or a Final Answer"),
        ("Thought: I am still thinking about it.", "could not find an Action or a Final Answer"),
        ("Thought: t\nAction Input: 2 + 2", "no 'Action:' line"),
        ("Thought: t\nAction: calculator", "no 'Action Input:' line"),
        ("Thought: t\nAction:\nAction Input: 2", "'Action:' line is empty"),
        ("Thought: t\nAction: search the notes for it\nAction Input: x", "a tool name only"),
        ("Thought: t\nFinal Answer:   ", "Final Answer is empty"),
        ("<think>Let me see... Action: calculator", "inside a <think> block"),
    ],
)
def test_malformed_replies_raise_a_clear_error_for_the_model(text, expected):
    with pytest.raises(ReactParseError) as caught:
        parse_react(text)
    assert expected in str(caught.value)
    observation = caught.value.observation
    assert observation.startswith("Error: ") and observation.endswith(FORMAT_REMINDER)
    assert isinstance(caught.value, ValueError)


def test_the_prompt_lists_every_tool_and_the_format():
    prompt = react_system_prompt(default_tools(include_python=True))
    for name in ("calculator", "search_notes", "read_file", "run_python"):
        assert f"- {name}(" in prompt
    for label in ("Thought:", "Action:", "Action Input:", "Observation:", "Final Answer:"):
        assert label in prompt
    assert "{tools}" in REACT_SYSTEM_PROMPT and "{tools}" not in prompt
    messages = react_messages("Q?", [calculator])
    assert [m["role"] for m in messages] == ["system", "user"] and messages[1]["content"] == "Q?"
    assert "search_notes" not in messages[0]["content"]


# ---- the loop, over real HTTP ----------------------------------------------------
def reply(text, finish_reason="stop"):
    return lambda request: JsonReply(
        chat_completion(request.body, text, finish_reason=finish_reason)
    )


def act(thought, action, action_input):
    return reply(f"Thought: {thought}\nAction: {action}\nAction Input: {action_input}\n")


def final(thought, answer):
    return reply(f"Thought: {thought}\nFinal Answer: {answer}")


def run(replies, **kwargs):
    with StubServer(replies_in_order(replies)) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test", max_retries=0)
        agent_run = run_react(QUESTION, client=client, model="test-model", **kwargs)
        assert not server.errors, server.errors
    return agent_run, server.requests


def test_a_multi_hop_run_uses_tools_and_feeds_back_observations():
    agent_run, requests = run(
        [
            act("I need the tower's height.", "search_notes", "Eiffel Tower height"),
            act("Now Everest.", "search_notes", "Mount Everest height"),
            act("Divide.", "calculator", "8848.86 / 330"),
            final("That is about 26.8.", "About 27 towers (26.8)."),
        ]
    )
    assert agent_run.answered and agent_run.answer == "About 27 towers (26.8)."
    assert agent_run.stop_reason == "final_answer"
    assert [s.action for s in agent_run.steps] == [
        "search_notes",
        "search_notes",
        "calculator",
        None,
    ]
    assert agent_run.steps[2].observation == "26.8147272727"
    assert "330 metres" in agent_run.steps[0].observation
    assert agent_run.steps[-1].kind == "answer"
    # each request carries the stop sequence and the whole history so far
    assert all(r.body["stop"] == ["Observation:"] for r in requests)
    assert [len(r.body["messages"]) for r in requests] == [2, 4, 6, 8]
    last = requests[-1].body["messages"]
    assert last[-1] == {"role": "user", "content": "Observation: 26.8147272727"}
    assert last[-2]["role"] == "assistant" and "Action: calculator" in last[-2]["content"]
    assert len(agent_run.calls) == 4 and agent_run.usage.calls == 4
    assert agent_run.messages == last + [
        {
            "role": "assistant",
            "content": "Thought: That is about 26.8.\nFinal Answer: About 27 towers (26.8).",
        }
    ]


def test_a_tool_error_goes_back_as_an_observation_and_the_model_recovers():
    agent_run, requests = run(
        [
            act("Divide.", "calculator", "8,848.86 / 330"),
            act("No commas.", "calculator", "8848.86 / 330"),
            final("Done.", "26.8"),
        ]
    )
    assert agent_run.answered
    error = agent_run.steps[0].observation
    assert error.startswith("Error:") and "thousands separators" in error
    assert requests[1].body["messages"][-1]["content"] == f"Observation: {error}"


def test_an_unknown_tool_is_an_observation_listing_the_tools():
    agent_run, requests = run(
        [
            act("Look it up.", "wikipedia", "Eiffel Tower"),
            final("I will answer from the notes.", "330 m"),
        ],
        tools=[calculator, search_notes],
    )
    observation = agent_run.steps[0].observation
    assert "no tool called 'wikipedia'" in observation
    assert "calculator, search_notes" in observation
    assert agent_run.answered


def test_run_python_is_refused_unless_the_learner_switched_it_on():
    agent_run, _ = run(
        [
            act("Compute it.", "run_python", "print(6765)"),
            final("Python is off.", "6765"),
        ],
        tools=default_tools(include_python=True),
    )
    assert "switched off" in agent_run.steps[0].observation


def test_a_repeated_action_is_warned_once_then_the_loop_stops():
    agent_run, requests = run(
        [
            act("Search.", "search_notes", "Statue of Liberty height"),
            act("Search again.", "search_notes", "statue of liberty   HEIGHT"),
            act("Once more.", "search_notes", "Statue of Liberty height"),
        ]
    )
    assert not agent_run.answered and agent_run.answer is None
    assert agent_run.stop_reason == "repeated_action"
    assert "already ran search_notes" in agent_run.steps[1].observation
    assert agent_run.steps[2].observation.startswith("(not run")
    assert len(requests) == 3
    assert "repeated an action" in agent_run.stop_detail


def test_a_repeat_after_something_else_still_counts():
    agent_run, _ = run(
        [
            act("a", "calculator", "1 + 1"),
            act("b", "calculator", "2 + 2"),
            act("c", "calculator", "1  +  1"),
            final("d", "2"),
        ]
    )
    assert agent_run.answered and "already ran" in agent_run.steps[2].observation


def test_one_unreadable_reply_gets_a_second_chance():
    agent_run, requests = run(
        [
            reply("The tower is 330 m, so about 27."),
            final("Formatted now.", "About 27."),
        ]
    )
    assert agent_run.answered and agent_run.steps[0].kind == "unreadable"
    sent = requests[1].body["messages"][-1]["content"]
    assert sent.startswith("Observation: Error: I could not find an Action")


def test_two_unreadable_replies_in_a_row_stop_the_loop():
    agent_run, requests = run([reply("Hmm."), reply("Still no format.")])
    assert agent_run.stop_reason == "unreadable_output" and not agent_run.answered
    assert len(requests) == 2 and [s.kind for s in agent_run.steps] == ["unreadable"] * 2


def test_the_step_cap_stops_without_inventing_an_answer():
    agent_run, requests = run(
        [act(f"t{n}", "calculator", f"{n} + 1") for n in range(3)], max_steps=3
    )
    assert agent_run.stop_reason == "step_cap" and agent_run.answer is None
    assert "after 3 steps" in agent_run.stop_detail and len(requests) == 3


def test_a_cut_off_reply_stops_the_loop():
    agent_run, _ = run([reply("Thought: I need to look up the heig", finish_reason="length")])
    assert agent_run.stop_reason == "cut_off" and not agent_run.steps


def test_a_self_written_observation_never_reaches_the_conversation():
    agent_run, requests = run(
        [
            reply(
                "Thought: t\nAction: calculator\nAction Input: 2 + 2\nObservation: 5\n"
                "Final Answer: 5"
            ),
            final("It is 4.", "4"),
        ],
        stop=None,
    )
    assert "stop" not in requests[0].body
    sent = requests[1].body["messages"]
    assert sent[-2]["content"] == "Thought: t\nAction: calculator\nAction Input: 2 + 2\n"
    assert sent[-1]["content"] == "Observation: 4"
    assert agent_run.answer == "4"


def test_long_observations_are_cut_before_the_model_sees_them():
    def long_tool(text: str) -> str:
        """Return a lot of text.

        Args:
            text: anything.
        """
        return "x" * 50

    agent_run, requests = run(
        [act("t", "long_tool", "go"), final("ok", "done")],
        tools=[long_tool],
        max_observation_chars=10,
    )
    assert agent_run.steps[0].observation.startswith("x" * 10 + "\n[cut: showing 10 of 50")


def test_the_viewer_shows_the_trace_live_and_then_the_answer():
    viewer = StepViewer.live(QUESTION)
    agent_run, _ = run(
        [
            act("Find it.", "search_notes", "Eiffel Tower height"),
            final("330 m.", "330 metres"),
        ],
        viewer=viewer,
    )
    assert not viewer.is_live and viewer.step_count == 2
    viewer.show_all()
    text = viewer.visible_text()
    assert "Search: Eiffel Tower height" in text and "Observation: 1. Eiffel Tower" in text
    assert "330 metres" in text and viewer.answer_shown


def test_api_errors_propagate_with_advice():
    with StubServer(lambda request: JsonReply({"error": {"message": "bad"}}, status=400)) as s:
        client = openai.OpenAI(base_url=s.url, api_key="test", max_retries=0)
        with pytest.raises(openai.BadRequestError) as caught:
            run_react(QUESTION, client=client, model="m")
    notes = getattr(caught.value, "__notes__", None)
    if notes is not None:  # add_note exists from Python 3.11
        assert "rejected the request (400)" in notes[0]
