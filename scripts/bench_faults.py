"""Benchmark: does every call end within its deadline + 1 s, whatever the server does?

Runs every fault mode of `tests/support/fault_server.py` (a loopback server that
never answers, drips bytes, stalls, drops, sends a login page, ...) against every
entry point a learner uses (think, streamed think, step_loop, self_consistency,
self_check, both agents, the evaluation harness, the raw clients), each with a
short deadline, and prints one table: the seconds each entry point took, and
whether every call it made held (took at most deadline + 1 s). A cell is `seconds`
then `ok` (it answered) or the first letters of the error it raised (`Dead` =
DeadlineExceeded, `Inte` = InternalServerError, ...). An entry point that makes
several model calls (a vote falling back to one call per sample, a loop) may take
that many times the limit: the server counts its calls (requests that are not an
SDK retry), and the table lists those cells. Exits 1 if any cell is over its limit.

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


def calls_made(server: FaultServer) -> int:
    """Model calls the server saw: requests that are not a retry (the SDK numbers those)."""
    return sum(r.headers.get("x-stainless-retry-count", "0") == "0" for r in server.requests)


def run_mode(
    mode: str, entries: list[str], args: argparse.Namespace
) -> dict[str, tuple[Outcome, int]]:
    """Each entry point's outcome and how many model calls it made (1 when run in parallel)."""
    if args.parallel:
        with FaultServer(mode, content=answer_for, drip=args.drip) as server:
            together = run_entries(entries, server.url, args.timeout)
        return {entry: (outcome, 1) for entry, outcome in together.items()}
    outcomes = {}
    for entry in entries:  # a fresh server each, so "rate_limit" turns every entry away once
        with FaultServer(mode, content=answer_for, drip=args.drip) as server:
            outcome = run_entry(entry, server.url, args.timeout)
        outcomes[entry] = (outcome, max(calls_made(server), 1))
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
        "seconds, outcome; * = over its limit"
    )
    print(" " * width + " ".join(f"{name:>10}" for name in names))
    held = tried = 0
    slowest = 0.0
    several = []
    started = time.monotonic()
    for mode in args.modes:
        outcomes = run_mode(mode, args.entries, args)
        cells = []
        for entry in args.entries:
            outcome, calls = outcomes[entry]
            ok = outcome.elapsed <= calls * limit
            tried, held = tried + 1, held + ok
            slowest = max(slowest, outcome.elapsed / calls)
            if calls > 1 and outcome.elapsed > limit:
                several.append(f"{entry} x {mode}: {calls} calls, limit {calls * limit:g} s")
            cells.append(f"{outcome.elapsed:5.2f}{'*' if not ok else ' '}{short(outcome):>4}")
        print(f"{mode:<{width}}" + " ".join(f"{cell:>10}" for cell in cells))
    for line in several:
        print(f"  {line}")
    print(
        f"\n{held} of {tried} held (every call within {limit:g} s); slowest per call "
        f"{slowest:.2f} s; {len(args.modes)} modes x {len(args.entries)} entry points in "
        f"{time.monotonic() - started:.0f} s"
    )
    print("PASS" if held == tried else "FAIL")
    return 0 if held == tried else 1


if __name__ == "__main__":
    sys.exit(main())
