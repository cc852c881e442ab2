"""Does thinking pay? Run problem sets through strategies and report honestly.

    report = helpers.evaluate(problems, ("direct", "cot", "loop"), results_path="results.jsonl")

One job per module: `strategies` (how each strategy asks and reads), `harness`
(running many calls at once, resuming), `store` (the JSONL results file), `report`
(accuracy with intervals, tokens, cost, latency, a plot), `pacing` and `progress`,
`batch` (the same requests through OpenAI's Batch API) and `cli` (a terminal
command: `python -m helpers.evaluation --help`).
"""

from helpers.evaluation.batch import batch_requests, batch_results, write_batch_file
from helpers.evaluation.harness import evaluate, evaluate_async
from helpers.evaluation.report import Report, build_report
from helpers.evaluation.store import read_results
from helpers.evaluation.strategies import Strategy, get_strategy

__all__ = [
    "Report",
    "Strategy",
    "batch_requests",
    "batch_results",
    "build_report",
    "evaluate",
    "evaluate_async",
    "get_strategy",
    "read_results",
    "write_batch_file",
]
