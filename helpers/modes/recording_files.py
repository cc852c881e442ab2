"""Recordings: one JSON file per HTTP exchange with a chat API.

A recording holds the request as it was sent (minus secrets), the response (a JSON
body, or the list of server-sent-event chunks of a stream) and metadata::

    {
      "metadata": {"origin": "recorded" | "hand-written", "model": ..., "date": ...,
                   "usage": {...}, "repeat": 0, "note": ...},
      "request":  {"method": "POST", "endpoint": "chat/completions", "body": {...}},
      "response": {"status": 200, "body": {...}}          # or
      "response": {"status": 200, "stream": [{chunk}, ...], "ends": "done" | "dropped"}
    }

A request is matched by its normalised body: every field except the model name
and a few bookkeeping fields, so a learner who switches models still gets the
replay. `repeat` numbers identical requests (self-consistency asks the same
question several times and expects different answers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai

from helpers.modes.error_display import ShortTraceback
from helpers.modes.redaction import REDACTED as REDACTED  # re-exported: older imports
from helpers.modes.redaction import SECRET_PATTERNS as SECRET_PATTERNS
from helpers.modes.redaction import redact
from helpers.modes.settings import ConfigurationError

ORIGINS = ("hand-written", "recorded")
# Fields that do not change what the model is asked, so they do not take part in matching.
IGNORED_FIELDS = frozenset(
    {"model", "user", "metadata", "store", "service_tier", "prompt_cache_key", "safety_identifier"}
)
# A record tag names one sub-folder of the recordings folder, never a path.
RECORD_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Two names for one thing: OpenAI's API wants `max_completion_tokens`, other servers read
# `max_tokens` (helpers/token_limits.py), so an answer recorded from one server replays for
# the same request sent to the other.
SAME_FIELDS = {"max_completion_tokens": "max_tokens"}


class RecordingNotFoundError(ShortTraceback, openai.OpenAIError):
    """Offline mode was asked something that has no recorded answer.

    It subclasses the SDK's own base error, so the client raises it unchanged
    (no retries, no wrapping) and `except openai.OpenAIError` still catches it.
    In a notebook it shows as its message (what you asked, what was recorded, the
    ways on), not as a traceback; `%tb` shows the traceback.

    Attributes:
        put_back: what to restore to get the recorded answer (e.g. "n=5"), or None.
    """

    def __init__(self, message: str, put_back: str | None = None) -> None:
        super().__init__(redact(message))
        self.put_back = put_back
        self.folder_problem: str | None = None  # the recordings folder is missing or empty


class RecordingFormatError(ShortTraceback, ValueError):
    """A recording file is not in the expected format; the message names the file."""


# ---- requests ---------------------------------------------------------------------
def endpoint_of(url_path: str) -> str:
    """`/v1/chat/completions` -> `chat/completions` (the part after the API root)."""
    path = url_path.strip("/")
    marker = path.rfind("v1/")
    return path[marker + 3 :] if marker != -1 else path


def normalize_body(body: Any) -> Any:
    """The part of a request body that decides the answer (see IGNORED_FIELDS).

    A setting written as a whole float is the same JSON number as the integer
    (`temperature=0` and `temperature=0.0`), so it is kept as that integer.
    """
    if not isinstance(body, dict):
        return body
    return {
        SAME_FIELDS.get(k, k): _same_number(v)
        for k, v in sorted(body.items())
        if k not in IGNORED_FIELDS and v is not None
    }


def _same_number(value: Any) -> Any:
    """`0.0` -> `0`, `1.0` -> `1`; every other value unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def request_key(method: str, endpoint: str, body: Any) -> str:
    """A stable fingerprint of a request, used to find its recording."""
    canonical = json.dumps(
        [method.upper(), endpoint, normalize_body(body)],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _content_text(content: Any) -> str:
    """A message's content as text (content-part lists keep their text parts)."""
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def prompt_text(body: Any) -> str:
    """The messages of a chat request as one string, for "nearest prompt" hints."""
    if not isinstance(body, dict):
        return ""
    parts = []
    for message in body.get("messages") or []:
        if isinstance(message, dict) and _content_text(message.get("content")):
            parts.append(f"{message.get('role', '?')}: {_content_text(message['content'])}")
    return "\n".join(parts)


def last_user_message(body: Any) -> str:
    """The last user message of a chat request ("" when there is none)."""
    if not isinstance(body, dict):
        return ""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


# ---- one recording ----------------------------------------------------------------
@dataclass
class Recording:
    """One recorded exchange, loaded from its JSON file."""

    path: Path
    data: dict[str, Any]

    @property
    def metadata(self) -> dict[str, Any]:
        return self.data["metadata"]

    @property
    def request(self) -> dict[str, Any]:
        return self.data["request"]

    @property
    def response(self) -> dict[str, Any]:
        return self.data["response"]

    @property
    def origin(self) -> str:
        return self.metadata["origin"]

    @property
    def repeat(self) -> int:
        return int(self.metadata.get("repeat", 0))

    @property
    def is_stream(self) -> bool:
        return "stream" in self.response

    @property
    def key(self) -> str:
        return request_key(self.request["method"], self.request["endpoint"], self.request["body"])

    def label(self, root: Path | None = None) -> str:
        """The file name relative to the recordings folder (never an absolute path)."""
        if root is not None:
            try:
                return self.path.relative_to(root).as_posix()
            except ValueError:
                pass
        return self.path.name


def load_recording(path: Path, root: Path | None = None) -> Recording:
    """Read and check one recording file; every error names the file (relative to `root`)."""
    name = _file_label(path, root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise RecordingFormatError(
            f"{name}: not a UTF-8 text file (byte {error.start} cannot be read); a recording "
            "is JSON text: fix the file, or move it out of the recordings folder."
        ) from None
    except (OSError, json.JSONDecodeError) as error:
        raise RecordingFormatError(
            f"{name}: not readable as JSON ({error}); fix the file, or move it out of the "
            "recordings folder."
        ) from None
    problems = []
    if not isinstance(data, dict):
        problems.append("not a JSON object")
    else:
        meta, request, response = (data.get(k) for k in ("metadata", "request", "response"))
        if not isinstance(meta, dict) or meta.get("origin") not in ORIGINS:
            problems.append(f"metadata.origin must be one of {ORIGINS}")
        if not isinstance(request, dict) or not {"method", "endpoint", "body"} <= request.keys():
            problems.append("request needs method, endpoint and body")
        if not isinstance(response, dict) or not ({"body", "stream"} & response.keys()):
            problems.append("response needs a body or a stream")
    if problems:
        raise RecordingFormatError(f"{name}: " + "; ".join(problems))
    return Recording(path=path, data=data)


def _file_label(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            pass
    return Path(path).name


def validate_recording(recording: Recording) -> list[str]:
    """Problems with one recording (empty when it is fine).

    Checks that the response parses as the SDK's own types, that the metadata
    says where the answer came from, and that no secret is in the file.
    """
    from openai.types.chat import ChatCompletion, ChatCompletionChunk
    from pydantic import ValidationError

    problems = []
    meta = recording.metadata
    for field in ("origin", "date", "model"):
        if not meta.get(field):
            problems.append(f"metadata.{field} is missing")
    if meta.get("origin") == "hand-written" and "hand-written" not in meta.get("note", ""):
        problems.append("a hand-written recording needs a note saying so")
    try:
        if recording.request["endpoint"] == "chat/completions":
            if recording.is_stream:
                for chunk in recording.response["stream"]:
                    ChatCompletionChunk.model_validate(chunk)
            elif int(recording.response.get("status", 200)) < 400:
                ChatCompletion.model_validate(recording.response["body"])
    except ValidationError as error:
        problems.append(f"response is not in the API's format: {error.errors()[0]['msg']}")
    text = recording.path.read_text(encoding="utf-8")
    if redact(text) != text:
        problems.append("contains something shaped like a key or an account id")
    return problems


def slug_for(body: Any, words: int = 6) -> str:
    """A short readable file-name stem from the last user message."""
    text = last_user_message(body) or prompt_text(body) or "request"
    tokens = re.findall(r"[a-z0-9]+", text.lower())[:words]
    return "-".join(tokens)[:48].strip("-") or "request"


def build_recording(
    *,
    method: str,
    endpoint: str,
    body: Any,
    response: dict[str, Any],
    origin: str,
    repeat: int = 0,
    note: str | None = None,
    date: str | None = None,
) -> dict[str, Any]:
    """Assemble the JSON document for one exchange (metadata filled in from the response)."""
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}, not {origin!r}")
    model, usage = _model_and_usage(response)
    metadata: dict[str, Any] = {
        "origin": origin,
        "model": model or (body.get("model") if isinstance(body, dict) else None),
        "date": date or dt.date.today().isoformat(),
        "usage": usage,
        "repeat": repeat,
    }
    if note:
        metadata["note"] = note
    return {
        "metadata": metadata,
        "request": {"method": method.upper(), "endpoint": endpoint, "body": body},
        "response": response,
    }


def _model_and_usage(response: dict[str, Any]) -> tuple[str | None, Any]:
    if "body" in response and isinstance(response["body"], dict):
        return response["body"].get("model"), response["body"].get("usage")
    model, usage = None, None
    for chunk in response.get("stream", []):
        if isinstance(chunk, dict):
            model = chunk.get("model") or model
            usage = chunk.get("usage") or usage
    return model, usage


def recording_folder(root: Path, tag: str) -> Path:
    """The sub-folder `tag` of the recordings folder `root`, refusing any tag that leaves it.

    A tag is one folder name: letters, digits, `.`, `_` and `-`, starting with a letter
    or a digit (so never `..`, an absolute path or a path with separators).

    Raises:
        ConfigurationError: the tag is not such a name.
    """
    if not RECORD_TAG.fullmatch(tag or ""):
        raise ConfigurationError(
            f"HOMEMADE_O1_RECORD_TAG must be one folder name (letters, digits, '.', '_' or "
            f"'-', such as 'recorded' or 'my-run'), not {tag!r}: recordings always go inside "
            "the recordings folder."
        )
    folder = Path(root) / tag
    if Path(root).resolve() not in folder.resolve().parents:  # e.g. a symlink pointing out
        raise ConfigurationError(
            f"The record tag {tag!r} leads outside the recordings folder; choose another name."
        )
    return folder


def write_recording(
    folder: Path, document: dict[str, Any], *, secrets: tuple[str, ...] = ()
) -> Path:
    """Write a recording as readable JSON, with every secret removed. Returns its path."""
    request = document["request"]
    name = slug_for(request["body"])
    key = request_key(request["method"], request["endpoint"], request["body"])
    repeat = document["metadata"].get("repeat", 0)
    suffix = f"-r{repeat}" if repeat else ""
    path = folder / f"{name}-{key[:10]}{suffix}.json"
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact(text, secrets), encoding="utf-8")
    return path


def write_draft(
    folder: Path, method: str, endpoint: str, body: Any, repeat: int = 0, tag: str | None = None
) -> Path:
    """Save a request that had no recording, for a maintainer to answer by hand.

    `scripts/recordings.py finalize` turns a filled-in draft into a hand-written
    recording in the exact wire format.
    """
    key = request_key(method, endpoint, body)
    path = Path(folder) / f"{slug_for(body)}-{key[:10]}-r{repeat}.draft.json"
    if not path.exists():
        stream = bool(isinstance(body, dict) and body.get("stream"))
        draft = {
            "reply": "",
            "finish_reason": "stop",
            "stream": stream,
            "repeat": repeat,
            "tag": tag,
        }
        document = {
            "draft": draft,
            "request": {"method": method, "endpoint": endpoint, "body": body},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return path


# ---- a folder of recordings -------------------------------------------------------
class RecordingLibrary:
    """Every recording under one folder, indexed by request fingerprint."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.by_key: dict[str, list[Recording]] = {}
        self.recordings: list[Recording] = []
        if self.root.is_dir():
            for path in sorted(self.root.rglob("*.json")):
                self.add(load_recording(path, self.root))

    def add(self, recording: Recording) -> None:
        self.recordings.append(recording)
        same = self.by_key.setdefault(recording.key, [])
        same.append(recording)
        same.sort(key=lambda r: r.repeat)

    def __len__(self) -> int:
        return len(self.recordings)

    def origins(self) -> Counter[str]:
        """How many recordings of each origin the folder holds."""
        return Counter(r.origin for r in self.recordings)

    def find(self, method: str, endpoint: str, body: Any, call_number: int = 0) -> Recording:
        """The recording for this request; the `call_number`-th of identical ones.

        When a request was recorded fewer times than it is asked, the answers
        come round again in the same order.
        """
        candidates = self.by_key.get(request_key(method, endpoint, body))
        if not candidates:
            raise self.miss(method, endpoint, body)
        return candidates[call_number % len(candidates)]

    def miss(self, method: str, endpoint: str, body: Any) -> RecordingNotFoundError:
        """The error for a request with no recording; its message says what to do."""
        from helpers.modes.misses import explain_miss  # it reads this module's recordings

        return explain_miss(self, method, endpoint, body)

    def explain_miss(self, method: str, endpoint: str, body: Any) -> str:
        """The message of a miss: what was asked, what was recorded, the ways on."""
        return str(self.miss(method, endpoint, body))
