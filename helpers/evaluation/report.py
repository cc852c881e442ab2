"""The evaluation report: accuracy with honest intervals, tokens, cost and latency.

`build_report(results, problems, strategies)` turns result rows (as the harness
writes them) into a `Report`: one `StrategyRow` per strategy, a plain-text table
(`print(report)`), an HTML table in notebooks, `plot()` for accuracy against
cost, `compare(a, b)` for a paired test on the same problems, and `by_family()`.

Arithmetic, per strategy (n = results of that strategy):

* accuracy = right / n, where a failed result (unusable reply or failed call)
  counts as not right; the interval is the 95% Wilson interval of right out of n;
* mean tokens (prompt, completion, reasoning) and calls: over all n results,
  failures included (you paid for them);
* cost: each result's tokens at `helpers.PRICES` for the model that answered,
  summed (total) and divided by n (per problem); n/a when the model has no price;
* latency p50/p95: seconds per result, only for answers that came over the
  network (a replayed answer takes no time, so it is left out).

Correctness is re-checked with each problem's checker when the problem is known,
so a better checker re-scores old results without paying for new answers.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.evaluation.problems import Problem
from helpers.evaluation.stats import (
    format_interval,
    mean,
    paired_sign_test,
    percentile,
    wilson_interval,
)
from helpers.evaluation.tables import RIGHT_ALIGNED, TABLE_STYLE, html_table, text_table
from helpers.prices import PRICE_TABLE_DATE, estimate_cost, format_cost, price_for

HANDWRITTEN_NOTE = (
    "replay answers HAND-WRITTEN for the offline course (no model wrote them): these numbers "
    "show how the method works and are not a measurement of any model."
)
RECORDED_NOTE = "These results replay answers recorded earlier from a real model."
FAILED_NOTE = (
    "failed: the reply could not be used (cut off, unreadable, refused) or the call failed; "
    "counted as not right."
)


@dataclass(frozen=True)
class StrategyRow:
    """One strategy's numbers. Fractions are 0..1; costs in dollars; latency in seconds."""

    strategy: str
    prompt_id: str
    n: int
    correct: int
    failed: int
    failed_calls: int
    accuracy: float
    low: float
    high: float
    mean_prompt_tokens: float
    mean_completion_tokens: float
    mean_reasoning_tokens: float
    mean_calls: float
    cost_total: float | None
    cost_per_problem: float | None
    latency_p50: float | None
    latency_p95: float | None

    @property
    def interval(self) -> str:
        """The 95% interval as text, e.g. "40%–89%"."""
        return format_interval(self.low, self.high)


@dataclass
class RunSummary:
    """What one call of `evaluate` did (the report itself covers the whole file)."""

    planned: int
    reused: int
    new: int
    retried: int = 0
    not_run: int = 0
    failed_calls: int = 0

    def __str__(self) -> str:
        text = f"{self.new} new results, {self.reused} already in the results file"
        if self.retried:
            text += f" ({self.retried} failed calls from before asked again)"
        if self.not_run:
            text += f"; {self.not_run} not run yet (run again to continue)"
        if self.failed_calls:
            text += f"; {self.failed_calls} calls failed (a re-run asks them again)"
        return text + "."


@dataclass(frozen=True)
class Comparison:
    """Two strategies on the same (problem, sample) pairs: who was right where."""

    first: str
    second: str
    pairs: int
    both: int
    only_first: int
    only_second: int
    neither: int
    p_value: float

    def __str__(self) -> str:
        """Four short lines, in the order the strategies were given: `first` vs `second`."""
        verdict = (
            "a split this lopsided would be rare if both were equally accurate"
            if self.p_value < 0.05
            else "that could easily happen by chance: more problems are needed to tell"
        )
        return (
            f"{self.first} vs {self.second} on the same {self.pairs} problems:\n"
            f"  both right {self.both}, only {self.first} right {self.only_first}, "
            f"only {self.second} right {self.only_second}, both wrong {self.neither}.\n"
            f"Sign test on the {self.only_first + self.only_second} disagreements: "
            f"p = {self.p_value:.3f}\n  ({verdict})."
        )

    def __repr__(self) -> str:
        return str(self)


@dataclass(repr=False)
class Report:
    """The numbers of an evaluation, one row per strategy, plus what they rest on.

    `print(report)` or `report` in a notebook shows the table; `report.rows` holds the
    numbers (`StrategyRow`), `report.results` the result rows they were made from.
    """

    rows: list[StrategyRow]
    results: list[dict[str, Any]] = field(repr=False, default_factory=list)
    model: str = ""
    price_date: str = PRICE_TABLE_DATE
    run: RunSummary | None = None

    # ---- lookups ------------------------------------------------------------------------
    def row(self, strategy: str) -> StrategyRow:
        """The row of one strategy."""
        for row in self.rows:
            if row.strategy == strategy:
                return row
        raise KeyError(f"no strategy {strategy!r} in this report")

    @property
    def origins(self) -> Counter[str]:
        """How many results were replayed from each kind of recording ("live" if none)."""
        return Counter(row.get("origin") or "live" for row in self.results)

    def notes(self) -> list[str]:
        """The sentences printed under the table: where the numbers come from."""
        notes = [FAILED_NOTE]
        served = sorted({r.get("served_by") or r.get("model") or "" for r in self.results})
        unpriced = [name for name in served if name and price_for(name) is None]
        if unpriced:
            notes.append(
                f"cost: no price for {', '.join(unpriced)} in helpers.PRICES (a local model "
                "costs nothing per token); add one to see costs."
            )
        elif served:
            notes.append(
                f"cost: estimated from helpers.PRICES (price table dated {self.price_date}) "
                f"for {', '.join(served)}."
            )
        ids = ", ".join(f"{row.strategy} {row.prompt_id}" for row in self.rows if row.prompt_id)
        if ids:
            notes.append(f"prompt ids (a fingerprint of each strategy's prompts): {ids}.")
        if any(r.latency_p50 is None for r in self.rows) and self.origins.get("live", 0) == 0:
            notes.append("latency: n/a, because replayed answers take no time; run live to see it.")
        origins = self.origins
        if origins.get("hand-written"):
            share = f"{origins['hand-written']} of {len(self.results)}"
            notes.append(f"{share} results {HANDWRITTEN_NOTE}")
        elif origins.get("recorded"):
            notes.append(RECORDED_NOTE)
        return notes

    # ---- text -----------------------------------------------------------------------------
    def _cells(self, row: StrategyRow) -> list[str]:
        tokens = (
            f"{row.mean_prompt_tokens:.0f}/{row.mean_completion_tokens:.0f}"
            f"/{row.mean_reasoning_tokens:.0f}"
        )
        latency = (
            "n/a" if row.latency_p50 is None else f"{row.latency_p50:.1f}/{row.latency_p95:.1f} s"
        )
        accuracy = f"{row.accuracy:.0%} ({row.interval})" if row.n else "n/a"
        return [
            row.strategy,
            f"{row.correct}/{row.n}",
            accuracy,
            str(row.failed),
            tokens,
            f"{row.mean_calls:.1f}",
            format_cost(row.cost_per_problem),
            format_cost(row.cost_total),
            latency,
        ]

    HEADERS = (
        "strategy",
        "right",
        "accuracy (95% CI)",
        "failed",
        "tokens in/out/reasoning",
        "calls",
        "cost/problem",
        "total cost",
        "latency p50/p95",
    )

    def to_text(self) -> str:
        """The table and its notes as plain text."""
        table = [list(self.HEADERS)] + [self._cells(row) for row in self.rows]
        widths = [max(len(line[i]) for line in table) for i in range(len(self.HEADERS))]
        lines = []
        for line in table:
            cells = [cell.ljust(width) for cell, width in zip(line, widths)]
            lines.append("  ".join(cells).rstrip())
        lines.insert(1, "-" * len(lines[0]))
        return "\n".join(lines + [f"* {note}" for note in self.notes()])

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        head = "".join(f'<th style="{RIGHT_ALIGNED}">{html.escape(h)}</th>' for h in self.HEADERS)
        body = "".join(
            "<tr>"
            + "".join(f'<td style="{RIGHT_ALIGNED}">{html.escape(c)}</td>' for c in self._cells(r))
            + "</tr>"
            for r in self.rows
        )
        notes = "".join(f"<li>{html.escape(note)}</li>" for note in self.notes())
        return (
            f'<table style="{TABLE_STYLE}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
            f'<ul style="margin-top: 4px; font-size: 0.9em;">{notes}</ul>'
        )

    # ---- further views -----------------------------------------------------------------------
    def compare(self, first: str, second: str) -> Comparison:
        """Paired comparison on the (problem, sample) pairs both strategies answered."""
        right = {
            (r["strategy"], r["problem_id"], int(r.get("sample", 0))): bool(r.get("correct"))
            for r in self.results
        }
        pairs = sorted(
            {(p, s) for (name, p, s) in right if name == first}
            & {(p, s) for (name, p, s) in right if name == second}
        )
        counts = Counter((right[(first, p, s)], right[(second, p, s)]) for p, s in pairs)
        only_first, only_second = counts[(True, False)], counts[(False, True)]
        return Comparison(
            first,
            second,
            len(pairs),
            counts[(True, True)],
            only_first,
            only_second,
            counts[(False, False)],
            paired_sign_test(only_first, only_second),
        )

    def by_family(self) -> Breakdown:
        """Right out of n, with intervals, for each problem family and strategy."""
        strategies = [row.strategy for row in self.rows]
        families = list(dict.fromkeys(r.get("family", "?") for r in self.results))
        cells: dict[tuple[str, str], tuple[int, int]] = {}
        for family in families:
            for strategy in strategies:
                chosen = [
                    r
                    for r in self.results
                    if r.get("family", "?") == family and r["strategy"] == strategy
                ]
                cells[(family, strategy)] = (sum(bool(r["correct"]) for r in chosen), len(chosen))
        return Breakdown(families, strategies, cells)

    def plot(self, path: str | Path | None = None, ax: Any = None) -> Any:
        """Accuracy (with its 95% interval) against cost per 1,000 problems, per strategy.

        Without prices (a local model) the x axis is tokens per problem instead.
        Returns the matplotlib Figure; with `path`, also saves it there.
        """
        import matplotlib.pyplot as plt

        priced = all(row.cost_per_problem is not None for row in self.rows)
        own_figure = ax is None
        if own_figure:
            figure, ax = plt.subplots(figsize=(6.4, 4.2))
        else:
            figure = ax.figure
        for row in self.rows:
            x = (
                row.cost_per_problem * 1000
                if priced and row.cost_per_problem is not None
                else row.mean_prompt_tokens + row.mean_completion_tokens
            )
            y = row.accuracy * 100
            errors = [[y - row.low * 100], [row.high * 100 - y]]
            ax.errorbar([x], [y], yerr=errors, fmt="o", capsize=5, markersize=7)
            ax.annotate(row.strategy, (x, y), textcoords="offset points", xytext=(8, 4))
        ax.set_xlabel(
            "estimated cost per 1,000 problems ($)" if priced else "tokens per problem (in + out)"
        )
        ax.set_ylabel("accuracy (%), with 95% interval")
        ax.set_ylim(0, 105)
        ax.set_xlim(left=0, right=ax.get_xlim()[1] * 1.15)
        ax.grid(alpha=0.3)
        sizes = sorted({row.n for row in self.rows})
        ax.set_title(f"Does thinking pay? (n = {', '.join(map(str, sizes))} per strategy)")
        if self.origins.get("hand-written"):
            figure.text(
                0.5,
                0.005,
                "hand-written offline answers: an illustration, not a measurement",
                ha="center",
                va="bottom",
                fontsize=8,
                color="#8a6d00",
            )
        figure.tight_layout(rect=(0, 0.03, 1, 1))
        if path is not None:
            figure.savefig(path, dpi=120)
        if own_figure:
            plt.close(figure)  # shown once, as this function's value, not again by pyplot
        return figure


@dataclass(repr=False)
class Breakdown:
    """Right out of n per (family, strategy), as text or an HTML table."""

    families: list[str]
    strategies: list[str]
    cells: dict[tuple[str, str], tuple[int, int]]

    def cell(self, family: str, strategy: str) -> str:
        right, n = self.cells[(family, strategy)]
        if not n:
            return "-"
        low, high = wilson_interval(right, n)
        return f"{right}/{n} ({format_interval(low, high)})"

    def _table(self) -> list[list[str]]:
        return [["family", *self.strategies]] + [
            [family, *(self.cell(family, s) for s in self.strategies)] for family in self.families
        ]

    def to_text(self) -> str:
        return text_table(self._table())

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return html_table(self._table())


# ---- building a report -----------------------------------------------------------------------
def rescore(row: dict[str, Any], problem: Problem | None) -> dict[str, Any]:
    """The row with `correct` re-checked by the problem's checker (failures stay wrong)."""
    if problem is None or row.get("error"):
        return {**row, "correct": bool(row.get("correct")) and not row.get("error")}
    return {**row, "correct": problem.check(row.get("result") or "")}


def row_cost(row: dict[str, Any]) -> float | None:
    """Dollars one result cost, at the price of the model that answered (None if unknown)."""
    return estimate_cost(row, row.get("served_by") or row.get("model") or "")


def summarise(strategy: str, rows: Sequence[dict[str, Any]]) -> StrategyRow:
    """The numbers of one strategy's results (see the module docstring for the arithmetic)."""
    n = len(rows)
    correct = sum(bool(r.get("correct")) for r in rows)
    low, high = wilson_interval(correct, n)
    costs = [row_cost(r) for r in rows]
    known = [c for c in costs if c is not None]
    total = sum(known) if rows and len(known) == n else None
    timed = [
        float(r["latency"]) for r in rows if r.get("latency") is not None and not r.get("origin")
    ]

    def average(name: str) -> float:
        return mean([float(r.get(name) or 0) for r in rows]) if rows else 0.0

    return StrategyRow(
        strategy=strategy,
        prompt_id=str(rows[0].get("prompt_id", "")) if rows else "",
        n=n,
        correct=correct,
        failed=sum(bool(r.get("error")) for r in rows),
        failed_calls=sum(r.get("error_kind") == "call" for r in rows),
        accuracy=correct / n if n else 0.0,
        low=low,
        high=high,
        mean_prompt_tokens=average("prompt_tokens"),
        mean_completion_tokens=average("completion_tokens"),
        mean_reasoning_tokens=average("reasoning_tokens"),
        mean_calls=average("calls"),
        cost_total=total,
        cost_per_problem=total / n if total is not None else None,
        latency_p50=percentile(timed, 50) if timed else None,
        latency_p95=percentile(timed, 95) if timed else None,
    )


def build_report(
    results: Sequence[dict[str, Any]],
    problems: Sequence[Problem] | None = None,
    strategies: Sequence[str] | None = None,
    *,
    model: str = "",
    run: RunSummary | None = None,
) -> Report:
    """A Report over `results`, one row per strategy (in the order given).

    With `problems`, only their results count and each is re-checked by its
    problem's checker; with `strategies`, only those strategies, in that order.
    """
    by_id = {problem.id: problem for problem in problems} if problems is not None else None
    chosen = [
        rescore(row, by_id.get(row["problem_id"]) if by_id is not None else None)
        for row in results
        if by_id is None or row["problem_id"] in by_id
    ]
    names = (
        list(strategies)
        if strategies is not None
        else list(dict.fromkeys(row["strategy"] for row in chosen))
    )
    chosen = [row for row in chosen if row["strategy"] in names]
    order = {problem_id: i for i, problem_id in enumerate(by_id or {})}
    chosen.sort(
        key=lambda r: (
            names.index(r["strategy"]),
            order.get(r["problem_id"], 0),
            str(r["problem_id"]),
            int(r.get("sample", 0)),
        )
    )
    rows = [summarise(name, [r for r in chosen if r["strategy"] == name]) for name in names]
    return Report(rows=rows, results=chosen, model=model, run=run)
