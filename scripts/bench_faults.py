"""Benchmark: does every call end within its deadline + 1 s, whatever the server does?

Runs every fault mode of `tests/support/fault_server.py` (a loopback server that
never answers, drips bytes, stalls, drops, sends a login page, ...) against every
entry point a learner uses (think, streamed think, step_loop, self_consistency,
self_check, both agents, the evaluation harness, the raw clients), each with a
short deadline, and prints one table: the seconds each call took, and whether it
held (took at most deadline + 1 s). A cell is `seconds` then `ok` (the call
answered) or the first letters of the error it raised (`Dead` = DeadlineExceeded,
`Inte` = InternalServerError, ...). Exits 1 if any call did not hold.

Run:  .venv/bin/python scripts/bench_faults.py [--timeout 2] [--drip 0.5] [--parallel]
      [--modes hang drip ...] [--entries think evaluate ...]

By default each call runs alone (honest timings); --parallel runs all entry points
of a mode at once, as the tests do, which adds contention on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.support

from tests.support.fault_calls import (  # noqa: E402
    ENTRY_POINTS,
    Outcome,
    answer_for,
    fake_key,
    live_settings,
    run_entries,
    run_entry,
)
from tests.support.fault_server import MODES, FaultServer  # noqa: E402

GRACE = 1.0


def short(outcome: Outcome) -> str:
    if outcome.error is None:
        return "ok"
    name = type(outcome.error).__name__
    if name == "HarnessRowsFailed":  # the harness keeps failures as rows: name the first
        name = outcome.advice.split(":", 1)[0]
    return name[:4]


def run_mode(mode: str, entries: list[str], args: argparse.Namespace) -> dict[str, Outcome]:
    if args.parallel:
        with FaultServer(mode, content=answer_for, drip=args.drip) as server:
            return run_entries(entries, server.url, args.timeout)
    outcomes = {}
    for entry in entries:  # a fresh server each, so "rate_limit" turns every entry away once
        with FaultServer(mode, content=answer_for, drip=args.drip) as server:
            outcomes[entry] = run_entry(entry, server.url, args.timeout)
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=2.0, help="each call's deadline (s)")
    parser.add_argument("--drip", type=float, default=0.5, help="seconds between dripped bytes")
    parser.add_argument("--parallel", action="store_true", help="a mode's calls all at once")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--entries", nargs="+", default=list(ENTRY_POINTS), choices=ENTRY_POINTS)
    args = parser.parse_args()
    os.environ.update(live_settings(fake_key()))
    os.environ.pop("OPENAI_BASE_URL", None)

    limit = args.timeout + GRACE
    with FaultServer("ok", content=answer_for) as server:  # first imports, not timed
        run_entries(args.entries, server.url, 30)

    width = max(len(mode) for mode in args.modes) + 2
    names = [entry[:10] for entry in args.entries]
    print(
        f"deadline {args.timeout:g} s, limit {limit:g} s (deadline + {GRACE:g} s); cell: "
        "seconds, outcome; * = took longer than the limit"
    )
    print(" " * width + " ".join(f"{name:>10}" for name in names))
    held = tried = 0
    slowest = 0.0
    started = time.monotonic()
    for mode in args.modes:
        outcomes = run_mode(mode, args.entries, args)
        cells = []
        for entry in args.entries:
            outcome = outcomes[entry]
            ok = outcome.elapsed <= limit
            tried, held = tried + 1, held + ok
            slowest = max(slowest, outcome.elapsed)
            cells.append(f"{outcome.elapsed:5.2f}{'*' if not ok else ' '}{short(outcome):>4}")
        print(f"{mode:<{width}}" + " ".join(f"{cell:>10}" for cell in cells))
    print(
        f"\n{held} of {tried} calls held (ended within {limit:g} s); slowest "
        f"{slowest:.2f} s; {len(args.modes)} modes x {len(args.entries)} entry points in "
        f"{time.monotonic() - started:.0f} s"
    )
    print("PASS" if held == tried else "FAIL")
    return 0 if held == tried else 1


if __name__ == "__main__":
    sys.exit(main())
