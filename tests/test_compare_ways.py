"""Notebook 05's side-by-side table: token counts, thinking, cost, width."""

from __future__ import annotations

from openai.types.chat import ChatCompletion

from helpers.modes.wire import chat_completion, estimate_tokens
from helpers.more_calls.compare import describe_way, thinking_text, ways_table
from helpers.prices import estimate_cost
from helpers.reasoning import Reasoning, Usage

BODY = {"model": "m", "messages": [{"role": "user", "content": "Sam buys 3 notebooks..."}]}


def reply(text, *, model="gpt-4o-mini-2024-07-18", reasoning=None, reasoning_tokens=0):
    wire = chat_completion(
        BODY, text, model=model, reasoning=reasoning, reasoning_tokens=reasoning_tokens
    )
    return ChatCompletion.model_validate(wire)


def test_a_reasoning_is_counted_from_its_usage_and_priced_as_what_served_it():
    usage = Usage(prompt_tokens=5729, completion_tokens=573, calls=10)
    loop = Reasoning(steps=["a"], result="b", usage=usage, model="gpt-4o-mini-2024-07-18")
    way = describe_way("per-step loop", loop, "o4-mini", "every step")
    assert (way.calls, way.input_tokens, way.output_tokens, way.thinking_tokens) == (
        10,
        5729,
        573,
        0,
    )
    assert way.cost == estimate_cost(usage, "gpt-4o-mini")  # not o4-mini's price


def test_thinking_sent_apart_is_read_and_counted():
    answer = reply("$21.37", reasoning="Okay, let me add it up.", model="Qwen3-0.6B-Q8_0")
    assert thinking_text(answer) == "Okay, let me add it up."
    way = describe_way("trained thinking", answer, "gpt-4o-mini", "its thinking")
    assert way.thinking_tokens == estimate_tokens("Okay, let me add it up.")
    assert way.output_tokens == way.thinking_tokens + estimate_tokens("$21.37")
    assert way.cost is None  # offline: a model that is not in the price table


def test_a_model_on_this_computer_costs_nothing(monkeypatch):
    answer = reply("$21.37", model="Qwen3-0.6B-Q8_0")
    monkeypatch.setenv("HOMEMADE_O1_MODE", "local")
    assert describe_way("thinking mode", answer, "gpt-4o-mini", "x").cost == 0.0
    assert "$0 " in ways_table([describe_way("thinking mode", answer, "m", "x")])
    priced = reply("$21.37")  # a model in the table keeps its price, wherever it ran
    assert describe_way("one", priced, "m", "x").cost == estimate_cost(priced, "gpt-4o-mini")


def test_thinking_the_server_did_not_count_is_unknown_not_zero():
    answer = reply("4", reasoning="hmm", reasoning_tokens=0)
    answer.usage.completion_tokens_details.reasoning_tokens = 0
    way = describe_way("trained thinking", answer, "m", "its thinking")
    assert way.thinking_tokens is None
    assert "?" in ways_table([way]).splitlines()[1]
    assert reply("4").choices[0].message.model_extra == {}  # no thinking: none sent
    assert describe_way("plain", reply("4"), "m", "the answer").thinking_tokens == 0


def test_the_table_fits_a_narrow_notebook_and_lines_up():
    usage = Usage(prompt_tokens=5729, completion_tokens=573, calls=10)
    ways = [
        describe_way(
            "one JSON call",
            Reasoning(["a"], "b", usage=Usage(246, 258), model="gpt-4o-mini"),
            "gpt-4o-mini",
            "every step",
        ),
        describe_way(
            "per-step loop",
            Reasoning(["a"], "b", usage=usage, model="gpt-4o-mini"),
            "gpt-4o-mini",
            "each step, live",
        ),
        describe_way(
            "thinking mode",
            reply("x" * 40, reasoning="y " * 900, model="Qwen3-0.6B-Q8_0"),
            "gpt-4o-mini",
            "thinking + answer",
        ),
    ]
    table = ways_table(ways)
    lines = table.splitlines()
    assert all(len(line) <= 74 for line in lines), max(lines, key=len)
    header, *rows = lines[:4]
    assert rows[1].split()[:4] == ["per-step", "loop", "10", "5729"]
    assert header.index("input") + len("input") == rows[1].index("5729") + len("5729")
    assert "n/a: the model that answered is not in the price table" in table
    assert "$0.000192" in table
