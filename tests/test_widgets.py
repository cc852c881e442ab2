"""StepViewer driven in the kernel: clicks, what is shown, what is not yet sent, escaping."""

import json
import sys
import types

import ipywidgets as widgets
import pytest

from helpers.reasoning import Reasoning, Usage
from helpers.widgets.step_viewer import StepMark, StepViewer

QUESTION = "How many times does the letter r appear in strawberry?"
STEPS = [
    "Spell the word out: s, t, r, a, w, b, e, r, r, y.",
    "Mark each r: position 3, position 8 and position 9.",
    "Count the marks: three of them.",
]
ANSWER = "The letter r appears 3 times."
XSS = '<img src=x onerror="window.__xss = 1">'


def make_reasoning(**changes) -> Reasoning:
    fields = {
        "steps": list(STEPS),
        "result": ANSWER,
        "titles": ["Spell", None, "Count"],
        "question": QUESTION,
    }
    fields.update(changes)
    return Reasoning(**fields)


def synced_strings(widget: widgets.Widget) -> list[str]:
    """Every string in every synced trait of `widget` and of all widgets it holds."""
    found: list[str] = []
    seen: set[int] = set()

    def walk(item: object) -> None:
        if isinstance(item, widgets.Widget):
            if id(item) in seen:
                return
            seen.add(id(item))
            for name in item.keys:
                walk(getattr(item, name))
        elif isinstance(item, str):
            found.append(item)
        elif isinstance(item, (list, tuple)):
            for element in item:
                walk(element)
        elif isinstance(item, dict):
            for element in item.values():
                walk(element)

    walk(widget)
    return found


def is_sent(viewer: StepViewer, text: str) -> bool:
    return any(text in value for value in synced_strings(viewer))


# ---- stepping through a finished answer ------------------------------------------------------
def test_starts_with_the_question_and_nothing_revealed() -> None:
    viewer = StepViewer(make_reasoning())
    assert viewer.revealed == 0
    assert QUESTION in viewer.visible_text()
    assert "0 of 3 steps shown" in viewer.status_label.value
    for secret in [*STEPS, ANSWER, "Spell", "Count"]:
        assert not is_sent(viewer, secret), secret
    assert viewer.previous_button.disabled and not viewer.next_button.disabled


def test_next_reveals_one_step_at_a_time_and_the_answer_last() -> None:
    viewer = StepViewer(make_reasoning())
    viewer.next_button.click()
    assert viewer.revealed == 1
    assert STEPS[0] in viewer.visible_text()
    assert "Spell" in viewer.steps_html.value
    assert not is_sent(viewer, STEPS[1]) and not is_sent(viewer, ANSWER)
    assert viewer.status_label.value == "Step 1 of 3"
    assert viewer.progress.value == 1 and viewer.progress.max == 3

    viewer.next_button.click()
    assert STEPS[1] in viewer.visible_text()
    assert not is_sent(viewer, STEPS[2]) and not is_sent(viewer, ANSWER)

    viewer.next_button.click()
    assert viewer.revealed == 3 and viewer.answer_shown
    assert ANSWER in viewer.answer_html.value
    assert viewer.next_button.disabled and viewer.show_all_button.disabled
    viewer.next_button.click()  # a click on a disabled button reaches the kernel too
    assert viewer.revealed == 3


def test_previous_hides_the_step_and_the_answer_again() -> None:
    viewer = StepViewer(make_reasoning())
    viewer.show_all_button.click()
    assert ANSWER in viewer.visible_text()
    viewer.previous_button.click()
    assert viewer.revealed == 2
    assert not is_sent(viewer, ANSWER) and not is_sent(viewer, STEPS[2])
    assert STEPS[1] in viewer.visible_text()


def test_show_all_and_reset() -> None:
    viewer = StepViewer(make_reasoning())
    viewer.show_all_button.click()
    text = viewer.visible_text()
    assert all(step in text for step in STEPS) and ANSWER in text
    assert viewer.status_label.value == "Step 3 of 3"
    viewer.reset_button.click()
    assert viewer.revealed == 0
    assert not any(is_sent(viewer, secret) for secret in [*STEPS, ANSWER])
    assert viewer.reset_button.disabled


def test_visible_text_skips_hidden_widgets_but_shows_labels() -> None:
    viewer = StepViewer(make_reasoning())
    viewer.guess_box.value = "my private note"
    assert "my private note" not in viewer.visible_text()  # guess mode is off: box hidden
    text = viewer.visible_text()
    for label in ["Next step", "Previous", "Show all", "Reset"]:
        assert label in text


# ---- guess first -----------------------------------------------------------------------------
def test_guess_first_shows_the_guess_beside_the_step() -> None:
    viewer = StepViewer(make_reasoning(), guess_first=True)
    assert viewer.guess_box.layout.display != "none"
    assert "step 1" in viewer.guess_box.placeholder
    viewer.guess_box.value = "Write the letters <b>down</b>"
    viewer.next_button.click()
    assert viewer.guesses == {1: "Write the letters <b>down</b>"}
    shown = viewer.steps_html.value
    assert "Your guess:" in shown and "The model:" in shown
    assert "Write the letters &lt;b&gt;down&lt;/b&gt;" in shown
    assert shown.index("Your guess:") < shown.index(STEPS[0].split(",")[0])
    assert viewer.guess_box.value == ""
    assert "step 2" in viewer.guess_box.placeholder

    viewer.next_button.click()  # no guess typed for step 2: nothing stored
    assert viewer.guesses == {1: "Write the letters <b>down</b>"}
    viewer.previous_button.click()
    viewer.previous_button.click()
    assert viewer.guess_box.value == "Write the letters <b>down</b>"  # kept per step
    viewer.reset_button.click()
    assert viewer.guesses == {} and viewer.guess_box.value == ""


def test_guess_toggle_switches_the_mode() -> None:
    viewer = StepViewer(make_reasoning())
    assert viewer.guess_box.layout.display == "none"
    viewer.guess_toggle.value = True
    assert viewer.guess_first and viewer.guess_box.layout.display != "none"
    viewer.show_all_button.click()
    assert viewer.guess_box.layout.display == "none"  # nothing left to guess


# ---- information and warnings -------------------------------------------------------------------
def test_tokens_time_and_model_are_shown() -> None:
    reasoning = make_reasoning(
        usage=Usage(prompt_tokens=120, completion_tokens=80, total_tokens=200),
        elapsed=2.345,
        model="demo-model",
    )
    text = StepViewer(reasoning).visible_text()
    assert "120 prompt + 80 completion = 200 tokens" in text
    assert "2.3 s" in text and "demo-model" in text


def test_cut_off_answer_warns_and_shows_no_answer() -> None:
    reasoning = make_reasoning(
        steps=STEPS[:2], result="", complete=False, finish_reason="length", titles=[]
    )
    viewer = StepViewer(reasoning)
    assert "token limit" in viewer.warning_html.value
    viewer.show_all_button.click()
    assert "none: the reply stopped before the answer" in viewer.answer_html.value
    assert not viewer.answer_shown


def test_repaired_answer_lists_the_repairs_and_warnings() -> None:
    reasoning = make_reasoning(
        repairs=["removed a code fence", "closed 1 brace"], warnings=["Step keys were renumbered."]
    )
    text = StepViewer(reasoning).warning_html.value
    assert "removed a code fence; closed 1 brace" in text
    assert "Step keys were renumbered." in text


# ---- marks ---------------------------------------------------------------------------------------
def test_marks_appear_with_their_step_only() -> None:
    viewer = StepViewer(make_reasoning(), marks={1: StepMark("right")})
    viewer.mark_step(2, "wrong", "position <8> is an e")
    viewer.next_button.click()
    assert "✓" in viewer.steps_html.value
    assert not is_sent(viewer, "position")
    viewer.next_button.click()
    assert "✗" in viewer.steps_html.value
    assert "position &lt;8&gt; is an e" in viewer.steps_html.value
    viewer.mark_step(2, None)
    assert "✗" not in viewer.steps_html.value
    assert viewer.marks == {1: StepMark("right")}


def test_bad_marks_are_refused() -> None:
    viewer = StepViewer(make_reasoning())
    with pytest.raises(ValueError, match="verdict"):
        viewer.mark_step(1, "maybe")
    with pytest.raises(ValueError, match="start at 1"):
        viewer.mark_step(0, "right")


# ---- safety --------------------------------------------------------------------------------------
def test_every_model_string_is_escaped() -> None:
    reasoning = make_reasoning(
        steps=[f"Look: {XSS}", "<script>window.__xss2=1</script>", "ok"],
        titles=[f"title {XSS}"],
        result=f"answer {XSS}",
        question=f"question {XSS}",
        warnings=[f"warning {XSS}"],
        model=f"model {XSS}",
        usage=Usage(1, 1, 0, 2),
    )
    viewer = StepViewer(reasoning)
    viewer.show_all_button.click()
    html_values = [child.value for child in _all_widgets(viewer) if isinstance(child, widgets.HTML)]
    joined = "".join(html_values)
    assert "<img" not in joined and "<script" not in joined
    assert joined.count("&lt;img src=x onerror=&quot;window.__xss = 1&quot;&gt;") == 6
    assert "&lt;script&gt;window.__xss2=1&lt;/script&gt;" in joined
    assert XSS in viewer.visible_text()  # shown to the reader as literal text


def test_code_fences_become_preformatted_text() -> None:
    step = (
        "Run this:\n```python\nword = 'strawberry'\nprint(word.count('r') < 4)\n```\n"
        "It prints True."
    )
    viewer = StepViewer(make_reasoning(steps=[step]))
    viewer.next_button.click()
    shown = viewer.steps_html.value
    assert "<pre" in shown
    assert "print(word.count(&#x27;r&#x27;) &lt; 4)</pre>" in shown
    assert "white-space: pre-wrap" in shown
    assert "```" not in shown


def test_repr_is_stable_and_keeps_the_secret() -> None:
    viewer = StepViewer(make_reasoning())
    viewer.show_all_button.click()
    bundle = viewer._repr_mimebundle_()
    assert bundle["text/plain"] == (
        "StepViewer('How many times does the letter r appear in strawb…', 3 steps)"
    )
    assert repr(StepViewer(make_reasoning())) == bundle["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert repr(StepViewer.live()) == "StepViewer('(no question)', live)"


# ---- live ----------------------------------------------------------------------------------------
def stream_text(shape: str) -> str:
    if shape == "steps-array":
        body = json.dumps({"steps": STEPS, "result": ANSWER})
    elif shape == "numbered":
        answer = {f"step{number}": step for number, step in enumerate(STEPS, start=1)}
        body = json.dumps({**answer, "result": ANSWER})
    elif shape == "titled-objects":
        steps = [{"title": f"T{n}", "content": step} for n, step in enumerate(STEPS, start=1)]
        body = json.dumps({"steps": steps, "result": ANSWER})
    else:
        raise ValueError(shape)
    return '<think>Let me see {"step1": 0}</think>\nSure.\n```json\n' + body + "\n```"


@pytest.mark.parametrize("shape", ["steps-array", "numbered", "titled-objects"])
def test_live_char_by_char_reveals_steps_as_they_complete(
    shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        sys.modules, "helpers.parsing.parse", None
    )  # test this module's own reading
    text = stream_text(shape)
    viewer = StepViewer.live(QUESTION)
    assert viewer.is_live and "Thinking" in viewer.status_label.value
    assert viewer.next_button.disabled and viewer.show_all_button.disabled
    seen_counts = []
    for index, char in enumerate(text):
        viewer.feed(char)
        seen_counts.append(viewer.revealed)
        assert not is_sent(viewer, ANSWER)
        for hidden in STEPS[viewer.revealed + 1 :]:
            assert not is_sent(viewer, hidden)
        if viewer.revealed < len(STEPS):  # the step being written: only what has arrived
            writing = STEPS[viewer.revealed]
            assert not is_sent(viewer, writing) or writing in text[: index + 1]
    assert sorted(set(seen_counts)) == [0, 1, 2, 3]
    final = viewer.finish(finish_reason="stop")
    assert not viewer.is_live and final.complete
    assert viewer.answer_shown and ANSWER in viewer.answer_html.value
    assert all(step in viewer.visible_text() for step in STEPS)
    if shape == "titled-objects":
        assert "T2" in viewer.steps_html.value
    viewer.reset_button.click()
    assert viewer.revealed == 0 and not is_sent(viewer, ANSWER)


def test_live_cut_off_shows_what_arrived_and_no_answer() -> None:
    text = json.dumps({"steps": STEPS, "result": ANSWER})
    cut = text[: text.index(STEPS[2]) + 10]
    viewer = StepViewer.live(QUESTION)
    for char in cut:
        viewer.feed(char)
    reasoning = viewer.finish(finish_reason="length")
    assert not reasoning.complete and reasoning.result == ""
    assert viewer.revealed == 3  # two complete steps and the part of step 3 that arrived
    assert STEPS[2][:10] in viewer.steps_html.value
    assert "token limit" in viewer.warning_html.value
    assert "none: the reply stopped before the answer" in viewer.answer_html.value
    assert not is_sent(viewer, ANSWER)


def test_live_dropped_connection_never_shows_a_made_up_answer() -> None:
    viewer = StepViewer.live(QUESTION)
    viewer.feed(json.dumps({"steps": STEPS[:1]})[:-1])
    invented = make_reasoning(steps=STEPS[:1], titles=[], result="REPAIRED GUESS")
    shown = viewer.finish(invented, error="connection <reset>")
    assert not shown.complete and shown.result == ""
    assert not is_sent(viewer, "REPAIRED GUESS")
    assert "connection &lt;reset&gt;" in viewer.warning_html.value


def test_live_clean_finish_uses_the_parser_when_it_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("helpers.parsing.parse")
    calls = []

    def parse_reasoning(text: str) -> Reasoning:
        calls.append(text)
        return Reasoning(steps=["parsed step"], result="parsed answer", repairs=["a fix"])

    fake.parse_reasoning = parse_reasoning
    monkeypatch.setitem(sys.modules, "helpers.parsing.parse", fake)
    viewer = StepViewer.replay(['{"step1": "a",', ' "result": "b"}'], QUESTION)
    assert calls == ['{"step1": "a", "result": "b"}']
    assert viewer.reasoning.question == QUESTION
    assert viewer.reasoning.finish_reason == "stop"
    assert "parsed answer" in viewer.answer_html.value
    assert "a fix" in viewer.warning_html.value


def test_live_parser_failure_falls_back_to_the_streamed_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = types.ModuleType("helpers.parsing.parse")

    def parse_reasoning(text: str) -> Reasoning:
        raise ValueError("cannot read")

    fake.parse_reasoning = parse_reasoning
    monkeypatch.setitem(sys.modules, "helpers.parsing.parse", fake)
    viewer = StepViewer.replay(['{"step1": "a", "result": "b"}'])
    assert viewer.reasoning.steps == ["a"] and viewer.reasoning.result == "b"


def test_live_stream_that_never_closes_has_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "helpers.parsing.parse", None)
    viewer = StepViewer.replay(['{"step1": "a", "result": "b"'], QUESTION)
    assert not viewer.reasoning.complete
    assert not is_sent(viewer, '"b"') and "no final answer" in viewer.warning_html.value.lower()


def test_live_guess_mode_waits_for_the_learner() -> None:
    viewer = StepViewer.live(QUESTION, guess_first=True)
    viewer.feed(json.dumps({"steps": STEPS[:2]})[:-2])
    assert viewer.step_count == 2 and viewer.revealed == 0
    assert not is_sent(viewer, STEPS[0])
    assert "Step 0 of 2 arrived so far" in viewer.status_label.value
    viewer.guess_box.value = "spell it"
    viewer.next_button.click()
    assert viewer.revealed == 1 and "spell it" in viewer.steps_html.value
    viewer.feed(', "' + STEPS[2] + '"], "result": "' + ANSWER + '"}')
    viewer.finish(finish_reason="stop")
    assert viewer.revealed == 1 and not is_sent(viewer, ANSWER)
    viewer.show_all_button.click()
    assert ANSWER in viewer.answer_html.value


def test_feed_without_live_is_an_error() -> None:
    viewer = StepViewer(make_reasoning())
    with pytest.raises(RuntimeError, match="live"):
        viewer.feed("x")
    live_viewer = StepViewer.replay(['{"step1": "a", "result": "b"}'])
    with pytest.raises(RuntimeError):
        live_viewer.feed("more")


# ---- the static view -----------------------------------------------------------------------------
def test_static_html_has_collapsible_steps_and_a_closed_answer() -> None:
    reasoning = make_reasoning(steps=[*STEPS[:2], XSS], titles=["Spell"])
    page = reasoning._repr_html_()
    assert page.count("<details>") == 4  # three steps + the answer
    assert page.index("<b>Answer</b>") > page.index("<b>Step 3</b>")
    assert "<details open" not in page
    assert "<img" not in page and "&lt;img" in page


def test_static_html_of_a_cut_off_answer_has_no_answer() -> None:
    reasoning = make_reasoning(result="", complete=False, finish_reason="length")
    page = reasoning.to_html()
    assert "<b>Answer</b>" not in page and "token limit" in page


def _all_widgets(widget: widgets.Widget) -> list[widgets.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found.extend(_all_widgets(child))
    return found
