"""helpers: the small package the Homemade o1 notebooks import.

Each notebook first builds an idea in the open; the tidy version lives here so
later notebooks can reuse it. Import what you need, for example::

    import helpers
    client = helpers.get_client()
    helpers.describe_mode()
"""

from helpers import exercises
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
from helpers.keys import ask_for_key, forget_key, use_local_server
from helpers.prices import PRICE_TABLE_DATE, PRICES, estimate_cost, format_cost, price_for
from helpers.prompts import (
    JSON_MODE,
    NUMBERED_KEYS_PROMPT,
    STEPS_JSON_SCHEMA,
    STEPS_SYSTEM_PROMPT,
    StepAnswer,
    numbered_keys_messages,
    step_messages,
)
from helpers.reasoning import Reasoning, Usage
from helpers.recording_files import RecordingNotFoundError

__all__ = [
    "JSON_MODE",
    "NUMBERED_KEYS_PROMPT",
    "PRICES",
    "PRICE_TABLE_DATE",
    "STEPS_JSON_SCHEMA",
    "STEPS_SYSTEM_PROMPT",
    "ConfigurationError",
    "Reasoning",
    "RecordingNotFoundError",
    "StepAnswer",
    "Usage",
    "api_key",
    "ask_for_key",
    "default_model",
    "describe_mode",
    "estimate_cost",
    "exercises",
    "explain_error",
    "forget_key",
    "format_cost",
    "get_async_client",
    "get_client",
    "get_http_client",
    "mode_summary",
    "numbered_keys_messages",
    "price_for",
    "print_checkup",
    "resolve_mode",
    "run_checkup",
    "server_url",
    "step_messages",
    "use_local_server",
]
