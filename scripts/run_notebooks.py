"""Execute the notebooks top to bottom and save them with their outputs.

    python scripts/run_notebooks.py                 # offline: refresh the committed outputs
    python scripts/run_notebooks.py --record        # live: re-record every answer (needs a key
                                                    # or OPENAI_BASE_URL), then rerun offline
    python scripts/run_notebooks.py 03_parsing_steps.ipynb   # just one notebook

(To time the notebooks without saving them: scripts/time_notebooks.py.)

Offline runs use no pacing, so they are fast and their outputs are the same on
every machine. Saved notebooks are tidied: no widget state, no timings, no
machine-specific metadata, execution counts 1..N.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:root|home/[a-z_][\w-]*|tmp|Users/[\w.-]+|private/var)/")


def notebook_paths(names: list[str]) -> list[Path]:
    if names:
        return [NOTEBOOKS / Path(name).name for name in names]
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def merge_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) pieces into one output, as a reader sees them."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.output_type == "stream"
            and previous is not None
            and previous.output_type == "stream"
            and previous.name == output.name
        ):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def tidy(notebook: nbformat.NotebookNode) -> None:
    """Remove what differs between machines or runs and is not part of the lesson.

    Widget views are saved without their random model ids (widget state is not
    saved either), so a saved notebook shows each widget's plain-text form until
    it is run again.
    """
    notebook.metadata.pop("widgets", None)
    notebook.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            output.get("data", {}).pop(WIDGET_VIEW, None)
        cell.outputs = merge_streams(cell.outputs)


def machine_paths(notebook: nbformat.NotebookNode) -> list[str]:
    """Outputs that show a machine-specific path (they must not be committed)."""
    found = []
    for number, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            match = MACHINE_PATH.search(str(output))
            if match:
                found.append(f"cell {number}: {match.group(0)}")
    return found


def run(notebook: nbformat.NotebookNode, env: dict[str, str], allow_errors: bool = False) -> float:
    """Execute `notebook` in a fresh kernel started in notebooks/, with `env` set; its seconds."""
    old_env = dict(os.environ)
    os.environ.update(env)
    try:
        start = time.perf_counter()
        NotebookClient(
            notebook,
            timeout=600,
            kernel_name="python3",
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        ).execute()
        return time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(old_env)


def execute(
    path: Path, env: dict[str, str], allow_errors: bool = False
) -> tuple[nbformat.NotebookNode, float]:
    notebook = nbformat.read(path, as_version=4)
    return notebook, run(notebook, env, allow_errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", help="names in notebooks/ (default: all)")
    parser.add_argument("--record", action="store_true", help="re-record answers live first")
    parser.add_argument("--drafts", type=Path, help="maintainers: save offline misses as drafts")
    args = parser.parse_args(argv)

    offline = {"HOMEMADE_O1_MODE": "offline", "HOMEMADE_O1_PACE": "0"}
    problems = 0
    for path in notebook_paths(args.notebooks):
        if args.record:
            env = {
                "HOMEMADE_O1_MODE": "record",
                "HOMEMADE_O1_RECORD_TAG": path.stem,
                "HOMEMADE_O1_PACE": "0",
            }
            _, seconds = execute(path, env)
            print(f"recorded  {path.name:32} {seconds:6.1f} s")
        env = dict(offline)
        if args.drafts:
            env.update(
                HOMEMADE_O1_DRAFTS=str(args.drafts.resolve()), HOMEMADE_O1_RECORD_TAG=path.stem
            )
        notebook, seconds = execute(path, env, allow_errors=bool(args.drafts))
        tidy(notebook)
        leaks = machine_paths(notebook)
        for leak in leaks:
            print(f"  {path.name}: machine-specific path in an output, {leak}")
        problems += len(leaks)
        nbformat.write(notebook, path)
        print(f"saved     {path.name:32} {seconds:6.1f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
