"""helpers: the small package the Homemade o1 notebooks import.

Each notebook first builds an idea in the open; the tidy version lives here so
later notebooks can reuse it. Import what you need, for example::

    import helpers
    client = helpers.get_client()
    helpers.describe_mode()
"""

from helpers import exercises
from helpers.agent_tools import (
    TOOL_AGENT_SYSTEM_PROMPT,
    assistant_message,
    run_tool_agent,
    run_tool_call,
    tool_result_message,
)
from helpers.checkup import print_checkup, run_checkup
from helpers.client import (
    api_key,
    describe_mode,
    get_async_client,
    get_client,
    get_http_client,
    mode_summary,
    server_url,
)
from helpers.config import ConfigurationError, default_model, resolve_mode
from helpers.errors import explain_error
from helpers.eval_batch import batch_requests, batch_results, write_batch_file
from helpers.eval_report import Report, build_report
from helpers.eval_store import read_results
from helpers.eval_strategies import Strategy, get_strategy
from helpers.evaluate import evaluate, evaluate_async
from helpers.keys import ask_for_key, forget_key, use_local_server
from helpers.live_steps import LiveSteps
from helpers.loop import LOOP_SYSTEM_PROMPT, step_loop
from helpers.parsing import (
    ReasoningAnswer,
    ReasoningParseError,
    find_json_objects,
    load_json,
    natural_step_order,
    parse_reasoning,
    repair_json,
    strip_code_fence,
)
from helpers.plots import cumulative_input_tokens, plot_token_growth
from helpers.prices import PRICE_TABLE_DATE, PRICES, estimate_cost, format_cost, price_for
from helpers.problems import PROBLEM_FAMILIES, Problem, check_answer, make_problems
from helpers.prompts import (
    JSON_MODE,
    NUMBERED_KEYS_PROMPT,
    STEPS_JSON_SCHEMA,
    STEPS_SYSTEM_PROMPT,
    StepAnswer,
    numbered_keys_messages,
    step_messages,
)
from helpers.react import AgentRun, AgentStep
from helpers.react_text import (
    REACT_SYSTEM_PROMPT,
    ReactParseError,
    ReactStep,
    parse_react,
    react_messages,
    run_react,
)
from helpers.reasoning import Reasoning, Usage
from helpers.recording_files import RecordingNotFoundError
from helpers.selfcheck import (
    REVIEW_SYSTEM_PROMPT,
    Review,
    ReviewError,
    review_messages,
    self_check,
    step_verdicts,
)
from helpers.stats import describe_accuracy, format_interval, percentile, wilson_interval
from helpers.think import think
from helpers.tools import (
    calculator,
    call_tool,
    default_tools,
    describe_tools,
    enable_python,
    make_file_reader,
    read_file,
    run_python,
    search_notes,
    tool_schema,
    tool_schemas,
)
from helpers.voting import Vote, majority_vote, normalize_result, self_consistency
from helpers.widgets import StepMark, StepViewer

__all__ = [
    "JSON_MODE",
    "LOOP_SYSTEM_PROMPT",
    "NUMBERED_KEYS_PROMPT",
    "PRICES",
    "PRICE_TABLE_DATE",
    "PROBLEM_FAMILIES",
    "REACT_SYSTEM_PROMPT",
    "REVIEW_SYSTEM_PROMPT",
    "STEPS_JSON_SCHEMA",
    "STEPS_SYSTEM_PROMPT",
    "TOOL_AGENT_SYSTEM_PROMPT",
    "AgentRun",
    "AgentStep",
    "ConfigurationError",
    "LiveSteps",
    "Problem",
    "ReactParseError",
    "ReactStep",
    "Reasoning",
    "ReasoningAnswer",
    "ReasoningParseError",
    "RecordingNotFoundError",
    "Report",
    "Review",
    "ReviewError",
    "StepAnswer",
    "StepMark",
    "StepViewer",
    "Strategy",
    "Usage",
    "Vote",
    "api_key",
    "ask_for_key",
    "assistant_message",
    "batch_requests",
    "batch_results",
    "build_report",
    "calculator",
    "call_tool",
    "check_answer",
    "cumulative_input_tokens",
    "default_model",
    "default_tools",
    "describe_accuracy",
    "describe_mode",
    "describe_tools",
    "enable_python",
    "estimate_cost",
    "evaluate",
    "evaluate_async",
    "exercises",
    "explain_error",
    "find_json_objects",
    "forget_key",
    "format_cost",
    "format_interval",
    "get_async_client",
    "get_client",
    "get_http_client",
    "get_strategy",
    "load_json",
    "majority_vote",
    "make_file_reader",
    "make_problems",
    "mode_summary",
    "natural_step_order",
    "normalize_result",
    "numbered_keys_messages",
    "parse_react",
    "parse_reasoning",
    "percentile",
    "plot_token_growth",
    "price_for",
    "print_checkup",
    "react_messages",
    "read_file",
    "read_results",
    "repair_json",
    "resolve_mode",
    "review_messages",
    "run_checkup",
    "run_python",
    "run_react",
    "run_tool_agent",
    "run_tool_call",
    "search_notes",
    "self_check",
    "self_consistency",
    "server_url",
    "step_messages",
    "step_loop",
    "step_verdicts",
    "strip_code_fence",
    "think",
    "tool_result_message",
    "tool_schema",
    "tool_schemas",
    "use_local_server",
    "wilson_interval",
    "write_batch_file",
]
