"""A small OpenAI-compatible HTTP server on 127.0.0.1, for tests and benchmarks.

It speaks real HTTP, so live and record mode are tested over a real socket with
the real SDK: retries on 429, timeouts, streaming, dropped connections and tool
calls. Each test decides the answers with a handler function::

    with StubServer(lambda request: JsonReply(chat_completion(request.body, "Hi"))) as server:
        client = openai.OpenAI(base_url=server.url, api_key="test")
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from helpers.modes.recording_files import last_user_message
from helpers.modes.wire import chat_completion, chat_completion_chunks


@dataclass
class StubRequest:
    """What the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class JsonReply:
    """Answer with a JSON body after `delay` seconds."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class StreamReply:
    """Answer with server-sent events, one per chunk; `drop_after` cuts the connection."""

    chunks: list[Any]
    delay_per_chunk: float = 0.0
    drop_after: int | None = None
    delay: float = 0.0


Reply = JsonReply | StreamReply
Handler = Callable[[StubRequest], Reply]


def echo_handler(request: StubRequest) -> Reply:
    """The default: answer 'Echo: <last user message>', streamed when asked to stream."""
    body = request.body or {}
    text = "Echo: " + last_user_message(body)
    if body.get("stream"):
        return StreamReply(chat_completion_chunks(body, text, fingerprint="fp_stub"))
    return JsonReply(chat_completion(body, text, fingerprint="fp_stub"))


def replies_in_order(replies: Iterable[Reply | Handler]) -> Handler:
    """A handler that gives each reply in turn (a callable entry is called with the request)."""
    queue = list(replies)
    lock = threading.Lock()

    def handler(request: StubRequest) -> Reply:
        with lock:
            if not queue:
                raise AssertionError(f"the test server got an unexpected request: {request.body}")
            reply = queue.pop(0)
        return reply(request) if callable(reply) else reply

    return handler


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Send each reply at once (TCP_NODELAY): with Nagle's algorithm on, the body waits for
    # the client's delayed ACK of the headers, adding about 40 ms to every request.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = StubRequest(self.command, self.path, headers, body)
        self.server.stub.requests.append(request)
        try:
            reply = self.server.stub.handler(request)
        except Exception as error:  # report handler bugs as a 500 the test can see
            self.server.stub.errors.append(error)
            reply = JsonReply({"error": {"message": repr(error)}}, status=500)
        time.sleep(reply.delay)
        try:
            if isinstance(reply, StreamReply):
                self._stream(reply)
            else:
                self._json(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout test); fine

    do_GET = do_POST = _handle

    def _json(self, reply: JsonReply) -> None:
        data = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, reply: StreamReply) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("connection", "close")
        self.end_headers()
        events = [f"data: {json.dumps(c)}\n\n".encode() for c in reply.chunks]
        events.append(b"data: [DONE]\n\n")
        for number, event in enumerate(events):
            if reply.drop_after is not None and number >= reply.drop_after:
                self.wfile.flush()
                self.close_connection = True
                return  # no terminating chunk: the client sees a cut-off body
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
            time.sleep(reply.delay_per_chunk)
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stub: StubServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not self.stub.quiet_errors:
            super().handle_error(request, client_address)


HOST = "127.0.0.1"


class StubServer:
    """Run an OpenAI-compatible server in a thread; use as a context manager.

    `quiet_errors=True` keeps the server from printing the traceback of a request that
    failed outside the handler (a client killed in the middle of a request, for example).
    """

    def __init__(self, handler: Handler = echo_handler, *, quiet_errors: bool = False) -> None:
        self.handler = handler
        self.quiet_errors = quiet_errors
        self.requests: list[StubRequest] = []
        self.errors: list[Exception] = []
        self._server = _Server((HOST, 0), _RequestHandler)
        self._server.stub = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """The API root, like `https://api.openai.com/v1`."""
        return f"http://{HOST}:{self._server.server_port}/v1"

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
