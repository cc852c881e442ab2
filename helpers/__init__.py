"""helpers: the small package the Homemade o1 notebooks import.

Each notebook first builds an idea in the open; the tidy version lives here so
later notebooks can reuse it. Use the names below through `helpers`::

    import helpers
    client = helpers.get_client()
    helpers.describe_mode()

The map of the package is `helpers/README.md`: which folder goes with which
notebook, what to read first, and which folders are machinery you can skip
(`modes/`, `checks/`, `exercises/`, `data/`, `evaluation/problems/`). Below, every
public name is listed once, under the notebook that introduces it; a test keeps the
map and this list in step.

Every name is loaded the first time it is used, not when `helpers` is imported
(Python's module `__getattr__`, PEP 562). A notebook that only makes API calls
then never pays for the widgets, the agents or the evaluation harness, and
`import helpers` stays quick. `from helpers import think` works as usual.
"""

from __future__ import annotations

import importlib
from typing import Any

# (notebook, module, the public names it provides), in teaching order
_PUBLIC: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # 00 · Start here: which mode answers, a health check, your key or a local model
    ("00", "helpers.modes.client", ("describe_mode", "mode_summary")),
    (
        "00",
        "helpers.modes.keys",
        (
            "ask_for_key",
            "forget_key",
            "use_local_model",
            "use_local_server",
            "use_offline",
        ),
    ),
    ("00", "helpers.checks.checkup", ("print_checkup", "run_checkup")),
    # 01 · Raw API calls: the client, settings, errors and what a call costs
    (
        "01",
        "helpers.modes.client",
        ("api_key", "get_async_client", "get_client", "get_http_client", "server_url"),
    ),
    ("01", "helpers.modes.settings", ("ConfigurationError", "default_model", "resolve_mode")),
    ("01", "helpers.modes.recording_files", ("RecordingNotFoundError",)),
    ("01", "helpers.errors", ("explain_error",)),
    (
        "01",
        "helpers.prices",
        ("PRICES", "PRICE_TABLE_DATE", "estimate_cost", "format_cost", "price_for"),
    ),
    # 02 · The JSON step prompt: prompts, tokens, JSON mode, a schema, what a server honours
    (
        "02",
        "helpers.prompts",
        (
            "JSON_MODE",
            "NUMBERED_KEYS_PROMPT",
            "STEPS_JSON_SCHEMA",
            "STEPS_SYSTEM_PROMPT",
            "StepAnswer",
            "numbered_keys_messages",
            "step_messages",
        ),
    ),
    ("02", "helpers.tokens", ("load_tokenizer", "show_tokens", "token_pieces")),
    ("02", "helpers.checks.probe", ("ServerReport", "probe_server")),
    # 03 · Parsing the steps: read a messy reply honestly; think() puts it together
    ("03", "helpers.parsing.parse", ("parse_reasoning",)),
    ("03", "helpers.parsing.errors", ("ReasoningParseError",)),
    ("03", "helpers.parsing.scan", ("find_json_objects",)),
    ("03", "helpers.parsing.repair", ("load_json", "repair_json")),
    ("03", "helpers.parsing.shape", ("ReasoningAnswer", "natural_step_order")),
    ("03", "helpers.parsing.text", ("strip_code_fence",)),
    ("03", "helpers.reasoning", ("Reasoning", "Usage")),
    ("03", "helpers.thinking", ("think",)),
    # 04 · The step widget: reveal steps one at a time, live while they stream
    ("04", "helpers.widgets.step_viewer", ("StepMark", "StepViewer")),
    ("04", "helpers.widgets.live_steps", ("LiveSteps",)),
    # 05 · Beyond one call: a loop, votes, a self-check, what it costs
    ("05", "helpers.more_calls.loop", ("LOOP_SYSTEM_PROMPT", "step_loop")),
    (
        "05",
        "helpers.more_calls.voting",
        ("Vote", "majority_vote", "normalize_result", "self_consistency"),
    ),
    (
        "05",
        "helpers.more_calls.self_check",
        (
            "REVIEW_SYSTEM_PROMPT",
            "Review",
            "ReviewError",
            "review_messages",
            "self_check",
            "step_verdicts",
        ),
    ),
    ("05", "helpers.more_calls.token_plot", ("cumulative_input_tokens", "plot_token_growth")),
    ("05", "helpers.more_calls.compare", ("Way", "describe_way", "thinking_text", "ways_table")),
    # 06 · A ReAct agent: the text protocol, native tool calls, the tools
    (
        "06",
        "helpers.agents.text",
        (
            "REACT_SYSTEM_PROMPT",
            "ReactParseError",
            "ReactStep",
            "parse_react",
            "react_messages",
            "run_react",
        ),
    ),
    (
        "06",
        "helpers.agents.native",
        (
            "TOOL_AGENT_SYSTEM_PROMPT",
            "assistant_message",
            "run_tool_agent",
            "run_tool_call",
            "tool_result_message",
        ),
    ),
    ("06", "helpers.agents.trace", ("AgentRun", "AgentStep")),
    ("06", "helpers.tools.calculator", ("calculator",)),
    ("06", "helpers.tools.search", ("search_notes",)),
    ("06", "helpers.tools.files", ("make_file_reader", "read_file")),
    ("06", "helpers.tools.python_runner", ("enable_python", "python_isolation", "run_python")),
    (
        "06",
        "helpers.tools.registry",
        ("call_tool", "default_tools", "describe_tools", "tool_schema", "tool_schemas"),
    ),
    # 07 · Does thinking pay?: problems, the harness, honest numbers
    (
        "07",
        "helpers.evaluation.problems",
        ("PROBLEM_FAMILIES", "Problem", "check_answer", "make_problems"),
    ),
    ("07", "helpers.evaluation.strategies", ("Strategy", "get_strategy")),
    ("07", "helpers.evaluation.harness", ("evaluate", "evaluate_async")),
    ("07", "helpers.evaluation.store", ("read_results",)),
    ("07", "helpers.evaluation.report", ("Report", "build_report")),
    (
        "07",
        "helpers.evaluation.stats",
        ("describe_accuracy", "format_interval", "percentile", "wilson_interval"),
    ),
    (
        "07",
        "helpers.evaluation.batch",
        ("batch_requests", "batch_results", "write_batch_file"),
    ),
)
_WHERE = {name: module for _, module, names in _PUBLIC for name in names}
# sub-packages reachable as attributes, e.g. helpers.exercises.check_01_1(...)
_SUBPACKAGES = (
    "agents",
    "checks",
    "evaluation",
    "exercises",
    "modes",
    "more_calls",
    "parsing",
    "tools",
    "widgets",
)

__all__ = sorted([*_WHERE, *_SUBPACKAGES])


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"helpers.{name}")
    if name not in _WHERE:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # the next lookup is an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
