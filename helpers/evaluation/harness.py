"""`evaluate()`: ask many problems with several strategies, keep every result, report.

    problems = helpers.make_problems("letters", 30)
    report = helpers.evaluate(problems, ("direct", "cot"), results_path="results/letters.jsonl")
    report            # accuracy with 95% intervals, tokens, cost, latency
    report.plot()     # accuracy against cost

How it runs:

* **Async, bounded.** Up to `concurrency` problems are in flight at once (each
  strategy's calls for one problem run one after the other); `requests_per_minute`
  optionally spaces calls out.
* **Retries by the SDK.** 429s, 5xx errors, timeouts and dropped connections are
  retried `max_retries` times by the `openai` SDK itself, with exponential backoff
  that honours the server's `Retry-After` / `retry-after-ms`. `timeout` is the
  deadline of each whole call, its retries included (default `HOMEMADE_O1_TIMEOUT`,
  else 120 s); a call that runs out of it is a failed call, and the run goes on.
* **Every result is kept** in `results_path` (JSON Lines, one line per
  (problem, strategy, sample)), written as it arrives. Run again with the same file
  and only the missing results are asked for.
* **Failures are results.** A reply that cannot be used (cut off, unreadable,
  refused, a loop with no answer) is kept as a failure and never asked again: the
  model answered and you paid. A call that still failed after the SDK's retries
  (rate limit, timeout, server error, a body that is not JSON) is a failure of
  *this* run's report, and the next run with the same file asks it again (unless
  `retry_failed_calls=False`).
  A wrong key, an unknown model or no credit stops the run at once with advice:
  every other call would fail the same way.

In a notebook, `helpers.evaluate(...)` runs in a helper thread (the notebook's own
event loop is busy); `await helpers.evaluate_async(...)` does the same without one.
Progress is shown by tqdm's automatic bar: a widget in a notebook, a line in a
terminal.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai

from helpers.errors import add_advice, explain_error
from helpers.evaluation.pacing import RequestPacer
from helpers.evaluation.problems import Problem
from helpers.evaluation.report import Report, RunSummary, build_report
from helpers.evaluation.store import ResultsFileError, ResultStore, result_key
from helpers.evaluation.strategies import (
    Answer,
    ChatCaller,
    Strategy,
    UnusableAnswer,
    get_strategy,
)
from helpers.modes.client import drafts_dir, get_async_client
from helpers.modes.recording_files import RecordingNotFoundError
from helpers.modes.settings import ConfigurationError, default_model, resolve_mode
from helpers.reasoning import Usage

DEFAULT_MAX_RETRIES = 3


@dataclass(frozen=True)
class Job:
    """One thing to ask: a problem, a strategy, and which sample (0, 1, ...) it is."""

    problem: Problem
    strategy: Strategy
    sample: int

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.problem.id, self.strategy.name, self.sample)


def plan_jobs(
    problems: Sequence[Problem], strategies: Sequence[Strategy], samples: int
) -> list[Job]:
    """Every (problem, strategy, sample), problem by problem, so a partial run is balanced."""
    return [
        Job(problem, strategy, sample)
        for problem in problems
        for strategy in strategies
        for sample in range(samples)
    ]


def is_fatal(error: BaseException) -> bool:
    """Errors that every other call would hit too, so the run stops instead of going on."""
    if isinstance(error, RecordingNotFoundError):
        return drafts_dir() is None  # maintainers collecting drafts want every miss at once
    if isinstance(error, openai.RateLimitError):
        body = error.body if isinstance(error.body, dict) else {}
        inner = body.get("error", body) if isinstance(body, dict) else {}
        return isinstance(inner, dict) and inner.get("code") == "insufficient_quota"
    return isinstance(
        error,
        (
            ConfigurationError,
            openai.AuthenticationError,
            openai.PermissionDeniedError,
            openai.NotFoundError,
        ),
    )


@dataclass
class _Run:
    """Everything one evaluation needs: `evaluate`'s arguments, checked once.

    `evaluate` is where the arguments are written down and documented;
    `evaluate_async` takes the same ones, and both turn them into a `_Run` with
    `_checked_run`.
    """

    problems: list[Problem]
    strategies: list[Strategy]
    client: Any
    model: str
    concurrency: int
    results_path: Path | None
    samples: int
    requests_per_minute: float | None
    timeout: float | None
    max_retries: int | None
    limit: int | None
    progress: bool
    retry_failed_calls: bool
    options: dict[str, Any]


def _checked_run(
    problems: Sequence[Problem],
    strategies: Sequence[str | Strategy] | str | Strategy,
    *,
    model: str | None,
    results_path: str | Path | None,
    options: dict[str, Any],
    **settings: Any,
) -> _Run:
    """`evaluate`'s arguments as a `_Run`, or a ValueError saying which one is wrong."""
    problems = list(problems)
    if not problems or not all(isinstance(p, Problem) for p in problems):
        raise ValueError("problems must be a non-empty list of Problem (helpers.make_problems)")
    ids = [p.id for p in problems]
    if len(set(ids)) != len(ids):
        raise ValueError("two problems share an id; results are filed by id, so ids must differ")
    if isinstance(strategies, (str, Strategy)):
        strategies = [strategies]
    chosen = [get_strategy(s) for s in strategies]
    names = [s.name for s in chosen]
    if not chosen or len(set(names)) != len(names):
        raise ValueError(f"strategies must be a non-empty list of distinct names, not {names}")
    for name in ("concurrency", "samples"):
        if not isinstance(settings[name], int) or settings[name] < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, not {settings[name]!r}")
    if settings["limit"] is not None and settings["limit"] < 0:
        raise ValueError(f"limit must be 0 or more, not {settings['limit']!r}")
    try:  # options are stored with every result, so they must be plain JSON
        options = json.loads(json.dumps(options))
    except TypeError as error:
        raise ValueError(f"request options must be JSON values ({error})") from None
    return _Run(
        problems=problems,
        strategies=chosen,
        model=model or default_model(),
        results_path=Path(results_path) if results_path is not None else None,
        options=options,
        progress=bool(settings.pop("progress")),
        **settings,
    )


def _client_for(run: _Run) -> tuple[Any, bool]:
    """(client to use, whether we made it and must close it)."""
    if run.client is None:
        retries = DEFAULT_MAX_RETRIES if run.max_retries is None else run.max_retries
        return get_async_client(max_retries=retries, timeout=run.timeout), True
    if not isinstance(run.client, (openai.AsyncOpenAI, openai.OpenAI)):
        raise TypeError(
            "client must be an openai.AsyncOpenAI (helpers.get_async_client()) or an openai.OpenAI"
        )
    if run.max_retries is not None:
        return run.client.with_options(max_retries=run.max_retries), False
    return run.client, False


def _secrets(run: _Run) -> tuple[str, ...]:
    """The key of the client given to the run (the store keeps it out of the results)."""
    key = getattr(run.client, "api_key", None)
    return (key,) if isinstance(key, str) and key else ()


def _check_same_setup(store: ResultStore, run: _Run) -> None:
    """Refuse to mix results made with another prompt, model or options into this file."""
    expected = {s.name: s.prompt_id for s in run.strategies}
    calls_a_server = run.client is None and resolve_mode() != "offline"
    for row in store.rows:
        name = row.get("strategy")
        if name not in expected:
            continue
        differences = []
        if row.get("prompt_id") != expected[name]:
            differences.append(
                f"its prompt or settings (prompt_id {row.get('prompt_id')} there, "
                f"{expected[name]} now)"
            )
        if row.get("model") != run.model:
            differences.append(f"the model ({row.get('model')} there, {run.model} now)")
        if (row.get("options") or {}) != run.options:
            differences.append(f"the options ({row.get('options') or {}} there, {run.options} now)")
        if row.get("origin") and calls_a_server:
            differences.append("where answers come from (replayed offline there, live now)")
        if differences:
            where = store.path.name if store.path else "the results"
            raise ResultsFileError(
                f"{where} already holds {name!r} results made with a different setup: "
                f"{'; '.join(differences)}. Use another results_path (or another strategy "
                "name), so results from different setups are never mixed."
            )


def make_row(
    problem: Problem,
    strategy: Strategy,
    sample: int,
    *,
    model: str,
    options: dict[str, Any],
    answer: Answer | None,
    error: str | None = None,
    error_kind: str | None = None,
    calls: Sequence[Usage] = (),
    latency: float | None = None,
    served_by: str | None = None,
    origin: str | None = None,
) -> dict[str, Any]:
    """One result as it is stored: what was asked, what came back, what it cost."""
    usage = Usage.total(calls) or Usage(calls=0)
    result = answer.result if answer is not None else None
    return {
        "problem_id": problem.id,
        "strategy": strategy.name,
        "sample": sample,
        "prompt_id": strategy.prompt_id,
        "model": model,
        "options": options,
        "family": problem.family,
        "question": problem.question,
        "answer": problem.answer,
        "result": result,
        "correct": result is not None and problem.check(result),
        "error": error,
        "error_kind": error_kind,
        "steps": answer.steps if answer is not None else 0,
        "calls": len(calls),
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "latency": None if latency is None else round(latency, 4),
        "served_by": served_by,
        "origin": origin,
    }


async def _ask(job: Job, run: _Run, client: Any, pacer: RequestPacer | None) -> dict[str, Any]:
    """Run one job and return its result row (failures included)."""
    chat = ChatCaller(client, run.model, timeout=run.timeout, pacer=pacer, options=run.options)
    started = time.perf_counter()
    answer, error, kind = None, None, None
    try:
        answer = await job.strategy.answer(job.problem, chat)
    except UnusableAnswer as unusable:
        error, kind = str(unusable), "answer"
    except openai.OpenAIError as failed:
        if is_fatal(failed):
            add_advice(failed)
            raise
        error, kind = f"{type(failed).__name__}: {explain_error(failed)}", "call"
    return make_row(
        job.problem,
        job.strategy,
        job.sample,
        model=run.model,
        options=run.options,
        answer=answer,
        error=error,
        error_kind=kind,
        calls=chat.calls,
        latency=time.perf_counter() - started,
        served_by=chat.served_by,
        origin=chat.origin,
    )


async def _evaluate(run: _Run, bar: Any) -> Report:
    """Run what is still to do and build the report; `bar` is a tqdm bar or None."""
    jobs = plan_jobs(run.problems, run.strategies, run.samples)
    planned = {job.key for job in jobs}
    with ResultStore(run.results_path, secrets=_secrets(run)) as store:
        _check_same_setup(store, run)
        failed_calls: set[tuple[str, str, int]] = set()
        if run.retry_failed_calls:  # a call that failed earlier is asked again...
            failed_calls = {
                result_key(r)
                for r in store.rows
                if r.get("error_kind") == "call" and result_key(r) in planned
            }
        todo = [job for job in jobs if job.key not in store.keys or job.key in failed_calls]
        if run.limit is not None:
            todo = todo[: run.limit]
        # ...and its old failure leaves the file just before (only if it is asked now)
        retried = store.forget(job.key for job in todo if job.key in failed_calls)
        reused = len(store.keys & planned)
        summary = RunSummary(
            planned=len(jobs),
            reused=reused,
            new=0,
            retried=retried,
            not_run=len(jobs) - reused - len(todo),
        )
        if bar is not None:  # now the size is known: results to have, of which done already
            bar.reset(total=len(jobs) - summary.not_run)
            bar.initial = bar.n = reused
            bar.set_description(", ".join(s.name for s in run.strategies))
        try:
            if todo:
                await _work(todo, run, store, bar, summary)
        finally:
            if bar is not None:
                # the count says how far it got; the summary is the caller's to print
                # (report.run), so the bar does not repeat it
                bar.set_postfix_str("", refresh=False)
                bar.close()
        results = [row for row in store.rows if result_key(row) in planned]
    return build_report(
        results, run.problems, [s.name for s in run.strategies], model=run.model, run=summary
    )


async def _work(
    todo: list[Job],
    run: _Run,
    store: ResultStore,
    bar: Any,
    summary: RunSummary,
) -> None:
    client, owned = _client_for(run)
    pacer = RequestPacer(run.requests_per_minute) if run.requests_per_minute else None
    queue = deque(todo)

    async def worker() -> None:
        while queue:
            job = queue.popleft()
            row = await _ask(job, run, client, pacer)
            if store.append(row):
                summary.new += 1
                summary.failed_calls += row["error_kind"] == "call"
                if bar is not None:
                    mark = "ok" if row["correct"] else ("failed" if row["error"] else "wrong")
                    bar.set_postfix_str(f"{job.strategy.name} {job.problem.id}: {mark}", False)
                    bar.update(1)

    tasks = [asyncio.ensure_future(worker()) for _ in range(min(run.concurrency, len(todo)))]
    try:
        await asyncio.gather(*tasks)
    except BaseException:  # a fatal error, or the run was cancelled: stop the other workers
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    finally:
        if owned:
            await client.close()
        summary.not_run += len(queue)


def evaluate(
    problems: Sequence[Problem],
    strategies: Sequence[str | Strategy] = ("direct", "cot"),
    *,
    client: openai.AsyncOpenAI | openai.OpenAI | None = None,
    model: str | None = None,
    concurrency: int = 8,
    results_path: str | Path | None = None,
    samples: int = 1,
    requests_per_minute: float | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
    limit: int | None = None,
    progress: bool = True,
    retry_failed_calls: bool = True,
    **options: Any,
) -> Report:
    """Ask every problem with every strategy (`samples` times each) and report.

    Args:
        problems: the problems (`helpers.make_problems(...)`); ids must be distinct.
        strategies: names ("direct", "cot", "loop") or `Strategy` objects
            (`helpers.get_strategy("loop", max_steps=5)`).
        client: an `openai.AsyncOpenAI` (`helpers.get_async_client()`) or `openai.OpenAI`;
            by default one is made for the current mode. `evaluate` runs on an event
            loop of its own (in a helper thread), so an async client given here should
            not also be awaited elsewhere: its connections belong to one loop. In a
            notebook, `await evaluate_async(...)` uses the notebook's own loop instead.
        model: the model name (default: `helpers.default_model()`).
        concurrency: how many problems are in flight at once.
        results_path: a JSONL file to keep every result in, and to resume from.
            None keeps results in memory only.
        samples: how many times to ask each (problem, strategy); set a `temperature`
            above 0 so that samples can differ. Samples of one problem are not
            independent, so the intervals are then a little too narrow.
        requests_per_minute: at most this many calls start per minute (None: no cap).
        timeout: the deadline in seconds of each call, every retry and wait included
            (default: your client's own timeout, else `HOMEMADE_O1_TIMEOUT`, else 120 s).
        max_retries: how often the SDK retries a 429, 5xx, timeout or dropped
            connection (default 3 for the client made here; your client's own otherwise).
        limit: ask at most this many new (problem, strategy, sample) results now; run
            again later to continue (handy to check the cost of a few first).
        progress: show tqdm's progress bar (a widget in notebooks, a line in terminals).
        retry_failed_calls: ask again, in this run, for results whose call failed in
            an earlier run (rate limits, timeouts, server errors).
        **options: passed to every request, e.g. `temperature=0`; they override a
            strategy's own setting of the same name (None removes it).

    Returns:
        A `Report` covering every result in the file for these problems and
        strategies; `report.run` says what this call itself did.

    Raises:
        ResultsFileError: the results file holds results made with a different
            prompt, model or options, or another run is writing to it.
        openai.OpenAIError: a wrong key, unknown model, no credit, or (offline) a
            request with no recording; results finished before it are kept.
    """
    run = _checked_run(**locals())  # every argument above, checked once
    bar = _progress_bar(run.progress)  # made here, so a notebook shows it under this cell
    return _run_in_background(run, bar)


async def evaluate_async(*args: Any, **kwargs: Any) -> Report:
    """The async form of `evaluate`, with the same arguments: `await` it in a notebook or
    an app, and it runs on the event loop that is already there."""
    bound = inspect.signature(evaluate).bind(*args, **kwargs)
    bound.apply_defaults()
    run = _checked_run(**bound.arguments)
    return await _evaluate(run, _progress_bar(run.progress))


evaluate_async.__signature__ = inspect.signature(evaluate)  # type: ignore[attr-defined]


def _progress_bar(show: bool) -> Any:
    """tqdm's automatic bar (a widget in a notebook, a line in a terminal), or None.

    Its size is not known yet (the results file may hold some results already), so it
    starts empty; `_evaluate` sets it once the plan is made.
    """
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=None, desc="evaluate", unit=" results", leave=True)


_background_lock = threading.Lock()
_background_loop: asyncio.AbstractEventLoop | None = None


def _event_loop() -> asyncio.AbstractEventLoop:
    """One event loop in a helper thread, kept for every `evaluate` call.

    A notebook's own loop is busy running the cell, so `evaluate` cannot use it.
    Keeping one loop (rather than a new one per call) lets an `AsyncOpenAI`
    client be reused across calls: its open connections belong to one loop.
    """
    global _background_loop
    with _background_lock:
        if _background_loop is None or _background_loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="helpers.evaluate", daemon=True).start()
            _background_loop = loop
        return _background_loop


def _run_in_background(run: _Run, bar: Any) -> Report:
    """Run the evaluation on the helper thread's loop and wait for it.

    Stopping the cell or pressing Ctrl-C (KeyboardInterrupt) cancels the calls in
    flight; results finished before that are already in the file.
    """
    finished = threading.Event()

    async def guarded() -> Report:
        try:
            return await _evaluate(run, bar)
        finally:
            finished.set()

    future = asyncio.run_coroutine_threadsafe(guarded(), _event_loop())
    try:
        while not finished.wait(0.1):
            pass
    except KeyboardInterrupt:
        future.cancel()
        finished.wait(30)  # let the run close its file and release its lock
        raise
    return future.result()
