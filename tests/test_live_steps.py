"""LiveSteps: steps must appear exactly when their JSON value completes, never before."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.widgets.live_steps import LiveSteps, find_json_start


def feed_chars(text: str) -> tuple[LiveSteps, list[tuple[int, str]]]:
    """Feed `text` one character at a time; return (live, [(index where a step appeared, step)])."""
    live = LiveSteps()
    arrivals = []
    for index, char in enumerate(text):
        for step in live.feed(char):
            arrivals.append((index, step))
    return live, arrivals


def closing_quote_index(text: str, step_json: str) -> int:
    """Index of the last character of `step_json` (its closing quote) inside `text`."""
    return text.index(step_json) + len(step_json) - 1


def test_steps_array_each_step_appears_at_its_closing_quote() -> None:
    steps = ["Spell the word: s-t-r-a-w.", "Count the r letters.", "There are 3."]
    text = json.dumps({"steps": steps, "result": "3"})
    live, arrivals = feed_chars(text)
    expected = [(closing_quote_index(text, json.dumps(step)), step) for step in steps]
    assert arrivals == expected
    assert live.result == "3"
    assert live.result_complete and live.json_closed


def test_numbered_step_keys() -> None:
    text = '{"step1": "First.", "step2": "Second.", "step3": "Third.", "result": "done"}'
    live, arrivals = feed_chars(text)
    assert [step for _, step in arrivals] == ["First.", "Second.", "Third."]
    assert arrivals[1][0] == text.index('"Second."') + len('"Second."') - 1
    assert live.titles == [None, None, None]
    assert live.result == "done"


def test_step_key_spellings() -> None:
    text = '{"Step 1": "a", "step_2": "b", "STEP-3": "c", "stepping": "no", "result": "r"}'
    live, _ = feed_chars(text)
    assert live.steps == ["a", "b", "c"]


def test_step_objects_with_titles_appear_when_the_object_closes() -> None:
    text = json.dumps(
        {
            "steps": [
                {"title": "Spell it", "content": "s t r a w b e r r y", "next_action": "continue"},
                {"title": "Count", "content": "r appears 3 times"},
            ],
            "result": 3,
        }
    )
    live, arrivals = feed_chars(text)
    first_object_end = text.index('"continue"}') + len('"continue"}') - 1
    assert arrivals[0] == (first_object_end, "s t r a w b e r r y")
    assert live.titles == ["Spell it", "Count"]
    assert live.result == "3"


def test_numbered_step_objects() -> None:
    text = '{"step1": {"title": "T1", "content": "C1"}, "step2": {"content": "C2"}, "result": "x"}'
    live, _ = feed_chars(text)
    assert live.steps == ["C1", "C2"]
    assert live.titles == ["T1", None]


def test_escaped_quotes_do_not_end_a_step() -> None:
    text = r'{"step1": "She said \"stop\" and left", "result": "ok"}'
    live, arrivals = feed_chars(text)
    assert arrivals == [(text.index(r'left"') + 4, 'She said "stop" and left')]


def test_escaped_backslash_before_the_closing_quote() -> None:
    text = r'{"step1": "a path C:\\", "step2": "next", "result": "ok"}'
    live, _ = feed_chars(text)
    assert live.steps == ["a path C:\\", "next"]


def test_braces_and_brackets_inside_strings() -> None:
    text = json.dumps({"steps": ["a {b} [c] }}] {", "d"], "result": "{not json}"})
    live, _ = feed_chars(text)
    assert live.steps == ["a {b} [c] }}] {", "d"]
    assert live.result == "{not json}"


def test_unicode_escapes_and_raw_newlines() -> None:
    text = '{"step1": "caf\\u00e9 \\n next line", "step2": "raw\nnewline", "result": "ok"}'
    live, _ = feed_chars(text)
    assert live.steps == ["café \n next line", "raw\nnewline"]


def test_preamble_and_code_fence_before_and_after() -> None:
    text = 'Here is my answer {as asked}:\n```json\n{"step1": "a", "result": "b"}\n```\nDone.'
    live, _ = feed_chars(text)
    assert live.steps == ["a"]
    assert live.result == "b"


def test_think_block_with_json_inside_is_skipped() -> None:
    text = '<think>maybe {"step1": "WRONG"} ... </think>\n{"step1": "right", "result": "r"}'
    live, _ = feed_chars(text)
    assert live.steps == ["right"]


def test_no_step_before_think_block_closes() -> None:
    live = LiveSteps()
    assert live.feed('<think>{"step1": "x", "step2": "y"}') == []
    assert live.steps == []
    assert live.feed('</think>{"step1": "z"') == ["z"]


def test_result_waits_for_the_object_to_close() -> None:
    live = LiveSteps()
    live.feed('{"steps": ["a"], "result": "the answer"')
    assert live.result is None and not live.result_complete
    live.feed("}")
    assert live.result == "the answer"


def test_number_result_is_not_taken_while_it_may_still_grow() -> None:
    live = LiveSteps()
    live.feed('{"step1": "a", "result": 4')
    assert live.result is None
    live.feed("2}")
    assert live.result == "42"


def test_result_before_steps_and_text_after_closing() -> None:
    live, _ = feed_chars('{"result": "r", "steps": ["a", "b"]} trailing {"step1": "no"}')
    assert live.steps == ["a", "b"]
    assert live.result == "r"


def test_steps_split_across_big_chunks() -> None:
    live = LiveSteps()
    assert live.feed('{"steps": ["one", "tw') == ["one"]
    assert live.feed('o", "three"], "result": "3"}') == ["two", "three"]


def test_unfinished_step_and_cut_off_reasoning() -> None:
    live = LiveSteps()
    live.feed('{"step1": "done step", "step2": "half writ')
    assert live.unfinished_step() == "half writ"
    reasoning = live.to_reasoning(question="q", finish_reason="length")
    assert reasoning.steps == ["done step", "half writ"]
    assert not reasoning.complete
    assert reasoning.result == ""
    assert reasoning.finish_reason == "length"
    assert reasoning.warnings == ["Step 2 was cut off part-way; it is shown as far as it arrived."]
    text = reasoning.to_text()
    assert "Step 2: half writ" in text and "Result: (not given)" in text
    assert "Warning: Cut off: the model hit its token limit before it finished." in text
    assert "Warning: No final answer was given." in text


def test_unfinished_step_object_keeps_its_title() -> None:
    live = LiveSteps()
    live.feed('{"steps": [{"title": "Count", "content": "r, r, an')
    assert live.unfinished_step() == "r, r, an"
    assert live.to_reasoning().titles == ["Count"]


def test_clean_stream_to_reasoning() -> None:
    live, _ = feed_chars('{"step1": "a", "result": "b"}')
    reasoning = live.to_reasoning(question="q", finish_reason="stop")
    assert reasoning.complete
    assert (reasoning.steps, reasoning.result, reasoning.question) == (["a"], "b", "q")
    assert reasoning.warnings == []


def test_no_json_at_all() -> None:
    live, arrivals = feed_chars("I think the answer is 3.")
    assert arrivals == []
    reasoning = live.to_reasoning(error="connection reset")
    assert not reasoning.complete
    assert "The stream stopped early: connection reset" in reasoning.warnings
    assert "No JSON answer was found in the reply." in reasoning.warnings


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ('{"a": 1}', 0),
        ('```json\n{"a": 1}', 8),
        ('Set {x} first, then {\n  "a": 1}', 20),
        ("{", None),
        ('<think>{"a": 1}', None),
        ("<think>x</think>{}", 16),
    ],
)
def test_find_json_start(text: str, start: int | None) -> None:
    assert find_json_start(text) == start


def build_answer(steps: list[str], result: str | int, numbered: bool) -> tuple[str, list[int]]:
    """JSON text for the steps plus the index of each step's closing quote, built by hand."""
    text = "```json\n{" + ("" if numbered else '"steps": [')
    ends = []
    for number, step in enumerate(steps, start=1):
        if number > 1:
            text += ", "
        if numbered:
            text += f'"step{number}": '
        text += json.dumps(step)
        ends.append(len(text) - 1)
    text += ("" if numbered else "]") + ', "result": ' + json.dumps(result) + "}\n```"
    return text, ends


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.text(max_size=40), min_size=1, max_size=6),
    result=st.one_of(st.text(max_size=20), st.integers()),
    numbered=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=30),
)
def test_any_chunking_gives_each_step_in_the_chunk_with_its_closing_quote(
    steps: list[str], result: str | int, numbered: bool, cuts: list[int]
) -> None:
    text, ends = build_answer(steps, result, numbered)
    boundaries = sorted({cut for cut in cuts if cut < len(text)} | {0, len(text)})
    closing_brace = text.rindex("}")
    live = LiveSteps()
    received = 0
    for begin, end in zip(boundaries, boundaries[1:]):
        received += len(live.feed(text[begin:end]))
        assert received == sum(1 for closing in ends if closing < end)
        assert live.result_complete == (end > closing_brace)
    assert live.steps == steps
    assert live.result == (result if isinstance(result, str) else str(result))
