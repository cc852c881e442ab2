"""Run the notebooks live against a real server and count the cells that end in an error.

    python scripts/run_notebooks_live.py                  # all eight, against llama-server
    python scripts/run_notebooks_live.py 05_beyond_one_call.ipynb
    python scripts/run_notebooks_live.py --base-url http://localhost:11434/v1 --model llama3.2
    python scripts/run_notebooks_live.py --local             # local mode, the tiny model
    python scripts/run_notebooks_live.py --local model.gguf  # local mode, a model of yours

Without `--base-url` it starts llama.cpp's `llama-server` (built by
scripts/build_llama_server.sh) with the tests' tiny random model, the weakest model there
is: every answer is gibberish, so every demo that can fail does. A notebook that copes
shows a one-line message and goes on; a cell that ends in a traceback is counted here.

With `--local` no server runs: the notebooks' own kernels answer in local mode
(`HOMEMADE_O1_MODE=local`, llama-cpp-python), with the tiny model or the .gguf given.

The notebooks run in a copy (a temporary folder), live or local, and nothing is saved:
the committed outputs stay the offline ones. The exit status is 1 when any cell ended
in an error, or a notebook took longer than `--budget` seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support, for the server and the tiny model

from tests.support.llama_server import running_llama_server  # noqa: E402
from tests.support.tiny_model import make_tiny_model  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
BUDGET_SECONDS = 300.0
"""The most one notebook may take (issue 12: each within 5 minutes)."""


def error_outputs(notebook: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    """(cell index, error name, first line of its message) for each error output."""
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message = (output.get("evalue") or "").strip().splitlines()
                found.append((index, output.get("ename", "?"), message[0] if message else ""))
    return found


def run_one(path: Path, folder: Path, env: dict[str, str], cell_timeout: float) -> dict:
    """Execute one notebook (a copy in `folder`); return its errors and time."""
    notebook = nbformat.read(folder / path.name, as_version=4)
    saved = dict(os.environ)
    os.environ.update(env)
    start = time.perf_counter()
    stopped = None
    try:
        NotebookClient(
            notebook,
            timeout=cell_timeout,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(folder)}},
        ).execute()
    except (CellTimeoutError, DeadKernelError) as problem:
        stopped = f"{type(problem).__name__}: {str(problem).splitlines()[0]}"
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "notebook": path.name,
        "seconds": round(time.perf_counter() - start, 1),
        "errors": error_outputs(notebook),
        "stopped": stopped,
    }


def local_env(model: str, scratch: Path) -> dict[str, str]:
    """Settings for local mode: the given .gguf, or the tiny model made in `scratch`."""
    path = Path(model) if model != "tiny" else make_tiny_model(scratch / "models")
    print(f"local mode with {path.name}")
    return {
        "HOMEMADE_O1_MODE": "local",
        "HOMEMADE_O1_LOCAL_MODEL": str(path.resolve()),
        "OPENAI_API_KEY": "",
        "OPENAI_BASE_URL": "",
        "HOMEMADE_O1_PACE": "0",
    }


@contextlib.contextmanager
def server_url(base_url: str | None) -> Iterator[str]:
    """The given server, or a llama-server with the tiny model for the length of the run."""
    if base_url:
        yield base_url
        return
    with running_llama_server() as server:
        print(f"llama-server with the tiny model at {server.url} ({server.started_in:.1f} s)")
        yield server.url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", help="names in notebooks/ (default: all)")
    parser.add_argument("--base-url", help="an OpenAI-compatible server (default: start one)")
    parser.add_argument("--model", help="the model name to ask for (HOMEMADE_O1_MODEL)")
    parser.add_argument(
        "--local",
        nargs="?",
        const="tiny",
        metavar="GGUF",
        help="local mode in the kernel instead of a server (default model: the tiny one)",
    )
    parser.add_argument("--cell-timeout", type=float, default=BUDGET_SECONDS)
    parser.add_argument("--budget", type=float, default=BUDGET_SECONDS, help="seconds per notebook")
    parser.add_argument("--json", type=Path, help="also write the findings here")
    args = parser.parse_args(argv)

    names = args.notebooks or [p.name for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]
    findings = []
    with tempfile.TemporaryDirectory(prefix="notebooks-live-") as scratch:
        folder = Path(scratch) / "notebooks"
        shutil.copytree(NOTEBOOKS, folder, ignore=shutil.ignore_patterns("results", ".*"))
        with contextlib.ExitStack() as stack:
            if args.local:
                env = local_env(args.local, Path(scratch))
            else:
                url = stack.enter_context(server_url(args.base_url))
                env = {
                    "HOMEMADE_O1_MODE": "live",
                    "OPENAI_BASE_URL": url,
                    "OPENAI_API_KEY": "",  # none: a local server needs no key
                    "HOMEMADE_O1_PACE": "0",
                }
            if args.model:
                env["HOMEMADE_O1_MODEL"] = args.model
            for name in names:
                result = run_one(NOTEBOOKS / Path(name).name, folder, env, args.cell_timeout)
                findings.append(result)
                late = " (over budget)" if result["seconds"] > args.budget else ""
                print(f"{name:32} {result['seconds']:6.1f} s{late}  {len(result['errors'])} errors")
                for index, ename, message in result["errors"]:
                    print(f"    cell {index}: {ename}: {message[:150]}")
                if result["stopped"]:
                    print(f"    stopped: {result['stopped']}")
    if args.json:
        args.json.write_text(json.dumps(findings, indent=1) + "\n", encoding="utf-8")
    errors = sum(len(result["errors"]) for result in findings)
    slow = [r["notebook"] for r in findings if r["seconds"] > args.budget or r["stopped"]]
    print(f"{errors} error outputs in {len(findings)} notebooks; over budget: {slow or 'none'}")
    return 1 if errors or slow else 0


if __name__ == "__main__":
    sys.exit(main())
