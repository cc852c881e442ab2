"""What a server's reply says before the SDK reads it, and the errors that name its faults.

The transport in `helpers.modes.deadline` looks at every live reply with these
rules, so the notebooks' helpers never meet a raw fault:

* **an unreadable body**: a 200 whose body is not JSON, or a streamed chunk that
  is not JSON, becomes an error with one line of advice (`UnreadableReply`, or a
  502 that the SDK retries like any server error);
* **a server error a retry cannot fix**: a 5xx whose message says the request
  itself is the problem (llama-server's "Context size has been exceeded", a reply
  that "does not match the expected ... format", a request too large) is marked
  `x-should-retry: false`, a header the `openai` SDK obeys, so it fails at once;
* **a key echoed back**: the request's own key is cut out of every reply body
  before anything can print or store it; in a stream, also when it is spread over
  several events (`helpers.modes.stream_secrets`), so the text of each choice,
  joined, never holds it.

`ReplyCutOff` is the error for a stream that ended before the server said it was
done (no `finish_reason`): the connection, not the model, stopped the answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2
import openai

from helpers.modes.redaction import header_secrets
from helpers.modes.stream_secrets import StreamTextScrubber

REDACTED = b"[redacted]"
UNREADABLE_TYPE = "unreadable_reply"  # the error type of the 502 made for a non-JSON body
BAD_BODY_STATUS = 502  # "bad gateway": the client got a reply it cannot use

# The SDK's own retry waits (openai/_constants.py): a server's Retry-After is honoured
# up to two minutes; otherwise 0.5 s doubling per retry, at most 8 s.
SDK_MAX_RETRY_AFTER = 120.0
SDK_INITIAL_RETRY_DELAY = 0.5
SDK_MAX_RETRY_DELAY = 8.0

# Server errors that say the request itself is at fault: asking again gives the same.
DETERMINISTIC_SERVER_ERRORS = (
    re.compile(r"context size has been exceeded", re.IGNORECASE),
    re.compile(r"exceeds the available context size", re.IGNORECASE),
    re.compile(r"larger than the max context size", re.IGNORECASE),
    re.compile(r"does not match the expected\b.{0,60}\bformat", re.IGNORECASE),
    re.compile(r"\(\d+ tokens?\) (?:exceeds|is too large|is larger)", re.IGNORECASE),
    re.compile(r"\bn(?:_\w+)?\b[^.]{0,60}\b(?:exceeds|too large)\b", re.IGNORECASE),
    re.compile(r"requires --jinja", re.IGNORECASE),
    re.compile(r"\binvalid[ _]request\b", re.IGNORECASE),
)
CLIENT_ERROR_TYPES = ("invalid_request_error", "invalid_request", "exceed_context_size_error")


class AdvisedError:
    """Mixed into the errors below: `advice` is their one line for `explain_error`."""

    advice: str = ""


class UnreadableReply(AdvisedError, openai.APIResponseValidationError):
    """The server answered, but a part of its reply is not JSON, so it cannot be read."""

    def __init__(self, response: httpx2.Response, message: str) -> None:
        super().__init__(response=response, body=None, message=message)
        self.advice = message


class ReplyCutOff(AdvisedError, openai.APIConnectionError):
    """A streamed reply ended before the server said it was finished (no finish_reason)."""

    def __init__(self, request: httpx2.Request, received: int) -> None:
        message = (
            f"The connection closed before the reply was finished ({received} characters "
            "arrived, with no finish_reason and no [DONE]): the connection, not the model, "
            "stopped the answer, so it is not used; try again."
        )
        super().__init__(message=message, request=request)
        self.advice = message


def parsed_completion(raw: Any) -> Any:
    """The chat completion of a raw SDK response (`with_raw_response`), or `UnreadableReply`.

    For clients whose transport does not check bodies (any client not made by
    `get_client`): a body that is not JSON, or not a completion with choices, is
    an error that says so instead of a `JSONDecodeError` or an `IndexError`.
    """
    response = raw.http_response
    where = server_name(response.request)
    try:
        completion = raw.parse()
    except ValueError:
        completion = None
    body = read_body(response)
    content_type = response.headers.get("content-type", "")
    if completion is None or isinstance(completion, str):
        message = unreadable_body_message(response.status_code, content_type, body, where)
        raise UnreadableReply(response, message)
    if not getattr(completion, "choices", None):
        message = (
            f"The server's reply holds no answer (no choices; {describe_bytes(body)}), so it "
            f"cannot be read; try again, and check that {where} is an OpenAI-compatible API."
        )
        raise UnreadableReply(response, message)
    return completion


def read_body(response: httpx2.Response) -> bytes:
    """The body of a response that was already read (b"" if it was not)."""
    try:
        return response.content
    except httpx2.ResponseNotRead:
        return b""


def own_advice(error: BaseException) -> str | None:
    """The one line this module's errors carry, or None for any other error."""
    if isinstance(error, AdvisedError) and error.advice:
        return error.advice
    if not isinstance(error, openai.APIStatusError):
        return None
    inner = error.body.get("error", error.body) if isinstance(error.body, dict) else None
    if isinstance(inner, dict) and inner.get("type") == UNREADABLE_TYPE:
        return str(inner.get("message") or "")
    return None


# ---- secrets -----------------------------------------------------------------------
def request_secrets(request: httpx2.Request) -> tuple[bytes, ...]:
    """The key(s) a request carries (its Authorization, api-key ... headers), as bytes."""
    return tuple(secret.encode() for secret in header_secrets(request.headers.items()))


def scrub(data: bytes, secrets: tuple[bytes, ...]) -> bytes:
    """`data` with every secret cut out."""
    for secret in secrets:
        if secret in data:
            data = data.replace(secret, REDACTED)
    return data


def scrub_text(text: str, key: str | None) -> str:
    """`text` with the key cut out (for text a stream spread over many chunks)."""
    if key and len(key) >= 8 and key in text:
        return text.replace(key, REDACTED.decode())
    return text


# ---- retries -----------------------------------------------------------------------
def sdk_would_retry(response: httpx2.Response) -> bool:
    """Whether the `openai` SDK retries this status (if it has retries left)."""
    header = response.headers.get("x-should-retry")
    if header in ("true", "false"):
        return header == "true"
    return response.status_code in (408, 409, 429) or response.status_code >= 500


def retry_wait_bound(headers: httpx2.Headers | None, retries_taken: int) -> float:
    """The longest the SDK sleeps before its next attempt, as its own rules compute it."""
    if headers is not None:
        asked = _retry_after(headers)
        if asked is not None and 0 < asked <= SDK_MAX_RETRY_AFTER:
            return asked
    return min(SDK_INITIAL_RETRY_DELAY * 2.0 ** min(retries_taken, 30), SDK_MAX_RETRY_DELAY)


def _retry_after(headers: httpx2.Headers) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) * scale
        except ValueError:
            if name == "retry-after":
                return _http_date_delay(value)
    return None


def _http_date_delay(value: str) -> float | None:
    import email.utils
    import time

    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment.timestamp() - time.time()


def retries_taken(request: httpx2.Request) -> int:
    """How many attempts of this call came before this one (the SDK's own header)."""
    try:
        return int(request.headers.get("x-stainless-retry-count", "0"))
    except ValueError:
        return 0


# ---- server errors -----------------------------------------------------------------
def deterministic_server_error(status: int, body: bytes) -> str | None:
    """The server's message when a 5xx says the request itself is at fault, else None."""
    if status < 500:
        return None
    message, kind = _error_fields(body)
    if kind in CLIENT_ERROR_TYPES:
        return message or kind
    for pattern in DETERMINISTIC_SERVER_ERRORS:
        if pattern.search(message):
            return message
    return None


def _error_fields(body: bytes) -> tuple[str, str]:
    """(message, type) of an error body; for a body that is not JSON, its text."""
    text = body.decode("utf-8", "replace")
    try:
        value = json.loads(text)
    except ValueError:
        return text[:2000], ""
    inner = value.get("error", value) if isinstance(value, dict) else value
    if isinstance(inner, str):
        return inner, ""
    if not isinstance(inner, dict):
        return text[:2000], ""
    return str(inner.get("message") or ""), str(inner.get("type") or "")


# ---- unreadable bodies -------------------------------------------------------------
def expects_json(request: httpx2.Request) -> bool:
    """The SDK asks for JSON (it sends `Accept: application/json` for every JSON endpoint)."""
    return "application/json" in request.headers.get("accept", "")


def is_event_stream(response: httpx2.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


def is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def describe_bytes(data: bytes, limit: int = 40) -> str:
    """A short, printable description of what a body starts with."""
    if not data.strip():
        return "it is empty"
    text = data.strip()[:limit].decode("utf-8", "replace")
    text = re.sub(r"\s+", " ", text)
    return f"it starts {text!r}"


def unreadable_body_message(status: int, content_type: str, body: bytes, where: str) -> str:
    """One line for a reply whose body is not JSON: what came, and what to check."""
    return (
        f"The server answered {status} but its body is not JSON ({content_type or 'no type'}, "
        f"{len(body)} bytes; {describe_bytes(body)}), so it cannot be read; try again, and if "
        f"it keeps happening, check that {where} is an OpenAI-compatible API (a proxy or a "
        "login page answers like this)."
    )


def unreadable_body_error(status: int, content_type: str, body: bytes, where: str) -> bytes:
    """The JSON body of the 502 that stands in for a reply whose body is not JSON
    (the SDK retries a 502 like any server error)."""
    message = unreadable_body_message(status, content_type, body, where)
    return json.dumps({"error": {"message": message, "type": UNREADABLE_TYPE}}).encode()


def unreadable_chunk_message(data: bytes, where: str) -> str:
    return (
        f"A streamed chunk from the server is not JSON ({describe_bytes(data)}), so the "
        f"reply cannot be read; try again, and if it keeps happening, check that {where} "
        "speaks the chat API's stream format (or call without stream=True)."
    )


NOT_JSON = object()
_LINE_END = re.compile(rb"\r\n|\r|\n")  # the line ends of an event stream, as the SDK reads them


class EventStreamReader:
    """Reads a server-sent event stream as it passes through, one whole event at a time.

    `feed(chunk)` returns the bytes that may go on: the events completed so far,
    with the request's secrets cut out. Lines end as the SDK reads them (LF, CR or
    CRLF). Two kinds of cut:

    * every line loses any secret it holds whole;
    * the text of each choice (see `StreamTextScrubber`) loses any secret that forms
      only once pieces from several events are joined: an event whose text changed is
      re-serialised as one `data:` line; every other event goes on byte for byte.

    `feed` raises `ValueError` naming the data of the first complete event that is
    not JSON. An event cut off by the end of the stream is never judged: that is a
    dropped connection, which the reader of the stream reports.
    """

    def __init__(self, secrets: tuple[bytes, ...]) -> None:
        self.secrets = secrets
        texts = [secret.decode("utf-8", "replace") for secret in secrets]
        self.text = StreamTextScrubber(texts) if texts else None
        self._partial = b""  # an unfinished line
        self._lines: list[bytes] = []  # the event being read, each line with its line end
        self._data: list[bytes] = []  # the values of its data lines

    def feed(self, chunk: bytes) -> bytes:
        self._partial += chunk
        return scrub(self._events(final=False), self.secrets)

    def rest(self) -> bytes:
        """What is left at the end of the stream, secrets cut out: text still held back
        (as one more event), then an unfinished event as it came."""
        passed = self._events(final=True) + self._held_back()
        unfinished = b"".join(self._lines) + self._partial
        self._lines, self._data, self._partial = [], [], b""
        return scrub(passed + unfinished, self.secrets)

    def _events(self, final: bool) -> bytes:
        """The events that the complete lines in `_partial` finish."""
        passed, start = [], 0
        for match in _LINE_END.finditer(self._partial):
            if not final and match.group() == b"\r" and match.end() == len(self._partial):
                break  # its LF may come in the next chunk
            line = self._partial[start : match.start()]
            self._lines.append(self._partial[start : match.end()])
            start = match.end()
            if line:
                name, _, value = line.partition(b":")
                if name == b"data":
                    self._data.append(value[1:] if value.startswith(b" ") else value)
            else:
                passed.append(self._event())
        self._partial = self._partial[start:]
        return b"".join(passed)

    def _event(self) -> bytes:
        """One complete event (its lines are in `_lines`), checked and with its text scrubbed."""
        lines, self._lines = self._lines, []
        data, self._data = b"\n".join(self._data), []
        if not data.strip():
            return b"".join(lines)
        if data.strip() == b"[DONE]":
            return self._held_back() + b"".join(lines)
        value = _json_or_not(data)
        if value is NOT_JSON:  # raised outside an except block: no JSONDecodeError in its chain
            raise ValueError(scrub(data, self.secrets))
        if self.text is None or not isinstance(value, dict) or not self.text.event(value):
            return b"".join(lines)
        kept = [line for line in lines[:-1] if line.partition(b":")[0].rstrip(b"\r\n") != b"data"]
        return b"".join(kept) + _data_event(value)

    def _held_back(self) -> bytes:
        held = self.text.held_back_event() if self.text is not None else None
        return _data_event(held) if held is not None else b""


def _json_or_not(data: bytes) -> Any:
    """The JSON value of `data`, or `NOT_JSON`."""
    try:
        return json.loads(data)
    except ValueError:
        return NOT_JSON


def _data_event(value: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(value, ensure_ascii=False).encode() + b"\n\n"


def server_name(request: httpx2.Request) -> str:
    """Where the request went, for messages: `http://host:port` (no path, no query)."""
    url = request.url
    port = f":{url.port}" if url.port else ""
    return f"the server at {url.scheme}://{url.host}{port}"


def headers_without_length(headers: httpx2.Headers, **changes: str) -> dict[str, str]:
    """Response headers for a body we rebuilt: no length or encoding of the old one."""
    kept = {
        name: value
        for name, value in headers.items()
        if name.lower() not in ("content-length", "content-encoding", "transfer-encoding")
    }
    kept.update(changes)
    return kept
