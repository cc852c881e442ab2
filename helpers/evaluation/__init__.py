"""Does thinking pay? Run problem sets through strategies and report honestly.

    report = helpers.evaluate(problems, ("direct", "cot", "loop"), results_path="results.jsonl")

One job per module: `strategies` (how each strategy asks and reads), `harness`
(running many calls at once, resuming), `store` (the JSONL results file), `report`
(accuracy with intervals, tokens, cost, latency, a plot), `pacing` (requests per minute),
`batch` (the same requests through OpenAI's Batch API) and `cli` (a terminal
command: `python -m helpers.evaluation --help`).
"""
