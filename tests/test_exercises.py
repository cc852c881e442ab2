"""Every exercise: its %load target exists, its solution passes, the unsolved cell fails politely.

Exercises are found by reading the notebooks: an answer cell holds
`# %load solutions/<file>.py`, and the next code cell calls a checker. Each runs after
its notebook's first code cell (the setup: `import helpers`, `MODEL`, `client`), as in
the notebook. Below, the wrong answers the checkers once let through, one test each.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import helpers
from helpers.exercises import HINTS, Verdict, hint, load_checkers
from helpers.exercises import NOTEBOOKS as NOTEBOOK_IDS

for _notebook in NOTEBOOK_IDS:  # checkers load on first use; the hint tests want them all
    load_checkers(_notebook)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LOAD = re.compile(r"^# %load (solutions/\S+\.py)\s*$", re.M)
CHECK = re.compile(r"helpers\.exercises\.(check_\d\d_\d+)\(")


SETUP: dict[str, str] = {}  # notebook -> its first code cell


def exercises() -> list[tuple[str, str, str, str]]:
    """(notebook, solution path, answer cell source, check cell source) for every exercise."""
    found = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        SETUP[path.name] = cells[0].source
        for index, cell in enumerate(cells):
            match = LOAD.search(cell.source)
            if match:
                check = cells[index + 1].source
                assert CHECK.search(check), f"{path.name}: no checker after {match.group(1)}"
                found.append((path.name, match.group(1), cell.source, check))
    return found


EXERCISES = exercises()
IDS = [f"{notebook}:{solution}" for notebook, solution, _, _ in EXERCISES]


def run_cells(*sources: str) -> object:
    """Run cell sources in a fresh namespace (as a notebook would) and return the last value."""
    namespace: dict = {"helpers": helpers}
    *body, last = sources
    previous = os.getcwd()
    os.chdir(NOTEBOOKS)  # a notebook's kernel runs in its folder
    try:
        for source in body:
            exec(compile(source, "<cell>", "exec"), namespace)
        return eval(compile(last.strip(), "<check>", "eval"), namespace)
    finally:
        os.chdir(previous)


def test_every_notebook_has_at_least_two_exercises():
    per_notebook: dict[str, int] = {}
    for notebook, *_ in EXERCISES:
        per_notebook[notebook] = per_notebook.get(notebook, 0) + 1
    notebooks = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert notebooks, "no notebooks found"
    for notebook in notebooks:
        assert per_notebook.get(notebook, 0) >= 2, f"{notebook} needs at least 2 exercises"


@pytest.mark.parametrize(("notebook", "solution", "answer", "check"), EXERCISES, ids=IDS)
def test_load_target_exists(notebook, solution, answer, check):
    assert (NOTEBOOKS / solution).is_file(), f"{notebook} loads {solution}, which is missing"


@pytest.mark.parametrize(("notebook", "solution", "answer", "check"), EXERCISES, ids=IDS)
def test_solution_passes_its_checker(notebook, solution, answer, check):
    verdict = run_cells(SETUP[notebook], (NOTEBOOKS / solution).read_text(), check)
    assert isinstance(verdict, Verdict)
    assert verdict.passed, repr(verdict)


@pytest.mark.parametrize(("notebook", "solution", "answer", "check"), EXERCISES, ids=IDS)
def test_unsolved_exercise_fails_politely(notebook, solution, answer, check):
    # the cell as committed, %load still commented out
    verdict = run_cells(SETUP[notebook], answer, check)
    assert isinstance(verdict, Verdict)
    assert not verdict.passed
    assert "not yet" in repr(verdict) and "looked for" in repr(verdict)


def test_a_checker_never_raises_on_broken_code():
    def broken(*args):
        raise ZeroDivisionError("oops")

    verdict = helpers.exercises.check_01_3(broken)
    assert not verdict.passed and "ZeroDivisionError" in verdict.problem


def test_a_wrong_answer_says_what_is_wrong():
    verdict = helpers.exercises.check_01_3(lambda p, c, i, o: p * i + c * o)
    assert not verdict.passed and "should be" in verdict.problem


@pytest.mark.parametrize("exercise", sorted(HINTS))
def test_every_hint_first_says_what_the_checker_looks_for(exercise, capsys):
    hint(exercise)
    printed = capsys.readouterr().out
    assert printed.startswith(f"Exercise {exercise}: the checker looks for ")
    assert "\nHint: " in printed


def test_every_checker_in_the_notebooks_has_a_hint():
    used = {CHECK.search(check).group(1) for *_, check in EXERCISES}
    ids = {name.removeprefix("check_").replace("_", ".") for name in used}
    assert ids <= set(HINTS)


def test_checkers_load_one_notebook_at_a_time():
    code = (
        "import sys, helpers; helpers.exercises.check_02_1; helpers.exercises.hint('03.1'); "
        "print(*sorted(m for m in sys.modules if m.startswith('helpers.exercises.nb')), "
        "'ipywidgets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout.splitlines()[-1].split()
    assert loaded == ["helpers.exercises.nb02", "helpers.exercises.nb03", "False"]


def test_a_hint_loads_its_checkers_first():
    code = "import helpers; helpers.exercises.hint('04.2')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("Exercise 04.2: the checker looks for ")


def test_every_notebook_has_a_checker_module():
    assert NOTEBOOK_IDS == tuple(path.name[:2] for path in sorted(NOTEBOOKS.glob("0*.ipynb")))
    for name in helpers.exercises.__all__:
        assert getattr(helpers.exercises, name) is not None
    with pytest.raises(AttributeError):
        helpers.exercises.check_99_1  # noqa: B018


def test_unknown_hint_is_a_friendly_message(capsys):
    hint("99.9")
    assert "no exercise" in capsys.readouterr().out


def test_verdict_text_is_stable():
    verdict = io.StringIO()
    verdict.write(repr(Verdict("01.1", True, "a thing")))
    assert verdict.getvalue() == "✅ Exercise 01.1 passed: a thing."


# ---- wrong answers the checkers once accepted (issue 13), and the hint's inputs ---------------
def define(source: str, name: str, **names: object) -> object:
    """Define a learner's function from its source, in a namespace like a notebook's."""
    namespace: dict = {"helpers": helpers, "MODEL": helpers.default_model(), **names}
    exec(compile(source, "<cell>", "exec"), namespace)
    return namespace[name]


CHAT_BODY = """
def chat_body(question, system=None, temperature=None):
    messages = [{"role": "system", "content": system}] if system is not None else []
    messages.append({"role": "user", "content": question})
    body = {"model": MODEL, "messages": messages}
    if TEST:
        body["temperature"] = temperature
    return body
"""


def test_00_1_is_fair_to_a_small_model_that_does_not_say_pong(local_mode, capsys):
    # The solution's call is right; the tiny model answers gibberish, not "pong".
    verdict = run_cells(
        SETUP["00_start_here.ipynb"],
        (NOTEBOOKS / "solutions" / "ex00_1.py").read_text(),
        "helpers.exercises.check_00_1(first_reply)",
    )
    assert verdict.passed, repr(verdict)
    assert "not 'pong': your call is right" in capsys.readouterr().out


def test_00_1_still_wants_the_limit_from_a_model_that_does_not_say_pong(local_mode):
    client = helpers.get_client()
    long_reply = client.chat.completions.create(
        model=helpers.default_model(),
        messages=[{"role": "user", "content": "Reply with the single word: pong"}],
        max_tokens=30,
        temperature=0,
        seed=1,
    )
    assert long_reply.usage.completion_tokens > 5  # the tiny model rambles
    verdict = helpers.exercises.check_00_1(long_reply)
    assert not verdict and "max_tokens=5" in verdict.problem


def test_01_1_refuses_an_answer_that_drops_temperature_zero():
    careless = define(CHAT_BODY.replace("TEST", "temperature"), "chat_body")
    verdict = helpers.exercises.check_01_1(careless)
    assert not verdict and "temperature=0" in verdict.problem
    careful = define(CHAT_BODY.replace("TEST", "temperature is not None"), "chat_body")
    assert helpers.exercises.check_01_1(careful)


def test_01_1_wants_the_notebooks_model_variable_not_a_name_written_out():
    source = CHAT_BODY.replace("TEST", "temperature is not None").replace(
        "MODEL,", "'gpt-4o-mini',"
    )
    written_out = define(source, "chat_body", MODEL="gpt-4o-mini")
    verdict = helpers.exercises.check_01_1(written_out)
    assert not verdict and "MODEL" in verdict.problem
    uses_model = define(CHAT_BODY.replace("TEST", "temperature is not None"), "chat_body")
    assert helpers.exercises.check_01_1(uses_model)
    assert uses_model.__globals__["MODEL"] == helpers.default_model()  # put back after the check
    asks_helpers = source.replace("'gpt-4o-mini',", "helpers.default_model(),")
    assert helpers.exercises.check_01_1(define(asks_helpers, "chat_body"))  # the same choice


def system_prompt(rules: str):
    return lambda question: [
        {"role": "system", "content": rules},
        {"role": "user", "content": question},
    ]


@pytest.mark.parametrize(
    "rules",
    [
        'Reply with JSON only, shaped like {"steps": ["first step"], "result": "the answer"}.',
        'Answer as a JSON object with two keys: "steps", a list of strings, and "result".',
        "Return JSON. Put your reasoning in steps (a list) and the final answer in result.",
        "Don't write prose; answer in JSON with a steps array and a result string.",
        "Never omit the result. Use JSON with steps.",
        "Do not add text outside the JSON object, which has the keys steps and result.",
        'Reply in JSON, not prose: a "steps" list and a "result".',
        "Work it out in steps, then give the result. Format: JSON.",
    ],
)
def test_02_1_accepts_rules_written_in_many_ways(rules):
    verdict = helpers.exercises.check_02_1(system_prompt(rules))
    assert verdict, verdict.problem


@pytest.mark.parametrize(
    ("rules", "named"),
    [
        ("Never use JSON, never list steps, no result.", "rule it out"),
        ("Do not use JSON. Give steps and a result.", "JSON only to rule it out"),
        ("Answer in JSON with steps but no result.", "'result' only to rule it out"),
        ("Reply in YAML with steps and result; JSON is not allowed.", "JSON only to rule"),
        ("Reply in JSON without steps and give a result.", "'steps' only to rule it out"),
        ('Reply with JSON holding an "answer".', "name the key 'steps'"),
        ("Give the answer only.", "should ask for JSON"),
    ],
)
def test_02_1_refuses_rules_that_do_not_ask_for_json_steps_and_result(rules, named):
    verdict = helpers.exercises.check_02_1(system_prompt(rules))
    assert not verdict and named in verdict.problem


def test_02_2_refuses_an_extra_property_that_strict_mode_would_reject():
    namespace: dict = {}
    exec((NOTEBOOKS / "solutions" / "ex02_2.py").read_text(), namespace)
    schema = namespace["step_schema"]
    schema["json_schema"]["schema"]["properties"]["confidence"] = {"type": "number"}
    verdict = helpers.exercises.check_02_2(schema)
    assert not verdict and "'confidence'" in verdict.problem


@pytest.mark.parametrize(
    ("check", "answer"),
    [
        (
            "check_01_2",
            lambda r: [
                r["choices"][0]["message"]["content"],
                r["choices"][0]["finish_reason"],
                r["usage"]["total_tokens"],
            ],
        ),
        (
            "check_02_3",
            lambda text: [
                [str(s) for s in json.loads(text)["steps"]],
                str(json.loads(text)["result"]),
            ],
        ),
        ("check_07_2", lambda k, n: list(helpers.wilson_interval(k, n))),
    ],
)
def test_a_pair_may_be_returned_as_a_list_in_every_exercise(check, answer):
    verdict = getattr(helpers.exercises, check)(answer)
    assert verdict, verdict.problem


def test_03_1_refuses_an_answer_that_calls_the_courses_own_parser():
    def borrowed(text):
        answer = helpers.parse_reasoning(text)
        return list(answer.steps), answer.result

    def borrowed_deeper(text):  # through a function of its own, under another name
        found = next(find(text))  # a generator: its body runs (and is seen) when iterated
        return [s.strip() for s in found["steps"]], str(found["result"])

    find = helpers.find_json_objects
    for answer in (borrowed, borrowed_deeper):
        verdict = helpers.exercises.check_03_1(answer)
        assert not verdict and "helpers/parsing" in verdict.problem


def test_03_2_refuses_re_search_which_keeps_keys_that_only_contain_a_step():
    def searching_sorted(keys):
        numbered = []
        for key in keys:
            match = re.search(r"step[ _]?(\d+)", key, re.IGNORECASE)
            if match:
                numbered.append((int(match.group(1)), key))
        return [key for _, key in sorted(numbered)]

    verdict = helpers.exercises.check_03_2(searching_sorted)
    assert not verdict and "substep2" in verdict.problem


def test_06_1_refuses_a_parser_that_does_not_cut_at_a_self_written_observation():
    def not_cutting(text):
        action = re.search(r"^\s*Action:(.*)$", text, re.I | re.M)
        action_input = re.search(r"^\s*Action Input:(.*)$", text, re.I | re.M)
        if action is None or action_input is None:
            return None
        return action.group(1).strip(), action_input.group(1).strip()

    verdict = helpers.exercises.check_06_1(not_cutting)
    assert not verdict and "Observation:" in verdict.problem


@pytest.mark.parametrize("written", [4.1, "4.1", "04.1", " 04.1 ", "04_1"])
def test_hint_accepts_the_exercise_as_a_number_or_text(written, capsys):
    hint(written)
    assert capsys.readouterr().out.startswith("Exercise 04.1: the checker looks for ")


def test_hint_with_a_notebook_number_lists_its_exercises(capsys):
    hint(4)
    assert "04.1, 04.2, 04.3" in capsys.readouterr().out


def test_hint_accepts_the_checker_itself(capsys):
    hint(helpers.exercises.check_02_2)
    assert capsys.readouterr().out.startswith("Exercise 02.2: ")


def test_verdicts_and_hints_wrap_at_spaces_in_short_lines(capsys):
    from helpers.exercises.core import WIDTH

    texts = []
    for name in sorted(n for n in helpers.exercises.__all__ if n.startswith("check_")):
        texts.append(repr(getattr(helpers.exercises, name)(...)))
    for exercise in sorted(HINTS):
        hint(exercise)
    texts.append(capsys.readouterr().out)
    long_verdict = helpers.exercises.check_01_3(lambda *a: "x " * 150)
    texts.append(repr(long_verdict))
    for line in "\n".join(texts).splitlines():
        assert len(line) <= WIDTH or " " not in line.strip(), line
    words = " ".join(texts).split()
    assert "x" in words  # the long problem was wrapped, not cut
