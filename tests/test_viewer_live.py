"""The live StepViewer looks like thinking: the step being written, per-step times, an
indeterminate bar, a "Thought for N s" header; it reveals in linear cost; it fails cleanly."""

from __future__ import annotations

import json
import os

import comm
import pytest
from comm.base_comm import BaseComm

from helpers.reasoning import Reasoning
from helpers.widgets import step_viewer
from helpers.widgets.live_steps import LiveSteps
from helpers.widgets.step_html import html_to_text
from helpers.widgets.step_viewer import StepViewer
from tests.test_widgets import ANSWER, QUESTION, STEPS, is_sent, synced_strings


class FakeClock:
    """Stands in for the viewer's clock: time moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(step_viewer, "_now", fake)
    return fake


def writing_text(viewer: StepViewer) -> str:
    return " ".join(html_to_text(viewer.writing_html.value).split())


# ---- A: the step being written --------------------------------------------------------------
def test_the_step_being_written_appears_as_it_arrives(clock: FakeClock) -> None:
    viewer = StepViewer.live(QUESTION)
    text = json.dumps({"steps": STEPS, "result": ANSWER})
    step_start = text.index(STEPS[1])
    viewer.feed(text[:step_start])  # step 1 complete, step 2 not begun
    assert viewer.revealed == 1 and writing_text(viewer) == ""
    words = STEPS[1].split(" ")
    written = ""
    for word in words[:-1]:
        clock.now += 0.5  # slow pieces: every one is drawn at once
        piece = word + " "
        viewer.feed(piece)
        written += piece
        shown = writing_text(viewer)
        assert shown.startswith("Step 2")
        assert shown.endswith(" ".join(written.split()))  # exactly what arrived, no more
        assert not is_sent(viewer, STEPS[1]) and not is_sent(viewer, ANSWER)
    viewer.feed(words[-1] + '"')  # the closing quote: a whole step
    assert viewer.revealed == 2 and writing_text(viewer) == ""
    assert STEPS[1] in html_to_text(viewer.steps_html.value)


def test_fast_pieces_are_drawn_at_most_one_piece_late(clock: FakeClock) -> None:
    viewer = StepViewer.live(QUESTION)
    viewer.feed('{"steps": ["')
    arrived = ""
    for index, char in enumerate("abcdefghijklmnopqrstuvwxyz"):
        clock.now += 0.001  # 1000 pieces a second: faster than the frame
        viewer.feed(char)
        arrived += char
        shown = writing_text(viewer).rsplit(" ", 1)[-1]
        assert shown in (arrived, arrived[:-1]), (index, shown)
    assert writing_text(viewer).endswith(arrived[:-1])


def test_no_partial_step_while_the_learner_guesses() -> None:
    viewer = StepViewer.live(QUESTION, guess_first=True)
    viewer.feed('{"steps": ["Spell the word out')
    assert viewer.writing_html.value == ""
    assert not is_sent(viewer, "Spell the word")


def test_partial_text_is_escaped_and_never_the_answer() -> None:
    viewer = StepViewer.live(QUESTION)
    viewer.feed('{"steps": ["<img src=x onerror=alert(1)> and <b>bold')
    value = viewer.writing_html.value
    assert "<img" not in value and "&lt;img" in value and "<b>bold" not in value
    viewer.feed('"], "result": "')
    assert viewer.writing_html.value == ""  # the result is never drawn while it arrives
    viewer.feed(ANSWER)
    assert not is_sent(viewer, ANSWER)


def test_each_step_shows_how_long_it_took(clock: FakeClock) -> None:
    viewer = StepViewer.live(QUESTION)
    clock.now += 1.5
    viewer.feed('{"steps": ["one", ')
    clock.now += 2.5
    viewer.feed('"two", "three"')  # two steps in one piece: the second took no time
    assert viewer.step_seconds == [1.5, 2.5, 0.0]
    shown = html_to_text(viewer.steps_html.value)
    assert "Step 1 · 1.5 s" in shown and "Step 2 · 2.5 s" in shown
    viewer.add_step("not used", None)  # add_step is timed the same way
    assert viewer.step_seconds[-1] == 0.0


def test_printed_forms_have_no_timings(clock: FakeClock) -> None:
    viewer = StepViewer.live(QUESTION)
    clock.now += 3.21
    viewer.feed(json.dumps({"steps": STEPS, "result": ANSWER}))
    viewer.finish(finish_reason="stop")
    assert (
        repr(viewer) == "StepViewer('How many times does the letter r appear in strawb…', 3 steps)"
    )
    assert "3.2" not in viewer.status_label.value
    assert "3.2" not in viewer.reasoning.to_text()


def test_the_bar_is_indeterminate_while_thinking_never_full() -> None:
    viewer = StepViewer.live(QUESTION)
    viewer.feed('{"steps": ["one", "two", ')
    assert viewer.progress.layout.display == "none"  # the 2-of-2 bar would read "done"
    assert viewer.thinking_bar.layout.display != "none"
    bar = viewer.thinking_bar.value
    assert "<progress" in bar and "value=" not in bar  # no value: the browser animates it
    viewer.feed('"three"], "result": "3"}')
    viewer.finish(finish_reason="stop")
    assert viewer.progress.layout.display != "none"
    assert viewer.thinking_bar.layout.display == "none" and viewer.thinking_bar.value == ""
    assert (viewer.progress.value, viewer.progress.max) == (3, 3)


def test_thought_header_folds_the_steps(clock: FakeClock) -> None:
    viewer = StepViewer.live(QUESTION)
    assert viewer.thought_button.layout.display == "none"
    clock.now += 4.25
    viewer.feed(json.dumps({"steps": STEPS, "result": ANSWER}))
    viewer.finish(finish_reason="stop")
    assert viewer.thought_seconds == pytest.approx(4.25)
    assert viewer.thought_button.description == "▾ Thought for 4.2 s · 3 steps"
    assert STEPS[0] in viewer.visible_text() and ANSWER in viewer.visible_text()
    viewer.thought_button.click()
    assert viewer.thought_button.description.startswith("▸ Thought for")
    assert STEPS[0] not in viewer.visible_text()  # folded away ...
    assert ANSWER in viewer.visible_text()  # ... the answer stays
    viewer.thought_button.click()
    assert STEPS[0] in viewer.visible_text()


def test_long_thinking_is_said_in_whole_seconds(clock: FakeClock) -> None:
    viewer = StepViewer.live()
    viewer.add_step("only step")
    clock.now += 83.4
    viewer.finish(Reasoning(steps=["only step"], result="r"))
    assert viewer.thought_button.description == "▾ Thought for 83 s · 1 step"


def test_a_finished_answer_has_no_header() -> None:
    viewer = StepViewer(Reasoning(steps=STEPS, result=ANSWER, question=QUESTION))
    viewer.show_all()
    assert viewer.thought_button.layout.display == "none"


# ---- B: linear cost ----------------------------------------------------------------------------
class CountingComm(BaseComm):
    """Serialises each widget message like a kernel would, and counts the bytes."""

    sent = 0

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys) -> None:
        CountingComm.sent += len(json.dumps(data))


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> type[CountingComm]:
    monkeypatch.setattr(comm, "create_comm", lambda *args, **kwargs: CountingComm(*args, **kwargs))
    CountingComm.sent = 0
    return CountingComm


@pytest.mark.parametrize("how", ["add_step", "feed"])
def test_one_more_step_costs_the_same_after_many(counted: type[CountingComm], how: str) -> None:
    viewer = StepViewer.live(QUESTION)
    viewer.feed('{"steps": [') if how == "feed" else None
    sizes = []
    for number in range(400):
        step = f"Step text number {number:04d}, the same length every time."
        before = counted.sent
        if how == "add_step":
            viewer.add_step(step)
        else:
            viewer.feed(("" if number == 0 else ", ") + json.dumps(step))
        sizes.append(counted.sent - before)
    assert viewer.step_count == 400
    early, late = max(sizes[20:60]), max(sizes[360:400])
    assert late <= early * 1.5, (early, late)  # re-sending all steps would make it 6x more
    assert sum(sizes) < 400 * 20_000


def test_live_steps_keep_only_the_value_being_read() -> None:
    live = LiveSteps()
    live.feed('{"steps": [')
    for number in range(3000):
        live.feed(("" if number == 0 else ", ") + json.dumps(f"step {number} " + "x" * 50))
        assert len(live._window) < 10_000
    live.feed('], "result": "done"}')
    assert len(live.steps) == 3000 and live.result == "done"
    assert live.steps[2999] == "step 2999 " + "x" * 50
    assert live.text.startswith('{"steps": ["step 0 ') and live.text.endswith('"done"}')


def test_a_long_step_value_survives_trimming_in_small_pieces() -> None:
    long_step = {"title": "Big", "content": "word " * 3000}
    text = json.dumps({"steps": ["a" * 5000, long_step, "b"], "result": "r" * 6000})
    live = LiveSteps()
    for start in range(0, len(text), 7):
        live.feed(text[start : start + 7])
    assert live.steps == ["a" * 5000, "word " * 3000, "b"]
    assert live.titles == [None, "Big", None]
    assert live.result == "r" * 6000


def test_hiding_steps_again_keeps_no_text_in_hidden_pages() -> None:
    steps = [f"step number {n}" for n in range(40)]
    viewer = StepViewer(Reasoning(steps=steps, result="r"))
    viewer.show_all()
    assert len(viewer.steps_html.children) == 3  # pages of 16
    viewer.reset()
    assert viewer.steps_html.children == ()
    assert not any("step number" in page.value for page in viewer.steps_html._pages)
    for _ in range(17):
        viewer.next_step()
    assert len(viewer.steps_html.children) == 2
    assert "step number 16" in viewer.steps_html.value
    assert "step number 17" not in viewer.steps_html.value
    viewer.previous_step()
    assert len(viewer.steps_html.children) == 1 and viewer.revealed == 16


# ---- D: a stream that breaks off -----------------------------------------------------------------
def test_fail_ends_the_live_state_with_one_line() -> None:
    viewer = StepViewer.live(QUESTION)
    viewer.feed('{"steps": ["Spell it out.", "Mark each')
    shown = viewer.fail("the server said: <b>overloaded</b>")
    assert not viewer.is_live and viewer.failure == "the server said: <b>overloaded</b>"
    assert "Thinking" not in viewer.status_label.value
    assert viewer.status_label.value == "Stopped: 2 steps arrived"
    assert "Stopped: the server said: &lt;b&gt;overloaded&lt;/b&gt;" in viewer.warning_html.value
    assert "Step 2 was cut off part-way" in viewer.warning_html.value
    assert not shown.complete and shown.steps == ["Spell it out.", "Mark each"]
    assert "none: the reply stopped before the answer" in viewer.answer_html.value
    assert viewer.progress.bar_style == "danger" and viewer.thinking_bar.value == ""
    assert viewer.thought_button.description.startswith("▾ Stopped after")


def test_fail_takes_an_exception_and_hides_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "my-very-own-secret-value")
    viewer = StepViewer.live(QUESTION)
    viewer.fail(RuntimeError("boom\nsecond line with my-very-own-secret-value"))
    assert viewer.failure == "RuntimeError: boom"
    viewer = StepViewer.live(QUESTION)
    key = "sk-" + "abcdefghijklmnopqrstuvwx"  # split: the file holds no key-shaped text
    viewer.fail(ValueError(f"Authorization: Bearer {key}"))
    assert "sk-abc" not in viewer.failure and "[redacted]" in viewer.failure
    viewer = StepViewer.live(QUESTION)
    viewer.fail(KeyboardInterrupt())
    assert viewer.failure == "interrupted (Kernel > Interrupt) before the answer was complete"
    viewer = StepViewer.live(QUESTION)
    viewer.fail("x" * 500 + "\u202e")
    assert len(viewer.failure) == step_viewer.FAILURE_CHARS and viewer.failure.endswith("…")


def test_a_stream_without_finish_reason_never_shows_its_answer() -> None:
    viewer = StepViewer.live(QUESTION)
    viewer.feed(json.dumps({"steps": STEPS, "result": "12"}))  # closes cleanly, but cut?
    shown = viewer.finish()
    assert not shown.complete and viewer.failure is not None
    assert "without a finish reason" in viewer.failure
    assert not viewer.answer_shown and "12" not in html_to_text(viewer.answer_html.value)
    # given a parsed answer too, the missing finish reason still wins
    viewer = StepViewer.live(QUESTION)
    viewer.feed(json.dumps({"steps": STEPS, "result": "12"}))
    viewer.finish(Reasoning(steps=STEPS, result="12"), finish_reason=None)
    assert not viewer.answer_shown and "12" not in html_to_text(viewer.answer_html.value)


def test_whole_steps_without_a_stream_finish_normally() -> None:
    viewer = StepViewer.live(QUESTION)
    viewer.add_step("one")
    viewer.finish(Reasoning(steps=["one"], result="r"))  # the loop and agents pass no reason
    assert viewer.answer_shown and viewer.failure is None


def test_a_new_live_answer_clears_the_failure() -> None:
    viewer = StepViewer.live(QUESTION)
    viewer.fail("dropped")
    viewer.start_live()
    assert viewer.failure is None and "Thinking" in viewer.status_label.value
    viewer.feed(json.dumps({"steps": STEPS, "result": ANSWER}))
    viewer.finish(finish_reason="stop")
    assert viewer.answer_shown and "Stopped" not in viewer.warning_html.value


def test_synced_values_never_hold_a_raw_control_character() -> None:
    viewer = StepViewer.live("Pay \u202e0001 now?")
    viewer.feed('{"steps": ["\u202e0001", "half \u2066wri')
    for value in synced_strings(viewer):
        assert "\u202e" not in value and "\u2066" not in value, value
    assert "[U+202E]0001" in viewer.visible_text()
    viewer.fail("server said \u202eboom")
    for value in synced_strings(viewer):
        assert "\u202e" not in value and "\u2066" not in value, value
    assert "server said [U+202E]boom" in viewer.visible_text()


# IPython: a cell that fed a live viewer and then failed leaves no "Thinking…" behind.
CELL_WATCH_SCRIPT = r"""
import json, os, signal
import httpx2, openai
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
results = {}

def sse(chunks, end):
    def body():
        for text in chunks:
            event = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                     "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
            yield f"data: {json.dumps(event)}\n\n".encode()
        yield from end()
    return body

def client_for(body):
    class Stream(httpx2.SyncByteStream):
        def __iter__(self):
            yield from body()
    def handler(request):
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=Stream())
    http = openai.DefaultHttpxClient(transport=httpx2.MockTransport(handler))
    return openai.OpenAI(api_key="sk-test", base_url="http://test/v1", http_client=http,
                         max_retries=0)

PIECES = ['{"steps": ["Spell it out.", ', '"Count the', ' letters."]', ', "result": "3"}']

def server_error():
    yield b'data: {"error": {"message": "context size exceeded", "code": 500}}\n\n'

def interrupt():
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(10**7):
        pass
    yield b""

def broken_iterator():
    raise RuntimeError("the reader broke")
    yield b""

def just_close():
    return iter(())

CASES = {
    "server_error": (PIECES[:2], server_error),
    "interrupt": (PIECES[:2], interrupt),
    "broken_iterator": (PIECES[:3], broken_iterator),
    "closed_without_finish_reason": (PIECES, just_close),
}
for name, (pieces, end) in CASES.items():
    shell.user_ns["client"] = client_for(sse(pieces, end))
    result = shell.run_cell(
        "import helpers\n"
        "viewer = helpers.StepViewer.live('How many?')\n"
        "helpers.think('How many?', client=client, model='m', stream=True, viewer=viewer)\n"
    )  # not silent: a silent cell runs no pre/post_run_cell hooks, a notebook cell does
    viewer = shell.user_ns["viewer"]
    results[name] = {
        "cell_error": type(result.error_in_exec).__name__ if result.error_in_exec else None,
        "live": viewer.is_live,
        "status": viewer.status_label.value,
        "failure": viewer.failure,
        "steps": viewer.step_count,
        "answer_shown": viewer.answer_shown,
    }

# a viewer waiting for pieces fed by hand is left alone by an unrelated failing cell
shell.run_cell("import helpers\nwaiting = helpers.StepViewer.live('q')\n"
               "waiting.feed('{\"steps\": [')")
shell.run_cell("1 / 0")
results["unrelated_error"] = {"live": shell.user_ns["waiting"].is_live}
print("RESULTS" + json.dumps(results))
"""


@pytest.mark.skipif(os.name != "posix", reason="sends itself SIGINT")
def test_a_failing_or_interrupted_cell_fails_its_live_viewer(tmp_path) -> None:
    import subprocess
    import sys

    env = dict(os.environ, IPYTHONDIR=str(tmp_path / "ipython"), HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", CELL_WATCH_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULTS")]
    assert lines, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(lines[0].removeprefix("RESULTS"))

    error = results["server_error"]
    assert error["cell_error"] == "APIError" and not error["live"]
    assert "context size exceeded" in error["failure"] and error["steps"] == 2
    assert error["status"] == "Stopped: 2 steps arrived"  # step 1 + the cut step 2

    interrupted = results["interrupt"]
    assert interrupted["cell_error"] == "KeyboardInterrupt" and not interrupted["live"]
    assert interrupted["failure"].startswith("interrupted")

    broken = results["broken_iterator"]
    assert broken["cell_error"] == "RuntimeError" and not broken["live"]
    assert broken["failure"] == "RuntimeError: the reader broke" and broken["steps"] == 2

    closed = results["closed_without_finish_reason"]
    assert not closed["live"] and not closed["answer_shown"]
    assert "without a finish reason" in closed["failure"]

    assert results["unrelated_error"] == {"live": True}


def test_finish_with_an_error_is_the_failed_state_and_never_shows_an_answer() -> None:
    viewer = StepViewer.live(QUESTION)
    viewer.feed(json.dumps({"steps": STEPS, "result": ANSWER}))  # the JSON even closed
    shown = viewer.finish(finish_reason="stop", error="connection reset by peer")
    assert viewer.failure == "connection reset by peer" and not shown.complete
    assert not viewer.answer_shown and not is_sent(viewer, ANSWER)
    assert viewer.status_label.value == "Stopped: 3 steps arrived"
    viewer = StepViewer.live(QUESTION)
    viewer.feed(json.dumps({"steps": STEPS, "result": ANSWER}))
    viewer.finish(finish_reason="length")  # cut by the token limit: no answer either
    assert not viewer.answer_shown and viewer.failure is None
    assert "token limit" in viewer.warning_html.value
