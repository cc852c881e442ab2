"""Settings read from the environment: which mode, which model, where recordings live.

| variable                    | meaning                                                   |
|-----------------------------|-----------------------------------------------------------|
| `HOMEMADE_O1_MODE`          | `live`, `local`, `offline` or `record`: overrides the guess |
| `HOMEMADE_O1_MODEL`         | the model name sent (default `gpt-4o-mini`; local: the file) |
| `HOMEMADE_O1_LOCAL_MODEL`   | local: a `.gguf` path, or `owner/repo/file.gguf` on the hub |
| `HOMEMADE_O1_THREADS`       | local: CPU threads (default: the cores this process may use) |
| `HOMEMADE_O1_LOCAL_CONTEXT` | local: context window in tokens (default 4096)            |
| `HOMEMADE_O1_TIMEOUT`       | seconds a call may take, start to last token (default 120) |
| `HOMEMADE_O1_RECORDINGS`    | another folder of recordings to replay from / record into  |
| `HOMEMADE_O1_PACE`          | offline streams: chunks per second (0 = as fast as possible) |
| `HOMEMADE_O1_KEY_FILE`      | where `ask_for_key()` saves the key for the session        |
| `OPENAI_API_KEY`            | the OpenAI SDK's own variable: your key                    |
| `OPENAI_BASE_URL`           | the OpenAI SDK's own variable: another server, e.g. Ollama |

With no `HOMEMADE_O1_MODE`, the mode is `live` when a key (`OPENAI_API_KEY`, or one
saved by `ask_for_key()`) or a base URL is set, else
`local` when a local model is already on this computer (and llama-cpp-python is
installed), else `offline`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from helpers.modes.error_display import ShortTraceback

MODES = ("live", "local", "offline", "record")
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_PACE = 60.0  # chunks per second, roughly what gpt-4o-mini streams at
DEFAULT_TIMEOUT = 120.0  # seconds for one whole call
DEFAULT_LOCAL_CONTEXT = 4096  # tokens; docs/local-model.md explains the choice
OPENAI_BASE_URL = "https://api.openai.com/v1"
PACKAGE_RECORDINGS = Path(__file__).resolve().parent.parent / "data" / "recordings"


class ConfigurationError(ShortTraceback, RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it.

    In a notebook it shows as its message, not a traceback (`%tb` shows that).
    """


def resolve_mode(mode: str | None = None) -> str:
    """Return the mode to use: the argument, else `HOMEMADE_O1_MODE`, else a guess.

    The guess is `live` when a key (`OPENAI_API_KEY`, or one saved by `ask_for_key()`)
    or `OPENAI_BASE_URL` is set, `local`
    when a local model is already downloaded (or `HOMEMADE_O1_LOCAL_MODEL` names a
    file that exists) and llama-cpp-python is installed, and `offline` otherwise, so
    a fresh checkout with no key just works.
    """
    chosen = (mode or os.environ.get("HOMEMADE_O1_MODE", "")).strip().lower()
    if not chosen:
        has_server = api_key_setting() or os.environ.get("OPENAI_BASE_URL")
        if has_server:
            return "live"
        from helpers.modes.local.files import local_model_ready

        return "local" if local_model_ready() else "offline"
    if chosen not in MODES:
        raise ConfigurationError(
            f"Unknown mode {chosen!r}: use one of {', '.join(MODES)} "
            "(set HOMEMADE_O1_MODE, or pass mode=...)."
        )
    return chosen


def api_key_setting() -> str | None:
    """The key live calls use: `OPENAI_API_KEY`, else the one `ask_for_key()` saved, else None."""
    from helpers.modes.key_file import saved_key

    return os.environ.get("OPENAI_API_KEY", "").strip() or saved_key()


def key_source() -> str | None:
    """Where the key comes from, in words for `describe_mode()` (None: no key)."""
    if os.environ.get("OPENAI_API_KEY", "").strip():
        return "key from OPENAI_API_KEY"
    from helpers.modes.key_file import KeyFileError, load_key

    try:
        saved = load_key()
    except (KeyFileError, OSError) as error:
        return f"no key: {error}"
    if saved is None:
        return None
    return (
        f"key typed with ask_for_key(), saved for {saved.hours_left():.0f} h more "
        "(helpers.forget_key() deletes it)"
    )


def mode_was_chosen_automatically(mode: str | None = None) -> bool:
    """True when neither an argument nor `HOMEMADE_O1_MODE` picked the mode."""
    return not (mode or os.environ.get("HOMEMADE_O1_MODE", "").strip())


def default_model() -> str:
    """The model name notebooks use unless told otherwise (`HOMEMADE_O1_MODEL`).

    In local mode it is the local model's name (its file name without `.gguf`); the
    local model answers whatever name a request sends.
    """
    chosen = os.environ.get("HOMEMADE_O1_MODEL", "").strip()
    if chosen:
        return chosen
    try:
        mode = resolve_mode()
    except ConfigurationError:
        return DEFAULT_MODEL
    if mode == "local":
        from helpers.modes.local.files import model_id

        return model_id(local_model_setting())
    return DEFAULT_MODEL


def recordings_dir() -> Path:
    """The folder recordings are replayed from and recorded into."""
    custom = os.environ.get("HOMEMADE_O1_RECORDINGS", "").strip()
    return Path(custom).expanduser() if custom else PACKAGE_RECORDINGS


def _positive_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not value > 0 or math.isinf(value):
        raise ConfigurationError(
            f"{name} must be a positive number, not {raw!r} "
            f"(unset it for the default of {default:g})."
        )
    return value


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


def call_timeout() -> float:
    """Seconds one call may take, from sending it to its last token (`HOMEMADE_O1_TIMEOUT`)."""
    return _positive_number("HOMEMADE_O1_TIMEOUT", DEFAULT_TIMEOUT)


def base_url() -> str:
    """The server live calls go to: `OPENAI_BASE_URL`, or OpenAI's own API."""
    return (os.environ.get("OPENAI_BASE_URL", "").strip() or OPENAI_BASE_URL).rstrip("/")


# ---- local mode ---------------------------------------------------------------------
def local_model_setting() -> str:
    """`HOMEMADE_O1_LOCAL_MODEL`, or the default model's hub reference."""
    from helpers.modes.local.files import DEFAULT_LOCAL_MODEL

    return os.environ.get("HOMEMADE_O1_LOCAL_MODEL", "").strip() or DEFAULT_LOCAL_MODEL


def available_cores() -> int:
    """How many CPU cores this process may really use.

    The cores it may run on (`os.sched_getaffinity`), further capped by a container's
    CPU quota (cgroup `cpu.max`), since Binder and Docker limit CPU time that way while
    still showing every core of the host.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(cores, 1)


def _cgroup_cpu_quota() -> float | None:
    """CPUs allowed by a cgroup v2 (`cpu.max`) or v1 (`cpu.cfs_quota_us`) limit, if any."""
    try:
        text = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if len(text) == 2 and text[0] != "max":
            return int(text[0]) / int(text[1])
    except (OSError, ValueError):
        pass
    try:
        quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        if quota > 0 and period > 0:
            return quota / period
    except (OSError, ValueError):
        pass
    return None


def local_threads() -> int:
    """CPU threads for the local model (`HOMEMADE_O1_THREADS`, default: `available_cores()`)."""
    raw = os.environ.get("HOMEMADE_O1_THREADS", "").strip()
    if not raw:
        return available_cores()
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(
            f"HOMEMADE_O1_THREADS must be a whole number of 1 or more, not {raw!r}."
        )
    return int(raw)


def local_context() -> int:
    """The local model's context window in tokens (`HOMEMADE_O1_LOCAL_CONTEXT`, default 4096)."""
    raw = os.environ.get("HOMEMADE_O1_LOCAL_CONTEXT", "").strip()
    if not raw:
        return DEFAULT_LOCAL_CONTEXT
    if not raw.isdigit() or int(raw) < 256:
        raise ConfigurationError(
            f"HOMEMADE_O1_LOCAL_CONTEXT must be a whole number of tokens, 256 or more, not {raw!r}."
        )
    return int(raw)
