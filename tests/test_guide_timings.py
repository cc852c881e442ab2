"""The instructor guide's timing table is the timing script's output (issue 16, item 9).

`scripts/time_notebooks.py --learner` counts each notebook and turns the counts into
self-paced minutes. The guide, the README and notebook 00 print those numbers; when a
notebook changes and nobody re-runs the script, they drift. This checks every count that
needs no run (words, code lines, cells, exercises, the stated minutes), and the estimate
to within the minute or two that the run time can add.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
GUIDE = ROOT / "docs" / "instructor-guide.md"


def timing_script():
    if str(ROOT / "scripts") not in sys.path:  # the script imports its neighbour run_notebooks
        sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(
        "time_notebooks", ROOT / "scripts" / "time_notebooks.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("time_notebooks", module)
    spec.loader.exec_module(module)
    return module


def guide_rows() -> dict[str, list[str]]:
    """The rows of the timing table, by notebook number ("00" ...), as cells of text."""
    text = GUIDE.read_text(encoding="utf-8")
    block = text[text.index("<!-- timings:start -->") : text.index("<!-- timings:end -->")]
    rows = {}
    for line in block.splitlines():
        match = re.match(r"\| (\d\d) [^|]+\|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


def number(cell: str) -> float:
    return float(re.sub(r"[^\d.]", "", cell))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_guide_prints_what_the_script_counts(path):
    script = timing_script()
    counts = script.learner_counts(nbformat.read(path, as_version=4))
    row = guide_rows().get(path.name[:2])
    assert row, f"{path.name}: no row in the guide's timing table"
    words, code_lines, cells, exercises, run, estimate, stated = map(number, row)
    where = f"{path.name}: re-run `python scripts/time_notebooks.py --learner` into {GUIDE.name}"
    assert (words, code_lines, cells, exercises, stated) == (
        counts["words"],
        counts["code_lines"],
        counts["cells"],
        counts["exercises"],
        counts["stated"],
    ), where
    assert abs(estimate - script.learner_minutes(counts, run)) <= 1, where


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_readme_and_notebook_00_state_each_notebooks_own_minutes(path):
    stated = re.search(
        r"\*\*About (\d+) minutes", nbformat.read(path, as_version=4).cells[0].source
    )
    assert stated, path.name
    minutes, key = stated.group(1), path.name[:2]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"^\| {key} \| \[.*\| {minutes} \|$", readme, re.M), f"README: {path.name}"
    start = nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4)
    table = "\n".join(cell.source for cell in start.cells if cell.cell_type == "markdown")
    assert re.search(rf"^\| {key} \| .*\| {minutes} \|$", table, re.M), f"00's table: {path.name}"
