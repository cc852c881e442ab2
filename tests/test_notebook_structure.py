"""Static checks of the committed notebooks: the shared skeleton and their hygiene.

Run without a kernel. nbval (the other half) re-executes every notebook and compares
outputs; these tests check what a reader sees and what a commit must not contain.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KEY_SHAPE = re.compile(r"sk-(?:proj-)?[A-Za-z0-9_\-]{20,}")
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:root|home/[a-z_][\w-]*|tmp|Users/[\w.-]+|private/var)/")


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def markdown(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


def code(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_the_collection_is_numbered_without_gaps():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers == list(range(len(numbers))), numbers


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opens_with_title_minutes_and_objectives(path):
    first = markdown(load(path))[0]
    number = path.name[:2]
    assert re.match(rf"# {number} · \S", first), "first cell: '# NN · Title'"
    assert re.search(r"\*\*About \d+ minutes\.\*\*", first), "say roughly how long it takes"
    assert "you will be able to" in first, "say what the learner will be able to do"
    objectives = [line for line in first.splitlines() if line.startswith("- ")]
    assert 3 <= len(objectives) <= 6, "3 to 6 objectives"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_has_exercises_recap_and_a_link_onward(path):
    notebook = load(path)
    texts = markdown(notebook)
    headings = [line for text in texts for line in text.splitlines() if line.startswith("## ")]
    assert "## Exercises" in headings and "## Recap" in headings
    assert headings.index("## Exercises") < headings.index("## Recap")
    last = notebook.cells[-1]
    assert last.cell_type == "markdown" and "**Next:**" in last.source
    target = re.search(r"\]\(([^)]+\.ipynb)\)", last.source)
    assert target, "the last cell links to a notebook"
    assert (path.parent / target.group(1)).is_file(), f"{target.group(1)} does not exist"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_says_which_mode_it_is_in_first(path):
    setup = code(load(path))[0].source
    assert "import helpers" in setup and "helpers.describe_mode()" in setup


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_imports_helpers_without_path_tricks(path):
    for cell in code(load(path)):
        assert "sys.path" not in cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_from_a_fresh_offline_run(path):
    notebook = load(path)
    counts = [cell.execution_count for cell in code(notebook) if cell.source.strip()]
    assert counts == list(range(1, len(counts) + 1)), "run top to bottom in a fresh kernel"
    assert any(cell.outputs for cell in code(notebook)), "commit the outputs"
    for cell in code(notebook):
        for output in cell.outputs:
            assert output.output_type != "error", f"a saved error: {output.get('ename')}"
    assert "widgets" not in notebook.metadata, "strip saved widget state"
    for cell in code(notebook):
        for output in cell.outputs:
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {}), (
                "a saved widget view carries a random model id"
            )
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_keys_or_machine_paths(path):
    text = path.read_text(encoding="utf-8")
    assert not KEY_SHAPE.search(text), "something shaped like an API key"
    for cell in code(load(path)):
        for output in cell.outputs:
            match = MACHINE_PATH.search(json.dumps(output))
            assert not match, f"machine-specific path in an output: {match.group(0)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_does_not_scroll_sideways(path):
    for cell in code(load(path)):
        for line in cell.source.splitlines():
            assert len(line) <= 100, f"line longer than 100 characters: {line[:60]}..."


def test_readme_badge_opens_notebook_00_in_jupyterlab():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = re.search(r"\(https://mybinder\.org/v2/gh/[^)]+\?urlpath=lab/tree/([^)]+)\)", readme)
    assert badge, "a Binder badge with urlpath=lab/tree/..."
    assert badge.group(1) == "notebooks/00_start_here.ipynb"
    assert (ROOT / badge.group(1)).is_file()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_binder_pins_match_the_main_requirements():
    main, binder = _pins(ROOT / "requirements.txt"), _pins(ROOT / "binder" / "requirements.txt")
    assert binder, "binder/requirements.txt pins nothing"
    for name, version in binder.items():
        assert main.get(name) == version, f"{name}: binder {version}, requirements {main.get(name)}"
    assert set(main) - set(binder) <= {"jupyterlab"}, "Binder's base image brings JupyterLab"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", readme, re.MULTILINE), "README: no `make test` line"
    # CI runs it once per Python: the command itself, with only the interpreter and the
    # virtual environment chosen through the environment variables the Makefile reads
    commands = [line.strip() for line in ci.splitlines() if not line.strip().startswith("#")]
    runs = [line for line in commands if re.fullmatch(r"(\w+=\S+ )*make test", line)]
    assert runs, ".ci/run never runs `make test`"
    assert all(re.fullmatch(r'(PYTHON="\$python" )?(VENV="\$venv" )?make test', r) for r in runs)
    assert commands[-1] in ("done", *runs), ".ci/run does something after the tests"
