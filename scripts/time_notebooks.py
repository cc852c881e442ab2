"""How long the notebooks take: to execute (a benchmark), and to learn from (an estimate).

    python scripts/time_notebooks.py                    # every notebook, executed once
    python scripts/time_notebooks.py --runs 3           # the median of 3 runs each
    python scripts/time_notebooks.py 05_beyond_one_call.ipynb
    python scripts/time_notebooks.py --learner          # minutes a learner needs, estimated

**Execution** (the default) runs each notebook offline with pacing off, as the tests do,
and prints its seconds next to two references measured the same way: an empty notebook
(the fixed cost of every run: starting a kernel, connecting, shutting down) and a notebook
whose only cell is `import openai` (what the real SDK costs by itself). The ratio to the
empty notebook is a report, not a verdict: nothing here fails because a notebook is slow.
An empty notebook is run before each notebook, so a slow or fast spell of the machine
affects both sides; every ratio uses the median of all empty runs.

**Learner minutes** (`--learner`) *measures* what a machine can measure: the words of
prose, the lines of code, the code cells, the exercises, and the seconds each notebook
takes offline at the pace a learner sees (streams replayed at 60 chunks a second). It then
turns them into minutes with the rates below, which are assumptions about learners, not
measurements of them. Compare with the minutes each notebook announces, and replace the
rates with what you observe in your own room.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import nbformat
from run_notebooks import NOTEBOOKS, notebook_paths, run  # scripts/ is on sys.path

READING_WORDS_PER_MINUTE = 150  # explanatory prose read closely, as in a workshop
CODE_LINES_PER_MINUTE = 12  # reading code before running it
SECONDS_PER_CELL = 10  # run the cell, look at the output
MINUTES_PER_EXERCISE = 5  # read, try, check, perhaps a hint

TESTS_PACE = {"HOMEMADE_O1_MODE": "offline", "HOMEMADE_O1_PACE": "0"}
LEARNER_PACE = {"HOMEMADE_O1_MODE": "offline", "HOMEMADE_O1_PACE": "60"}


def median_seconds(source: Path | str, runs: int) -> float:
    """Median seconds to execute a notebook file, or a one-cell notebook of this code,
    offline with pacing off, each run in a fresh kernel."""
    seconds = []
    for _ in range(runs):
        if isinstance(source, Path):
            notebook = nbformat.read(source, as_version=4)
        else:
            notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        seconds.append(run(notebook, TESTS_PACE))
    return statistics.median(seconds)


def report_execution(paths: list[Path], runs: int) -> None:
    empty: list[float] = []
    seconds = {}
    for path in paths:
        empty.append(median_seconds("", runs))
        seconds[path] = median_seconds(path, runs)
    sdk_only = median_seconds("import openai", runs)
    baseline = statistics.median(empty)
    print(f"offline, pacing off, median of {runs} run(s)\n")
    print(f"{'notebook':32} {'seconds':>8} {'x empty':>8}")
    span = f"   (range {min(empty):.2f}-{max(empty):.2f})"
    print(f"{'(empty notebook)':32} {baseline:8.2f} {1.0:8.2f}{span}")
    print(f"{'(only `import openai`)':32} {sdk_only:8.2f} {sdk_only / baseline:8.2f}")
    for path in paths:
        print(f"{path.name:32} {seconds[path]:8.2f} {seconds[path] / baseline:8.2f}")
    slowest = max(paths, key=lambda path: seconds[path])
    print(f"\nslowest: {slowest.name}, {seconds[slowest] / baseline:.2f}x an empty notebook")


def learner_counts(notebook: nbformat.NotebookNode) -> dict[str, float]:
    """What the learner estimate counts without running anything: prose words, code
    lines (comments aside), code cells, exercises, and the minutes the notebook states."""
    prose = " ".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    code_cells = [c for c in notebook.cells if c.cell_type == "code" and c.source.strip()]
    code_lines = sum(
        1
        for c in code_cells
        for line in c.source.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    exercises = sum(
        len(re.findall(r"^### Exercise", c.source, flags=re.M))
        for c in notebook.cells
        if c.cell_type == "markdown"
    )
    stated = re.search(r"\*\*About (\d+) minutes", notebook.cells[0].source)
    return {
        "words": len(prose.split()),
        "code_lines": code_lines,
        "cells": len(code_cells),
        "exercises": exercises,
        "stated": float(stated.group(1)) if stated else float("nan"),
    }


def learner_minutes(counts: dict[str, float], run_seconds: float) -> float:
    """The self-paced estimate: the counts (and the run time) at the assumed rates."""
    return (
        counts["words"] / READING_WORDS_PER_MINUTE
        + counts["code_lines"] / CODE_LINES_PER_MINUTE
        + (counts["cells"] * SECONDS_PER_CELL + run_seconds) / 60
        + counts["exercises"] * MINUTES_PER_EXERCISE
    )


def learner_measures(path: Path) -> dict[str, float]:
    notebook = nbformat.read(path, as_version=4)
    counts = learner_counts(notebook)
    run_seconds = run(notebook, LEARNER_PACE)
    return {
        **counts,
        "run_seconds": run_seconds,
        "estimate": learner_minutes(counts, run_seconds),
    }


def report_learner_minutes(paths: list[Path]) -> None:
    print(
        f"rates: {READING_WORDS_PER_MINUTE} words/min, {CODE_LINES_PER_MINUTE} code lines/min, "
        f"{SECONDS_PER_CELL} s per cell, {MINUTES_PER_EXERCISE} min per exercise\n"
    )
    header = f"{'notebook':30} {'words':>6} {'code':>5} {'cells':>5} {'ex':>3} {'run s':>6}"
    print(header + f" {'est. min':>8} {'stated':>6}")
    total_estimate = total_stated = 0.0
    for path in paths:
        m = learner_measures(path)
        total_estimate += m["estimate"]
        total_stated += m["stated"]
        print(
            f"{path.stem:30} {m['words']:6.0f} {m['code_lines']:5.0f} {m['cells']:5.0f} "
            f"{m['exercises']:3.0f} {m['run_seconds']:6.1f} {m['estimate']:8.0f} "
            f"{m['stated']:6.0f}"
        )
    print(f"{'total':30} {'':32} {total_estimate:8.0f} {total_stated:6.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", help=f"names in {NOTEBOOKS.name}/ (default: all)")
    parser.add_argument("--runs", type=int, default=1, help="runs per notebook (median)")
    parser.add_argument("--learner", action="store_true", help="estimate learner minutes")
    args = parser.parse_args(argv)
    paths = notebook_paths(args.notebooks)
    start = time.perf_counter()
    if args.learner:
        report_learner_minutes(paths)
    else:
        report_execution(paths, max(1, args.runs))
    print(f"\n({time.perf_counter() - start:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
