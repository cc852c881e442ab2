"""Self-check: a second call reads the numbered steps and names the first wrong one.

A model that writes a slip in step 3 rarely notices it while it is writing; read
back as someone else's work, the slip is much easier to spot. So the review is a
fresh call with its own instructions::

    reasoning = helpers.think(question)
    review = helpers.self_check(reasoning)
    review.describe()          # 'Step 3 is the first wrong step: 12 + 4.50 is 16.50, ...'
    review.mark(viewer)        # ✓ before it, ✗ on it, ? after it, in a StepViewer

Steps after the first wrong one are marked "unsure", not "wrong": they may be
correct reasoning from a wrong number, and the reviewer was asked about the
first mistake only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import openai

from helpers.errors import add_advice
from helpers.modes.client import get_client
from helpers.modes.settings import default_model
from helpers.parsing.repair import load_json
from helpers.parsing.text import strip_code_fence, strip_think_block
from helpers.prompts import JSON_MODE, as_sdk_messages
from helpers.reasoning import Reasoning, Usage
from helpers.token_limits import REVIEW_TOKENS, sent_limit, with_token_limit
from helpers.widgets.step_viewer import StepMark

REVIEW_SYSTEM_PROMPT = """\
You are checking a worked solution that someone else wrote. Read the question, then \
check each numbered step in order: is its arithmetic right, and does it follow from \
the question and the earlier steps?

Reply with a single JSON object and nothing else:
{"first_wrong_step": <the number of the first wrong step, or null if every step is right>, \
"reason": "<one sentence: what is wrong in that step, or why the steps are right>"}

Judge only the steps you are shown; do not solve the problem again in your reply."""

_STEP_NUMBER = re.compile(r"-?\d+")
_NONE_WORDS = {"", "none", "null", "no", "false", "n/a", "-"}


class ReviewError(ValueError):
    """A review reply that cannot honestly be read; the message says why in one line."""

    def __init__(self, detail: str, text: str = "") -> None:
        super().__init__(" ".join(f"The review could not be read: {detail}.".split()))
        self.text = text


def step_verdicts(first_wrong_step: int | None, step_count: int) -> list[str]:
    """One verdict per step: 'right' before the first wrong step, 'wrong' on it, 'unsure' after.

    `first_wrong_step` is 1-based; None means every step was judged right.
    """
    if first_wrong_step is None:
        return ["right"] * step_count
    if not 1 <= first_wrong_step <= step_count:
        raise ValueError(f"step {first_wrong_step} is not one of steps 1 to {step_count}")
    before = first_wrong_step - 1
    return ["right"] * before + ["wrong"] + ["unsure"] * (step_count - first_wrong_step)


@dataclass
class Review:
    """What the reviewer said about a reasoning.

    Attributes:
        first_wrong_step: the first wrong step (1-based), or None if all are right.
        reason: the reviewer's one-sentence reason.
        step_count: how many steps were reviewed.
        raw: the review reply exactly as received.
        usage: token counts of the review call.
        model: the model that reviewed, as the server reported it.
    """

    first_wrong_step: int | None
    reason: str
    step_count: int
    raw: str = ""
    usage: Usage | None = None
    model: str | None = None
    repairs: list[str] = field(default_factory=list)

    @property
    def all_right(self) -> bool:
        """True when the reviewer found no wrong step."""
        return self.first_wrong_step is None

    def verdicts(self) -> list[str]:
        """'right', 'wrong' or 'unsure' for each step, in order."""
        return step_verdicts(self.first_wrong_step, self.step_count)

    def marks(self) -> dict[int, StepMark]:
        """The verdicts as `StepMark`s by step number, ready for a `StepViewer`."""
        notes = {"right": "", "wrong": self.reason, "unsure": "comes after the first wrong step"}
        return {
            number: StepMark(verdict, notes[verdict])
            for number, verdict in enumerate(self.verdicts(), start=1)
        }

    def mark(self, viewer: Any) -> None:
        """Show the verdicts next to the steps of a `StepViewer`."""
        for number, mark in self.marks().items():
            viewer.mark_step(number, mark.verdict, mark.note)

    def describe(self) -> str:
        """One line saying what the reviewer found."""
        if self.all_right:
            return f"The reviewer found no wrong step: {self.reason}"
        return f"Step {self.first_wrong_step} is the first wrong step: {self.reason}"

    def to_text(self, reasoning: Reasoning) -> str:
        """The reviewed steps with ✓, ✗ or ? in front, then the reviewer's verdict."""
        lines = []
        for number, (step, mark) in enumerate(zip(reasoning.steps, self.marks().values()), 1):
            lines.append(f"{mark.symbol} Step {number}: {step}")
        lines.append(f"  Result: {reasoning.result}")
        lines.append(self.describe())
        return "\n".join(lines)


def review_messages(
    reasoning: Reasoning, system_prompt: str = REVIEW_SYSTEM_PROMPT
) -> list[dict[str, str]]:
    """The review request: the rules, then the question, the numbered steps and the result."""
    lines = [f"Question: {reasoning.question or '(not given)'}", ""]
    lines += [f"Step {number}: {step}" for number, step in enumerate(reasoning.steps, start=1)]
    lines += ["", f"Result: {reasoning.result}"]
    return [
        {"role": "system", "content": system_prompt},
        {"role": "user", "content": "\n".join(lines)},
    ]


def _step_number(value: Any, step_count: int, text: str) -> int | None:
    """Read the reviewer's step number: 3, "3", "step 3"; null, "none", 0 or false mean none."""
    if value is None or value is False:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != int(value):
            raise ReviewError(f"the step number {value} is not a whole number", text)
        number = int(value)
    else:
        words = str(value).strip().lower()
        if words in _NONE_WORDS:
            return None
        found = _STEP_NUMBER.findall(words)
        if len(found) != 1:
            raise ReviewError(f"{str(value)!r} does not name one step", text)
        number = int(found[0])
    if number == 0:
        return None
    if not 1 <= number <= step_count:
        raise ReviewError(
            f"it names step {number}, but the answer has steps 1 to {step_count}", text
        )
    return number


def read_review(text: str | None, step_count: int) -> Review:
    """Read a review reply into a `Review`; raise `ReviewError` saying why it can't be read."""
    text = text or ""
    try:
        after_thinking, _ = strip_think_block(text)
    except ValueError:
        raise ReviewError("it stops while the model is still thinking", text) from None
    body = strip_code_fence(after_thinking).strip()
    start, end = body.find("{"), body.rfind("}")
    if start == -1 or end < start:
        raise ReviewError("there is no JSON object in it", text)
    try:
        loaded = load_json(body[start : end + 1])
    except ValueError:
        raise ReviewError("its JSON is broken beyond repair", text) from None
    value = loaded.value
    if not isinstance(value, dict):
        raise ReviewError("the JSON is not an object", text)
    keys = ("first_wrong_step", "first_error_step", "wrong_step", "first_wrong")
    key = next((k for k in keys if k in value), None)
    if key is None:
        raise ReviewError('it has no "first_wrong_step"', text)
    reason = " ".join(str(value.get("reason") or "").split()) or "(no reason given)"
    return Review(
        first_wrong_step=_step_number(value[key], step_count, text),
        reason=reason,
        step_count=step_count,
        raw=text,
        repairs=list(loaded.repairs),
    )


def self_check(
    reasoning: Reasoning,
    *,
    client: openai.OpenAI | None = None,
    model: str | None = None,
    system_prompt: str = REVIEW_SYSTEM_PROMPT,
    response_format: dict[str, Any] | None = JSON_MODE,
    **options: Any,
) -> Review:
    """Ask a second call to review the steps of `reasoning` and name the first wrong one.

    Args:
        reasoning: the answer to review (from `think`, `step_loop`, ...); its
            `question` should be set.
        client: an `openai.OpenAI` client (default: `helpers.get_client()`).
        model: the reviewing model (default: `helpers.default_model()`); a different
            model from the one that answered is a fair choice too.
        system_prompt: the reviewer's rules (default `REVIEW_SYSTEM_PROMPT`).
        response_format: JSON mode by default; None for servers without it.
        **options: passed to `chat.completions.create` (e.g. `temperature=0`). The
            verdict may write `REVIEW_TOKENS` tokens; `max_tokens=` changes that.

    Raises:
        ValueError: the reasoning has no steps to review.
        ReviewError: the review was cut off, refused or cannot be read.
        openai.OpenAIError: the call itself failed; a line of advice is attached.
    """
    if not reasoning.steps:
        raise ValueError("there are no steps to review")
    client = client or get_client()
    model = model or default_model()
    options = with_token_limit(options, client, model, REVIEW_TOKENS)
    if response_format is not None:
        options["response_format"] = response_format
    try:
        reply = client.chat.completions.create(
            model=model,
            messages=as_sdk_messages(review_messages(reasoning, system_prompt)),
            **options,
        )
    except openai.OpenAIError as error:
        add_advice(error)
        raise
    choice = reply.choices[0]
    text = choice.message.content or ""
    if choice.message.refusal:
        raise ReviewError(f"the model refused ({choice.message.refusal})", text)
    if choice.finish_reason == "length":
        limit = sent_limit(options)
        if limit is None:
            raise ReviewError("it filled the server's context window (no max_tokens was set)", text)
        raise ReviewError(f"it was cut off at max_tokens={limit}; allow more tokens", text)
    review = read_review(text, len(reasoning.steps))
    review.usage = Usage.from_api(reply.usage)
    review.model = reply.model or model
    return review
