"""A chat-API server on 127.0.0.1 that misbehaves on purpose, one way per `mode`.

`tests/support/server.py` answers like a well-behaved API; this one is a hostile
or broken one, written at the socket level so it can do what a real server should
not: never answer, stop half-way, send a byte a second, close mid-stream, answer
with a login page, echo the caller's key back, ...

    with FaultServer("drip") as server:
        client = helpers.get_client(base_url=server.url, timeout=2)
        client.chat.completions.create(...)        # DeadlineExceeded after 2 s

Bounded: it listens on 127.0.0.1 only, every wait checks a stop flag at least
every 50 ms, and leaving the `with` block closes every connection and joins every
thread within a few seconds, whatever state a reply was in.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from helpers.modes.recording_files import last_user_message
from helpers.modes.wire import chat_completion, chat_completion_chunks

# The fault modes, each a way a server can fail a caller.
SLOW_MODES = ("hang", "slow_headers", "stall", "drip", "open_after_done")
MODES = (
    "ok",
    *SLOW_MODES,
    "drop",
    "not_json",
    "not_json_chunk",
    "no_finish",
    "no_done",
    "rate_limit",
    "deterministic_500",
    "echo_key_error",
    "echo_key_reply",
    "bad_sometimes",
)
DEFAULT_CONTENT = json.dumps(
    {
        "steps": ["Spell the word.", "Count the letters."],
        "result": "1234",
        "title": "Final answer",
        "content": "Checked the count.",
        "next_action": "final_answer",
    }
)
CUT_CONTENT = '{"steps": ["Add the digits.", "Write the total."], "result": 12'
LOGIN_PAGE = b"<html><body><h1>Please sign in</h1></body></html>"
LLAMA_SERVER_500 = "Context size has been exceeded."
POLL = 0.05  # how often every wait looks at the stop flag


@dataclass
class FaultRequest:
    """One request the server read: its path, headers (lower-case names) and JSON body."""

    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FaultServer:
    """Serve `mode` (one of MODES) on 127.0.0.1 until the `with` block ends.

    Args:
        mode: how to misbehave.
        content: the answer text, or a function of the request body giving it.
        drip: seconds between bytes in the slow modes.
        status: the status of an "echo_key_error" reply (401, 400, 404, 422, 500).
        failures: how many requests get a 429 in "rate_limit" before answers come.
        retry_after: the Retry-After header (seconds) those 429s carry.
        cut_text: the text of a "no_finish" reply (by default a cut-off answer).
        bad_share: the share of requests with an unreadable body in "bad_sometimes"
            (chosen by the request's content, so a retry of one is unreadable too).
    """

    mode: str = "ok"
    content: str | Callable[[Any], str] = DEFAULT_CONTENT
    drip: float = 1.0
    status: int = 401
    failures: int = 1
    retry_after: str = "0"
    bad_share: float = 0.05
    cut_text: str = CUT_CONTENT
    requests: list[FaultRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}; known: {', '.join(MODES)}")
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(POLL)
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    # ---- lifetime --------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FaultServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Close every connection and join every thread (each wait ends within POLL)."""
        self._stop.set()
        self._acceptor.join(timeout=2)
        self._listener.close()
        with self._lock:
            connections = list(self._connections)
            threads = list(self._threads)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()
        for thread in threads:
            thread.join(timeout=2)

    @property
    def alive_threads(self) -> int:
        """Connection threads still running (0 once `stop` has finished)."""
        with self._lock:
            return sum(thread.is_alive() for thread in self._threads) + self._acceptor.is_alive()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection.settimeout(POLL)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            with self._lock:
                self._connections.add(connection)
                self._threads.append(thread)
            thread.start()

    # ---- one connection --------------------------------------------------------------
    def _serve(self, connection: socket.socket) -> None:
        try:
            buffer = b""
            while not self._stop.is_set():
                request, buffer = self._read_request(connection, buffer)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                    number = len(self.requests)
                if not self._answer(connection, request, number):
                    return
        except OSError:
            return
        finally:
            with self._lock:
                self._connections.discard(connection)
            connection.close()

    def _read_request(
        self, connection: socket.socket, buffer: bytes
    ) -> tuple[FaultRequest | None, bytes]:
        while b"\r\n\r\n" not in buffer:
            data = self._receive(connection)
            if not data:
                return None, b""
            buffer += data
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        while len(buffer) < length:
            data = self._receive(connection)
            if not data:
                return None, b""
            buffer += data
        raw, buffer = buffer[:length], buffer[length:]
        body = json.loads(raw) if raw else None
        return FaultRequest(path, headers, body), buffer

    def _receive(self, connection: socket.socket) -> bytes:
        while not self._stop.is_set():
            try:
                return connection.recv(65536)
            except TimeoutError:
                continue
        return b""

    def _wait(self, seconds: float) -> bool:
        """Sleep, but wake when the server stops; True if it is still running."""
        return not self._stop.wait(seconds)

    def _hold(self) -> bool:
        """Keep the connection open, saying nothing, until the server stops."""
        while self._wait(POLL):
            pass
        return False

    def _send(self, connection: socket.socket, data: bytes) -> None:
        connection.sendall(data)

    def _drip(self, connection: socket.socket, data: bytes) -> bool:
        for index in range(len(data)):
            if not self._wait(self.drip if index else 0):
                return False
            self._send(connection, data[index : index + 1])
        return True

    # ---- what to send -----------------------------------------------------------------
    def _text(self, body: Any) -> str:
        return self.content(body) if callable(self.content) else self.content

    def _answer(self, connection: socket.socket, request: FaultRequest, number: int) -> bool:
        """Answer one request; True when the connection may carry another one."""
        body = request.body if isinstance(request.body, dict) else {}
        streamed = bool(body.get("stream"))
        mode = self.mode
        if mode == "rate_limit":
            if number <= self.failures:
                error: dict[str, Any] = {
                    "error": {"message": "Rate limit reached; slow down.", "type": "tokens"}
                }
                self._send(connection, _json_reply(429, error, {"retry-after": self.retry_after}))
                return True
            mode = "ok"
        if mode == "bad_sometimes":
            share = zlib.crc32(json.dumps(body, sort_keys=True).encode()) % 1000 / 1000
            mode = "not_json" if share < self.bad_share else "ok"
        if mode == "hang":
            return self._hold()
        if mode == "deterministic_500":
            error = {"error": {"code": 500, "message": LLAMA_SERVER_500, "type": "server_error"}}
            self._send(connection, _json_reply(500, error))
            return True
        key = request.headers.get("authorization", "")
        if mode == "echo_key_error":
            error = {"error": {"message": f"Not accepted: {key}", "type": "invalid_request_error"}}
            self._send(connection, _json_reply(self.status, error))
            return True
        if mode == "not_json" or (mode == "not_json_chunk" and not streamed):
            self._send(connection, _raw_reply(200, LOGIN_PAGE, "application/json"))
            return True
        text = self._text(body)
        if mode == "echo_key_reply":
            text = json.dumps({"steps": [f"The header said {key}."], "result": key})
        if streamed:
            return self._stream(connection, body, text, mode)
        if mode == "no_finish":  # a whole reply that says nothing about how it ended
            reply = json.dumps(chat_completion(body, self.cut_text, finish_reason=None)).encode()
        else:
            reply = json.dumps(chat_completion(body, _choices(body, text))).encode()
        return self._whole(connection, reply, mode)

    def _whole(self, connection: socket.socket, reply: bytes, mode: str) -> bool:
        head = _head(200, "application/json", {"content-length": str(len(reply))})
        if mode == "slow_headers":
            return self._drip(connection, head) and self._drip(connection, reply)
        if mode == "open_after_done":  # no length: the body ends only when the server closes
            self._send(connection, _head(200, "application/json", {}) + reply)
            return self._hold()
        self._send(connection, head)
        if mode == "stall":
            self._send(connection, reply[: len(reply) // 2])
            return self._hold()
        if mode == "drip":
            return self._drip(connection, reply) and self._hold()
        if mode == "drop":
            self._send(connection, reply[: len(reply) // 2])
            return False
        self._send(connection, reply)
        return True

    def _stream(self, connection: socket.socket, body: dict, text: str, mode: str) -> bool:
        if mode == "no_finish":
            chunks = chat_completion_chunks(body, self.cut_text, include_usage=False)[:-1]
            events = [_event(chunk) for chunk in chunks]  # no finish_reason, no [DONE]
        else:
            events = [_event(chunk) for chunk in chat_completion_chunks(body, text)]
            if mode != "no_done":  # "no_done": finish_reason and usage, but no [DONE]
                events.append(b"data: [DONE]\n\n")
        if mode == "not_json_chunk":
            events.insert(2, b"data: " + LOGIN_PAGE + b"\n\n")
        head = _head(200, "text/event-stream", {"transfer-encoding": "chunked"})
        framed = [b"%x\r\n%s\r\n" % (len(event), event) for event in events]
        if mode == "slow_headers":
            return self._drip(connection, head) and self._drip(connection, b"".join(framed))
        self._send(connection, head)
        if mode == "stall":
            self._send(connection, b"".join(framed[:2]))
            return self._hold()
        if mode == "drip":
            return self._drip(connection, b"".join(framed)) and self._hold()
        if mode == "drop":
            self._send(connection, b"".join(framed[: len(framed) // 2]))
            return False
        self._send(connection, b"".join(framed))
        if mode == "open_after_done":
            return self._hold()  # every event sent, but the body is never ended
        self._send(connection, b"0\r\n\r\n")
        return True


def _choices(body: dict, text: str) -> str | list[str | None]:
    count = body.get("n") or 1
    return [text] * count if count > 1 else text


def _event(chunk: Any) -> bytes:
    return f"data: {json.dumps(chunk)}\n\n".encode()


def _head(status: int, content_type: str, headers: dict[str, str]) -> bytes:
    reasons = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
    reasons |= {422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Server Error"}
    lines = [f"HTTP/1.1 {status} {reasons.get(status, 'Status')}", f"content-type: {content_type}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _raw_reply(
    status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
) -> bytes:
    extra = {"content-length": str(len(data)), **(headers or {})}
    return _head(status, content_type, extra) + data


def _json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> bytes:
    return _raw_reply(status, json.dumps(body).encode(), "application/json", headers)


def echo_text(body: Any) -> str:
    """Content for the ReAct agent: a final answer naming the question."""
    return f"Thought: I know it.\nFinal Answer: {last_user_message(body)[:20]}"


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll `condition` until it holds or `seconds` pass (for checks after a stop)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(POLL)
    return condition()
