"""Benchmark: how soon does a live StepViewer show step 1 of a streamed answer?

Replays notebook 04's recorded 5-step streamed answer through the same path the
notebook uses: a real `openai.OpenAI` client from `helpers.get_client("offline")`,
whose HTTP transport replays the recorded server-sent events at a fixed token rate
(`HOMEMADE_O1_PACE`: chunks per second, one token-sized chunk each), and
`helpers.think(question, stream=True, viewer=viewer)` feeding a live `StepViewer`.

A thin clock around the replay transport notes when each event leaves the "network"
(the moment a live server's bytes would arrive), and the viewer notes when each step
becomes visible, that is when its widget value is set in the kernel (with a browser
attached, the update is sent at that moment). Between the two lie the SDK's SSE
decoding, `think`'s loop, the incremental JSON reader and the rendering.

Targets: step 1 visible no later than 1.05x the time its closing quote arrived, and
at least 3x sooner than waiting for the whole reply (its last event).

The recording is hand-written, but the timings are real measurements of this code.

Run:  .venv/bin/python scripts/bench_live_reveal.py [--rate 60] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai

import helpers
from helpers.modes.client import load_library
from helpers.modes.settings import recordings_dir, stream_pace
from helpers.modes.transports import ReplayTransport
from helpers.modes.wire import split_into_tokens

RECORDINGS = "04_step_widget"


@dataclass
class Run:
    """What happened during one replay, in seconds from the moment `think` was called."""

    quote_arrived: list[float]  # per step: when its closing quote left the transport
    visible: list[float]  # per step: when the viewer showed it
    whole_reply: float  # when the last event of the reply arrived
    returned: float  # when think() returned the parsed answer
    feed_costs: list[float] = field(default_factory=list)  # seconds spent in viewer.feed()


class _ClockedStream(httpx2.SyncByteStream):
    """Passes the replayed events through, noting when each one is handed over."""

    def __init__(self, inner: Any, events: list[tuple[float, str]]) -> None:
        self.inner = inner
        self.events = events

    def __iter__(self) -> Iterator[bytes]:
        for piece in self.inner:
            self.events.append((time.perf_counter(), _delta_text(piece)))
            yield piece

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


class ArrivalClock(httpx2.BaseTransport):
    """Wraps a transport; `events` lists (time, content delta) for every event it delivers."""

    def __init__(self, inner: httpx2.BaseTransport) -> None:
        self.inner = inner
        self.events: list[tuple[float, str]] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self.inner.handle_request(request)
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=_ClockedStream(response.stream, self.events),
            request=request,
        )


def _delta_text(event: bytes) -> str:
    """The content delta inside one `data: {...}` server-sent event ("" if none)."""
    text = event.decode("utf-8").strip()
    if not text.startswith("data: ") or text == "data: [DONE]":
        return ""
    chunk = json.loads(text.removeprefix("data: "))
    choices = chunk.get("choices") or [{}]
    return (choices[0].get("delta") or {}).get("content") or ""


class TimedViewer(helpers.StepViewer):
    """A StepViewer that notes when each step becomes visible and what feed() costs."""

    def start_timing(self, start: float) -> None:
        self.start = start
        self.shown_at: list[float] = []
        self.feed_costs: list[float] = []
        self.steps_html.observe(self._note_shown, names="value")

    def _note_shown(self, _change: object) -> None:
        now = time.perf_counter() - self.start
        while len(self.shown_at) < self.revealed:
            self.shown_at.append(now)

    def feed(self, delta: str) -> list[str]:
        before = time.perf_counter()
        new_steps = super().feed(delta)
        self.feed_costs.append(time.perf_counter() - before)
        return new_steps


def recorded_question() -> str:
    """The question of notebook 04's complete streamed answer (streamed, no max_tokens)."""
    for path in sorted((recordings_dir() / RECORDINGS).glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))["request"]["body"]
        if body.get("stream") and "max_tokens" not in body:
            return body["messages"][-1]["content"]
    raise SystemExit(f"no complete streamed answer found in {RECORDINGS}/")


def closing_quote_offsets(text: str, steps: list[str]) -> list[int]:
    """Index of each step's closing quote in the reply text, searched in order."""
    offsets, position = [], 0
    for step in steps:
        for encoded in (json.dumps(step, ensure_ascii=False), json.dumps(step)):
            found = text.find(encoded, position)
            if found != -1:
                break
        else:
            raise ValueError(f"step not found in the reply: {step[:40]!r}")
        position = found + len(encoded)
        offsets.append(position - 1)
    return offsets


def replay(question: str) -> tuple[Run, helpers.Reasoning]:
    """Stream the recorded answer into a live viewer once; time everything."""
    clock = ArrivalClock(ReplayTransport(load_library(), pace=stream_pace()))
    client = helpers.get_client(
        "offline", http_client=openai.DefaultHttpxClient(transport=clock), max_retries=0
    )
    viewer = TimedViewer.live(question)
    start = time.perf_counter()
    viewer.start_timing(start)
    reasoning = helpers.think(question, client=client, stream=True, viewer=viewer)
    returned = time.perf_counter() - start

    received, arrivals = "", []
    for moment, delta in clock.events:
        received += delta
        arrivals.append((moment - start, len(received)))
    offsets = closing_quote_offsets(received, reasoning.steps)
    quote_arrived = [next(t for t, size in arrivals if size > offset) for offset in offsets]
    run = Run(
        quote_arrived=quote_arrived,
        visible=viewer.shown_at[: len(offsets)],
        whole_reply=arrivals[-1][0],
        returned=returned,
        feed_costs=viewer.feed_costs,
    )
    return run, reasoning


def report(runs: list[Run], rate: float, chunks: int) -> bool:
    """Print a table (medians over the runs) and PASS/FAIL lines; True when both targets hold."""
    steps = len(runs[0].quote_arrived)
    whole = statistics.median(run.whole_reply for run in runs)
    print(f"Notebook 04's recorded answer: {steps} steps, {chunks} content chunks, replayed")
    print(f"at {rate:g} chunks (tokens) per second through helpers.get_client('offline') and")
    print(f"helpers.think(stream=True, viewer=...); {len(runs)} run(s), medians shown.")
    print(f"Whole reply arrived after {whole:.3f} s; think() returned after", end=" ")
    print(f"{statistics.median(run.returned for run in runs):.3f} s.")
    print()
    print("step | closing quote arrives | shown in viewer | delay   | shown/quote")
    print("-----|-----------------------|-----------------|---------|------------")
    for index in range(steps):
        quote = statistics.median(run.quote_arrived[index] for run in runs)
        shown = statistics.median(run.visible[index] for run in runs)
        print(
            f"{index + 1:>4} | {quote:>19.3f} s | {shown:>13.3f} s |"
            f" {1000 * (shown - quote):>4.2f} ms | {shown / quote:>10.4f}x"
        )
    print()
    costs_ms = [1000 * cost for run in runs for cost in run.feed_costs]
    print(
        f"viewer.feed() per chunk: median {statistics.median(costs_ms):.3f} ms,"
        f" max {max(costs_ms):.3f} ms"
    )
    worst_ratio = max(run.visible[0] / run.quote_arrived[0] for run in runs)
    worst_sooner = min(run.whole_reply / run.visible[0] for run in runs)
    quote_ok, sooner_ok = worst_ratio <= 1.05, worst_sooner >= 3
    print(
        f"{'PASS' if quote_ok else 'FAIL'}: step 1 shown at {worst_ratio:.4f}x its"
        " closing-quote time (worst run; target <= 1.05x)"
    )
    print(
        f"{'PASS' if sooner_ok else 'FAIL'}: step 1 shown {worst_sooner:.1f}x sooner than"
        " waiting for the whole reply (worst run; target >= 3x)"
    )
    return quote_ok and sooner_ok


def main() -> int:
    """Parse arguments, run the replays, print the report; exit code 1 on a missed target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=60.0, help="tokens (chunks) per second")
    parser.add_argument("--runs", type=int, default=3, help="how many replays to time")
    args = parser.parse_args()
    if args.rate <= 0 or args.runs < 1:
        parser.error("--rate must be above 0 and --runs at least 1")
    os.environ["HOMEMADE_O1_PACE"] = str(args.rate)  # read by the replay transport
    question = recorded_question()
    runs, chunks = [], 0
    for _ in range(args.runs):
        run, reasoning = replay(question)
        runs.append(run)
        chunks = len(split_into_tokens(reasoning.raw))
    return 0 if report(runs, args.rate, chunks) else 1


if __name__ == "__main__":
    sys.exit(main())
