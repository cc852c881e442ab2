"""`get_client()`: the real OpenAI client, in one of four modes.

* **live**: the SDK reads `OPENAI_API_KEY` and `OPENAI_BASE_URL` as usual, so any
  OpenAI-compatible server works (OpenAI, Ollama, llama.cpp, vLLM, LM Studio).
* **local**: the same client class, but its HTTP transport answers from a small
  open model run inside this Python process by llama.cpp (`helpers/modes/local/`).
* **offline**: the same client class, but its HTTP transport answers from
  recordings instead of the network. The default when no key, server or local model is set.
* **record**: live, and every answer is also saved as a recording.

Whatever the mode, what you get back *is* an `openai.OpenAI` (or `AsyncOpenAI`), so
notebook code is exactly the code you would write against the real API.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx2
import openai

from helpers.modes.deadline import deadline_transport, default_timeout
from helpers.modes.recording_files import RecordingLibrary
from helpers.modes.settings import (
    ConfigurationError,
    api_key_setting,
    base_url,
    call_timeout,
    default_model,
    key_source,
    local_context,
    local_threads,
    mode_was_chosen_automatically,
    recordings_dir,
    resolve_mode,
    stream_pace,
)
from helpers.modes.transports import (
    AsyncRedactingHttpClient,
    RecordingTransport,
    RedactingHttpClient,
    ReplayTransport,
)

# Placeholders sent where a key is required by the SDK but not by the server.
OFFLINE_API_KEY = "offline-replay-no-key-needed"
LOCAL_SERVER_API_KEY = "not-needed-for-a-local-server"
LOCAL_MODEL_API_KEY = "local-model-no-key-needed"

MISSING_KEY_MESSAGE = (
    "Live mode needs a key or a server: set OPENAI_API_KEY (for OpenAI) or OPENAI_BASE_URL "
    "(for a local server, e.g. http://localhost:11434/v1 for Ollama), or unset "
    "HOMEMADE_O1_MODE to use the offline recordings."
)


def record_tag() -> str:
    """The sub-folder new recordings go to (`HOMEMADE_O1_RECORD_TAG`, default `recorded`)."""
    return os.environ.get("HOMEMADE_O1_RECORD_TAG", "").strip() or "recorded"


def drafts_dir() -> Path | None:
    """Maintainers only: where offline misses are saved as drafts (`HOMEMADE_O1_DRAFTS`)."""
    folder = os.environ.get("HOMEMADE_O1_DRAFTS", "").strip()
    return Path(folder) if folder else None


def _replay_transport() -> ReplayTransport:
    return ReplayTransport(
        load_library(), pace=stream_pace(), drafts=drafts_dir(), draft_tag=record_tag()
    )


_LIBRARIES: dict[str, tuple[tuple, RecordingLibrary]] = {}


def _folder_signature(folder: Path) -> tuple:
    """Names, sizes and times of every recording: changes whenever a file does."""
    signature = []
    for path in folder.rglob("*.json") if folder.is_dir() else ():
        status = path.stat()
        signature.append((str(path), status.st_size, status.st_mtime_ns))
    return tuple(sorted(signature))


def load_library(folder: Path | None = None) -> RecordingLibrary:
    """All recordings in `folder` (default: the configured recordings folder).

    Loaded once and reused until a file in the folder changes.
    """
    folder = Path(folder or recordings_dir())
    signature = _folder_signature(folder)
    cached = _LIBRARIES.get(str(folder))
    if cached is None or cached[0] != signature:
        cached = (signature, RecordingLibrary(folder))
        _LIBRARIES[str(folder)] = cached
    return cached[1]


def _local_transport() -> Any:
    """The transport that answers from the local model (`LocalModelError` if it cannot)."""
    from helpers.modes.local.summary import local_model_path
    from helpers.modes.local.transport import LocalTransport

    return LocalTransport(
        local_model_path(),
        threads=local_threads(),
        context=local_context(),
        timeout=call_timeout(),
    )


def _live_options(options: dict[str, Any]) -> dict[str, Any]:
    key = options.get("api_key") or api_key_setting()
    has_server = options.get("base_url") or os.environ.get("OPENAI_BASE_URL")
    if not key:
        if not has_server:
            raise ConfigurationError(MISSING_KEY_MESSAGE)
        key = LOCAL_SERVER_API_KEY  # local servers accept any key
    options["api_key"] = key  # also a key saved by ask_for_key(), which is not in os.environ
    return options


def _client_options(mode: str, options: dict[str, Any], *, is_async: bool) -> dict[str, Any]:
    """The keyword arguments for `OpenAI(...)` / `AsyncOpenAI(...)` in this mode."""
    options = dict(options)
    http_class = openai.DefaultAsyncHttpxClient if is_async else openai.DefaultHttpxClient
    if mode == "offline":
        transport = _replay_transport()
        options.setdefault("api_key", OFFLINE_API_KEY)
        options.setdefault("http_client", http_class(transport=transport))
        return options
    if mode == "local":
        from helpers.modes.local.transport import LOCAL_BASE_URL

        options.setdefault("api_key", LOCAL_MODEL_API_KEY)
        options.setdefault("base_url", LOCAL_BASE_URL)
        options.setdefault("max_retries", 0)  # a model in this process has no network to retry
        options.setdefault("http_client", http_class(transport=_local_transport()))
        return options
    options = _live_options(options)
    if "http_client" not in options:  # a whole-call deadline for every call (deadline.py)
        url = str(options.get("base_url") or base_url())
        sender: Any = deadline_transport(options.get("timeout"), is_async=is_async, url=url)
        options.setdefault("timeout", default_timeout())
        if mode == "live":  # error bodies lose any key the server echoes (transports.py)
            redacting = AsyncRedactingHttpClient if is_async else RedactingHttpClient
            options["http_client"] = redacting(transport=sender)
        else:
            options["http_client"] = http_class(transport=_recorded(mode, sender, is_async))
    return options


def _recorded(mode: str, sender: Any, is_async: bool) -> Any:
    """In record mode, a RecordingTransport that sends through `sender`; else `sender`."""
    if mode != "record":
        return sender
    inner = {"async_transport" if is_async else "sync_transport": sender}
    return RecordingTransport(recordings_dir(), tag=record_tag(), **inner)


def get_client(mode: str | None = None, **client_options: Any) -> openai.OpenAI:
    """Return a real `openai.OpenAI` client for the chosen mode.

    Args:
        mode: "live", "local", "offline" or "record"; by default `HOMEMADE_O1_MODE`,
            else live when a key or base URL is set, else local when a local model is
            downloaded, else offline.
        **client_options: passed on to `openai.OpenAI` (e.g. `timeout=20`,
            `max_retries=5`, `base_url=...`). Live, `timeout` is the deadline of each
            whole call, retries included (default `HOMEMADE_O1_TIMEOUT`, else 120 s).
    """
    mode = resolve_mode(mode)
    return openai.OpenAI(**_client_options(mode, client_options, is_async=False))


def get_async_client(mode: str | None = None, **client_options: Any) -> openai.AsyncOpenAI:
    """The `openai.AsyncOpenAI` twin of `get_client`, for many calls at once."""
    mode = resolve_mode(mode)
    return openai.AsyncOpenAI(**_client_options(mode, client_options, is_async=True))


def get_http_client(mode: str | None = None, **http_options: Any) -> httpx2.Client:
    """A plain HTTP client (httpx2, the library the SDK uses) for raw API calls.

    Offline it replays recordings exactly like `get_client`, local it answers from
    the local model, live it is an ordinary HTTP client.
    """
    mode = resolve_mode(mode)
    if mode == "offline":
        http_options.setdefault("transport", _replay_transport())
    elif mode == "local":
        http_options.setdefault("transport", _local_transport())
    else:
        _live_options({})
        if "transport" not in http_options:  # a whole-call deadline, as for get_client
            timeout = http_options.get("timeout")
            sender = deadline_transport(timeout, is_async=False, url=base_url(), sdk=False)
            http_options["transport"] = _recorded(mode, sender, False)
    http_options.setdefault("timeout", default_timeout())
    return httpx2.Client(**http_options)


def api_key(mode: str | None = None) -> str:
    """The key to put in an `Authorization` header for raw HTTP calls.

    Live it is your key (`OPENAI_API_KEY`, or the one `ask_for_key()` saved; a
    placeholder for a local server without one); offline
    it is a placeholder, since the recordings need no key. Never print it.
    """
    mode = resolve_mode(mode)
    if mode == "offline":
        return OFFLINE_API_KEY
    if mode == "local":
        return LOCAL_MODEL_API_KEY
    return str(_live_options({})["api_key"])


def server_url() -> str:
    """The API root URL raw HTTP calls should use, e.g. `https://api.openai.com/v1`.

    In local mode it is a placeholder address: the local transport answers it in
    this process, without any network.
    """
    try:
        local = resolve_mode() == "local"
    except ConfigurationError:
        local = False
    if local:
        from helpers.modes.local.transport import LOCAL_BASE_URL

        return LOCAL_BASE_URL
    return base_url()


def _describe_library(library: RecordingLibrary) -> str:
    origins = library.origins()
    if not library:
        return "no recordings were found"
    if not origins.get("recorded"):
        return "answers hand-written by the course (no model wrote them)"
    if not origins.get("hand-written"):
        return "answers recorded from a real model"
    return "answers, some recorded from a real model and some hand-written by the course"


def _folder_label(folder: Path) -> str:
    if os.environ.get("HOMEMADE_O1_RECORDINGS", "").strip():
        return f"the folder {folder.name!r}"
    return "helpers/data/recordings"


def mode_summary(mode: str | None = None) -> str:
    """One line saying which mode is on, which server and model, and what answers."""
    automatic = mode_was_chosen_automatically(mode)
    mode = resolve_mode(mode)
    if mode == "local":
        from helpers.modes.local.summary import local_summary

        return local_summary()
    model = default_model()
    if mode == "offline":
        library = load_library()
        line = (
            f"Mode: OFFLINE. Replaying {_describe_library(library)} from "
            f"{_folder_label(recordings_dir())}; no network, no key (model name sent: {model})."
        )
        return line + _local_setup_note(automatic)
    server = base_url()
    where = "OpenAI" if server == "https://api.openai.com/v1" else server
    source = key_source() or "no key (a local server needs none)"
    if mode == "live":
        return f"Mode: LIVE. Calling {where} with model {model}; {source}."
    return (
        f"Mode: RECORD. Calling {where} with model {model}; {source}; every answer is "
        f"saved to {_folder_label(recordings_dir())}/{record_tag()}."
    )


def _local_setup_note(automatic: bool) -> str:
    """Why local mode was not chosen, when setting it up failed (noted at Binder's build)."""
    if not automatic:
        return ""
    from helpers.modes.local.setup_note import read_note

    note = read_note()
    return f" Local model not available: {note}" if note else ""


def describe_mode(mode: str | None = None) -> None:
    """Print one clear line: which mode, which server/model, and where answers come from."""
    print(mode_summary(mode))
