"""One-line explanations of what went wrong when calling a model, and what to do.

try:
    client.chat.completions.create(...)
except Exception as error:
    print(helpers.explain_error(error))

Every line is passed through `redact`: a server that echoes the request's
`Authorization` header in its error body never puts the key on the screen.
"""

from __future__ import annotations

import re

import openai

from helpers.modes.error_display import ShortTraceback, show_briefly
from helpers.modes.recording_files import RecordingNotFoundError
from helpers.modes.redaction import redact, redact_exception, request_secrets
from helpers.modes.reply_checks import own_advice
from helpers.modes.settings import ConfigurationError

LOCAL_MODEL_HINT = "use the model on your computer (helpers.use_local_model())"
GO_LIVE_HINT = "go live (helpers.ask_for_key(), or helpers.use_local_server(url, model))"

# A server error that will come back whatever the timing: the request itself is the problem.
_CONTEXT_FULL = re.compile(
    r"context (?:size|length|window)|maximum context|n_ctx|too many tokens|prompt is too long"
    r"|(?:exceed|longer than).{0,40}(?:context|tokens)|kv cache",
    re.IGNORECASE,
)
_FORMAT_PROBLEM = re.compile(
    r"response_format|json[_ ]schema|grammar|does not match the expected|format",
    re.IGNORECASE,
)
# Words of a server that is busy, starting or restarting: waiting helps.
_TRANSIENT = re.compile(
    r"overload|temporar|unavailable|try again|busy|capacity|timed? ?out|loading|restart",
    re.IGNORECASE,
)
TRANSIENT_STATUSES = frozenset({502, 503, 504, 529})


def _error_code(error: openai.APIStatusError) -> str:
    body = error.body if isinstance(error.body, dict) else {}
    inner = body.get("error", body) if isinstance(body, dict) else {}
    return str(inner.get("code") or inner.get("type") or "") if isinstance(inner, dict) else ""


def explain_error(error: BaseException) -> str:
    """A single line: what happened, then what to do about it (never a key)."""
    return redact(" ".join(_explain(error).split()), request_secrets(error))


def _explain(error: BaseException) -> str:
    if advice := own_advice(error):  # a deadline, an unreadable or cut-off reply
        return advice
    if isinstance(error, RecordingNotFoundError):
        return _explain_miss(error)
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
        said = server_message(error)
        if _CONTEXT_FULL.search(said):
            return f"The request does not fit the model's context (400: {said}): {_CONTEXT_ADVICE}"
        return (
            "The server rejected the request (400): some option is not supported here "
            f"(the server said: {said})."
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
    if isinstance(error, openai.APIStatusError) and error.status_code >= 500:
        return _explain_server_error(error)
    if isinstance(error, openai.APIStatusError):
        return f"The server answered {error.status_code}: {server_message(error)}."
    text = str(error)
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}".strip()


_CONTEXT_ADVICE = (
    "use a shorter prompt or conversation, or a smaller max_tokens; on your own server, give "
    "each request more context (llama-server: a larger -c, or fewer --parallel slots)."
)


def _explain_server_error(error: openai.APIStatusError) -> str:
    """A 5xx: quote the server; advise waiting only when waiting can help."""
    status = error.status_code
    said = server_message(error)
    if _CONTEXT_FULL.search(said):
        return (
            f"The server could not fit this request in the model's context ({status}: {said}): "
            f"{_CONTEXT_ADVICE} Trying again unchanged will fail the same way."
        )
    if _FORMAT_PROBLEM.search(said) and not _TRANSIENT.search(said):
        return (
            f"The server could not produce this response format ({status}: {said}): try "
            "another response_format (helpers.JSON_MODE, or None and let the parser read the "
            "text). Trying again unchanged will fail the same way."
        )
    if status in TRANSIENT_STATUSES or _TRANSIENT.search(said):
        return (
            f"The server is busy or restarting ({status}: {said}): wait a moment and try "
            "again; the SDK already retried a few times."
        )
    return (
        f"The server failed on this request ({status}: {said}). If the same request fails "
        "again, change it (a shorter prompt, a smaller max_tokens, another response_format); "
        "otherwise wait a moment and try again."
    )


def _explain_miss(error: RecordingNotFoundError) -> str:
    if error.folder_problem:
        lines = str(error).splitlines()
        return lines[1].strip() if len(lines) > 1 else lines[0]
    put_back = error.put_back or "the notebook's question and settings"
    return (
        f"Offline mode has no recorded answer for this request: put back {put_back}, "
        f"{LOCAL_MODEL_HINT}, or {GO_LIVE_HINT}."
    )


def server_message(error: openai.APIStatusError, limit: int = 160) -> str:
    """What the server said in its error body, on one line, cut to `limit` characters.

    Keys and anything shaped like one are removed first (some servers echo the
    request's headers in their errors).
    """
    body = error.body
    inner = body.get("error", body) if isinstance(body, dict) else body
    message = inner.get("message") if isinstance(inner, dict) else inner
    if not isinstance(message, str) or not message.strip():
        message = error.message
    text = redact(" ".join(str(message).split()), request_secrets(error))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def add_advice(error: BaseException) -> BaseException:
    """Remove any key from an error, attach `explain_error`'s line to it; return it.

    In a notebook the error then shows as its message and that line, without the
    traceback (`%tb` shows it). The line is an exception note (shown under a plain
    Python traceback on 3.11+). Adding twice is harmless: the line is only added once.
    Errors whose message already says what to do (a miss, a wrong setting) get no note.
    """
    redact_exception(error)
    if isinstance(error, ShortTraceback):
        return error
    advice = explain_error(error)
    notes = getattr(error, "__notes__", None)
    if not isinstance(notes, list):
        notes = []
        try:
            # what add_note does; Python 3.10 has no add_note
            setattr(error, "__notes__", notes)  # noqa: B010 (typeshed lacks it before 3.11)
        except AttributeError:
            return error
    if advice not in notes:
        notes.append(advice)
    return show_briefly(error)
