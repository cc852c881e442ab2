"""Benchmark: does the evaluation harness's concurrency pay, and does resume lose nothing?

Against a local OpenAI-compatible test server on 127.0.0.1 that answers after 200 ms
and turns a seeded fraction of attempts away at once with 429 and `retry-after-ms: 100`
(the SDK waits that long, then retries):

1. 50 problems x the "direct" strategy at concurrency 1, then at concurrency 8.
   Target: concurrency 8 at least 6x faster. Each results file must hold exactly one
   row per (problem, strategy, sample).
2. Kill and resume: a child process runs the same evaluation at concurrency 8 and is
   killed with SIGKILL once about half the results are in its file; a second run then
   resumes from that file. Target: exactly one row per (problem, strategy, sample),
   none lost, none duplicated, and no finished result asked for again.

Prints PASS or FAIL per check; exits 1 on any FAIL.

Run:  .venv/bin/python scripts/bench_evaluate.py [--n 50] [--delay 0.2] [--rate-limited 0.2]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.support.server

import openai  # noqa: E402

from helpers.evaluation.harness import evaluate  # noqa: E402
from helpers.evaluation.problems import make_problems  # noqa: E402
from helpers.evaluation.store import read_results, result_key  # noqa: E402
from helpers.evaluation.strategies import question_for  # noqa: E402
from helpers.modes.recording_files import last_user_message  # noqa: E402
from helpers.modes.wire import chat_completion, error_body  # noqa: E402
from tests.support.server import JsonReply, StubServer  # noqa: E402

STRATEGY = "direct"


class SlowServer:
    """Answers after `delay` seconds; at once refuses a seeded fraction of attempts with 429.

    Whether an attempt is refused depends only on (seed, question, attempt number),
    so every run sees the same pattern, whatever the order of requests.
    """

    def __init__(self, delay: float, rate_limited: float, seed: int = 7) -> None:
        self.delay = delay
        self.rate_limited = rate_limited
        self.seed = seed
        self.attempts: Counter[str] = Counter()
        self.answered: Counter[str] = Counter()  # 200 replies per question
        self.refused = 0
        self._lock = threading.Lock()

    def _refuse(self, question: str, attempt: int) -> bool:
        digest = hashlib.sha256(f"{self.seed}|{question}|{attempt}".encode()).digest()
        return int.from_bytes(digest[:4], "big") / 2**32 < self.rate_limited

    def __call__(self, request) -> JsonReply:
        question = last_user_message(request.body)
        with self._lock:
            attempt = self.attempts[question]
            self.attempts[question] += 1
            refused = self._refuse(question, attempt)
            if refused:
                self.refused += 1
            else:
                self.answered[question] += 1
        if refused:
            body = error_body("Rate limit reached, slow down.", "rate_limit_error")
            # a gateway turns a request away at once; only real answers take model time
            return JsonReply(body, 429, {"retry-after-ms": "100"})
        return JsonReply(chat_completion(request.body, "3"), delay=self.delay)


def run(url: str, path: Path, n: int, concurrency: int, progress: bool = False) -> float:
    client = openai.AsyncOpenAI(base_url=url, api_key="bench", max_retries=8)
    problems = make_problems("mixed", n)
    start = time.perf_counter()
    evaluate(
        problems,
        (STRATEGY,),
        client=client,
        concurrency=concurrency,
        results_path=path,
        progress=progress,
        model="gpt-4o-mini",
    )
    return time.perf_counter() - start


def check_file(path: Path, n: int) -> tuple[bool, str]:
    rows = read_results(path)
    keys = [result_key(row) for row in rows]
    planned = {(p.id, STRATEGY, 0) for p in make_problems("mixed", n)}
    lost = planned - set(keys)
    duplicated = len(keys) - len(set(keys))
    ok = not lost and not duplicated and set(keys) == planned
    return ok, (
        f"{len(rows)} rows, {len(set(keys))} distinct keys, {len(lost)} lost, "
        f"{duplicated} duplicated"
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def speed(args: argparse.Namespace, folder: Path) -> bool:
    times, ok_all = {}, True
    for concurrency in (1, 8):
        server = SlowServer(args.delay, args.rate_limited)
        with StubServer(server) as stub:
            path = folder / f"c{concurrency}.jsonl"
            times[concurrency] = run(stub.url, path, args.n, concurrency)
        ok, text = check_file(path, args.n)
        ok_all &= ok
        print(
            f"concurrency {concurrency}: {times[concurrency]:6.2f} s, {server.refused} requests "
            f"got a 429 and were retried; results file: {text}  {verdict(ok)}"
        )
    ratio = times[1] / times[8]
    bound = args.n / -(-args.n // 8)  # n jobs in rounds of 8, if nothing were ever retried
    print(
        f"speed-up: {ratio:.1f}x (target >= 6x; at most about {bound:.1f}x for {args.n} "
        f"jobs on 8 workers)  {verdict(ratio >= 6)}"
    )
    return ok_all and ratio >= 6


def kill_and_resume(args: argparse.Namespace, folder: Path) -> bool:
    path = folder / "killed.jsonl"
    server = SlowServer(args.delay, args.rate_limited)
    # the kill resets the server's open connections: fine, so no tracebacks for those
    with StubServer(server, quiet_errors=True) as stub:
        child = subprocess.Popen(
            [sys.executable, __file__, "--child", stub.url, str(path), "--n", str(args.n)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            if path.exists() and path.read_bytes().count(b"\n") >= args.n // 2:
                break
            time.sleep(0.005)
        if child.poll() is not None:
            assert child.stderr is not None  # Popen made a pipe for it (stderr=PIPE)
            print(
                f"the child finished before it could be killed: "
                f"{child.stderr.read().decode()[-300:]}"
            )
            return False
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        data = path.read_bytes()
        asked = {p.id: question_for(p) for p in make_problems("mixed", args.n)}
        before = {asked[row["problem_id"]] for row in read_results(path)}
        torn = "" if data.endswith(b"\n") else " (plus a torn last line)"
        print(f"killed the run (SIGKILL) with {len(before)} of {args.n} results in the file{torn}")
        answered_before = Counter(server.answered)
        run(stub.url, path, args.n, 8)
    ok, text = check_file(path, args.n)
    repaid = sum(server.answered[q] - answered_before[q] for q in before)
    lost_in_flight = sum(answered_before[q] for q in answered_before if q not in before)
    print(
        f"resumed: {text}; finished results asked again: {repaid} "
        f"(answers in flight at the kill, never saved, asked again: {lost_in_flight})"
    )
    good = ok and repaid == 0
    print(f"kill-and-resume: {verdict(good)}")
    return good


def child(url: str, path: str, n: int) -> None:
    run(url, Path(path), n, 8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="problems (default 50)")
    parser.add_argument("--delay", type=float, default=0.2, help="server delay in seconds")
    parser.add_argument(
        "--rate-limited",
        type=float,
        default=0.2,
        help="fraction of attempts refused with 429 (default 0.2)",
    )
    parser.add_argument("--child", nargs=2, metavar=("URL", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, path = args.child  # nargs=2
        child(url, path, args.n)
        return 0
    print(
        f"{args.n} problems x strategy {STRATEGY!r}; the server answers after "
        f"{args.delay * 1000:.0f} ms and at once refuses {args.rate_limited:.0%} of attempts "
        "with 429 (retry-after-ms: 100)"
    )
    with tempfile.TemporaryDirectory() as folder:
        results = [speed(args, Path(folder)), kill_and_resume(args, Path(folder))]
    print(f"overall: {verdict(all(results))}")
    return 0 if all(results) else 1


if __name__ == "__main__":
    os.environ.setdefault("HOMEMADE_O1_MODE", "offline")  # never reach a real model by accident
    sys.exit(main())
