"""Shown text is the stored text: hidden and bidi characters become visible markers;
agent steps read as Thought / Action / Observation cards with long observations folded."""

from __future__ import annotations

import html
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.agents.trace import AgentRun, AgentStep
from helpers.reasoning import Reasoning, Usage
from helpers.widgets.step_html import (
    escape_text,
    hidden_characters,
    html_to_text,
    react_parts,
    reasoning_to_html,
    reveal_hidden,
    step_block,
    text_block,
)
from helpers.widgets.step_viewer import StepViewer
from tests.test_widgets import synced_strings

BIDI_CONTROLS = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
]
INVISIBLE = [
    "\u200b",  # zero-width space
    "\u2060",  # word joiner
    "\ufeff",  # zero-width no-break space (BOM)
    "\u00ad",  # soft hyphen
    "\u180e",  # Mongolian vowel separator
    "\u034f",  # combining grapheme joiner
    "\u3164",  # Hangul filler
    "\U000e0041",  # tag letter A ("ASCII smuggling")
    "\u2028",  # line separator
    "\u0007",  # bell
    "\u001b",  # escape (terminal colours)
]
VISIBLE = [
    "plain ASCII, digits 0001 and tabs\tand\nnewlines",
    "שלום עולם 123",  # Hebrew: right-to-left by itself, no control needed
    "مرحبا بالعالم",  # Arabic
    "家族 👨\u200d👩\u200d👧 and 👍🏽",  # zero-width joiners inside emoji sequences
    "می\u200cخواهم",  # Persian: zero-width non-joiner between letters
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Scotland",
    "café naïve 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ︎︎",
    "line one\r\nline two",
]


@pytest.mark.parametrize("char", BIDI_CONTROLS + INVISIBLE)
def test_every_hidden_character_is_shown_as_a_marker(char: str) -> None:
    text = f"pay {char}0001 now"
    code = f"[U+{ord(char):04X}]"
    assert reveal_hidden(text) == f"pay {code}0001 now"
    markup = escape_text(text)
    assert char not in markup and code in markup
    name = unicodedata.name(char, "")
    assert f"U+{ord(char):04X}" in markup and (not name or html.escape(name) in markup)


def test_right_to_left_override_cannot_turn_0001_into_1000() -> None:
    shown = html_to_text(text_block("The total is \u202e0001 euros."))
    assert shown == "The total is [U+202E]0001 euros."


@pytest.mark.parametrize("text", VISIBLE)
def test_ordinary_text_of_any_script_is_unchanged(text: str) -> None:
    assert hidden_characters(text) == []
    assert reveal_hidden(text) == text
    assert escape_text(text) == html.escape(text)


def test_a_joiner_between_ascii_letters_is_hidden_text() -> None:
    assert reveal_hidden("pass\u200dword") == "pass[U+200D]word"
    assert reveal_hidden("\u200d👍") == "[U+200D]👍"  # nothing to join on the left
    assert reveal_hidden("a\rb") == "a[U+000D]b"  # a lone carriage return overwrites text
    assert reveal_hidden("\U000e0067\U000e007f") == "[U+E0067][U+E007F]"  # tags without a flag


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="`"), max_size=60))
def test_what_is_shown_is_what_is_stored(text: str) -> None:
    """The text a reader sees equals the stored text, with hidden characters as markers."""
    shown = html_to_text(text_block(text))
    expected = reveal_hidden(text.replace("\r\n", "\n"))
    squeeze = lambda value: " ".join(value.split())  # noqa: E731  (HTML folds whitespace)
    assert squeeze(shown) == squeeze(expected)
    assert text_block(text).count("homemade-o1-hidden-char") == expected.count("[U+")


def test_every_place_the_viewer_shows_model_text_is_guarded() -> None:
    rlo = "\u202e"
    reasoning = Reasoning(
        steps=[f"step {rlo}0001", "second"],
        titles=[f"title {rlo}ab", None],
        result=f"answer {rlo}0001",
        question=f"question {rlo}0001",
        model=f"model-{rlo}x",
        usage=Usage(prompt_tokens=1, completion_tokens=2, total_tokens=3),
        warnings=[f"warning {rlo}0001"],
    )
    viewer = StepViewer(reasoning, guess_first=True)
    viewer.guess_box.value = f"guess {rlo}0001"
    viewer.next_step()
    viewer.mark_step(1, "wrong", f"note {rlo}0001")
    viewer.show_all()
    for value in synced_strings(viewer):
        assert rlo not in value, value
    text = viewer.visible_text()
    for where in ("step", "title", "answer", "question", "warning", "guess", "note"):
        assert f"{where} [U+202E]" in text, where
    assert "model-[U+202E]x" in text
    assert rlo not in repr(viewer)
    page = reasoning_to_html(reasoning)
    assert rlo not in page
    assert page.count("[U+202E]") == 6  # question, title, step, answer, warning, model


# ---- E: agent steps as cards ----------------------------------------------------------------
def test_agent_step_text_splits_into_its_parts() -> None:
    step = AgentStep(
        thought="I should look it up.\nThen compute.",
        action="run_python",
        action_input="x = 2\nprint(x)",
        observation="2\n[exit status 0 (success)]",
    )
    assert react_parts(step.to_text()) == [
        ("Thought", "I should look it up.\nThen compute."),
        ("Action", "run_python"),
        ("Action Input", "x = 2\nprint(x)"),
        ("Observation", "2\n[exit status 0 (success)]"),
    ]
    assert react_parts(AgentStep("Done.", kind="answer").to_text()) == [("Thought", "Done.")]
    assert react_parts("Spell it out: s, t, r.") is None
    assert react_parts("Thought: a\nThought: b") == [("Thought", "a\nThought: b")]


def test_cards_are_labelled_and_escaped() -> None:
    step = AgentStep(
        "Read it <b>now</b>.", "read_file", "notes.md", 'Notes <img src=x onerror="1">'
    )
    markup = step_block(step.to_text())
    assert "homemade-o1-agent-step" in markup
    for label in ("Thought", "Action", "Observation"):
        assert f">{label}:</span>" in markup
    assert "<img" not in markup and "<b>now" not in markup and "&lt;img" in markup
    assert step_block("An ordinary step.") == text_block("An ordinary step.")


def test_a_long_observation_is_folded_under_show_more() -> None:
    long_text = "\n".join(f"line {n}: " + "word " * 12 for n in range(60))
    markup = step_block(AgentStep("Read.", "read_file", "big.md", long_text).to_text())
    assert markup.count("<details>") == 1 and "show more (" in markup
    visible_part = markup.split("<details>")[0]
    assert "line 0:" in visible_part and "line 59:" not in visible_part
    boxes = re.findall(r'<div style="[^"]*monospace[^"]*">(.*?)</div>', markup, re.DOTALL)
    assert len(boxes) == 2  # the start, shown; the rest, folded
    # nothing lost or repeated (the trace strips the observation's outer spaces)
    assert html.unescape(boxes[0]) + html.unescape(boxes[1]) == long_text.strip()
    short = step_block(AgentStep("Read.", "read_file", "a.md", "short result").to_text())
    assert "<details>" not in short


def test_the_viewer_shows_an_agent_run_as_cards() -> None:
    run = AgentRun(
        question="What does the file say?",
        steps=[AgentStep("Read it.", "read_file", "notes.md", "x" * 2000)],
        answer="Just x.",
    )
    viewer = StepViewer(run.to_reasoning())
    viewer.show_all()
    value = viewer.steps_html.value
    assert ">Observation:</span>" in value and "show more (" in value
    assert "Observation: xxxx" in viewer.visible_text()  # reads like the trace
    assert "<details>" in reasoning_to_html(run.to_reasoning())
