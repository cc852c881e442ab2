"""helpers: the small package the Homemade o1 notebooks import.

Each notebook first builds an idea in the open; the tidy version lives here so
later notebooks can reuse it. Import what you need, for example::

    import helpers
    client = helpers.get_client()
    helpers.describe_mode()

Every name below is loaded the first time it is used, not when `helpers` is
imported (Python's module `__getattr__`, PEP 562). A notebook that only makes API
calls then never pays for the widgets, the agents or the evaluation harness,
and `import helpers` stays quick. `from helpers import think` works as usual.
"""

from __future__ import annotations

import importlib
from typing import Any

# module -> the public names it provides
_PROVIDERS: dict[str, tuple[str, ...]] = {
    "helpers.agents": (
        "REACT_SYSTEM_PROMPT",
        "TOOL_AGENT_SYSTEM_PROMPT",
        "AgentRun",
        "AgentStep",
        "ReactParseError",
        "ReactStep",
        "assistant_message",
        "parse_react",
        "react_messages",
        "run_react",
        "run_tool_agent",
        "run_tool_call",
        "tool_result_message",
    ),
    "helpers.checkup": (
        "print_checkup",
        "run_checkup",
    ),
    "helpers.client": (
        "api_key",
        "describe_mode",
        "get_async_client",
        "get_client",
        "get_http_client",
        "mode_summary",
        "server_url",
    ),
    "helpers.config": (
        "ConfigurationError",
        "default_model",
        "resolve_mode",
    ),
    "helpers.errors": ("explain_error",),
    "helpers.evaluation": (
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
    ),
    "helpers.keys": (
        "ask_for_key",
        "forget_key",
        "use_local_server",
    ),
    "helpers.live_steps": ("LiveSteps",),
    "helpers.loop": (
        "LOOP_SYSTEM_PROMPT",
        "step_loop",
    ),
    "helpers.parsing": (
        "ReasoningAnswer",
        "ReasoningParseError",
        "find_json_objects",
        "load_json",
        "natural_step_order",
        "parse_reasoning",
        "repair_json",
        "strip_code_fence",
    ),
    "helpers.plots": (
        "cumulative_input_tokens",
        "plot_token_growth",
    ),
    "helpers.prices": (
        "PRICES",
        "PRICE_TABLE_DATE",
        "estimate_cost",
        "format_cost",
        "price_for",
    ),
    "helpers.probe": (
        "ServerReport",
        "probe_server",
    ),
    "helpers.problems": (
        "PROBLEM_FAMILIES",
        "Problem",
        "check_answer",
        "make_problems",
    ),
    "helpers.prompts": (
        "JSON_MODE",
        "NUMBERED_KEYS_PROMPT",
        "STEPS_JSON_SCHEMA",
        "STEPS_SYSTEM_PROMPT",
        "StepAnswer",
        "numbered_keys_messages",
        "step_messages",
    ),
    "helpers.reasoning": (
        "Reasoning",
        "Usage",
    ),
    "helpers.recording_files": ("RecordingNotFoundError",),
    "helpers.selfcheck": (
        "REVIEW_SYSTEM_PROMPT",
        "Review",
        "ReviewError",
        "review_messages",
        "self_check",
        "step_verdicts",
    ),
    "helpers.stats": (
        "describe_accuracy",
        "format_interval",
        "percentile",
        "wilson_interval",
    ),
    "helpers.thinking": ("think",),
    "helpers.tools": (
        "calculator",
        "call_tool",
        "default_tools",
        "describe_tools",
        "enable_python",
        "make_file_reader",
        "read_file",
        "run_python",
        "search_notes",
        "tool_schema",
        "tool_schemas",
    ),
    "helpers.voting": (
        "Vote",
        "majority_vote",
        "normalize_result",
        "self_consistency",
    ),
    "helpers.widgets": (
        "StepMark",
        "StepViewer",
    ),
}
_WHERE = {name: module for module, names in _PROVIDERS.items() for name in names}
_SUBPACKAGES = ("agents", "evaluation", "exercises", "parsing", "problems", "tools")

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
