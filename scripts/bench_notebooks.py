"""How long each notebook takes to execute offline, compared with an empty notebook.

    python scripts/bench_notebooks.py            # 3 runs each, median reported
    python scripts/bench_notebooks.py --runs 5

The empty notebook measures the fixed cost every run pays (starting a kernel,
connecting, shutting down). The target is that every notebook runs in at most
twice that time, offline, with pacing off (as the tests run it).

For reference, the script also times a notebook whose only cell is
`import openai`: the part of every ratio that the real SDK costs by itself
(importing it, and the interpreter cleaning it up when the kernel shuts down).
It is printed, not judged.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0


def run_once(notebook: nbformat.NotebookNode, folder: Path) -> float:
    start = time.perf_counter()
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return time.perf_counter() - start


def median_time(path: Path | str, runs: int) -> float:
    """Median seconds to execute a notebook file, or a one-cell notebook of this code."""
    folder = ROOT / "notebooks"
    times = []
    for _ in range(runs):
        notebook = (
            nbformat.read(path, as_version=4)
            if isinstance(path, Path)
            else nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(path)])
        )
        times.append(run_once(notebook, folder))
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.update(HOMEMADE_O1_MODE="offline", HOMEMADE_O1_PACE="0")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        os.environ.pop(name, None)

    # An empty notebook runs before each notebook, so a slow or fast spell of the
    # machine affects both sides; every ratio uses the median of all empty runs.
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    empty: list[float] = []
    seconds: dict[Path, float] = {}
    for path in paths:
        empty.append(median_time("", args.runs))
        seconds[path] = median_time(path, args.runs)
    sdk_only = median_time("import openai", args.runs)
    baseline = statistics.median(empty)
    print(f"{'notebook':32} {'seconds':>8} {'x empty':>8}")
    print(
        f"{'(empty notebook)':32} {baseline:8.2f} {1.0:8.2f}"
        f"   (range {min(empty):.2f}-{max(empty):.2f})"
    )
    print(f"{'(only `import openai`)':32} {sdk_only:8.2f} {sdk_only / baseline:8.2f}   (reference)")
    worst = 0.0
    for path in paths:
        ratio = seconds[path] / baseline
        worst = max(worst, ratio)
        print(f"{path.name:32} {seconds[path]:8.2f} {ratio:8.2f}")
    verdict = "PASS" if worst <= TARGET_RATIO else "FAIL"
    print(f"\nslowest notebook: {worst:.2f}x an empty one (target <= {TARGET_RATIO}x): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
