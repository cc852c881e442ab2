"""Every entry point a learner calls, run once against a server, timed, its outcome kept.

Shared by the fault tests and `scripts/bench_faults.py`. Each entry point takes
the server's URL and a deadline, makes its calls the way a notebook would (a
client from `get_client`, the deadline passed as the helper's own `timeout=`),
and returns what a learner would see. `run_entry` times it and keeps either that
text or the error, with the one line of advice `explain_error` gives for it.

Call `live_settings(key)` first (or set the same variables): the entry points
make live clients, which need a key and live mode.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletionMessageParam

import helpers
from helpers.errors import explain_error
from helpers.evaluation.store import read_results
from helpers.modes.client import api_key, get_async_client, get_client, get_http_client
from helpers.reasoning import Reasoning
from helpers.widgets.step_viewer import StepViewer

QUESTION = "What is 1200 + 34?"
MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": QUESTION}]
MODEL = "fault-test-model"


def fake_key() -> str:
    """A key-shaped secret made at run time (no key-shaped literal in the repository)."""
    return "sk-" + "faultsuite" * 4


def live_settings(key: str) -> dict[str, str]:
    """The environment the entry points need: live mode with `key`, no other server."""
    return {"OPENAI_API_KEY": key, "HOMEMADE_O1_MODE": "live", "HOMEMADE_O1_MODEL": MODEL}


def _client(url: str, **options: Any) -> Any:
    return get_client(base_url=url, max_retries=2, **options)


def _show(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


# ---- the entry points ------------------------------------------------------------------
def think_plain(url: str, timeout: float) -> str:
    reasoning = helpers.think(QUESTION, client=_client(url), timeout=timeout)
    return f"{reasoning.result!r} complete={reasoning.complete} {reasoning!r}"


def think_stream(url: str, timeout: float) -> str:
    viewer = StepViewer.live(QUESTION)
    try:
        reasoning = helpers.think(
            QUESTION, client=_client(url), stream=True, viewer=viewer, timeout=timeout
        )
    finally:
        LAST_VIEWER_TEXT["think(stream)"] = viewer.visible_text()
    return f"{reasoning.result!r} complete={reasoning.complete} {reasoning!r}"


def step_loop(url: str, timeout: float) -> str:
    reasoning = helpers.step_loop(QUESTION, client=_client(url), max_steps=3, timeout=timeout)
    return f"{reasoning.result!r} complete={reasoning.complete} {reasoning!r}"


def self_consistency(url: str, timeout: float) -> str:
    vote = helpers.self_consistency(QUESTION, client=_client(url), samples=3, timeout=timeout)
    return f"{vote.answer!r} {vote.describe()} {vote.to_text()}"


def self_check(url: str, timeout: float) -> str:
    reasoning = Reasoning(steps=["1200 + 34 = 1234."], result="1234", question=QUESTION)
    review = helpers.self_check(reasoning, client=_client(url), timeout=timeout)
    return f"{review.describe()} {review!r}"


def run_tool_agent(url: str, timeout: float) -> str:
    run = helpers.run_tool_agent(QUESTION, client=_client(url), max_steps=2, timeout=timeout)
    return f"{run.answer!r} {run!r}"


def run_react(url: str, timeout: float) -> str:
    run = helpers.run_react(QUESTION, client=_client(url), max_steps=2, timeout=timeout)
    return f"{run.answer!r} {run!r}"


def evaluate(url: str, timeout: float, results: Path | None = None) -> str:
    """The harness over 4 problems at concurrency 4; its rows are the outcome."""
    problems = helpers.make_problems("arithmetic", 4, seed=7)
    with tempfile.TemporaryDirectory() as folder:
        path = results or Path(folder) / "results.jsonl"
        client = get_async_client(base_url=url, max_retries=2)
        report = helpers.evaluate(
            problems,
            ("direct",),
            client=client,
            concurrency=4,
            results_path=path,
            timeout=timeout,
            progress=False,
        )
        rows = read_results(path)
        text = path.read_text(encoding="utf-8")
    failed = [row["error"] for row in rows if row["error"]]
    if failed:  # the harness keeps failures as rows; the first one is the line to show
        raise HarnessRowsFailed(failed, text)
    return f"{len(rows)} rows {report.run} {text}"


class HarnessRowsFailed(Exception):
    """The harness finished, but some rows are failures (`errors`; `text` is the file)."""

    def __init__(self, errors: list[str], text: str) -> None:
        super().__init__(f"{len(errors)} failed rows; the first: {errors[0]}")
        self.errors = errors
        self.text = text


def client_call(url: str, timeout: float) -> str:
    reply = _client(url, timeout=timeout).chat.completions.create(model=MODEL, messages=MESSAGES)
    return _show(reply.choices[0].message.content)


def client_stream(url: str, timeout: float) -> str:
    stream = _client(url, timeout=timeout).chat.completions.create(
        model=MODEL, messages=MESSAGES, stream=True
    )
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def async_client_call(url: str, timeout: float) -> str:
    async def ask() -> str:
        client = get_async_client(base_url=url, max_retries=2, timeout=timeout)
        try:
            reply = await client.chat.completions.create(model=MODEL, messages=MESSAGES)
        finally:
            await client.close()
        return _show(reply.choices[0].message.content)

    return asyncio.run(ask())


def http_client_call(url: str, timeout: float) -> str:
    with get_http_client(timeout=timeout) as http:
        response = http.post(
            f"{url}/chat/completions",
            headers={"Authorization": f"Bearer {api_key()}"},
            json={"model": MODEL, "messages": MESSAGES},
        )
    return f"{response.status_code} {response.text}"


EntryPoint = Callable[[str, float], str]
ENTRY_POINTS: dict[str, EntryPoint] = {
    "think": think_plain,
    "think(stream)": think_stream,
    "step_loop": step_loop,
    "self_consistency": self_consistency,
    "self_check": self_check,
    "run_tool_agent": run_tool_agent,
    "run_react": run_react,
    "evaluate": evaluate,
    "client": client_call,
    "client(stream)": client_stream,
    "async client": async_client_call,
    "http client": http_client_call,
}
STREAMED = ("think(stream)", "client(stream)")
LAST_VIEWER_TEXT: dict[str, str] = {}


@dataclass
class Outcome:
    """What one entry point did: how long, what it returned or raised, and the advice."""

    entry: str
    elapsed: float
    shown: str = ""
    error: BaseException | None = None

    @property
    def advice(self) -> str:
        if isinstance(self.error, HarnessRowsFailed):
            return self.error.errors[0]
        return explain_error(self.error) if self.error is not None else ""

    @property
    def error_text(self) -> str:
        """Everything a traceback shows of the error: type, message, notes, chained ones."""
        parts, error = [], self.error
        while error is not None:
            parts += [type(error).__name__, str(error), *getattr(error, "__notes__", [])]
            if isinstance(error, HarnessRowsFailed):
                parts += [*error.errors, error.text]
            error = error.__cause__ or error.__context__
        return "\n".join(parts)

    def summary(self) -> str:
        if self.error is None:
            return "ok"
        return f"{type(self.error).__name__}: {self.advice}"


def run_entry(entry: str, url: str, timeout: float) -> Outcome:
    """Run one entry point; never raises (the error is kept in the outcome)."""
    started = time.monotonic()
    try:
        shown = ENTRY_POINTS[entry](url, timeout)
    except Exception as error:  # every failure is an outcome to check
        return Outcome(entry, time.monotonic() - started, error=error)
    return Outcome(entry, time.monotonic() - started, shown=shown)


def import_everything() -> None:
    """Load every module the entry points use, in this thread: several threads importing
    the same modules for the first time at once can hit Python's import deadlock check."""
    for name in ("think", "step_loop", "self_consistency", "self_check", "run_tool_agent"):
        getattr(helpers, name)
    for name in ("run_react", "evaluate", "default_tools"):
        getattr(helpers, name)
    helpers.make_problems("arithmetic", 1, seed=7)


def run_entries(entries: list[str], url: str, timeout: float) -> dict[str, Outcome]:
    """Run entry points at the same time, one thread each (their waits overlap)."""
    from concurrent.futures import ThreadPoolExecutor

    import_everything()

    with ThreadPoolExecutor(max_workers=len(entries)) as pool:
        futures = {entry: pool.submit(run_entry, entry, url, timeout) for entry in entries}
        return {entry: future.result() for entry, future in futures.items()}


def answer_for(body: Any) -> str:
    """Well-formed content for whichever entry point sent `body` (for the "ok" replies)."""
    system = ""
    if isinstance(body, dict) and body.get("messages"):
        system = str(body["messages"][0].get("content") or "")
    if "Thought:" in system or "Final Answer" in system:
        return "Thought: 1200 + 34 is 1234.\nFinal Answer: 1234"
    if "first_wrong_step" in system or "review" in system.lower():
        return json.dumps({"first_wrong_step": None, "reason": "Every step holds."})
    if system.startswith("Reply with the final answer only"):
        return "1234"
    if "tools" in (body or {}):
        return "1234"
    return json.dumps(
        {
            "steps": ["1200 + 34 = 1234."],
            "result": "1234",
            "title": "Final answer",
            "content": "1200 + 34 = 1234.",
            "next_action": "final_answer",
        }
    )


def environment_is_live() -> bool:
    return os.environ.get("HOMEMADE_O1_MODE") == "live"
