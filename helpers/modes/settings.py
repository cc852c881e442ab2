"""Settings read from the environment: which mode, which model, where recordings live.

| variable                 | meaning                                                        |
|--------------------------|----------------------------------------------------------------|
| `HOMEMADE_O1_MODE`       | `live`, `offline` or `record`; overrides the automatic choice   |
| `HOMEMADE_O1_MODEL`      | the default model name (default `gpt-4o-mini`)                  |
| `HOMEMADE_O1_RECORDINGS` | another folder of recordings to replay from / record into       |
| `HOMEMADE_O1_PACE`       | offline streams: chunks per second (0 = as fast as possible)    |
| `HOMEMADE_O1_TIMEOUT`    | live: the deadline of each whole call, in seconds (default 120) |
| `OPENAI_API_KEY`         | the OpenAI SDK's own variable: your key                         |
| `OPENAI_BASE_URL`        | the OpenAI SDK's own variable: another server, e.g. Ollama      |

With no `HOMEMADE_O1_MODE`, the mode is `live` when a key or a base URL is set,
and `offline` otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.modes.error_display import ShortTraceback

MODES = ("live", "offline", "record")
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_PACE = 60.0  # chunks per second, roughly what gpt-4o-mini streams at
OPENAI_BASE_URL = "https://api.openai.com/v1"
PACKAGE_RECORDINGS = Path(__file__).resolve().parent.parent / "data" / "recordings"


class ConfigurationError(ShortTraceback, RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it.

    In a notebook it shows as its message, not a traceback (`%tb` shows that).
    """


def resolve_mode(mode: str | None = None) -> str:
    """Return the mode to use: the argument, else `HOMEMADE_O1_MODE`, else a guess.

    The guess is `live` when `OPENAI_API_KEY` or `OPENAI_BASE_URL` is set and
    `offline` otherwise, so a fresh checkout with no key just works.
    """
    chosen = mode or os.environ.get("HOMEMADE_O1_MODE", "").strip().lower()
    if not chosen:
        has_server = os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")
        return "live" if has_server else "offline"
    if chosen not in MODES:
        raise ConfigurationError(
            f"Unknown mode {chosen!r}: use one of {', '.join(MODES)} "
            "(set HOMEMADE_O1_MODE, or pass mode=...)."
        )
    return chosen


def default_model() -> str:
    """The model name notebooks use unless told otherwise (`HOMEMADE_O1_MODEL`)."""
    return os.environ.get("HOMEMADE_O1_MODEL", "").strip() or DEFAULT_MODEL


def recordings_dir() -> Path:
    """The folder recordings are replayed from and recorded into."""
    custom = os.environ.get("HOMEMADE_O1_RECORDINGS", "").strip()
    return Path(custom).expanduser() if custom else PACKAGE_RECORDINGS


def stream_pace() -> float:
    """Chunks per second for replayed streams; 0 means no pacing at all."""
    raw = os.environ.get("HOMEMADE_O1_PACE", "").strip()
    if not raw:
        return DEFAULT_PACE
    try:
        pace = float(raw)
    except ValueError:
        raise ConfigurationError(
            f"HOMEMADE_O1_PACE must be a number of chunks per second, not {raw!r}."
        ) from None
    return max(pace, 0.0)


def base_url() -> str:
    """The server live calls go to: `OPENAI_BASE_URL`, or OpenAI's own API."""
    return (os.environ.get("OPENAI_BASE_URL", "").strip() or OPENAI_BASE_URL).rstrip("/")
