"""Plots for the cost lesson: how input tokens grow in a per-step loop and in one call.

matplotlib is imported inside the function, so `import helpers` stays fast.
"""

from __future__ import annotations

from itertools import accumulate
from typing import Any

from helpers.reasoning import Reasoning


def cumulative_input_tokens(reasoning: Reasoning) -> list[int]:
    """Input tokens sent so far after each call: [call 1, calls 1-2, calls 1-3, ...].

    Uses the recorded `usage` of every call (`reasoning.calls`); a one-call answer
    with no `calls` list falls back to its `usage`.
    """
    calls = reasoning.calls or ([reasoning.usage] if reasoning.usage else [])
    return list(accumulate(call.prompt_tokens for call in calls))


def plot_token_growth(loop: Reasoning, single: Reasoning, *, label: str = "") -> Any:
    """Two panels comparing a per-step loop with one JSON call on the same question.

    Left: the input tokens of each call (the loop's calls grow, the one call is one
    bar). Right: input tokens sent so far after k steps (the loop grows
    quadratically; the one call sends its prompt once, whatever the number of steps).

    Args:
        loop: the loop's Reasoning (from `step_loop`), with one `calls` entry per call.
        single: the one-call Reasoning (from `think`) on the same question.
        label: a note for the figure title, e.g. "estimated from hand-written answers".

    Returns:
        The matplotlib Figure (the notebook shows it; no need to display it again).
    """
    import matplotlib.pyplot as plt

    per_call = [call.prompt_tokens for call in loop.calls]
    so_far = cumulative_input_tokens(loop)
    one_call = single.usage.prompt_tokens if single.usage else 0
    steps = list(range(1, len(per_call) + 1))

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), dpi=100)
    left.bar(steps, per_call, color="#1976d2", label="per-step loop: one call per step")
    left.axhline(
        one_call, color="#2e7d32", linewidth=2, zorder=3, label="one JSON call (all steps)"
    )
    left.set(title="Input tokens of each call", xlabel="call (= step) number", ylabel="tokens")
    left.legend(loc="upper left", fontsize="small")

    right.plot(steps, so_far, "o-", color="#1976d2", label="per-step loop")
    right.plot(steps, [one_call] * len(steps), "s-", color="#2e7d32", label="one JSON call")
    right.set(title="Input tokens sent so far", xlabel="steps taken", ylabel="tokens")
    right.legend(loc="upper left", fontsize="small")
    for axes in (left, right):
        axes.set_xticks(steps)
        axes.grid(axis="y", alpha=0.3)
    if label:
        figure.suptitle(label, fontsize="medium")
    figure.tight_layout()
    return figure
