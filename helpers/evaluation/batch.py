"""The same problems through OpenAI's Batch API: about half the price, answers within 24 hours.

    requests = helpers.batch_requests(problems, "cot")     # one per (problem, sample)
    helpers.write_batch_file("results/batch.jsonl", requests)
    # upload it, start the batch, wait, download the output (docs/scaling.md), then:
    rows = helpers.batch_results(output_text, problems, "cot")
    report = helpers.build_report(rows, problems, ["cot"])

The requests are exactly the ones `evaluate` sends, and the answers are read with
the same rules, so the report is comparable. Only strategies of one call can be
batched: in the "loop", every call needs the reply to the one before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.evaluation.harness import make_row
from helpers.evaluation.problems import Problem
from helpers.evaluation.strategies import Answer, Reply, Strategy, UnusableAnswer, get_strategy
from helpers.modes.settings import default_model
from helpers.reasoning import Usage
from helpers.token_limits import named_limit, requested_limit

BATCH_URL = "/v1/chat/completions"


@dataclass(frozen=True)
class _OneCall:
    """A strategy that asks once per answer: how it writes its request and reads its reply."""

    strategy: Strategy
    messages: Callable[[Problem], list[dict[str, Any]]]
    read: Callable[..., Answer]


def _one_call(strategy: str | Strategy) -> _OneCall:
    chosen = get_strategy(strategy)
    if chosen.messages is None or chosen.read is None:
        raise ValueError(
            f"strategy {chosen.name!r} makes several calls per answer, each needing the reply "
            "to the one before, so it cannot go through the Batch API; use 'direct' or 'cot'."
        )
    return _OneCall(chosen, chosen.messages, chosen.read)


def _settings(chosen: Strategy, options: dict[str, Any]) -> dict[str, Any]:
    """The strategy's settings with `options` on top (a limit in `options`, under either
    name, replaces the strategy's; None removes a setting)."""
    settings = dict(chosen.settings)
    if requested_limit(options)[0]:
        settings = named_limit(settings, "max_tokens", None)
    return {k: v for k, v in {**settings, **options}.items() if v is not None}


def _custom_id(problem: Problem, strategy: Strategy, sample: int) -> str:
    return f"{problem.id}|{strategy.name}|{sample}"


def batch_requests(
    problems: Sequence[Problem],
    strategy: str | Strategy = "cot",
    *,
    model: str | None = None,
    samples: int = 1,
    **options: Any,
) -> list[dict[str, Any]]:
    """One Batch API request per (problem, sample), as dicts ready to write as JSONL.

    `custom_id` is "problem_id|strategy|sample", so every answer finds its problem.
    `options` (e.g. `temperature`) override the strategy's settings, as in `evaluate`.
    The token limit goes as `max_completion_tokens`, the name OpenAI's API wants.
    """
    one_call = _one_call(strategy)
    chosen = one_call.strategy
    model = model or default_model()
    settings = _settings(chosen, options)
    settings = named_limit(settings, "max_completion_tokens", requested_limit(settings)[1])
    return [
        {
            "custom_id": _custom_id(problem, chosen, sample),
            "method": "POST",
            "url": BATCH_URL,
            "body": {"model": model, "messages": one_call.messages(problem), **settings},
        }
        for problem in problems
        for sample in range(samples)
    ]


def write_batch_file(path: str | Path, requests: Iterable[dict[str, Any]]) -> Path:
    """Write requests as the JSONL file the Batch API takes (one request per line)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for request in requests:
            out.write(json.dumps(request, ensure_ascii=False) + "\n")
    return path


def _output_lines(output: str | Path | Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(output, Path):
        output = output.read_text(encoding="utf-8")
    if isinstance(output, str):
        return [json.loads(line) for line in output.splitlines() if line.strip()]
    return list(output)


def _reply_from(body: dict[str, Any]) -> tuple[Reply, Usage | None]:
    choice = (body.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    usage = Usage.from_api(body.get("usage"))
    reply = Reply(
        message.get("content"),
        choice.get("finish_reason"),
        message.get("refusal"),
        usage,
        body.get("model"),
        None,
    )
    return reply, usage


def batch_results(
    output: str | Path | Iterable[dict[str, Any]],
    problems: Sequence[Problem],
    strategy: str | Strategy = "cot",
    *,
    model: str | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Turn a Batch API output file (its text, its path, or parsed lines) into result rows.

    Rows have the same shape as `evaluate`'s, so `build_report` reads them. A
    request the batch could not run (an `error`, or a status other than 200) is a
    failed call; an answer that cannot be used is a failure, as in `evaluate`.
    There is no latency for batched answers.
    """
    one_call = _one_call(strategy)
    chosen = one_call.strategy
    model = model or default_model()
    settings = _settings(chosen, options)
    limit = requested_limit(settings)[1]
    by_id = {problem.id: problem for problem in problems}
    rows = []
    for line in _output_lines(output):
        custom_id = str(line.get("custom_id", ""))
        if custom_id.count("|") < 2:
            raise ValueError(f"custom_id {custom_id!r} was not made by batch_requests")
        problem_id, name, sample = custom_id.rsplit("|", 2)
        if name != chosen.name or problem_id not in by_id:
            continue
        problem = by_id[problem_id]
        response = line.get("response") or {}
        common: dict[str, Any] = {"model": model, "options": dict(options)}
        if line.get("error") or response.get("status_code") != 200:
            error = line.get("error") or (response.get("body") or {}).get("error") or {}
            message = error.get("message") if isinstance(error, dict) else str(error)
            rows.append(
                make_row(
                    problem,
                    chosen,
                    int(sample),
                    answer=None,
                    error_kind="call",
                    error=f"the batch could not run this request: {message or 'no reason given'}",
                    **common,
                )
            )
            continue
        reply, usage = _reply_from(response.get("body") or {})
        reply.limit = limit
        answer, error, kind = None, None, None
        try:
            answer = one_call.read(reply, **settings)
        except UnusableAnswer as unusable:
            error, kind = str(unusable), "answer"
        rows.append(
            make_row(
                problem,
                chosen,
                int(sample),
                answer=answer,
                error=error,
                error_kind=kind,
                calls=[usage] if usage else [],
                served_by=reply.served_by,
                **common,
            )
        )
    return rows
