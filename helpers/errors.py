"""One-line explanations of what went wrong when calling a model, and what to do.

try:
    client.chat.completions.create(...)
except Exception as error:
    print(helpers.explain_error(error))
"""

from __future__ import annotations

import openai

from helpers.modes.recording_files import RecordingNotFoundError
from helpers.modes.reply_checks import own_advice
from helpers.modes.settings import ConfigurationError


def _error_code(error: openai.APIStatusError) -> str:
    body = error.body if isinstance(error.body, dict) else {}
    inner = body.get("error", body) if isinstance(body, dict) else {}
    return str(inner.get("code") or inner.get("type") or "") if isinstance(inner, dict) else ""


def explain_error(error: BaseException) -> str:
    """A single line: what happened, then what to do about it."""
    if advice := own_advice(error):  # a deadline, an unreadable or cut-off reply
        return advice
    if isinstance(error, RecordingNotFoundError):
        return (
            "Offline mode only knows requests that were recorded, and this one was not: ask "
            "what the notebook asks, or go live with OPENAI_API_KEY or OPENAI_BASE_URL."
        )
    if isinstance(error, ConfigurationError):
        return str(error).splitlines()[0]
    if isinstance(error, openai.AuthenticationError):
        return (
            "The server refused the key (401): check OPENAI_API_KEY for typos, or make a new "
            "key at platform.openai.com; a local server needs OPENAI_BASE_URL instead."
        )
    if isinstance(error, openai.PermissionDeniedError):
        return "The key may not use this model or project (403): pick another model or key."
    if isinstance(error, openai.NotFoundError):
        return (
            "The server does not know this model or endpoint (404): check the model name "
            "(HOMEMADE_O1_MODEL) and that OPENAI_BASE_URL ends in /v1."
        )
    if isinstance(error, openai.RateLimitError):
        if _error_code(error) == "insufficient_quota":
            return (
                "Your account has no credit left (429 insufficient_quota): add credit in the "
                "billing page, or work offline."
            )
        return (
            "Too many requests too fast (429): the SDK already retried; wait a minute, lower "
            "the concurrency, or raise max_retries."
        )
    if isinstance(error, openai.BadRequestError):
        return (
            "The server rejected the request (400): some option is not supported here "
            f"(the server said: {server_message(error)})."
        )
    if isinstance(error, openai.APITimeoutError):
        return (
            "No answer in time (timeout): the server is slow or overloaded; try again, or pass "
            "a larger timeout=... to get_client()."
        )
    if isinstance(error, openai.APIConnectionError):
        return (
            "Could not reach the server, or the connection dropped mid-answer: check your "
            "network, and that OPENAI_BASE_URL points at a running server."
        )
    if isinstance(error, openai.InternalServerError):
        return "The server had a problem of its own (5xx): wait a moment and try again."
    if isinstance(error, openai.APIStatusError):
        return f"The server answered {error.status_code}: {server_message(error)}."
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".strip()


def server_message(error: openai.APIStatusError, limit: int = 160) -> str:
    """What the server said in its error body, on one line, cut to `limit` characters."""
    body = error.body if isinstance(error.body, dict) else {}
    inner = body.get("error", body) if isinstance(body, dict) else {}
    message = inner.get("message") if isinstance(inner, dict) else None
    text = " ".join(str(message or error.message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def add_advice(error: BaseException) -> BaseException:
    """Attach `explain_error`'s line to an error, shown under its traceback; return it.

    Uses exception notes (Python 3.11+); on 3.10 the error is returned unchanged.
    Adding twice is harmless: the line is only added once.
    """
    advice = explain_error(error)
    if hasattr(error, "add_note") and advice not in getattr(error, "__notes__", []):
        error.add_note(advice)
    return error
