"""How many tokens each kind of call may write, and the name the server wants the limit under.

Every call the helpers make sets a limit on the reply. Without one, a weak model can ramble
until the context window is full: on a laptop CPU that takes minutes, and a local server
that shares one context between its slots (llama.cpp's default) fails every other request
in flight with "Context size has been exceeded".

The limits, one per job (tokens the model may write in one reply):

=====================  ======  ===================================================
`THINK_TOKENS`          1000   `think`, each `self_consistency` sample, "cot"
`LOOP_STEP_TOKENS`       300   one step of `step_loop` (and of the "loop" strategy)
`REVIEW_TOKENS`          300   the verdict of `self_check`
`AGENT_TURN_TOKENS`      500   one turn of `run_react` or `run_tool_agent`
`PROBE_TOKENS`           300   each request of `probe_server`
`DIRECT_TOKENS`          100   the "direct" strategy (the answer alone)
`PING_TOKENS`              5   the install check's one-word ping
=====================  ======  ===================================================

Each helper takes `max_tokens=` (or `max_completion_tokens=`, the same thing) to change its
limit for one call, and `max_tokens=None` to send none at all.

Which name is sent: OpenAI's own API wants `max_completion_tokens` (its reasoning models
refuse `max_tokens`, and for them the limit also covers their hidden reasoning, so the
default gets `REASONING_ALLOWANCE` more). Every other OpenAI-compatible server reads
`max_tokens` (llama.cpp's server reads both; Ollama reads only `max_tokens`), so that is
what they get.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

THINK_TOKENS = 1000
LOOP_STEP_TOKENS = 300
REVIEW_TOKENS = 300
AGENT_TURN_TOKENS = 500
PROBE_TOKENS = 300
DIRECT_TOKENS = 100
PING_TOKENS = 5

REASONING_ALLOWANCE = 4000
"""Extra tokens a reasoning model at OpenAI gets on top of a default limit, for its hidden
reasoning (which `max_completion_tokens` counts too)."""

LIMIT_NAMES = ("max_tokens", "max_completion_tokens")
_OPENAI_HOSTS = ("api.openai.com",)
_OPENAI_HOST_SUFFIXES = (".openai.azure.com",)
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


def is_openai_api(client: Any) -> bool:
    """True when `client` talks to OpenAI's own API (or Azure OpenAI), not another server."""
    url = getattr(client, "base_url", None)
    host = (getattr(url, "host", None) or "").lower()
    return host in _OPENAI_HOSTS or host.endswith(_OPENAI_HOST_SUFFIXES)


def is_reasoning_model(model: str | None) -> bool:
    """True for OpenAI's reasoning models (o1, o3, o4-mini, gpt-5, ...), by their name."""
    name = (model or "").lower().rsplit("/", 1)[-1]
    return name.startswith(_REASONING_PREFIXES)


def limit_name(client: Any) -> str:
    """`max_completion_tokens` for OpenAI's own API, `max_tokens` for every other server."""
    return "max_completion_tokens" if is_openai_api(client) else "max_tokens"


def requested_limit(options: Mapping[str, Any]) -> tuple[bool, int | None]:
    """(whether the caller set a limit, its value) from a call's options; None: no limit."""
    given = [name for name in LIMIT_NAMES if name in options]
    if not given:
        return False, None
    values = {options[name] for name in given}
    if len(values) > 1:
        raise ValueError(
            "max_tokens and max_completion_tokens are the same limit: give one, not both "
            f"({', '.join(f'{name}={options[name]}' for name in given)})"
        )
    return True, values.pop()


def with_token_limit(
    options: Mapping[str, Any], client: Any, model: str | None, default: int | None
) -> dict[str, Any]:
    """`options` with the reply's token limit under the name `client`'s server wants.

    A limit the caller gave (under either name) is kept as it is, only renamed; None
    means no limit at all. Otherwise `default` is used (None: no limit), with
    `REASONING_ALLOWANCE` added for a reasoning model at OpenAI.
    """
    given, value = requested_limit(options)
    if not given and default is not None:
        value = default
        if is_openai_api(client) and is_reasoning_model(model):
            value += REASONING_ALLOWANCE
    return named_limit(options, limit_name(client), value)


def named_limit(options: Mapping[str, Any], name: str, value: int | None) -> dict[str, Any]:
    """`options` without any token limit, then with `value` under `name` (None: none)."""
    request = {k: v for k, v in options.items() if k not in LIMIT_NAMES}
    if value is not None:
        request[name] = value
    return request


def sent_limit(request: Mapping[str, Any]) -> int | None:
    """The token limit a request carries (under either name), or None."""
    return next((request[name] for name in LIMIT_NAMES if request.get(name) is not None), None)
