"""How long each notebook takes a learner: a run-through, timed and counted.

    python scripts/time_notebooks.py

For each notebook it *measures* what a machine can measure: the words of prose, the
lines of code, the code cells, the exercises, and the wall-clock time of executing it
offline at the pace a learner sees (streams replayed at 60 chunks a second). It then
turns those into minutes with the stated rates below, which are assumptions about
learners, not measurements of them. Compare with the minutes each notebook announces,
and replace the rates with what you observe in your own room.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
READING_WORDS_PER_MINUTE = 150  # explanatory prose read closely, as in a workshop
CODE_LINES_PER_MINUTE = 12  # reading code before running it
SECONDS_PER_CELL = 10  # run the cell, look at the output
MINUTES_PER_EXERCISE = 5  # read, try, check, perhaps a hint


def measure(path: Path) -> dict[str, float]:
    notebook = nbformat.read(path, as_version=4)
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
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    run_seconds = time.perf_counter() - start
    minutes = (
        len(prose.split()) / READING_WORDS_PER_MINUTE
        + code_lines / CODE_LINES_PER_MINUTE
        + (len(code_cells) * SECONDS_PER_CELL + run_seconds) / 60
        + exercises * MINUTES_PER_EXERCISE
    )
    stated = re.search(r"\*\*About (\d+) minutes", notebook.cells[0].source)
    return {
        "words": len(prose.split()),
        "code_lines": code_lines,
        "cells": len(code_cells),
        "exercises": exercises,
        "run_seconds": run_seconds,
        "estimate": minutes,
        "stated": float(stated.group(1)) if stated else float("nan"),
    }


def main() -> int:
    os.environ.update(HOMEMADE_O1_MODE="offline", HOMEMADE_O1_PACE="60")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        os.environ.pop(name, None)
    print(
        f"rates: {READING_WORDS_PER_MINUTE} words/min, {CODE_LINES_PER_MINUTE} code lines/min, "
        f"{SECONDS_PER_CELL} s per cell, {MINUTES_PER_EXERCISE} min per exercise\n"
    )
    header = f"{'notebook':30} {'words':>6} {'code':>5} {'cells':>5} {'ex':>3} {'run s':>6}"
    print(header + f" {'est. min':>8} {'stated':>6}")
    total_estimate = total_stated = 0.0
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        m = measure(path)
        total_estimate += m["estimate"]
        total_stated += m["stated"]
        print(
            f"{path.stem:30} {m['words']:6.0f} {m['code_lines']:5.0f} {m['cells']:5.0f} "
            f"{m['exercises']:3.0f} {m['run_seconds']:6.1f} {m['estimate']:8.0f} "
            f"{m['stated']:6.0f}"
        )
    print(
        f"{'total':30} {'':6} {'':5} {'':5} {'':3} {'':6} {total_estimate:8.0f} {total_stated:6.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
