"""Property tests: whatever steps and result go in, in any supported shape, come back out.

Generated text mixes random unicode with the characters that break naive parsers:
quotes, braces, backslashes, LaTeX, newlines, HTML and emoji. Two documented
exceptions are kept out of the generated text: a newline, tab or return directly
followed by a lowercase letter (it could spell a LaTeX command such as `\\nu`; see
`helpers.parsing.repair`), and backspace / form-feed characters (read as `\\b`, `\\f`).
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from helpers.parsing.parse import parse_reasoning

TRICKY = [
    '"',
    "\\",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\n",
    "\t",
    "'",
    "“",
    "”",
    "\\frac{1}{2}",
    "\\(x\\)",
    "&amp;",
    "<b>",
    "é",
    "草莓",
    "🍓",
    "```",
    "//",
    "/*",
    "step1",
    "result",
    "True",
    "null",
    "\\n",
    "\\u00e9",
]
ALPHABET = st.characters(exclude_categories=("Cs",), exclude_characters="\x08\x0c\r")
PIECE = st.one_of(st.text(ALPHABET, max_size=12), st.sampled_from(TRICKY))
TEXT = st.lists(PIECE, max_size=6).map("".join)
LATEX_LOOKALIKE = re.compile(r"[\n\r\t][a-z]")
SPELLINGS = ["step{}", "Step {}", "step_{}", "STEP{}", "step-{}", "step {}"]
RESULT_KEYS = ["result", "final_answer", "answer", "Final Answer", "RESULT", "final-answer"]

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _usable(text: str) -> bool:
    return not LATEX_LOOKALIKE.search(text)


@st.composite
def answers(draw: st.DrawFn) -> tuple[list[str], str]:
    steps = draw(st.lists(TEXT, min_size=1, max_size=30))
    result = draw(TEXT)
    assume(all(_usable(step) for step in steps) and _usable(result))
    assume(any(step.strip() for step in steps) and result.strip())
    return steps, result


def _dump(value: object, draw: st.DrawFn) -> str:
    return json.dumps(
        value, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 2]))
    )


def _check(text: str, steps: list[str], result: str) -> None:
    parsed = parse_reasoning(text)
    assert parsed.steps == steps
    assert parsed.result == result


@SETTINGS
@given(answers(), st.data())
def test_steps_list_round_trips(answer: tuple[list[str], str], data: st.DataObject) -> None:
    steps, result = answer
    key = data.draw(st.sampled_from(RESULT_KEYS))
    first = data.draw(st.booleans())
    body = {key: result, "steps": steps} if first else {"steps": steps, key: result}
    _check(_dump(body, data.draw), steps, result)


@SETTINGS
@given(answers(), st.data())
def test_numbered_keys_in_any_order_round_trip(
    answer: tuple[list[str], str], data: st.DataObject
) -> None:
    steps, result = answer
    spelling = data.draw(st.sampled_from(SPELLINGS))
    members = [(spelling.format(n), step) for n, step in enumerate(steps, start=1)]
    members = data.draw(st.permutations(members))
    at = data.draw(st.integers(0, len(members)))
    members.insert(at, (data.draw(st.sampled_from(RESULT_KEYS)), result))
    _check(_dump(dict(members), data.draw), steps, result)


@SETTINGS
@given(answers(), st.data())
def test_g1_objects_keep_titles(answer: tuple[list[str], str], data: st.DataObject) -> None:
    steps, result = answer
    titles = data.draw(
        st.lists(
            TEXT.filter(lambda t: t != "" and _usable(t)), min_size=len(steps), max_size=len(steps)
        )
    )
    objects = [
        {"title": title, "content": step, "next_action": "continue"}
        for title, step in zip(titles, steps)
    ]
    parsed = parse_reasoning(_dump({"steps": objects, "final_answer": result}, data.draw))
    assert parsed.steps == steps
    assert parsed.titles == titles
    assert parsed.result == result


@SETTINGS
@given(answers(), st.data())
def test_repeated_bare_step_keys_round_trip(
    answer: tuple[list[str], str], data: st.DataObject
) -> None:
    steps, result = answer
    members = [f'"step": {json.dumps(step)}' for step in steps]
    members.insert(data.draw(st.integers(0, len(members))), f'"result": {json.dumps(result)}')
    _check("{" + ", ".join(members) + "}", steps, result)


@SETTINGS
@given(answers(), st.data())
def test_fenced_and_prose_wrapped_round_trip(
    answer: tuple[list[str], str], data: st.DataObject
) -> None:
    steps, result = answer
    body = _dump({"steps": steps, "result": result}, data.draw)
    fence = data.draw(st.sampled_from(["```json", "```JSON", "```", "~~~", "```javascript"]))
    closing = "~~~" if fence == "~~~" else "```"
    before = data.draw(st.sampled_from(["", "Here is the JSON:\n", "Sure! My reasoning:\n\n"]))
    after = data.draw(st.sampled_from(["", "\nHope this helps.", "\n\nLet me know!"]))
    wrapped = data.draw(
        st.sampled_from(
            [
                f"{before}{fence}\n{body}\n{closing}{after}",
                f"{before}{body}{after}",
                f"{before}{fence}\n{body}",
            ]
        )
    )
    _check(wrapped, steps, result)


@SETTINGS
@given(answers(), st.integers(-(10**12), 10**12))
def test_numeric_results_become_strings(answer: tuple[list[str], str], number: int) -> None:
    steps, _ = answer
    _check(json.dumps({"steps": steps, "result": number}), steps, str(number))
