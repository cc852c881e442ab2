"""Keep keys out of everything the helpers write or show: `redact` is the one place.

Recordings, exception messages, advice lines and the short error rendering all pass
their text through `redact`. It removes:

* the exact secrets it is given (for example the value of a request's
  `Authorization` header, found with `header_secrets`);
* the values of the key variables set in this process (`OPENAI_API_KEY`, ...) and the
  key saved by `ask_for_key()`, so your key is caught even when it has an unusual shape;
* anything shaped like a key: `sk-...`, `Bearer ...`, organisation and project ids,
  a few other providers' key formats, and the value after a header or field named
  like a key (`"api-key": "..."`, `authorization=...`).

A server that echoes the request's headers in an error body (some proxies and
servers do, on 400, 401, 404, 422 or 500) is the case this was written for.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[redacted]"

SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"sk-[A-Za-z0-9_\-]{16,}"),  # OpenAI-style keys (also sk-proj-, sk-or-, ...)
    re.compile(r"\borg-[A-Za-z0-9]{12,}"),  # organisation ids
    re.compile(r"\bproj_[A-Za-z0-9]{12,}"),  # project ids
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=\-]{8,}"),  # an echoed Authorization header
    re.compile(r"\b(?:gsk|hf|xai)[_-][A-Za-z0-9]{20,}"),  # Groq, Hugging Face, xAI
    re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"),  # Google API keys
)
# `"api-key": "abc..."`, `authorization=abc...`: keep the name, hide the value.
_NAMED_SECRET = re.compile(
    r"""(?ix)
    (["']?\b(?:api[-_]?key|x-api-key|authorization|openai[-_](?:organization|project))["']?
     \s*[:=]\s*["']?)
    (?!\[redacted\])(?!bearer\s)([^\s"',;}{]{8,})
    """
)
#: Environment variables whose values are secrets (or account ids) wherever they appear.
SECRET_VARIABLES = ("OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")
#: Request headers that carry a key or an account id.
SECRET_HEADERS = ("authorization", "api-key", "x-api-key", "openai-organization", "openai-project")
_SHORTEST_SECRET = 8  # shorter values are placeholders ("ollama"), not secrets


def configured_secrets() -> tuple[str, ...]:
    """The values of the key variables set in this process (`SECRET_VARIABLES`), and the
    key `ask_for_key()` saved for the session (which is not in the environment)."""
    from helpers.modes.key_file import saved_key

    values = [os.environ.get(name, "").strip() for name in SECRET_VARIABLES]
    values.append(saved_key() or "")
    return tuple(value for value in values if len(value) >= _SHORTEST_SECRET)


Headers = Mapping[str, str] | Iterable[tuple[str, str]]


def header_secrets(headers: Headers | None) -> tuple[str, ...]:
    """The secret values in request headers: `Authorization: Bearer <key>` gives `<key>`."""
    if headers is None:
        return ()
    items = headers.items() if isinstance(headers, Mapping) else headers
    found = []
    for name, value in items:
        if str(name).lower() in SECRET_HEADERS and value:
            found.append(str(value).split(" ", 1)[-1].strip())
    return tuple(value for value in found if len(value) >= _SHORTEST_SECRET)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret and anything shaped like a key replaced by `[redacted]`."""
    if not text:
        return text
    known = {*secrets, *configured_secrets()}
    for secret in sorted(known, key=len, reverse=True):  # longest first: no partial leftovers
        if secret and len(secret) >= _SHORTEST_SECRET:
            text = text.replace(secret, REDACTED)
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return _NAMED_SECRET.sub(lambda match: match.group(1) + REDACTED, text)


def redact_value(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A JSON-like value (dicts, lists, strings) with `redact` applied to every string in it."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, Mapping):
        return {key: redact_value(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(item, secrets) for item in value)
    return value


def redact_exception(error: BaseException, secrets: Iterable[str] = ()) -> BaseException:
    """Remove secrets from an exception's message, notes and body, in place; return it.

    The SDK's errors keep the request they failed on; the key in its `Authorization`
    header is removed wherever the server echoed it, whatever its shape.
    """
    known = tuple(secrets) + request_secrets(error)
    error.args = tuple(redact_value(arg, known) for arg in error.args)
    for name in ("message", "body"):
        value = getattr(error, name, None)
        if isinstance(value, (str, Mapping, list)):
            try:
                setattr(error, name, redact_value(value, known))
            except AttributeError:  # a read-only property
                pass
    notes = getattr(error, "__notes__", None)
    if isinstance(notes, list):
        notes[:] = [redact(note, known) if isinstance(note, str) else note for note in notes]
    return error


def request_secrets(error: BaseException) -> tuple[str, ...]:
    """The secrets in the headers of the request an SDK or httpx error failed on."""
    try:
        request = getattr(error, "request", None)
    except Exception:  # httpx raises RuntimeError when an error has no request
        return ()
    headers = getattr(request, "headers", None)
    return header_secrets(headers.items()) if headers is not None else ()
