"""Benchmark: how soon does a live StepViewer show step 1 of a streamed answer?

Replays a 5-step JSON answer at a fixed pace (default 50 chunks per second, one
token-sized chunk each) into `StepViewer.live()`, and measures, from the start of the
stream:

* when each step's closing quote arrives in the stream, and
* when the viewer shows that step (the moment its widget value is set in the kernel).

Targets: step 1 visible no later than 1.05x the time its closing quote arrived, and at
least 3x sooner than waiting for the whole reply.

Run:  .venv/bin/python scripts/bench_live_reveal.py [--rate 50]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field

from helpers.widgets import StepViewer

QUESTION = 'How many times does the letter "r" appear in "strawberry"?'

# Hand-written step texts, each roughly 60-120 tokens long.
STEP_TEXTS = [
    "The question asks for a count of one letter inside one word, so the answer is a whole "
    "number. Language models read text as tokens rather than letters, which makes this kind of "
    "counting easy to get wrong when it is done from memory. To avoid that, I will not guess. "
    "I will write the word out one letter at a time, look at every letter in order, and only "
    "then count the ones that match.",
    "Writing the word out with a number for each position: 1 s, 2 t, 3 r, 4 a, 5 w, 6 b, 7 e, "
    "8 r, 9 r, 10 y. That gives ten letters in total, which matches the length of the word "
    "strawberry when I count its characters a second time. Nothing is missing and nothing is "
    "doubled by mistake, so this list is a safe base for the next step.",
    "Now I go through the list and keep only the positions that hold the letter r. Position 3 "
    "holds r. Positions 4 to 7 hold a, w, b and e, so they do not count. Position 8 holds r "
    "and position 9 holds r as well. Position 10 is y. So the letter r sits at positions 3, "
    "8 and 9, and nowhere else in the word.",
    "As a check I split the word into two parts that I know well: straw and berry. The first "
    "part, straw, contains a single r. The second part, berry, contains a double r in the "
    "middle, so it has two of them. Adding the parts gives one plus two, which is three. This "
    "agrees with the letter-by-letter count from the step before.",
    "Both methods give the same result, and the second one did not reuse the first one's "
    "list, so the agreement means something. A common wrong answer is two, which comes from "
    "noticing the double r in berry and missing the r in straw. I checked that case "
    "explicitly. I am confident that the letter r appears three times in strawberry.",
]
RESULT = "The letter r appears 3 times in strawberry."

_TOKEN = re.compile(r"\s?[A-Za-z]{1,6}|\s?\d{1,3}|\s?[^\sA-Za-z\d]|\s+")


@dataclass
class Run:
    """What happened during one replay, in seconds from the start of the stream."""

    quote_arrived: list[float] = field(default_factory=list)  # per step
    visible: list[float] = field(default_factory=list)  # per step
    whole_reply: float = 0.0
    feed_costs: list[float] = field(default_factory=list)  # seconds spent in feed()


def token_chunks(text: str) -> list[str]:
    """Split text into token-sized pieces (a word of up to 6 letters, a digit group, a symbol)."""
    return _TOKEN.findall(text)


def synthetic_chunks() -> list[str]:
    """The chunk source: the 5-step answer as JSON, cut into token-sized pieces.

    Swap this for a recorded stream (e.g. SSE deltas replayed through the OpenAI
    client) to measure the real path; the rest of the script only needs the list.
    """
    answer = {f"step{number}": text for number, text in enumerate(STEP_TEXTS, start=1)}
    answer["result"] = RESULT
    chunks = token_chunks(json.dumps(answer, indent=1))
    assert "".join(chunks) == json.dumps(answer, indent=1)
    return chunks


def closing_quote_offsets(text: str) -> list[int]:
    """Index of each step's closing quote in the full reply, found from the parsed JSON.

    Works for string steps (`steps: [...]` or `step1..stepN`), searched in order.
    """
    start = text.index("{")
    answer, _ = json.JSONDecoder().raw_decode(text, start)
    if "steps" in answer:
        values = answer["steps"]
    else:
        values = [value for key, value in answer.items() if key.lower().startswith("step")]
    offsets, position = [], start
    for value in values:
        if not isinstance(value, str):
            raise ValueError("this benchmark times string steps only")
        for encoded in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
            found = text.find(encoded, position)
            if found != -1:
                break
        else:
            raise ValueError(f"step not found in the reply: {value[:40]!r}")
        position = found + len(encoded)
        offsets.append(position - 1)
    return offsets


def replay(chunks: list[str], rate: float) -> Run:
    """Feed `chunks` into a live viewer at `rate` chunks per second; time everything."""
    quote_offsets = closing_quote_offsets("".join(chunks))
    run = Run(quote_arrived=[0.0] * len(quote_offsets), visible=[0.0] * len(quote_offsets))
    viewer = StepViewer.live(QUESTION)
    start = time.perf_counter()

    def on_steps_shown(_change: object) -> None:
        now = time.perf_counter() - start
        for index in range(viewer.revealed):
            if not run.visible[index]:
                run.visible[index] = now

    viewer.steps_html.observe(on_steps_shown, names="value")
    received = 0
    for number, chunk in enumerate(chunks):
        delay = start + number / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        arrived = time.perf_counter() - start
        received += len(chunk)
        for index, offset in enumerate(quote_offsets):
            if received > offset and not run.quote_arrived[index]:
                run.quote_arrived[index] = arrived
        before = time.perf_counter()
        viewer.feed(chunk)
        run.feed_costs.append(time.perf_counter() - before)
    run.whole_reply = time.perf_counter() - start
    viewer.finish(finish_reason="stop")
    return run


def report(run: Run, chunks: int, rate: float) -> bool:
    """Print a table and PASS/FAIL lines; return True when both targets are met."""
    print(f"Replayed {chunks} chunks at {rate:g} chunks/s: the whole reply took", end=" ")
    print(f"{run.whole_reply:.2f} s")
    print()
    print("step | closing quote arrives | shown in viewer | delay  | shown/quote")
    print("-----|-----------------------|-----------------|--------|------------")
    for number, (quote, shown) in enumerate(zip(run.quote_arrived, run.visible), start=1):
        ratio = shown / quote if quote else float("nan")
        print(
            f"{number:>4} | {quote:>19.3f} s | {shown:>13.3f} s |"
            f" {1000 * (shown - quote):>4.1f} ms | {ratio:>10.4f}x"
        )
    print()
    costs_ms = [1000 * cost for cost in run.feed_costs]
    print(
        f"feed() cost per chunk: median {statistics.median(costs_ms):.3f} ms,"
        f" max {max(costs_ms):.3f} ms"
    )
    first_ratio = run.visible[0] / run.quote_arrived[0]
    sooner = run.whole_reply / run.visible[0]
    quote_ok = first_ratio <= 1.05
    sooner_ok = sooner >= 3
    print(
        f"{'PASS' if quote_ok else 'FAIL'}: step 1 shown at {first_ratio:.4f}x its"
        " closing-quote time (target <= 1.05x)"
    )
    print(
        f"{'PASS' if sooner_ok else 'FAIL'}: step 1 shown {sooner:.1f}x sooner than"
        " waiting for the whole reply (target >= 3x)"
    )
    return quote_ok and sooner_ok


def main() -> int:
    """Parse arguments, run the replay, print the report; exit code 1 on a missed target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="chunks per second")
    args = parser.parse_args()
    chunks = synthetic_chunks()
    run = replay(chunks, args.rate)
    return 0 if report(run, len(chunks), args.rate) else 1


if __name__ == "__main__":
    sys.exit(main())
