r"""Hand-written model outputs, well-formed and broken, with what the parser must make of them.

Each case is shaped like something gpt-4o-mini, Llama, Qwen or DeepSeek-R1 really
writes. A case either expects `steps`/`result` (and `titles` when given; `repairs`
lists names that must appear) or an `error` reason code.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    """One corpus entry."""

    id: str
    text: str
    steps: list[str] | None = None
    result: str | None = None
    titles: list[str | None] | None = None
    error: str | None = None
    repairs: list[str] = field(default_factory=list)


CLEAN_LIST = """{
  "steps": [
    "The word is strawberry: s-t-r-a-w-b-e-r-r-y.",
    "The letter r appears at positions 3, 8 and 9.",
    "That is 3 occurrences."
  ],
  "result": "3"
}"""

G1_STEPS = """{
  "steps": [
    {"title": "Understand the question",
     "content": "We need the number of r's in strawberry.", "next_action": "continue"},
    {"title": "Count", "content": "s-t-r-a-w-b-e-r-r-y has r at 3, 8, 9.",
     "next_action": "final_answer"}
  ],
  "result": "3"
}"""

TWELVE = (
    "{"
    + ", ".join(f'"step{n}": "s{n}"' for n in (3, 1, 12, 2, 10, 4, 5, 6, 7, 8, 9, 11))
    + ', "result": "done"}'
)

CASES: list[Case] = [
    # ---- reading: where steps come from ------------------------------------------------
    Case(
        "steps-list-clean",
        CLEAN_LIST,
        steps=[
            "The word is strawberry: s-t-r-a-w-b-e-r-r-y.",
            "The letter r appears at positions 3, 8 and 9.",
            "That is 3 occurrences.",
        ],
        result="3",
        titles=[None, None, None],
    ),
    Case(
        "numbered-step1",
        '{"step1": "12 * 3 = 36", "step2": "36 + 6 = 42", "result": "42"}',
        steps=["12 * 3 = 36", "36 + 6 = 42"],
        result="42",
    ),
    Case(
        "numbered-Step-space",
        '{"Step 1": "Read", "Step 2": "Think", "Result": "ok"}',
        steps=["Read", "Think"],
        result="ok",
    ),
    Case(
        "numbered-step_underscore",
        '{"step_2": "b", "step_1": "a", "final_answer": "c"}',
        steps=["a", "b"],
        result="c",
    ),
    Case(
        "numbered-STEP-caps",
        '{"STEP1": "a", "STEP2": "b", "FINAL_ANSWER": "c"}',
        steps=["a", "b"],
        result="c",
    ),
    Case(
        "numbered-step-dash",
        '{"step-1": "a", "step-2": "b", "final-answer": "c"}',
        steps=["a", "b"],
        result="c",
    ),
    Case(
        "numbered-markdown-escaped",
        r'{"step\_1": "a", "step\_2": "b", "final\_answer": "c"}',
        steps=["a", "b"],
        result="c",
    ),
    Case("numbered-ten-after-nine", TWELVE, steps=[f"s{n}" for n in range(1, 13)], result="done"),
    Case(
        "numbered-title-in-key",
        '{"Step 1: Understand": "We need x.", "Step 2 - Solve": "x = 4", "Final Answer": "4"}',
        steps=["We need x.", "x = 4"],
        result="4",
        titles=["Understand", "Solve"],
    ),
    Case(
        "bare-step-repeated",
        '{"step": "First, 2 + 2 = 4.", "step": "Then 4 * 3 = 12.", '
        '"step": "So 12.", "result": "12"}',
        steps=["First, 2 + 2 = 4.", "Then 4 * 3 = 12.", "So 12."],
        result="12",
    ),
    Case(
        "bare-step-repeated-needs-library",
        "{'step': 'one', 'step': 'two', 'result': 'three'}",
        steps=["one", "two"],
        result="three",
    ),
    Case(
        "g1-objects-in-list",
        G1_STEPS,
        steps=["We need the number of r's in strawberry.", "s-t-r-a-w-b-e-r-r-y has r at 3, 8, 9."],
        result="3",
        titles=["Understand the question", "Count"],
    ),
    Case(
        "g1-objects-numbered-keys",
        '{"step1": {"title": "Setup", "content": "Let x be the price."}, '
        '"step2": {"title": "Solve", "content": "x = 0.05"}, "result": "$0.05"}',
        steps=["Let x be the price.", "x = 0.05"],
        result="$0.05",
        titles=["Setup", "Solve"],
    ),
    Case(
        "cookbook-explanation-output",
        '{"steps": [{"explanation": "Subtract 7 from both sides.", "output": "8x = -30"}, '
        '{"explanation": "Divide by 8.", "output": "x = -3.75"}], "final_answer": "x = -3.75"}',
        steps=["Subtract 7 from both sides.\n8x = -30", "Divide by 8.\nx = -3.75"],
        result="x = -3.75",
    ),
    Case(
        "step-objects-text-key",
        '{"steps": [{"step": 1, "text": "a"}, {"step": 2, "text": "b"}], "answer": "c"}',
        steps=["a", "b"],
        result="c",
    ),
    Case(
        "step-objects-description-and-reasoning",
        '{"steps": [{"description": "a"}, {"reasoning": "b"}, {"thought": "c"}], "result": "d"}',
        steps=["a", "b", "c"],
        result="d",
    ),
    Case(
        "step-objects-out-of-order",
        '{"steps": [{"step": 3, "content": "c"}, {"step": 1, "content": "a"}, '
        '{"step": 2, "content": "b"}], "result": "abc"}',
        steps=["a", "b", "c"],
        result="abc",
    ),
    Case(
        "steps-object-keyed-by-number",
        '{"steps": {"1": "one", "2": "two", "10": "ten"}, "result": "x"}',
        steps=["one", "two", "ten"],
        result="x",
    ),
    Case(
        "steps-object-keyed-by-step",
        '{"reasoning": {"step1": "a", "step2": "b"}, "answer": "c"}',
        steps=["a", "b"],
        result="c",
    ),
    Case(
        "empty-step-string-kept",
        '{"step1": "Add.", "step2": "", "step3": "Done.", "result": "5"}',
        steps=["Add.", "", "Done."],
        result="5",
    ),
    # ---- reading: the result ------------------------------------------------------------
    Case(
        "result-Final-Answer-spaced", '{"step1": "a", "Final Answer": "b"}', steps=["a"], result="b"
    ),
    Case(
        "result-before-steps",
        '{"result": "9", "step1": "3 * 3", "step2": "= 9"}',
        steps=["3 * 3", "= 9"],
        result="9",
    ),
    Case(
        "result-between-steps",
        '{"step1": "a", "answer": "z", "step2": "b"}',
        steps=["a", "b"],
        result="z",
    ),
    Case("result-number-int", '{"steps": ["6 * 12"], "result": 72}', steps=["6 * 12"], result="72"),
    Case(
        "result-number-float", '{"steps": ["7 / 2"], "result": 3.5}', steps=["7 / 2"], result="3.5"
    ),
    Case(
        "result-boolean",
        '{"steps": ["2 is even"], "result": true}',
        steps=["2 is even"],
        result="true",
    ),
    Case(
        "numeric-step-values",
        '{"step1": 4, "step2": 4.5, "result": "8.5"}',
        steps=["4", "4.5"],
        result="8.5",
    ),
    Case(
        "result-object-dumped",
        '{"steps": ["measure"], "result": {"value": 4, "unit": "m"}}',
        steps=["measure"],
        result='{"value": 4, "unit": "m"}',
    ),
    Case(
        "result-list-joined",
        '{"steps": ["roots of x^2-5x+6"], "result": [2, 3]}',
        steps=["roots of x^2-5x+6"],
        result="2, 3",
    ),
    Case(
        "extra-keys-ignored",
        '{"step1": "a", "confidence": 0.9, "next_action": "final_answer", '
        '"result": "b", "notes": null}',
        steps=["a"],
        result="b",
    ),
    # ---- content kept verbatim ----------------------------------------------------------
    Case(
        "verbatim-html-and-entities",
        '{"step1": "Use <b>bold</b> &amp; <script>alert(1)</script>", "result": "&lt;ok&gt;"}',
        steps=["Use <b>bold</b> &amp; <script>alert(1)</script>"],
        result="&lt;ok&gt;",
    ),
    Case(
        "verbatim-emoji-chinese-curly",
        '{"step1": "草莓 has 3 r 🍓", "step2": "He said “three”", "result": "三"}',
        steps=["草莓 has 3 r 🍓", "He said “three”"],
        result="三",
    ),
    Case(
        "json-escapes-decoded",
        r'{"step1": "line one\nline two", "step2": "say \"hi\"", "result": "caf\u00e9"}',
        steps=["line one\nline two", 'say "hi"'],
        result="café",
    ),
    Case(
        "latex-frac-sqrt-times",
        r'{"step1": "\frac{1}{2} \times \sqrt{16}", "step2": "= 2", "result": "\(2\)"}',
        steps=[r"\frac{1}{2} \times \sqrt{16}", "= 2"],
        result=r"\(2\)",
        repairs=["kept LaTeX backslashes"],
    ),
    Case(
        "latex-greek-and-relations",
        r'{"step1": "Let \theta = 30^\circ and \beta \neq 0", '
        r'"step2": "f = c / \lambda, so \nu = f", "result": "\left( x \right)"}',
        steps=[r"Let \theta = 30^\circ and \beta \neq 0", r"f = c / \lambda, so \nu = f"],
        result=r"\left( x \right)",
    ),
    Case(
        "latex-nabla-newline-mix",
        r'{"step1": "Compute \nabla f.\nThe next line explains it.\n\tindented", "result": "0"}',
        steps=["Compute \\nabla f.\nThe next line explains it.\n\tindented"],
        result="0",
    ),
    Case(
        "latex-properly-escaped",
        r'{"step1": "\\frac{a}{b}", "result": "\\sqrt{2}"}',
        steps=[r"\frac{a}{b}"],
        result=r"\sqrt{2}",
    ),
    Case(
        "newline-before-lowercase-words",
        r'{"step1": "First.\nnext we add.\nthen\nuse it", "result": "x\nu"}',
        steps=["First.\nnext we add.\nthen\nuse it"],
        result="x\nu",
    ),
    # ---- finding it ---------------------------------------------------------------------
    Case(
        "fence-json",
        '```json\n{"step1": "a", "result": "b"}\n```',
        steps=["a"],
        result="b",
        repairs=["removed code fence"],
    ),
    Case(
        "fence-JSON-upper", '```JSON\n{"step1": "a", "result": "b"}\n```', steps=["a"], result="b"
    ),
    Case(
        "fence-javascript",
        '```javascript\n{"step1": "a", "result": "b"}\n```',
        steps=["a"],
        result="b",
    ),
    Case("fence-tilde", '~~~\n{"step1": "a", "result": "b"}\n~~~', steps=["a"], result="b"),
    Case("fence-no-tag-unclosed", '```\n{"step1": "a", "result": "b"}', steps=["a"], result="b"),
    Case(
        "fence-missing-brace-inside",
        '```json\n{"step1": "a", "result": "b"\n```',
        steps=["a"],
        result="b",
        repairs=["closed missing brace"],
    ),
    Case(
        "prose-before-and-after",
        'Here is the JSON:\n{"step1": "a", "result": "b"}\nLet me know if you need more help!',
        steps=["a"],
        result="b",
        repairs=["ignored text around the JSON"],
    ),
    Case(
        "prose-with-braces",
        "For the set {1, 2} and {3}, the union is found like this: "
        '{"step1": "Union of {1,2} and {3}", "result": "{1, 2, 3}"} (sets use {braces}).',
        steps=["Union of {1,2} and {3}"],
        result="{1, 2, 3}",
    ),
    Case(
        "think-block-with-json-drafts",
        '<think>\nMaybe {"step1": "wrong", "result": "2"}? '
        "No, let me recount {r, r, r}.\n</think>\n"
        '{"step1": "Count r: 3", "result": "3"}',
        steps=["Count r: 3"],
        result="3",
        repairs=["removed <think> block"],
    ),
    Case(
        "think-close-tag-only-r1",
        'Okay, the user wants {x}. Let me draft {"result": "?"\n</think>\n\n'
        '```json\n{"steps": ["x = 2"], "result": "2"}\n```',
        steps=["x = 2"],
        result="2",
    ),
    Case(
        "special-token-im_end",
        '{"step1": "a", "result": "b"}<|im_end|>\n<|im_start|>user\n{"step1": "x", "result": "y"}',
        steps=["a"],
        result="b",
    ),
    Case(
        "special-token-eot_id", '{"step1": "a", "result": "b"}<|eot_id|>', steps=["a"], result="b"
    ),
    Case("special-token-end", '{"step1": "a", "result": "b"}<|end|>', steps=["a"], result="b"),
    Case("special-token-s", '{"step1": "a", "result": "b"}</s>', steps=["a"], result="b"),
    Case(
        "special-token-endoftext",
        '{"step1": "a", "result": "b"}\n<|endoftext|>garbage {',
        steps=["a"],
        result="b",
    ),
    Case(
        "echoed-question-then-answer",
        'Input: {"question": "What is 2+2?", "format": "json"}\nOutput: '
        '{"step1": "2 + 2 = 4", "result": "4"}',
        steps=["2 + 2 = 4"],
        result="4",
    ),
    Case(
        "code-block-with-braces-then-json",
        'In Python you would write:\n```python\ndef f(x):\n    return {"x": x}\n```\n'
        'My answer:\n```json\n{"step1": "call f(2)", "result": "{\\"x\\": 2}"}\n```',
        steps=["call f(2)"],
        result='{"x": 2}',
    ),
    Case(
        "draft-then-corrected-last-wins",
        '{"step1": "2 * 3 = 5", "result": "5"}\nWait, that is wrong. Corrected:\n'
        '{"step1": "2 * 3 = 6", "result": "6"}',
        steps=["2 * 3 = 6"],
        result="6",
        repairs=["used the last of 2 complete answers"],
    ),
    Case(
        "wrapped-under-response",
        '{"response": {"steps": ["a", "b"], "final_answer": "c"}}',
        steps=["a", "b"],
        result="c",
    ),
    Case(
        "wrapped-under-answer-key",
        '{"answer": {"step1": "a", "step2": "b", "answer": "c"}}',
        steps=["a", "b"],
        result="c",
    ),
    Case(
        "double-encoded-string",
        '"{\\"step1\\": \\"2 + 2\\", \\"step2\\": \\"= 4\\", \\"result\\": \\"4\\"}"',
        steps=["2 + 2", "= 4"],
        result="4",
        repairs=["decoded JSON written inside a string"],
    ),
    Case(
        "double-encoded-inside-wrapper",
        '{"output": "{\\"steps\\": [\\"a\\"], \\"result\\": \\"b\\"}"}',
        steps=["a"],
        result="b",
    ),
    Case("array-around-answer", '[{"step1": "a", "result": "b"}]', steps=["a"], result="b"),
    Case(
        "bom-and-crlf",
        '\ufeff{\r\n  "step1": "a",\r\n  "result": "b"\r\n}\r\n',
        steps=["a"],
        result="b",
    ),
    # ---- repairing it -------------------------------------------------------------------
    Case(
        "raw-newline-in-string",
        '{"step1": "line one\nline two", "result": "ok"}',
        steps=["line one\nline two"],
        result="ok",
        repairs=["escaped raw newline in a string"],
    ),
    Case(
        "raw-tab-in-string",
        '{"step1": "col1\tcol2", "result": "ok"}',
        steps=["col1\tcol2"],
        result="ok",
        repairs=["escaped raw tab in a string"],
    ),
    Case(
        "crlf-raw-newline-in-string",
        '{"step1": "one\r\ntwo", "result": "ok"}',
        steps=["one\ntwo"],
        result="ok",
    ),
    Case(
        "trailing-commas",
        '{"steps": ["a", "b",], "result": "c",}',
        steps=["a", "b"],
        result="c",
        repairs=["removed trailing comma"],
    ),
    Case(
        "missing-commas",
        '{\n  "step1": "a"\n  "step2": "b"\n  "result": 7\n  "note": "x"\n}',
        steps=["a", "b"],
        result="7",
        repairs=["inserted missing comma"],
    ),
    Case(
        "single-quotes",
        "{'step1': 'It is 4', 'step2': \"don't panic\", 'result': '4'}",
        steps=["It is 4", "don't panic"],
        result="4",
    ),
    Case(
        "curly-quotes-as-json-quotes",
        "{“step1”: “Add 2 and 2”, “result”: “4”}",
        steps=["Add 2 and 2"],
        result="4",
    ),
    Case(
        "unquoted-keys",
        '{step1: "Add", step2: "Multiply", result: 42}',
        steps=["Add", "Multiply"],
        result="42",
        repairs=["quoted bare keys"],
    ),
    Case(
        "python-literals",
        '{"step1": "check", "verified": True, "extra": None, "result": False}',
        steps=["check"],
        result="false",
        repairs=["converted Python True/False/None"],
    ),
    Case(
        "comments-outside-strings",
        '{\n  // reasoning first\n  "step1": "see http://example.com", /* the url */\n'
        '  "result": "ok"\n}',
        steps=["see http://example.com"],
        result="ok",
        repairs=["removed comments"],
    ),
    Case(
        "unescaped-inner-quotes",
        '{"step1": "He said "hi" to me", "step2": "She said "ok", then left", "result": "2"}',
        steps=['He said "hi" to me', 'She said "ok", then left'],
        result="2",
    ),
    Case(
        "missing-final-brace",
        '{"step1": "a", "step2": "b", "result": "c"',
        steps=["a", "b"],
        result="c",
        repairs=["closed missing brace"],
    ),
    Case(  # a number at the very end may be the start of 4096: never read as 4 (issue 14)
        "missing-final-brace-after-list",
        '{"steps": ["a", "b"], "result": 4',
        error="truncated",
    ),
    Case(  # the newline shows the number ended: only the brace is missing
        "missing-final-brace-after-list-number-then-newline",
        '{"steps": ["a", "b"], "result": 4\n',
        steps=["a", "b"],
        result="4",
        repairs=["closed missing brace"],
    ),
    Case(
        "missing-brace-result-first-then-closed-list",
        '{"result": "c", "steps": ["a", "b"]',
        steps=["a", "b"],
        result="c",
    ),
    Case(
        "llama-fenced-raw-newlines-trailing-comma",
        "Sure! Here is my reasoning:\n\n```json\n"
        '{\n  "step1": "We have 3 apples.\n  We buy 2 more.",\n'
        '  "step2": "3 + 2 = 5",\n  "result": "5",\n}\n```',
        steps=["We have 3 apples.\n  We buy 2 more.", "3 + 2 = 5"],
        result="5",
    ),
    # ---- refusing it --------------------------------------------------------------------
    Case("empty", "", error="empty"),
    Case("whitespace", "  \n\t ", error="empty"),
    Case("prose-only", "The answer is 42 because 6 times 7 is 42.", error="no_json"),
    Case("step-lines-no-json", "step1: add 2 and 2\nstep2: that is 4\nresult: 4", error="no_json"),
    Case("refusal-prose", "I'm sorry, but I can't help with that request.", error="refusal"),
    Case("refusal-json", '{"refusal": "I cannot assist with that."}', error="refusal"),
    Case("no-steps", '{"result": "42"}', error="no_steps"),
    Case("no-steps-reasoning-is-prose", '{"reasoning": "6*7", "answer": "42"}', error="no_steps"),
    Case("no-result", '{"step1": "a", "step2": "b"}', error="no_result"),
    Case("empty-result", '{"steps": ["a"], "result": ""}', error="no_result"),
    Case("null-result", '{"steps": ["a"], "result": null}', error="no_result"),
    Case("all-steps-empty", '{"steps": ["", " "], "result": "x"}', error="no_steps"),
    Case(
        "truncated-in-string",
        '{"step1": "Count the letters", "step2": "There are th',
        error="truncated",
    ),
    Case(
        "truncated-after-earlier-result",
        '{"result": "4", "step1": "2 + 2", "step2": "The ans',
        error="truncated",
    ),
    Case("truncated-after-comma", '{"step1": "a", "step2": "b",', error="truncated"),
    Case("truncated-after-key", '{"step1": "a", "result"', error="truncated"),
    Case("truncated-in-steps-list", '{"result": "4", "steps": ["a", "b"', error="truncated"),
    Case(
        "truncated-g1-step-object",
        '{"steps": [{"title": "A", "content": "a"}, {"title": "B", "content": "b"}',
        error="truncated",
    ),
    Case(
        "truncated-result-first-step-complete",
        '{"result": "4", "step1": "2 + 2", "step2": "= 4"',
        error="truncated",
    ),
    Case("truncated-no-result-yet-brace-missing", '{"step1": "a", "step2": "b"', error="truncated"),
    Case("truncated-fenced", '```json\n{"step1": "a", "step2": "b is', error="truncated"),
    Case("truncated-still-thinking", '<think>\nLet me count. {"step1": "s"', error="truncated"),
    Case(
        "truncated-second-draft",
        '{"step1": "draft", "result": "1"}\nActually: {"step1": "better", "result": "2',
        error="truncated",
    ),
    Case("think-only", "<think>I will answer {42}.</think>\n", error="no_json"),
    # ---- more real-world shapes -----------------------------------------------------------
    Case(
        "escaped-apostrophe",
        r'{"step1": "don\'t stop", "result": "ok"}',
        steps=["don't stop"],
        result="ok",
    ),
    Case(  # a small model's single-quoted JSON with JavaScript-style \' inside a string
        "single-quoted-escaped-apostrophe",
        r"{'steps': ['It\'s odd, so 2 does not divide it.', 'Check: 13 x 17 = 221.'], "
        r"'result': 'No, 221 = 13 x 17'}",
        steps=["It's odd, so 2 does not divide it.", "Check: 13 x 17 = 221."],
        result="No, 221 = 13 x 17",
        repairs=["replaced single quotes with double quotes"],
    ),
    Case(
        "nbsp-between-tokens", '{\u00a0"step1": "a",\u00a0"result": "b"}', steps=["a"], result="b"
    ),
    Case(
        "qwen-full-width-punctuation",
        '{"step1"："苹果有3个"，"result"："3"}',
        steps=["苹果有3个"],
        result="3",
    ),
    Case(
        "prefilled-brace-missing",
        '"step1": "a",\n"step2": "b",\n"result": "c"\n}',
        steps=["a", "b"],
        result="c",
        repairs=["added missing opening brace"],
    ),
    Case(
        "digit-keys-at-top",
        '{"1": "a", "2": "b", "10": "j", "result": "c"}',
        steps=["a", "b", "j"],
        result="c",
    ),
    Case(
        "markdown-bold-keys",
        '{"**Step 1**": "a", "**Step 2**": "b", "**Final Answer**": "c"}',
        steps=["a", "b"],
        result="c",
    ),
    Case(
        "capitalised-step-object-keys",
        '{"Steps": [{"Title": "T", "Content": "C"}], "Result": "R"}',
        steps=["C"],
        result="R",
        titles=["T"],
    ),
    Case(
        "step-number-strings-out-of-order",
        '{"steps": [{"step_number": "2", "description": "b"}, '
        '{"step_number": "1", "description": "a"}], '
        '"result": "c"}',
        steps=["a", "b"],
        result="c",
    ),
    Case(
        "steps-as-one-string",
        '{"steps": "1. Add 2 and 3.\\n2. Get 5.", "result": "5"}',
        steps=["1. Add 2 and 3.", "2. Get 5."],
        result="5",
    ),
    Case(
        "thought-process-key",
        '{"thought_process": ["a", "b"], "conclusion": "x", "answer": "y"}',
        steps=["a", "b"],
        result="y",
    ),
    Case(
        "python-dict-repr",
        "{'steps': ['a', \"b's\"], 'result': 4, 'checked': True}",
        steps=["a", "b's"],
        result="4",
    ),
    Case(
        "escaped-json-without-outer-quotes",
        '{\\n  \\"step1\\": \\"a\\",\\n  \\"result\\": \\"b\\"\\n}',
        steps=["a"],
        result="b",
    ),
    Case(
        "double-encoded-after-prose",
        'Here is the output: "{\\"step1\\": \\"a\\", \\"result\\": \\"b\\"}"',
        steps=["a"],
        result="b",
    ),
    Case(
        "missing-brace-then-closing-remark",
        '{"step1": "a", "result": "b"\n\nHope this helps!',
        steps=["a"],
        result="b",
    ),
    Case(
        "unclosed-quote-inside-fence",
        '```json\n{"step1": "a, "result": "b"}\n```',
        steps=["a"],
        result="b",
    ),
    Case(
        "comment-containing-quotes",
        '{"step1": "a", // the "first" step\n "result": "b"}',
        steps=["a"],
        result="b",
        repairs=["removed comments"],
    ),
    Case(
        "think-tag-mentioned-in-step",
        '{"step1": "Models emit </think> tags", "result": "b"}',
        steps=["Models emit </think> tags"],
        result="b",
    ),
    Case(
        "chat-token-mentioned-in-step",
        '{"step1": "Qwen ends with <|im_end|> here", "result": "b"}<|im_end|>',
        steps=["Qwen ends with <|im_end|> here"],
        result="b",
    ),
    Case(
        "qwen-im-start-assistant",
        '<|im_start|>assistant\n{"step1": "a", "result": "b"}<|im_end|>',
        steps=["a"],
        result="b",
    ),
    Case(
        "deepseek-end-of-sentence",
        '{"step1": "a", "result": "b"}<\uff5cend\u2581of\u2581sentence\uff5c>',
        steps=["a"],
        result="b",
    ),
    Case(
        "wrapped-twice",
        '{"data": {"response": {"steps": ["a"], "answer": "b"}}}',
        steps=["a"],
        result="b",
    ),
    Case(
        "javascript-assignment",
        'const answer = {"step1": "a", "result": "b"};',
        steps=["a"],
        result="b",
    ),
    Case(
        "latex-quadratic-formula",
        r'{"step1": "\[ x = \frac{-b \pm \sqrt{b^2-4ac}}{2a} \]", "result": "\(x = 2\)"}',
        steps=[r"\[ x = \frac{-b \pm \sqrt{b^2-4ac}}{2a} \]"],
        result=r"\(x = 2\)",
    ),
    Case(
        "code-fence-inside-step",
        '{"step1": "Run:\\n```python\\nprint({1: 2})\\n```", "result": "{1: 2}"}',
        steps=["Run:\n```python\nprint({1: 2})\n```"],
        result="{1: 2}",
    ),
    Case(
        "thirty-steps",
        "{" + ", ".join(f'"step{i}": "s{i}"' for i in range(30, 0, -1)) + ', "result": "r"}',
        steps=[f"s{i}" for i in range(1, 31)],
        result="r",
    ),
    Case("refusal-starting-sorry", "Sorry, but that's not something I can do.", error="refusal"),
    Case(
        "refusal-inside-result",
        '{"result": "I\'m sorry, I can\'t help with that."}',
        error="refusal",
    ),
    Case(
        "steps-and-result-in-separate-objects",
        '{"steps": ["a"]}\n{"result": "b"}',
        error="no_result",
    ),
    Case("only-whitespace-after-think", "<think>Let me see {x}.</think>   \n", error="no_json"),
    Case("truncated-mid-literal", '{"step1": "a", "result": "b", "done": tr', error="truncated"),
    Case("truncated-after-result-colon", '{"step1": "a", "result": ', error="truncated"),
    Case(
        "truncated-last-step-line-then-nothing",
        '{\n  "step1": "a",\n  "step2": "b"\n',
        error="truncated",
    ),
    # ---- issue 14: a cut value is never an answer; only a missing final brace is closed ---
    Case(
        "cut-number-at-end",
        '{"steps": ["12 * 100 = 1200", "+ 34"], "result": 12',
        error="truncated",
    ),
    Case("cut-negative-sign", '{"step1": "5 - 9", "result": -', error="truncated"),
    Case("cut-decimal-point", '{"step1": "1 / 4", "result": 0.', error="truncated"),
    Case("cut-exponent", '{"step1": "big", "result": 6.02e', error="truncated"),
    Case("cut-number-nested", '{"answer": {"steps": ["a"], "result": 99', error="truncated"),
    Case("cut-string-result", '{"steps": ["a"], "result": "Paris is the cap', error="truncated"),
    Case("cut-literal-null", '{"steps": ["a"], "result": "b", "note": nu', error="truncated"),
    Case(
        "whole-literal-then-missing-brace",
        '{"steps": ["is 7 prime?"], "result": "yes", "checked": true',
        steps=["is 7 prime?"],
        result="yes",
        repairs=["closed missing brace"],
    ),
    Case(
        "number-then-space-missing-brace",
        '{"step1": "6 * 7", "result": 42 ',
        steps=["6 * 7"],
        result="42",
        repairs=["closed missing brace"],
    ),
    Case(
        "number-then-newline-and-fence",
        '```json\n{"step1": "6 * 7", "result": 42\n```',
        steps=["6 * 7"],
        result="42",
    ),
    # ---- issue 12: empty answers said plainly ---------------------------------------------
    Case("empty-object", "{}", error="no_json"),
    Case("empty-object-fenced", "```json\n{ }\n```", error="no_json"),
    Case("empty-step-list", '{"steps": [], "result": "12"}', error="no_steps"),
    Case("empty-step-list-nested", '{"solution": {"steps": []}, "answer": "4"}', error="no_steps"),
    # ---- issue 14: reasoning sections are never the answer --------------------------------
    Case(
        "thinking-tag-with-draft",
        '<thinking>\nFirst try: {"steps": ["7 * 8 = 54"], "result": "54"}. Wrong.\n</thinking>\n'
        '{"steps": ["7 * 8 = 56"], "result": "56"}',
        steps=["7 * 8 = 56"],
        result="56",
    ),
    Case(
        "reasoning-tag-with-draft-same-line",
        '<reasoning>{"step1": "guess", "result": "10"}</reasoning>'
        '{"step1": "count", "result": "11"}',
        steps=["count"],
        result="11",
    ),
    Case(
        "magistral-think-brackets",
        '[THINK]Let me write {"steps": ["draft"], "result": "3"} and check it.[/THINK]\n'
        '{"steps": ["2 + 2 = 4"], "result": "4"}',
        steps=["2 + 2 = 4"],
        result="4",
    ),
    Case(
        "magistral-think-unclosed",
        '[THINK]\nDraft: {"steps": ["x"], "result": "3"}',
        error="truncated",
    ),
    Case(
        "thinking-unclosed-with-complete-draft",
        '<thinking>\n{"steps": ["12 + 30 = 42"], "result": "42"}\nHmm, let me double-check',
        error="truncated",
    ),
    Case(  # the only complete JSON is inside the thinking: there is no answer
        "magistral-think-only-draft",
        '[THINK]Maybe {"steps": ["3 * 4 = 12"], "result": "12"}?[/THINK]',
        error="no_json",
    ),
    Case(
        "thinking-draft-then-prose-answer",
        '<thinking>\n{"steps": ["half of 9 is 4"], "result": "4"}\n</thinking>\nIt is 4.5.',
        error="no_json",
    ),
    Case(
        "kimi-think-only-draft",
        '◁think▷{"step1": "guess", "result": "7"}◁/think▷',
        error="no_json",
    ),
    Case(
        "cohere-thinking-then-cut-response",
        '<|START_THINKING|>{"steps": ["d"], "result": "5"}<|END_THINKING|>'
        '<|START_RESPONSE|>{"steps": ["e"], "result": "6',
        error="truncated",
    ),
    Case(
        "seed-think-draft-then-empty-object",
        '<seed:think>{"steps": ["x"], "result": "1"}</seed:think>\n{}',
        error="no_json",
    ),
    Case(
        "lone-closing-thinking-tag",
        'Draft {"step1": "wrong", "result": "0"}\n</thinking>\n{"step1": "right", "result": "1"}',
        steps=["right"],
        result="1",
    ),
    Case(
        "cohere-thinking-tokens",
        '<|START_THINKING|>{"steps": ["d"], "result": "5"}<|END_THINKING|>\n'
        '<|START_RESPONSE|>{"steps": ["e"], "result": "6"}<|END_RESPONSE|>',
        steps=["e"],
        result="6",
    ),
    Case(
        "open-thoughts-tokens",
        '<|begin_of_thought|>\n{"steps": ["d"], "result": "5"}\n<|end_of_thought|>\n\n'
        '<|begin_of_solution|>\n{"steps": ["s"], "result": "7"}\n<|end_of_solution|>',
        steps=["s"],
        result="7",
    ),
    Case(
        "harmony-analysis-then-final",
        '<|channel|>analysis<|message|>We need 15% of 80. Draft: {"steps": ["0.15*80=11"], '
        '"result": "11"}. Recheck: 12.<|end|><|start|>assistant<|channel|>final<|message|>'
        '{"steps": ["0.15 * 80 = 12"], "result": "12"}<|return|>',
        steps=["0.15 * 80 = 12"],
        result="12",
    ),
    Case(
        "harmony-commentary-tool-call-then-final",
        "<|start|>assistant<|channel|>commentary to=functions.calculator <|constrain|>json"
        '<|message|>{"steps": ["call"], "result": "pending"}<|call|>'
        '<|start|>assistant<|channel|>final<|message|>{"steps": ["used the tool"], "result": "9"}',
        steps=["used the tool"],
        result="9",
    ),
    Case(
        "harmony-final-with-constrain",
        "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final "
        '<|constrain|>json<|message|>{"step1": "a", "result": "b"}',
        steps=["a"],
        result="b",
    ),
    Case(
        "harmony-analysis-only-complete-draft",
        '<|channel|>analysis<|message|>{"steps": ["a draft"], "result": "3"}<|end|>',
        error="no_json",
    ),
    Case(
        "harmony-analysis-cut",
        '<|channel|>analysis<|message|>Let me see: {"steps": ["a draft"], "result": "3"}',
        error="truncated",
    ),
    Case(
        "harmony-tokens-stripped",
        'analysisThe user wants 6*7. Draft {"steps": ["6*7=43"], "result": "43"} no.'
        'assistantfinal{"steps": ["6 * 7 = 42"], "result": "42"}',
        steps=["6 * 7 = 42"],
        result="42",
    ),
    Case(
        "harmony-tokens-stripped-no-final",
        'analysisThe user wants 6*7. Draft {"steps": ["6*7=42"], "result": "42"}',
        error="truncated",
    ),
    Case(
        "think-tag-mentioned-inside-a-step",
        '{"steps": ["Models wrap drafts in [THINK] or <reasoning> tags"], "result": "ok"}',
        steps=["Models wrap drafts in [THINK] or <reasoning> tags"],
        result="ok",
    ),
    # ---- issue 14: steps one level down ------------------------------------------------------
    Case(
        "steps-under-reasoning-result-beside",
        '{"reasoning": {"steps": ["10 / 4 = 2.5", "round up: 3"]}, "result": "3"}',
        steps=["10 / 4 = 2.5", "round up: 3"],
        result="3",
    ),
    Case(
        "steps-under-thoughts-result-inside",
        '{"thoughts": {"step1": "a cat has 4 legs", "step2": "3 cats: 12", "answer": "12"}}',
        steps=["a cat has 4 legs", "3 cats: 12"],
        result="12",
    ),
    Case(
        "steps-under-chain-of-thought-list",
        '{"chain_of_thought": {"steps": [{"step": 1, "explanation": "x"}, '
        '{"step": 2, "explanation": "y"}]}, "final_answer": "z"}',
        steps=["x", "y"],
        result="z",
    ),
    Case(
        "steps-under-analysis-list",
        '{"analysis": ["17 is odd", "17 has no divisor up to 4"], "answer": "prime"}',
        steps=["17 is odd", "17 has no divisor up to 4"],
        result="prime",
    ),
    Case(
        "steps-under-solution-result-inside",
        '{"solution": {"steps": ["a", "b"], "final_answer": "c"}}',
        steps=["a", "b"],
        result="c",
    ),
    Case(
        "steps-under-solution-as-list-with-conclusion",
        '{"solution": ["first", "second"], "conclusion": "done"}',
        steps=["first", "second"],
        result="done",
    ),
    Case(
        "numbered-steps-object-stays-steps",
        '{"steps": {"1": "one", "2": "two"}, "result": "three"}',
        steps=["one", "two"],
        result="three",
    ),
]
