"""What tokens cost: a small, dated price table you can edit.

Prices are US dollars per million tokens, OpenAI's standard (non-batch) tier,
as listed on OpenAI's pricing page in March 2026 (read from a third-party
summary of that page). Prices change: check https://openai.com/api/pricing and
edit `PRICES` before you rely on a number. Local servers (Ollama, llama.cpp,
vLLM) and local mode cost nothing per token; you pay in hardware and time instead
(`runs_on_this_computer` says whether the configured model runs here).

Hidden reasoning tokens of reasoning models are already counted inside
`completion_tokens` and billed at the output price.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PRICE_TABLE_DATE = "2026-03"


@dataclass(frozen=True)
class Price:
    """Dollars per million tokens."""

    input: float
    output: float
    cached_input: float | None = None


PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(input=0.15, output=0.60, cached_input=0.075),
    "gpt-4o": Price(input=2.50, output=10.00, cached_input=1.25),
    "gpt-4.1-nano": Price(input=0.10, output=0.40),
    "gpt-4.1-mini": Price(input=0.40, output=1.60),
    "gpt-4.1": Price(input=2.00, output=8.00),
    "gpt-5-nano": Price(input=0.05, output=0.40),
    "gpt-5-mini": Price(input=0.25, output=2.00),
    "gpt-5": Price(input=1.25, output=10.00),
    "o3-mini": Price(input=1.10, output=4.40),
    "o4-mini": Price(input=1.10, output=4.40),
    "o3": Price(input=2.00, output=8.00),
}


def price_for(model: str) -> Price | None:
    """The price of a model, matching dated names to their family.

    `gpt-4o-mini-2024-07-18` finds `gpt-4o-mini` (the longest name it starts
    with). Unknown models, such as local ones, give None.
    """
    name = (model or "").lower().split("/")[-1]
    matches = [known for known in PRICES if name == known or name.startswith(known + "-")]
    return PRICES[max(matches, key=len)] if matches else None


def runs_on_this_computer() -> bool:
    """True when the configured model runs on this computer: local mode, or live (or
    record) mode with a server at a loopback address (localhost, 127.0.0.1, ::1)."""
    from helpers.modes.settings import ConfigurationError, base_url, resolve_mode

    try:
        mode = resolve_mode()
    except ConfigurationError:
        return False
    if mode == "local":
        return True
    if mode not in ("live", "record"):
        return False
    host = (urlsplit(base_url()).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _tokens(usage: Any, field: str) -> int:
    value = usage.get(field) if isinstance(usage, dict) else getattr(usage, field, 0)
    return int(value or 0)


def served_model(answer: Any) -> str | None:
    """The model that really answered, when `answer` says: a reply from the SDK, or a
    `Reasoning`, `Vote` or `AgentRun` (their `model`); None for bare token counts."""
    if isinstance(answer, dict):
        return None
    name = getattr(answer, "model", None)
    return name if isinstance(name, str) and name else None


def estimate_cost(usage: Any, model: str) -> float | None:
    """Dollars one call cost, from its `usage` and the price table (None if unknown).

    `usage` may be the SDK's `CompletionUsage`, a plain dict, or `helpers.Usage`; or
    the whole answer (the SDK's reply, a `Reasoning`, `Vote` or `AgentRun`), which is
    better: it says which model really answered. A server may answer with another
    model than the one asked for (a local server serves whatever it loaded, whatever
    the name in the request), and then `model`'s price would be another model's: the
    answer is priced as the model that served it, and None when that one is not in the
    table.
    """
    served = served_model(usage)
    if served is not None:
        if price_for(served) != price_for(model):
            model = served  # priced as what answered (None when it is not in the table)
        usage = getattr(usage, "usage", None)
    price = price_for(model)
    if price is None or usage is None:
        return None
    prompt, completion = _tokens(usage, "prompt_tokens"), _tokens(usage, "completion_tokens")
    return (prompt * price.input + completion * price.output) / 1_000_000


def format_cost(dollars: float | None) -> str:
    """`0.000123` -> `$0.000123`; small amounts keep enough digits to be seen."""
    if dollars is None:
        return "n/a"
    if dollars == 0:
        return "$0"
    if dollars >= 1:
        return f"${dollars:,.2f}"
    return f"${dollars:.6f}".rstrip("0")
