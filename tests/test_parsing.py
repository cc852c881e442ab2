"""Tests for the step parser: the corpus, each building block, errors and speed."""

from __future__ import annotations

import json
import time

import pytest
from pydantic import ValidationError

from helpers.parsing.errors import ReasoningParseError
from helpers.parsing.parse import parse_reasoning
from helpers.parsing.repair import (
    JsonObject,
    load_json,
    protect_latex_backslashes,
    repair_json,
)
from helpers.parsing.scan import find_json_objects, scan_object
from helpers.parsing.shape import (
    ReasoningAnswer,
    natural_step_order,
    read_step,
    step_key_number,
)
from helpers.parsing.text import cut_at_special_token, strip_code_fence, strip_think_block
from helpers.reasoning import Reasoning
from tests.data.parsing_corpus import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_corpus(case: Case) -> None:
    if case.error:
        with pytest.raises(ReasoningParseError) as caught:
            parse_reasoning(case.text)
        assert caught.value.reason == case.error, str(caught.value)
        assert "\n" not in str(caught.value)
        return
    parsed = parse_reasoning(case.text)
    assert parsed.steps == case.steps
    assert parsed.result == case.result
    assert len(parsed.titles) == len(parsed.steps)
    if case.titles is not None:
        assert parsed.titles == case.titles
    for name in case.repairs:
        assert name in parsed.repairs, parsed.repairs
    assert parsed.raw == case.text


def test_corpus_is_big_and_ids_are_unique() -> None:
    assert len(CASES) >= 80
    assert len({case.id for case in CASES}) == len(CASES)
    assert sum(1 for case in CASES if case.error) >= 15


# ---- the Reasoning that comes back -------------------------------------------------------


def test_clean_answer_has_no_repairs_or_warnings() -> None:
    parsed = parse_reasoning('{"steps": ["a", "b"], "result": "c"}')
    assert isinstance(parsed, Reasoning)
    assert parsed.repairs == []
    assert parsed.warnings == []
    assert parsed.titles == [None, None]


def test_repaired_answer_gets_one_learner_sentence() -> None:
    parsed = parse_reasoning('```json\n{"step1": "a", "result": "b",}\n```')
    assert parsed.repairs == ["removed code fence", "removed trailing comma"]
    assert len(parsed.warnings) == 1
    assert "removed trailing comma" in parsed.warnings[0]
    assert parsed.warnings[0].endswith(".")


def test_html_view_escapes_model_markup() -> None:
    parsed = parse_reasoning('{"step1": "<img src=x onerror=alert(1)>", "result": "<b>4</b>"}')
    assert parsed.steps == ["<img src=x onerror=alert(1)>"]
    html = parsed.to_html()
    assert "<img" not in html and "&lt;img" in html


# ---- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason", "words"),
    [
        ("", "empty", "empty"),
        ("no braces here", "no_json", "No JSON"),
        ('{"result": "1"}', "no_steps", "no reasoning steps"),
        ('{"step1": "x"}', "no_result", "no final result"),
        ('{"step1": "x", "result": "unfinish', "truncated", "cut off"),
        ("I'm sorry, I can't help\nwith that.", "refusal", "refused"),
    ],
)
def test_error_reason_and_one_line_message(text: str, reason: str, words: str) -> None:
    with pytest.raises(ReasoningParseError) as caught:
        parse_reasoning(text)
    assert caught.value.reason == reason
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_refusal_message_quotes_the_model() -> None:
    with pytest.raises(ReasoningParseError) as caught:
        parse_reasoning('{"refusal": "I cannot\\nassist with weapons."}')
    assert "I cannot assist with weapons." in str(caught.value)


def test_truncated_answer_is_never_shortened() -> None:
    # json_repair alone would happily "finish" this into a one-step answer.
    text = '{"result": "4", "step1": "2 + 2 is four", "step2": "The ans'
    assert load_json(text).value["step2"] == "The ans"
    with pytest.raises(ReasoningParseError) as caught:
        parse_reasoning(text)
    assert caught.value.reason == "truncated"


def test_a_byte_order_mark_inside_the_text_is_kept() -> None:
    # Found by Hypothesis (test_g1_objects_keep_titles): a U+FEFF written raw inside a
    # string is a character of the model's text, not a byte order mark; removing it
    # everywhere shortened titles and steps, and a step that held only it vanished.
    objects = [
        {"title": "x\ufeffy", "content": "a\ufeff", "next_action": "continue"},
        {"title": "\ufeff", "content": "\ufeff", "next_action": "final_answer"},
    ]
    text = json.dumps({"steps": objects, "final_answer": "4\ufeff2"}, ensure_ascii=False)
    parsed = parse_reasoning(text)
    assert parsed.titles == ["x\ufeffy", "\ufeff"]
    assert parsed.steps == ["a\ufeff", "\ufeff"]
    assert parsed.result == "4\ufeff2"
    assert parsed.repairs == []
    # ...while one at the very start is a byte order mark, and is removed (and said)
    parsed = parse_reasoning("\ufeff" + text)
    assert parsed.titles == ["x\ufeffy", "\ufeff"]
    assert parsed.repairs == ["removed byte order mark"]


# ---- building blocks -------------------------------------------------------------------


def test_strip_code_fence_variants() -> None:
    assert strip_code_fence('```json\n{"a": 1}\n```') == '{"a": 1}'
    assert strip_code_fence('~~~\n{"a": 1}\n~~~\nafter') == '{"a": 1}'
    assert strip_code_fence('text\n```\n{"a": 1}') == '{"a": 1}'
    assert strip_code_fence('{"a": 1}') == '{"a": 1}'


def test_strip_think_block() -> None:
    assert strip_think_block("<think>{x}</think>\n{}") == ("\n{}", True)
    assert strip_think_block("drafting {a}</think>{}") == ("{}", True)
    assert strip_think_block("{}") == ("{}", False)
    with pytest.raises(ValueError):
        strip_think_block("<think> still going")


def test_cut_at_special_token() -> None:
    assert cut_at_special_token("<|im_start|>assistant\n{}<|im_end|>junk") == ("{}", "<|im_end|>")
    assert cut_at_special_token("{}") == ("{}", None)


def test_find_json_objects_skips_prose_and_nested() -> None:
    text = 'sets {1,2} then {"a": {"b": 1}} and {"c": 2} and {broken'
    assert list(find_json_objects(text)) == [{"a": {"b": 1}}, {"c": 2}]


def test_scan_object_judges_unfinished_objects() -> None:
    assert scan_object('{"a": "b"} tail', 0).complete
    closable = scan_object('{"a": {"b": 1}, "c": "d"', 0)
    assert (closable.truncated, closable.closed_braces) == (False, 1)
    assert closable.text.endswith('"d"}')
    assert scan_object('{"a": "b', 0).truncated
    assert scan_object('{"a": ["b"', 0).truncated
    assert scan_object('{"a": "b", "c"', 0).truncated
    assert scan_object('{"a": "b", "c": tr', 0).truncated


def test_natural_step_order() -> None:
    keys = ["step10", "result", "Step 2", "step_1", "STEP-9", "step\\_3", "steps"]
    assert natural_step_order(keys) == ["step_1", "Step 2", "step\\_3", "STEP-9", "step10"]


def test_step_key_number() -> None:
    assert step_key_number("Step 3: Check") == (3, "Check")
    assert step_key_number("step#4") == (4, None)
    assert step_key_number("steps") is None
    assert step_key_number("stepfather1") is None


def test_read_step_shapes() -> None:
    assert read_step({"title": "T", "content": "C"}) == ("C", "T")
    assert read_step({"explanation": "E", "output": "O"}) == ("E\nO", None)
    assert read_step({"step": "Plan", "details": "D"}) == ("D", "Plan")
    assert read_step(7) == ("7", None)
    assert read_step(["a", "b"]) == ("a\nb", None)


def test_load_json_keeps_duplicate_keys() -> None:
    loaded = load_json('{"step": "a", "step": "b"}')
    assert isinstance(loaded.value, JsonObject)
    assert loaded.value.pairs == [("step", "a"), ("step", "b")]
    assert loaded.value["step"] == "b"  # still behaves like json.loads's dict
    assert loaded.repairs == []


def test_load_json_ladder_records_rungs() -> None:
    assert load_json('{"a": "x\ny"}').repairs == ["escaped raw newline in a string"]
    assert load_json('{"a": 1 /* c */}').repairs == ["removed comments"]
    assert load_json("{'a': 'b'}").used_library
    assert not load_json('{"a": "b"}').used_library
    with pytest.raises(ValueError):
        load_json("")


def test_repair_json_names_what_it_fixed() -> None:
    loaded = repair_json('{"a": "say "hi" now"}')
    assert loaded.value == {"a": 'say "hi" now'}
    assert loaded.repairs == ["escaped inner double quotes"]


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        (r'"\frac{1}{2}"', r"\frac{1}{2}"),
        (r'"\beta \times \theta"', r"\beta \times \theta"),
        (r'"\sqrt{x} \( y \) \[ z \]"', r"\sqrt{x} \( y \) \[ z \]"),
        (r'"\neq \nabla \right) \rho \tan"', r"\neq \nabla \right) \rho \tan"),
        (r'"a \nu b, $\ne$, x \to y"', r"a \nu b, $\ne$, x \to y"),
        (r'"\nThe next line"', "\nThe next line"),
        (r'"end.\nu is a word"', "end.\nu is a word"),
        (r'"x = 5\ne = 2"', "x = 5\ne = 2"),
        (r'"\tif x:\n\treturn 1\r\n"', "\tif x:\n\treturn 1\r\n"),
        (r'"caf\u00e9 \\frac \"q\" a\/b"', 'café \\frac "q" a/b'),
        (r'"\underline{x} \b regex"', r"\underline{x} \b regex"),
        (r'"step\_1"', r"step\_1"),
    ],
)
def test_backslash_rule(written: str, meant: str) -> None:
    assert json.loads(protect_latex_backslashes(written)) == meant


def test_reasoning_answer_model() -> None:
    answer = ReasoningAnswer.model_validate({"steps": ["x", 2], "result": 72})
    assert (answer.steps, answer.result) == (["x", "2"], "72")
    with pytest.raises(ValidationError):
        ReasoningAnswer(steps=[], result="1")
    with pytest.raises(ValidationError):
        ReasoningAnswer(steps=["a"], result="  ")
    assert "steps" in ReasoningAnswer.model_json_schema()["properties"]


# ---- a step or result whose own text looks like JSON ----------------------------------

JSON_LOOKING = [
    '{"0}',  # found by Hypothesis: was "cut off"
    '{"}',  # found by Hypothesis: was "No JSON object was found"
    json.dumps({"steps": ["x"], "result": "y"}),  # was read as the answer: steps x, result y
]


@pytest.mark.parametrize("text", JSON_LOOKING)
@pytest.mark.parametrize("where", ["result", "step"])
def test_a_value_that_looks_like_json_is_only_text(text: str, where: str) -> None:
    body = {"step1": text, "result": "7"} if where == "step" else {"step1": "0", "result": text}
    parsed = parse_reasoning(json.dumps(body))
    assert parsed.steps == [body["step1"]] and parsed.result == body["result"]
    assert parsed.repairs == []


def test_an_answer_written_as_a_string_after_some_words_is_still_decoded() -> None:
    encoded = json.dumps(json.dumps({"steps": ["x"], "result": "y"}))
    parsed = parse_reasoning("Here it is: " + encoded)
    assert (parsed.steps, parsed.result) == (["x"], "y")
    assert "decoded JSON written inside a string" in parsed.repairs
    with pytest.raises(ReasoningParseError, match="cut off"):
        parse_reasoning("Here it is: " + encoded[:-8])


# ---- speed -----------------------------------------------------------------------------


def _two_kilobyte_answer() -> str:
    steps = {
        f"step{n}": f"Step {n}: we multiply {n} by 12 and get {12 * n}. " * 4 for n in range(1, 13)
    }
    text = json.dumps({**steps, "result": "done"}, indent=2)
    assert 1800 < len(text) < 4000
    return text


def test_clean_two_kilobyte_answer_parses_fast() -> None:
    text = _two_kilobyte_answer()
    parse_reasoning(text)
    best = min(_time_one(text) for _ in range(20))
    assert best < 0.005, f"{best * 1000:.2f} ms"


def _time_one(text: str) -> float:
    start = time.perf_counter()
    parse_reasoning(text)
    return time.perf_counter() - start
