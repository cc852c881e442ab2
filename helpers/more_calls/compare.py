"""Ways of answering one question, side by side: calls, tokens, thinking, cost, what you see.

Notebook 05 ends by setting prompted reasoning (one JSON call, the per-step loop) next
to a model trained to think::

    ways = [
        helpers.describe_way("one JSON call", one_call, MODEL, "every step"),
        helpers.describe_way("trained thinking", reply, MODEL, "its thinking"),
    ]
    print(helpers.ways_table(ways))

Every number comes from the `usage` the server sent; a cost is the price of the model
that served the answer (`helpers.estimate_cost`), and 0 for a model that is not in the
price table but runs on this computer (local mode, or a server on localhost): nothing
per token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from helpers.evaluation.tables import text_table
from helpers.prices import PRICE_TABLE_DATE, estimate_cost, format_cost, runs_on_this_computer
from helpers.reasoning import Reasoning, Usage


@dataclass(frozen=True)
class Way:
    """One way of answering, as the server counted it.

    Attributes:
        name: a short label, e.g. "per-step loop".
        calls: how many calls it took.
        input_tokens: prompt tokens of all calls together.
        output_tokens: completion tokens of all calls together (thinking included).
        thinking_tokens: of the output, the tokens written in a thinking mode; 0 for
            prompted reasoning, None when the model thought but the server did not
            count those tokens apart.
        cost: dollars at the dated prices (0.0 on this computer; None: no price known).
        seen: what the reader gets to see, in a few words.
        model: the model that served it, as the server reported it.
    """

    name: str
    calls: int
    input_tokens: int
    output_tokens: int
    thinking_tokens: int | None
    cost: float | None
    seen: str
    model: str | None = None


def thinking_text(reply: Any) -> str:
    """The thinking a reply sent apart from its answer (`reasoning_content`), or ""."""
    message = reply.choices[0].message if getattr(reply, "choices", None) else None
    text = getattr(message, "reasoning_content", None)
    return text if isinstance(text, str) else ""


def describe_way(name: str, answer: Any, model: str, seen: str) -> Way:
    """A `Way` from an answer: a `Reasoning` (from `think` or `step_loop`) or an SDK reply.

    `model` is the name the request asked for; the cost is that of the model that
    served the answer (see `helpers.estimate_cost`), 0.0 for an unpriced model that runs
    on this computer.
    """
    if isinstance(answer, Reasoning):
        usage = answer.usage or Usage(calls=max(len(answer.calls), 1))
        thinking: int | None = usage.reasoning_tokens
    else:
        usage = Usage.from_api(getattr(answer, "usage", None)) or Usage()
        thinking = usage.reasoning_tokens
        if not thinking and thinking_text(answer):
            thinking = None  # it thought, but the server did not count the tokens apart
    cost = estimate_cost(answer, model)
    if cost is None and runs_on_this_computer():
        cost = 0.0  # a model on this computer: nothing per token
    return Way(
        name=name,
        calls=usage.calls,
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        thinking_tokens=thinking,
        cost=cost,
        seen=seen,
        model=getattr(answer, "model", None),
    )


def ways_table(ways: Sequence[Way]) -> str:
    """The ways as a text table (at most about 74 characters wide), with a note on prices."""
    rows = [["", "calls", "input", "output", "think", "cost", "you see"]]
    for way in ways:
        thinking = "?" if way.thinking_tokens is None else str(way.thinking_tokens)
        numbers = [way.calls, way.input_tokens, way.output_tokens]
        rows.append([way.name, *map(str, numbers), thinking, format_cost(way.cost), way.seen])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:  # numbers line up on the right
        for i in range(1, 6):
            row[i] = row[i].rjust(widths[i])
    lines = [text_table(rows)]
    lines.append(f"(think: tokens of thinking, billed as output; prices as of {PRICE_TABLE_DATE})")
    if any(way.thinking_tokens is None for way in ways):
        lines.append("(?: the server sent the thinking but did not count its tokens apart)")
    if any(way.cost is None for way in ways):
        lines.append("(n/a: the model that answered is not in the price table)")
    return "\n".join(lines)
