"""The report's arithmetic on a hand-built result set: accuracy, intervals, means, cost, latency."""

from __future__ import annotations

import math

import pytest

from helpers.evaluation.problems import make_problems
from helpers.evaluation.report import build_report
from helpers.prices import PRICES

PROBLEMS = make_problems("letters", 5)


def row(
    strategy,
    index,
    correct,
    *,
    prompt=100,
    completion=10,
    reasoning=0,
    latency=1.0,
    error=None,
    kind=None,
    origin=None,
    model="gpt-4o-mini",
    result=None,
    calls=1,
):
    problem = PROBLEMS[index]
    return {
        "problem_id": problem.id,
        "strategy": strategy,
        "sample": 0,
        "prompt_id": f"id-{strategy}",
        "model": model,
        "options": {},
        "family": problem.family,
        "answer": problem.answer,
        "result": result if result is not None else (problem.answer if correct else "999"),
        "correct": correct,
        "error": error,
        "error_kind": kind,
        "steps": 0,
        "calls": calls,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "reasoning_tokens": reasoning,
        "latency": latency,
        "served_by": None,
        "origin": origin,
    }


def results():
    first = [row("a", i, i < 3, latency=float(i + 1)) for i in range(4)]
    first.append(
        row(
            "a",
            4,
            False,
            prompt=0,
            completion=0,
            latency=5.0,
            error="timeout",
            kind="call",
            calls=0,
        )
    )
    second = [
        row(
            "b", i, i != 1, prompt=300, completion=120, reasoning=40, origin="hand-written", calls=2
        )
        for i in range(5)
    ]
    return first + second


def wilson_by_hand(k, n, z=1.959963984540054):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_accuracy_and_its_wilson_interval():
    report = build_report(results(), PROBLEMS, ["a", "b"])
    a = report.row("a")
    assert (a.n, a.correct, a.failed, a.failed_calls) == (5, 3, 1, 1)
    assert a.accuracy == pytest.approx(0.6)
    assert (a.low, a.high) == pytest.approx(wilson_by_hand(3, 5))
    assert (a.low, a.high) == pytest.approx((0.2307, 0.8824), abs=1e-4)  # published 3/5 values
    assert a.interval == "23%–88%"
    b = report.row("b")
    assert (b.correct, b.n, b.failed) == (4, 5, 0)


def test_mean_tokens_include_failures():
    report = build_report(results(), PROBLEMS, ["a", "b"])
    a, b = report.row("a"), report.row("b")
    assert (a.mean_prompt_tokens, a.mean_completion_tokens, a.mean_calls) == (80, 8, 0.8)
    assert (b.mean_prompt_tokens, b.mean_completion_tokens, b.mean_reasoning_tokens) == (
        300,
        120,
        40,
    )


def test_cost_at_the_dated_prices():
    report = build_report(results(), PROBLEMS, ["a", "b"])
    price = PRICES["gpt-4o-mini"]
    one_call = (100 * price.input + 10 * price.output) / 1_000_000
    a = report.row("a")
    assert a.cost_total == pytest.approx(4 * one_call)
    assert a.cost_per_problem == pytest.approx(4 * one_call / 5)
    b = report.row("b")
    assert b.cost_per_problem == pytest.approx((300 * price.input + 120 * price.output) / 1e6)


def test_latency_percentiles_leave_out_replayed_answers():
    report = build_report(results(), PROBLEMS, ["a", "b"])
    a = report.row("a")
    assert a.latency_p50 == pytest.approx(3.0)
    assert a.latency_p95 == pytest.approx(4.8)  # 4 + 0.8 * (5 - 4)
    assert report.row("b").latency_p50 is None and report.row("b").latency_p95 is None


def test_a_model_without_a_price_has_no_cost():
    rows = [row("a", i, True, model="llama3.2") for i in range(3)]
    report = build_report(rows, PROBLEMS)
    assert report.row("a").cost_total is None
    assert any("no price for llama3.2" in note for note in report.notes())
    assert "n/a" in report.to_text()


def test_results_are_rechecked_by_the_problems_checker():
    stored_wrong = row("a", 0, False, result="There are three r's.")
    assert build_report([stored_wrong], PROBLEMS).row("a").correct == 1
    assert build_report([stored_wrong]).row("a").correct == 0  # no problems: as stored
    failed = row("a", 0, True, error="cut off", kind="answer", result="3")
    assert build_report([failed], PROBLEMS).row("a").correct == 0


def test_only_the_given_problems_and_strategies_count():
    report = build_report(results(), PROBLEMS[:2], ["b"])
    assert [r.strategy for r in report.rows] == ["b"]
    assert report.row("b").n == 2
    empty = build_report(results(), PROBLEMS, ["a", "z"]).row("z")
    assert (empty.n, empty.low, empty.high, empty.cost_total) == (0, 0.0, 1.0, None)


def test_paired_comparison_counts_disagreements():
    comparison = build_report(results(), PROBLEMS, ["a", "b"]).compare("a", "b")
    # a right on 0,1,2; b right on 0,2,3,4
    assert (
        comparison.pairs,
        comparison.both,
        comparison.only_first,
        comparison.only_second,
        comparison.neither,
    ) == (5, 2, 1, 2, 0)
    assert comparison.p_value == pytest.approx(1.0)
    assert "only b right 2" in str(comparison) and "p = 1.000" in str(comparison)
    # named in the order asked for: compare("a", "b") is "a vs b", with a's count first
    assert str(comparison).startswith("a vs b on the same 5 problems:")
    assert str(comparison).index("only a right 1") < str(comparison).index("only b right 2")
    flipped = build_report(results(), PROBLEMS, ["a", "b"]).compare("b", "a")
    assert str(flipped).startswith("b vs a") and "only b right 2, only a right 1" in str(flipped)


def test_breakdown_by_family():
    breakdown = build_report(results(), PROBLEMS, ["a", "b"]).by_family()
    assert breakdown.cell("letters", "a").startswith("3/5 (23%–88%)")
    assert "letters" in breakdown.to_text() and "<table" in breakdown._repr_html_()


def test_text_and_html_tables_say_where_numbers_come_from():
    report = build_report(results(), PROBLEMS, ["a", "b"])
    text = report.to_text()
    assert "3/5" in text and "60% (23%–88%)" in text and "3.0/4.8 s" in text
    assert "HAND-WRITTEN" in text and "price table dated" in text
    html = report._repr_html_()
    assert "<table" in html and "HAND-WRITTEN" in html


def test_html_escapes_every_text():
    hostile = [row("<img src=x onerror=alert(1)>", 0, True)]
    html = build_report(hostile, PROBLEMS)._repr_html_()
    assert "<img" not in html and "&lt;img" in html


def test_plot_shows_accuracy_with_intervals_against_cost(tmp_path):
    report = build_report(results(), PROBLEMS, ["a", "b"])
    figure = report.plot(tmp_path / "plot.png")
    ax = figure.axes[0]
    assert len(ax.containers) == 2  # one errorbar per strategy
    assert "cost per 1,000 problems" in ax.get_xlabel()
    assert {t.get_text() for t in ax.texts} == {"a", "b"}
    assert "illustration" in " ".join(t.get_text() for t in figure.texts)
    assert (tmp_path / "plot.png").stat().st_size > 1000
    y = ax.containers[0].lines[0].get_ydata()[0]
    assert y == pytest.approx(60)
