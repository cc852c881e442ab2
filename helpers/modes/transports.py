"""HTTP transports under the real `openai` client: one replays, one records.

The OpenAI SDK sends every request through an `httpx2` client, and an `httpx2`
client sends through a *transport*. Swapping the transport is all it takes to
answer from recordings instead of the network: the SDK, its types, its retries
and its streaming code are the real ones.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import openai

from helpers.modes.recording_files import (
    Recording,
    RecordingLibrary,
    RecordingNotFoundError,
    build_recording,
    endpoint_of,
    recording_folder,
    request_key,
    write_draft,
    write_recording,
)
from helpers.modes.redaction import header_secrets, redact

REPLAY_HEADER = "x-homemade-o1-origin"


# ---- error bodies without keys ------------------------------------------------------------
def _redacted_error(request: httpx2.Request, response: httpx2.Response) -> httpx2.Response:
    """An error response (already read) with every secret removed from its body.

    Some servers and proxies echo the request, `Authorization` header included, in
    their error bodies; the SDK copies the body into its exception message, so the
    key would end up on the screen.
    """
    text = response.content.decode("utf-8", "replace")
    clean = redact(text, header_secrets(request.headers.items()))
    if clean == text:
        return response
    headers = {
        k: v
        for k, v in response.headers.items()
        if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
    }
    return httpx2.Response(
        response.status_code,
        headers=headers,
        content=clean.encode("utf-8"),
        request=request,
        extensions=response.extensions,
    )


class RedactingHttpClient(openai.DefaultHttpxClient):
    """The SDK's default HTTP client, except that error bodies lose any key (live mode)."""

    def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        response = super().send(request, **kwargs)
        if response.status_code < 400:
            return response
        response.read()
        return _redacted_error(request, response)


class AsyncRedactingHttpClient(openai.DefaultAsyncHttpxClient):
    """The async twin of `RedactingHttpClient`."""

    async def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        response = await super().send(request, **kwargs)
        if response.status_code < 400:
            return response
        await response.aread()
        return _redacted_error(request, response)


class CallCounter:
    """How many times each request has been sent in this Python session.

    Shared by every client, so repeated identical requests get successive
    recordings (or successive repeat numbers when recording) even when each call
    makes its own client, as `helpers.think()` does by default.
    """

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def next(self, folder: Path, key: str) -> int:
        """The number of earlier calls with this key (0 for the first), counting this one."""
        with self._lock:
            number = self._counts[(str(folder), key)]
            self._counts[(str(folder), key)] += 1
            return number

    def reset(self) -> None:
        """Start counting again (tests use this)."""
        with self._lock:
            self._counts.clear()


CALLS = CallCounter()


def _describe_request(request: httpx2.Request) -> tuple[str, str, Any]:
    """(method, endpoint, JSON body) of a request, as recordings store them."""
    return request.method, endpoint_of(request.url.path), _request_body(request)


def _request_body(request: httpx2.Request) -> Any:
    """The JSON body of a request (None for a GET or a non-JSON body)."""
    raw = request.content
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {"_raw": raw.decode("utf-8", "replace")}


def sse_event(chunk: dict[str, Any] | str) -> bytes:
    """One server-sent event, as the chat API writes it: `data: {...}` and a blank line."""
    data = chunk if isinstance(chunk, str) else json.dumps(chunk, ensure_ascii=False)
    return f"data: {data}\n\n".encode()


class _ReplayedStream(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """The chunks of a recorded stream, optionally paced like a live server."""

    def __init__(self, chunks: list[Any], pace: float, dropped: bool) -> None:
        self.chunks = chunks
        self.delay = 1.0 / pace if pace > 0 else 0.0
        self.dropped = dropped

    def _events(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            yield sse_event(chunk)
        if not self.dropped:
            yield sse_event("[DONE]")

    def _drop(self) -> None:
        raise httpx2.RemoteProtocolError(
            "peer closed connection without sending complete message body (replayed)"
        )

    def __iter__(self) -> Iterator[bytes]:
        for number, event in enumerate(self._events()):
            if self.delay and number:
                time.sleep(self.delay)
            yield event
        if self.dropped:
            self._drop()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for number, event in enumerate(self._events()):
            if self.delay and number:
                await anyio.sleep(self.delay)
            yield event
        if self.dropped:
            self._drop()


class ReplayTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Answers every request from a folder of recordings; never opens a socket.

    Identical requests get the recorded answers in order (first call, second
    call, ...), and come round again when there are more calls than recordings.
    A request with no recording raises `RecordingNotFoundError`, whose message
    lists the nearest recorded prompts and how to go live.
    """

    def __init__(
        self,
        library: RecordingLibrary,
        pace: float = 0.0,
        drafts: Path | None = None,
        draft_tag: str | None = None,
    ) -> None:
        self.library = library
        self.pace = pace
        self.drafts = drafts  # maintainers: save each miss here as a draft to fill in
        self.draft_tag = draft_tag

    def _recording_for(self, request: httpx2.Request) -> Recording:
        method, endpoint, body = _describe_request(request)
        key = request_key(method, endpoint, body)
        number = CALLS.next(self.library.root, key)
        try:
            recording = self.library.find(method, endpoint, body, call_number=number)
        except RecordingNotFoundError:
            if self.drafts is not None:
                write_draft(self.drafts, method, endpoint, body, number, self.draft_tag)
            raise
        if self.drafts is not None and number >= len(self.library.by_key[key]):
            # a maintainer is drafting: ask for this repeat too, but let the run go on
            write_draft(self.drafts, method, endpoint, body, number, self.draft_tag)
        return recording

    def _response(self, request: httpx2.Request, recording: Recording) -> httpx2.Response:
        reply = recording.response
        status = int(reply.get("status", 200))
        headers = {REPLAY_HEADER: recording.origin, **reply.get("headers", {})}
        if recording.is_stream:
            headers["content-type"] = "text/event-stream; charset=utf-8"
            stream = _ReplayedStream(reply["stream"], self.pace, reply.get("ends") == "dropped")
            return httpx2.Response(status, headers=headers, stream=stream, request=request)
        headers["content-type"] = "application/json"
        content = json.dumps(reply["body"], ensure_ascii=False).encode()
        return httpx2.Response(status, headers=headers, content=content, request=request)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        return self._response(request, self._recording_for(request))

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        return self._response(request, self._recording_for(request))


class _TeeStream(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """Passes a live response stream through while keeping a copy of its bytes.

    `on_complete(data, dropped)` is called once: when the stream ends, when the
    connection drops (dropped=True), or when the reader closes it after the
    final `[DONE]` event. A stream the reader abandons half-way is not reported.
    """

    def __init__(self, inner: Any, on_complete: Any) -> None:
        self.inner = inner
        self.on_complete = on_complete
        self.buffer = bytearray()
        self.finished = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            for piece in self.inner:
                self.buffer.extend(piece)
                yield piece
        except httpx2.TransportError:
            self._complete(dropped=True)
            raise
        self._complete()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for piece in self.inner:
                self.buffer.extend(piece)
                yield piece
        except httpx2.TransportError:
            self._complete(dropped=True)
            raise
        self._complete()

    def _complete(self, dropped: bool = False) -> None:
        if not self.finished:
            self.finished = True
            self.on_complete(bytes(self.buffer), dropped)

    def _close_early(self) -> None:
        if b"data: [DONE]" in self.buffer:
            self._complete()

    def close(self) -> None:
        self._close_early()
        self.inner.close()

    async def aclose(self) -> None:
        self._close_early()
        await self.inner.aclose()


def parse_sse(data: bytes) -> tuple[list[Any], bool]:
    """Split a server-sent-event body into its JSON chunks; also say if it ended with [DONE]."""
    chunks: list[Any] = []
    done = False
    for block in data.decode("utf-8", "replace").replace("\r\n", "\n").split("\n\n"):
        payload = "\n".join(
            line[5:].lstrip() for line in block.split("\n") if line.startswith("data:")
        )
        if not payload:
            continue
        if payload.strip() == "[DONE]":
            done = True
            continue
        try:
            chunks.append(json.loads(payload))
        except json.JSONDecodeError:
            chunks.append(payload)
    return chunks, done


class RecordingTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Sends requests for real and saves every successful exchange as a recording.

    Request headers are never saved (that is where the key travels), only the
    JSON body; the saved text is also scrubbed of the key itself and of anything
    shaped like a key, organisation id or project id. A new recording replaces
    any older one of the same request, hand-written or recorded.
    """

    def __init__(
        self,
        folder: Path,
        tag: str = "recorded",
        *,
        sync_transport: httpx2.BaseTransport | None = None,
        async_transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.tag = tag
        self.target = recording_folder(self.folder, tag)  # refuses a tag that leaves the folder
        self.sync_transport = sync_transport
        self.async_transport = async_transport
        self.existing = RecordingLibrary(self.folder)
        self.written: list[Path] = []
        self._lock = threading.Lock()

    # -- sending ---------------------------------------------------------------------
    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        request.headers["accept-encoding"] = "identity"  # keep saved bytes readable
        transport = self.sync_transport or httpx2.HTTPTransport()
        self.sync_transport = transport
        return self._wrap(request, transport.handle_request(request))

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        request.headers["accept-encoding"] = "identity"
        transport = self.async_transport or httpx2.AsyncHTTPTransport()
        self.async_transport = transport
        response = await transport.handle_async_request(request)
        if response.status_code >= 400 or "text/event-stream" not in response.headers.get(
            "content-type", ""
        ):
            await response.aread()
        return self._wrap(request, response)

    def _wrap(self, request: httpx2.Request, response: httpx2.Response) -> httpx2.Response:
        if response.status_code >= 400:
            response.read()  # a no-op when the async path already read it
            return _redacted_error(request, response)
        if not 200 <= response.status_code < 300:
            return response
        headers = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        }
        is_sse = "text/event-stream" in response.headers.get("content-type", "")
        if is_sse:
            tee = _TeeStream(
                response.stream, lambda data, dropped: self._save_stream(request, data, dropped)
            )
            return httpx2.Response(
                response.status_code,
                headers=headers,
                stream=tee,
                request=request,
                extensions=response.extensions,
            )
        body = response.read()  # a no-op when the async path already read it
        self._save(request, {"status": response.status_code, "body": json.loads(body)})
        return httpx2.Response(
            response.status_code,
            headers=headers,
            content=body,
            request=request,
            extensions=response.extensions,
        )

    # -- saving ------------------------------------------------------------------------
    def _save_stream(self, request: httpx2.Request, data: bytes, dropped: bool) -> None:
        chunks, done = parse_sse(data)
        ends = "done" if done and not dropped else "dropped"
        self._save(request, {"status": 200, "stream": chunks, "ends": ends})

    def _save(self, request: httpx2.Request, response: dict[str, Any]) -> None:
        method, endpoint, body = _describe_request(request)
        key = request_key(method, endpoint, body)
        repeat = CALLS.next(self.target, key)
        with self._lock:
            for old in self.existing.by_key.get(key, []):
                if old.repeat == repeat and old.path.exists():
                    old.path.unlink()
            document = build_recording(
                method=method,
                endpoint=endpoint,
                body=body,
                response=response,
                origin="recorded",
                repeat=repeat,
            )
            secrets = header_secrets(request.headers.items())
            self.written.append(write_recording(self.target, document, secrets=secrets))

    def close(self) -> None:
        if self.sync_transport is not None:
            self.sync_transport.close()

    async def aclose(self) -> None:
        if self.async_transport is not None:
            await self.async_transport.aclose()
