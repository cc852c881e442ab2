"""Run an evaluation from a terminal and print its report.

    python -m helpers.evaluation --families letters,dates --n 50 --strategies direct,cot,loop

It uses the same mode as the notebooks: live when OPENAI_API_KEY or
OPENAI_BASE_URL is set (or HOMEMADE_O1_MODE=live), offline otherwise, where
only the problems recorded for notebook 07 have answers. Results go to a JSONL
file (default: results/evaluation.jsonl); run the same command again to resume.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.errors import explain_error
from helpers.evaluation.harness import evaluate
from helpers.evaluation.problems import MIXED, PROBLEM_FAMILIES, make_problems
from helpers.modes.client import mode_summary


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.evaluation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    families = ", ".join([*PROBLEM_FAMILIES, MIXED])
    parser.add_argument("--families", default="letters", help=f"comma separated: {families}")
    parser.add_argument("--n", type=int, default=20, help="problems per family (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="which problem set (default 0)")
    parser.add_argument(
        "--strategies",
        default="direct,cot",
        help="comma separated: direct, cot, loop (default direct,cot)",
    )
    parser.add_argument("--model", help="model name (default: HOMEMADE_O1_MODEL or gpt-4o-mini)")
    parser.add_argument(
        "--results",
        type=Path,
        default=Path("results/evaluation.jsonl"),
        help="JSONL file to keep results in and resume from",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="problems in flight at once")
    parser.add_argument("--rpm", type=float, help="at most this many requests per minute")
    parser.add_argument(
        "--timeout",
        type=float,
        help="deadline of each call in seconds, retries included (default: HOMEMADE_O1_TIMEOUT,"
        " else 120)",
    )
    parser.add_argument("--max-retries", type=int, help="SDK retries for 429/5xx/timeouts")
    parser.add_argument("--samples", type=int, default=1, help="answers per problem")
    parser.add_argument("--temperature", type=float, help="sampling temperature")
    parser.add_argument("--limit", type=int, help="ask at most this many new results now")
    parser.add_argument("--plot", type=Path, help="save the accuracy-vs-cost plot here (.png)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    print(mode_summary())
    try:
        problems = [
            problem
            for family in _names(args.families)
            for problem in make_problems(family, args.n, seed=args.seed)
        ]
        options = {} if args.temperature is None else {"temperature": args.temperature}
        report = evaluate(
            problems,
            _names(args.strategies),
            model=args.model,
            concurrency=args.concurrency,
            results_path=args.results,
            samples=args.samples,
            requests_per_minute=args.rpm,
            timeout=args.timeout,
            max_retries=args.max_retries,
            limit=args.limit,
            progress=not args.quiet,
            **options,
        )
    except KeyboardInterrupt:
        print(f"\nStopped. Results so far are in {args.results}; run again to continue.")
        return 130
    except Exception as error:  # one line of advice instead of a traceback
        print(f"Stopped: {explain_error(error)}", file=sys.stderr)
        return 1
    print(report.run)
    print(report.to_text())
    names = [row.strategy for row in report.rows]
    for other in names[1:]:
        print(report.compare(names[0], other))
    if args.plot:
        report.plot(args.plot)
        print(f"Plot saved to {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
