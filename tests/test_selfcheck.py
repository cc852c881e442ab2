"""Self-check: the review request, reading the review robustly, marks in the widget."""

from __future__ import annotations

import json

import openai
import pytest

from helpers import Reasoning, StepViewer
from helpers.modes.wire import chat_completion
from helpers.more_calls.self_check import (
    REVIEW_SYSTEM_PROMPT,
    Review,
    ReviewError,
    read_review,
    review_messages,
    self_check,
    step_verdicts,
)
from tests.support.server import JsonReply, StubServer, replies_in_order

MUFFINS = Reasoning(
    steps=[
        "Cost of 6 muffins: 6 x $2.75.",
        "6 x $2 = $12 and 6 x $0.75 = $4.50.",
        "$12 + $4.50 = $15.50.",
        "$20 - $15.50 = $4.50.",
    ],
    result="$4.50",
    question="Muffins cost $2.75. Maria buys 6 and pays $20. Change?",
)


def review_reply(text, finish_reason="stop", refusal=None):
    return lambda request: JsonReply(
        chat_completion(request.body, text, finish_reason=finish_reason, refusal=refusal)
    )


def check_with(reply, reasoning=MUFFINS, **kwargs):
    with StubServer(replies_in_order([reply])) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test", max_retries=0)
        review = self_check(reasoning, client=client, model="m", **kwargs)
    return review, server.requests[0].body


# ---- verdicts -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("first_wrong", "count", "expected"),
    [
        (3, 5, ["right", "right", "wrong", "unsure", "unsure"]),
        (1, 1, ["wrong"]),
        (2, 2, ["right", "wrong"]),
        (None, 3, ["right", "right", "right"]),
        (None, 0, []),
    ],
)
def test_step_verdicts(first_wrong, count, expected):
    assert step_verdicts(first_wrong, count) == expected


@pytest.mark.parametrize(("first_wrong", "count"), [(0, 3), (4, 3), (-1, 3)])
def test_step_verdicts_refuse_a_step_that_does_not_exist(first_wrong, count):
    with pytest.raises(ValueError, match="not one of steps"):
        step_verdicts(first_wrong, count)


# ---- the request --------------------------------------------------------------------
def test_review_messages_number_the_steps_and_keep_the_question_and_result():
    system, user = review_messages(MUFFINS)
    assert system == {"role": "system", "content": REVIEW_SYSTEM_PROMPT}
    text = user["content"]
    assert text.startswith("Question: Muffins cost $2.75.")
    assert "Step 1: Cost of 6 muffins" in text and "Step 4: $20 - $15.50 = $4.50." in text
    assert text.endswith("Result: $4.50")
    assert "json" in system["content"].lower()  # JSON mode needs the word in the prompt


# ---- reading the review -------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"first_wrong_step": 3, "reason": "12 + 4.50 is 16.50"}', 3),
        ('{"first_wrong_step": "3", "reason": "r"}', 3),
        ('{"first_wrong_step": "Step 2", "reason": "r"}', 2),
        ('{"first_wrong_step": 1.0, "reason": "r"}', 1),
        ('{"first_wrong_step": null, "reason": "all fine"}', None),
        ('{"first_wrong_step": "none", "reason": "all fine"}', None),
        ('{"first_wrong_step": 0, "reason": "all fine"}', None),
        ('{"first_wrong_step": false, "reason": "all fine"}', None),
        ('```json\n{"first_wrong_step": 4, "reason": "r"}\n```', 4),
        ('Here is my review:\n{"first_wrong_step": 3, "reason": "r"}\nHope it helps.', 3),
        ('<think>step 1 ok {maybe}</think>{"first_wrong_step": 2, "reason": "r"}', 2),
        ('{"first_error_step": 2, "reason": "r"}', 2),
        ('{"first_wrong_step": 3, "reason": "a raw\nline break"}', 3),
    ],
)
def test_read_review(text, expected):
    review = read_review(text, step_count=4)
    assert review.first_wrong_step == expected and review.raw == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no JSON object"),
        ("Step 3 looks wrong to me.", "no JSON object"),
        ('["a list"]', "no JSON object"),
        ('{"reason": "r"}', 'no "first_wrong_step"'),
        ('{"first_wrong_step": 7, "reason": "r"}', "names step 7, but the answer has steps 1 to 4"),
        ('{"first_wrong_step": "2 or 3", "reason": "r"}', "does not name one step"),
        ('{"first_wrong_step": 2.5, "reason": "r"}', "not a whole number"),
        ("<think>still thinking about step", "still thinking"),
    ],
)
def test_read_review_refuses_what_it_cannot_read(text, message):
    with pytest.raises(ReviewError, match=message) as caught:
        read_review(text, step_count=4)
    assert "\n" not in str(caught.value) and caught.value.text == text


def test_a_missing_reason_is_said_so():
    assert read_review('{"first_wrong_step": 1}', 2).reason == "(no reason given)"


# ---- the review as marks --------------------------------------------------------------
def test_marks_and_text():
    review = Review(first_wrong_step=3, reason="12 + 4.50 is 16.50", step_count=4)
    marks = review.marks()
    assert [marks[n].verdict for n in (1, 2, 3, 4)] == ["right", "right", "wrong", "unsure"]
    assert marks[3].note == "12 + 4.50 is 16.50"
    text = review.to_text(MUFFINS)
    assert text.splitlines()[2] == "✗ Step 3: $12 + $4.50 = $15.50."
    assert text.splitlines()[3].startswith("? Step 4")
    assert text.endswith("Step 3 is the first wrong step: 12 + 4.50 is 16.50")


def test_an_all_right_review():
    review = Review(first_wrong_step=None, reason="each step checks out", step_count=2)
    assert review.all_right and review.verdicts() == ["right", "right"]
    assert review.describe() == "The reviewer found no wrong step: each step checks out"


def test_marks_show_in_the_viewer_escaped():
    review = Review(first_wrong_step=2, reason="<b>wrong</b> sum", step_count=4)
    viewer = StepViewer(MUFFINS)
    review.mark(viewer)
    assert {n: m.verdict for n, m in viewer.marks.items()} == {
        1: "right",
        2: "wrong",
        3: "unsure",
        4: "unsure",
    }
    viewer.show_all()
    assert "<b>wrong</b>" not in viewer.steps_html.value
    assert "&lt;b&gt;wrong&lt;/b&gt; sum" in viewer.steps_html.value
    assert "✗" in viewer.visible_text()


# ---- the call -------------------------------------------------------------------------
def test_self_check_sends_the_review_in_json_mode():
    reply = json.dumps({"first_wrong_step": 3, "reason": "12 + 4.50 is 16.50, not 15.50"})
    review, body = check_with(review_reply(reply), temperature=0)
    assert body["messages"] == review_messages(MUFFINS)
    assert body["response_format"] == {"type": "json_object"} and body["temperature"] == 0
    assert review.first_wrong_step == 3 and review.step_count == 4
    assert review.usage.prompt_tokens > 0 and review.model


def test_self_check_without_json_mode():
    _, body = check_with(
        review_reply('{"first_wrong_step": null, "reason": "ok"}'), response_format=None
    )
    assert "response_format" not in body


def test_a_cut_off_review_is_an_error_not_a_verdict():
    with pytest.raises(ReviewError, match="cut off"):
        check_with(review_reply('{"first_wrong_step": 3, "reason": "12 + 4', "length"))


def test_a_refused_review_is_an_error():
    with pytest.raises(ReviewError, match="refused"):
        check_with(review_reply(None, refusal="I can't help with that."))


def test_nothing_to_review():
    with pytest.raises(ValueError, match="no steps"):
        self_check(Reasoning(steps=[], result="4"), client=object(), model="m")
