"""A deadline for every call: no call waits longer than its deadline, whatever the server does.

The `openai` SDK's `timeout` caps each *read* of each *attempt*: a server that
sends one byte a second, or that accepts a request and never answers, can keep a
call going for many minutes (600 s per read, three attempts). Here the timeout is
a deadline for the **whole call**: connecting, waiting, reading every byte of the
reply, and the SDK's retries and the waits between them.

    client = helpers.get_client(timeout=30)      # every call of this client: 30 s
    helpers.think("...", timeout=10)             # this call only: 10 s
    # or for everything: HOMEMADE_O1_TIMEOUT=60 (the default is 120 s)

How it holds, in live and record mode (`get_client`, `get_async_client` and
`get_http_client` put `DeadlineTransport` under the client):

* A call's deadline is its SDK timeout (`timeout=` on the call, else the client's).
  It starts at the call's first attempt; a retry (the SDK's own header
  `x-stainless-retry-count`) keeps it.
* Sync: every socket connect, read and write waits at most until the deadline
  (`ClampedBackend`), so neither a silent server nor a drip can stretch it. Looking
  up the server's name (DNS), which no socket timeout covers, runs in a helper
  thread that the call stops waiting for at the deadline.
  Async: each wait runs inside an AnyIO cancel scope that ends at the deadline.
* Retries are kept inside the deadline: when the SDK's next wait (a server's
  Retry-After, else its backoff) would end after the deadline, the reply is marked
  `x-should-retry: false` (the SDK obeys that header) or the error is raised as the
  SDK's own final error, so the SDK does not sleep past the deadline.
* The same transport reads replies with `helpers.modes.reply_checks`: unreadable
  bodies, server errors a retry cannot fix, a key echoed back (whole, or spread over
  a stream's events).

When the deadline runs out the call raises `DeadlineExceeded` (an
`openai.APITimeoutError`); its message says which deadline it was and how to raise it.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import os
import ssl
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import httpcore2
import httpx2
import openai

from helpers.modes import reply_checks as checks
from helpers.modes.settings import DEFAULT_TIMEOUT, call_timeout

TIMEOUT_VARIABLE = "HOMEMADE_O1_TIMEOUT"
# Below this much time left, the deadline counts as reached (timers fire a hair early).
REACHED = 0.005
# A retry is only allowed when the SDK's wait ends at least this long before the deadline.
RETRY_MARGIN = 0.05


def default_timeout() -> float:
    """The deadline in seconds for each call: `HOMEMADE_O1_TIMEOUT`, else 120.

    The same setting local mode uses (`settings.call_timeout`), read in one place.
    """
    return call_timeout()


def timeout_source(timeout: Any = None) -> str:
    """Where a client's deadline comes from, for the message when it runs out."""
    if timeout is not None:
        return f"the client's timeout={seconds_of(timeout):g}"
    if os.environ.get(TIMEOUT_VARIABLE, "").strip():
        return f"{TIMEOUT_VARIABLE}={default_timeout():g}"
    return f"the default deadline of {DEFAULT_TIMEOUT:g} s"


def seconds_of(timeout: Any) -> float:
    """The seconds of a timeout given as a number or an `httpx2.Timeout` (its read part)."""
    if isinstance(timeout, httpx2.Timeout):
        timeout = timeout.read
    return float(timeout) if timeout is not None else math.inf


def _format_seconds(seconds: float) -> str:
    return f"{seconds:g} s" if seconds < 100 else f"{seconds:.0f} s"


def deadline_transport(
    timeout: Any = None, *, is_async: bool, url: str, sdk: bool = True
) -> DeadlineTransport | AsyncDeadlineTransport:
    """The transport a live client sends through (see the module docstring).

    Args:
        timeout: the client's deadline (None: `default_timeout()`).
        is_async: for an async client.
        url: the server's URL (to use the environment's proxy for it).
        sdk: under the `openai` SDK (True) or a plain HTTP client (False).
    """
    if is_async:
        return AsyncDeadlineTransport(timeout=timeout, sdk=sdk, url=url)
    return DeadlineTransport(timeout=timeout, sdk=sdk, url=url)


def deadline_message(seconds: float, source: str, where: str, waiting_for: str) -> str:
    """One line: which deadline ran out, what the server was doing, how to allow more."""
    return (
        f"No complete reply within {_format_seconds(seconds)} ({source}): {where} was "
        f"{waiting_for}. To wait longer, pass a larger timeout=... (to this call, or to "
        f"get_client) or set {TIMEOUT_VARIABLE}."
    )


class DeadlineExceeded(checks.AdvisedError, openai.APITimeoutError):
    """A call ran out of its deadline. An `openai.APITimeoutError`, so code that
    handles the SDK's timeouts handles this one too; the SDK never retries it."""

    def __init__(self, request: httpx2.Request, message: str) -> None:
        openai.APIConnectionError.__init__(self, message=message, request=request)
        self.advice = message


class HTTPDeadlineExceeded(httpx2.ReadTimeout):
    """The same for a plain HTTP client (`get_http_client`): an `httpx2.TimeoutException`."""


T = TypeVar("T")
BACKSTOP = 0.5  # `within_deadline` cancels this long after the deadline the transport keeps


async def within_deadline(call: Awaitable[T], client: Any, timeout: Any = None) -> T:
    """Await one SDK call of an async `client`, cancelling it just after its deadline.

    Clients from `get_async_client` end the call at the deadline themselves; this
    holds any other async client to it too (their SDK timeout only caps each read).
    The deadline is `timeout`, else the client's own timeout, else `default_timeout()`.
    """
    own = timeout is None
    seconds = seconds_of(getattr(client, "timeout", None) if own else timeout)
    source = "the client's timeout" if own else f"timeout={seconds:g} given for this call"
    if not (0 < seconds < math.inf):
        seconds, source = default_timeout(), timeout_source()
    with anyio.move_on_after(seconds + BACKSTOP):
        return await call
    url = str(getattr(client, "base_url", "http://server/")).rstrip("/") + "/chat/completions"
    request = httpx2.Request("POST", url)
    where = checks.server_name(request)
    raise DeadlineExceeded(request, deadline_message(seconds, source, where, "not done"))


# ---- the deadline of one call -------------------------------------------------------
@dataclass
class _Call:
    started: float
    seconds: float
    source: str

    @property
    def deadline(self) -> float:
        return self.started + self.seconds

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


# The call in progress in this thread or task (its first attempt set it; retries reuse it).
_CALL: ContextVar[_Call | None] = ContextVar("homemade_o1_call", default=None)
# The moment the socket operations running now must end by (read by ClampedBackend).
_ACTIVE_DEADLINE: ContextVar[float | None] = ContextVar("homemade_o1_deadline", default=None)


def _clamp(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = _ACTIVE_DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= REACHED:
        raise error("the call's deadline has passed")
    return remaining if timeout is None else min(timeout, remaining)


class ClampedStream(httpcore2.NetworkStream):
    """A socket stream whose every wait ends by the deadline of the call using it."""

    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore2.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore2.NetworkStream:
        timeout = _clamp(timeout, httpcore2.ConnectTimeout)
        return ClampedStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def _is_address(host: str) -> bool:
    """True for an IP address (nothing to look up), False for a name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _connect_by_name(
    connect: Callable[[], httpcore2.NetworkStream], timeout: float
) -> httpcore2.NetworkStream:
    """Run `connect` (a name lookup, then a connect bounded by `timeout`) in a daemon
    thread, and wait for it at most `timeout` seconds.

    The system's name lookup takes no timeout: a resolver that does not answer would
    hold the call for as long as it likes. Past the deadline the thread is left to end
    on its own; a connection it still makes is closed at once.
    """
    done = threading.Event()
    lock = threading.Lock()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            result: Any = connect()
        except BaseException as error:  # handed to the waiting call
            result = error
        with lock:
            if done.is_set():  # nobody is waiting any more
                if isinstance(result, httpcore2.NetworkStream):
                    result.close()
                return
            outcome["result"] = result
            done.set()

    threading.Thread(target=run, name="connect-by-name", daemon=True).start()
    if not done.wait(timeout):
        with lock:
            if not done.is_set():
                done.set()
                raise httpcore2.ConnectTimeout("the call's deadline passed while connecting")
    result = outcome["result"]
    if isinstance(result, BaseException):
        raise result
    return result


class ClampedBackend(httpcore2.NetworkBackend):
    """httpcore's network backend, with every socket wrapped in a `ClampedStream`."""

    def __init__(self, inner: httpcore2.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        timeout = _clamp(timeout, httpcore2.ConnectTimeout)

        def connect() -> httpcore2.NetworkStream:
            return self._inner.connect_tcp(host, port, timeout, local_address, socket_options)

        if timeout is None or _is_address(host):
            return ClampedStream(connect())
        return ClampedStream(_connect_by_name(connect, timeout))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.NetworkStream:
        timeout = _clamp(timeout, httpcore2.ConnectTimeout)
        return ClampedStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def environment_proxy(url: str) -> str | None:
    """The proxy the environment sets for `url` (HTTPS_PROXY, ALL_PROXY, NO_PROXY ...)."""
    parsed = httpx2.URL(url)
    if parsed.host and urllib.request.proxy_bypass(parsed.host):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(parsed.scheme) or proxies.get("all")


@functools.lru_cache(maxsize=4)
def _ssl_context(cert_file: str, cert_dir: str) -> ssl.SSLContext:
    return httpx2.create_ssl_context()  # reads SSL_CERT_FILE / SSL_CERT_DIR, as httpx2 does


def shared_ssl_context() -> ssl.SSLContext:
    """One SSL context for every live client (loading the CA certificates takes ~0.1 s,
    and `think()` makes a client per call); a new one if SSL_CERT_FILE/DIR change."""
    return _ssl_context(os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", ""))


def clamped_http_transport(url: str | None = None) -> httpx2.HTTPTransport:
    """An ordinary `httpx2.HTTPTransport` whose sockets keep to the active deadline.

    `url` is the server it will call, to pick the environment's proxy as the
    SDK's own client would.
    """
    proxy = environment_proxy(url) if url else None
    transport = httpx2.HTTPTransport(verify=shared_ssl_context(), proxy=proxy)
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if pool is None or backend is None:  # pragma: no cover - if httpx2 reorganises itself
        raise RuntimeError(
            "this httpx2 version hides its connection pool; the whole-call deadline "
            "cannot be set (pin httpx2 as requirements.txt does)"
        )
    pool._network_backend = ClampedBackend(backend)
    return transport


# ---- the transports ------------------------------------------------------------------
class _Guard:
    """What the sync and async transports share: the deadline of a call and the checks."""

    def __init__(self, timeout: Any, source: str | None, sdk: bool) -> None:
        seconds = seconds_of(timeout) if timeout is not None else math.inf
        if not (0 < seconds < math.inf):  # None, or a Timeout with no read limit: the default
            timeout, seconds = None, default_timeout()
        self.seconds = seconds
        self.source = source or timeout_source(timeout)
        self.sdk = sdk

    def call_for(self, request: httpx2.Request) -> _Call:
        """The call this request is an attempt of (a first attempt starts a new one)."""
        asked = (request.extensions.get("timeout") or {}).get("read")
        if isinstance(asked, (int, float)) and 0 < asked < math.inf and asked != self.seconds:
            seconds, source = float(asked), f"timeout={asked:g} given for this call"
        else:
            seconds, source = self.seconds, self.source
        current = _CALL.get()
        if checks.retries_taken(request) > 0 and current is not None:
            return current
        call = _Call(time.monotonic(), seconds, source)
        _CALL.set(call)
        return call

    def expired(self, request: httpx2.Request, call: _Call, waiting_for: str) -> Exception:
        message = deadline_message(
            call.seconds, call.source, checks.server_name(request), waiting_for
        )
        if self.sdk:
            return DeadlineExceeded(request, message)
        return HTTPDeadlineExceeded(message, request=request)

    def failed(
        self, request: httpx2.Request, call: _Call, error: Exception, waiting_for: str
    ) -> Exception:
        """The error to raise for a transport error of one attempt."""
        if call.remaining() <= REACHED:
            return self.expired(request, call, waiting_for)
        if not self.sdk:
            return error
        wait = checks.retry_wait_bound(None, checks.retries_taken(request))
        if wait + RETRY_MARGIN < call.remaining():
            return error  # the SDK may retry: its wait ends before the deadline
        # No time for another attempt: raise what the SDK raises after its last one.
        if isinstance(error, httpx2.TimeoutException):
            return openai.APITimeoutError(request=request)
        return openai.APIConnectionError(request=request)

    def checked(
        self, request: httpx2.Request, response: httpx2.Response, body: bytes, call: _Call
    ) -> httpx2.Response:
        """A rebuilt reply (body already read): key cut out, bad body and retries decided."""
        secrets = checks.request_secrets(request)
        body = checks.scrub(body, secrets)
        status, changes = response.status_code, {}
        if self.sdk and status < 300 and not checks.is_json(body):
            content_type = response.headers.get("content-type", "")
            where = checks.server_name(request)
            body = checks.unreadable_body_error(status, content_type, body, where)
            status = checks.BAD_BODY_STATUS
            changes["content-type"] = "application/json"
        rebuilt = httpx2.Response(
            status,
            headers=checks.headers_without_length(response.headers, **changes),
            content=body,
            request=request,
            extensions=response.extensions,
        )
        if self.sdk and status >= 400 and checks.sdk_would_retry(rebuilt):
            if checks.deterministic_server_error(status, body) is not None:
                rebuilt.headers["x-should-retry"] = "false"  # asking again gives the same
            wait = checks.retry_wait_bound(rebuilt.headers, checks.retries_taken(request))
            if wait + RETRY_MARGIN >= call.remaining():
                rebuilt.headers["x-should-retry"] = "false"  # its wait would pass the deadline
        return rebuilt

    def reads_whole_body(self, request: httpx2.Request, response: httpx2.Response) -> bool:
        """Whether to read (check, scrub) the whole body here rather than pass it on as it
        comes: every error; under the SDK, JSON replies; under a plain client, all but
        event streams (those are passed on event by event)."""
        if response.status_code >= 400:
            return True
        if checks.is_event_stream(response):
            return False
        return checks.expects_json(request) or not self.sdk


class DeadlineTransport(httpx2.BaseTransport):
    """A sync transport that holds every call to its deadline (see the module docstring).

    Args:
        inner: the transport that sends (default: `clamped_http_transport()`). Its
            sockets must keep to the deadline, as a `clamped_http_transport` does.
        timeout: the client's deadline in seconds (default: `default_timeout()`).
        source: how to name that deadline in messages.
        sdk: True under the `openai` SDK (errors are the SDK's, bodies are checked);
            False under a plain HTTP client (errors are httpx2's, bodies untouched).
        url: the server, to choose the environment's proxy for the default `inner`.
    """

    def __init__(
        self,
        inner: httpx2.BaseTransport | None = None,
        *,
        timeout: Any = None,
        source: str | None = None,
        sdk: bool = True,
        url: str | None = None,
    ) -> None:
        self.inner = inner if inner is not None else clamped_http_transport(url)
        self.guard = _Guard(timeout, source, sdk)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        call = self.guard.call_for(request)
        if call.remaining() <= REACHED:
            raise self.guard.expired(request, call, "not answering")
        token = _ACTIVE_DEADLINE.set(call.deadline)
        waiting_for = "not answering"
        try:
            response = self.inner.handle_request(request)
            if self.guard.reads_whole_body(request, response):
                waiting_for = "still sending the reply"
                try:
                    body = response.read()
                finally:
                    response.close()
                return self.guard.checked(request, response, body, call)
        except httpx2.TransportError as error:
            raise self.guard.failed(request, call, error, waiting_for) from error
        finally:
            _ACTIVE_DEADLINE.reset(token)
        return _rebuilt_with_stream(request, response, _SyncBody(self, request, response, call))

    def close(self) -> None:
        self.inner.close()


class AsyncDeadlineTransport(httpx2.AsyncBaseTransport):
    """The async twin of `DeadlineTransport`: each wait runs in a cancel scope that
    ends at the deadline, so any async transport keeps to it (`inner` default:
    `httpx2.AsyncHTTPTransport` with the environment's proxy)."""

    def __init__(
        self,
        inner: httpx2.AsyncBaseTransport | None = None,
        *,
        timeout: Any = None,
        source: str | None = None,
        sdk: bool = True,
        url: str | None = None,
    ) -> None:
        if inner is None:
            proxy = environment_proxy(url) if url else None
            inner = httpx2.AsyncHTTPTransport(verify=shared_ssl_context(), proxy=proxy)
        self.inner = inner
        self.guard = _Guard(timeout, source, sdk)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        call = self.guard.call_for(request)
        waiting_for = "not answering"
        try:
            with anyio.fail_after(max(call.remaining(), 0.0)):
                response = await self.inner.handle_async_request(request)
                if self.guard.reads_whole_body(request, response):
                    waiting_for = "still sending the reply"
                    try:
                        body = await response.aread()
                    finally:
                        await response.aclose()
                    return self.guard.checked(request, response, body, call)
        except TimeoutError as error:
            raise self.guard.expired(request, call, waiting_for) from error
        except httpx2.TransportError as error:
            raise self.guard.failed(request, call, error, waiting_for) from error
        return _rebuilt_with_stream(request, response, _AsyncBody(self, request, response, call))

    async def aclose(self) -> None:
        await self.inner.aclose()


def _rebuilt_with_stream(
    request: httpx2.Request, response: httpx2.Response, stream: Any
) -> httpx2.Response:
    return httpx2.Response(
        response.status_code,
        headers=response.headers,
        stream=stream,
        request=request,
        extensions=response.extensions,
    )


class _Body:
    """A reply's body as it arrives: kept to the deadline, checked when it is a stream."""

    def __init__(
        self, owner: Any, request: httpx2.Request, response: httpx2.Response, call: _Call
    ) -> None:
        self.guard: _Guard = owner.guard
        self.request = request
        self.response = response
        self.call = call
        encoded = response.headers.get("content-encoding", "identity") != "identity"
        events = self.guard.sdk and checks.is_event_stream(response) and not encoded
        secrets = checks.request_secrets(request)
        self.reader = checks.EventStreamReader(secrets) if events else None

    def passed_on(self, chunk: bytes) -> bytes:
        if self.reader is None:
            return chunk
        try:
            return self.reader.feed(chunk)
        except ValueError as bad:
            where = checks.server_name(self.request)
            message = checks.unreadable_chunk_message(bad.args[0], where)
            raise checks.UnreadableReply(self._outer(), message) from None

    def rest(self) -> bytes:
        return self.reader.rest() if self.reader is not None else b""

    def _outer(self) -> httpx2.Response:
        return httpx2.Response(
            self.response.status_code, headers=self.response.headers, request=self.request
        )

    def expired(self) -> Exception:
        return self.guard.expired(self.request, self.call, "still sending the reply")


class _SyncBody(_Body, httpx2.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        chunks: Iterable[bytes] = self.response.stream  # type: ignore[assignment]
        iterator = iter(chunks)
        while True:
            if self.call.remaining() <= REACHED:
                raise self.expired()
            token = _ACTIVE_DEADLINE.set(self.call.deadline)
            try:
                chunk = next(iterator)
            except StopIteration:
                break
            except httpx2.TransportError as error:
                if self.call.remaining() <= REACHED:
                    raise self.expired() from error
                raise
            finally:
                _ACTIVE_DEADLINE.reset(token)
            passed = self.passed_on(chunk)
            if passed:
                yield passed
        rest = self.rest()
        if rest:
            yield rest

    def close(self) -> None:
        self.response.close()


class _AsyncBody(_Body, httpx2.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks: Any = self.response.stream
        iterator = chunks.__aiter__()
        while True:
            try:
                with anyio.fail_after(max(self.call.remaining(), 0.0)):
                    chunk = await iterator.__anext__()
            except StopAsyncIteration:
                break
            except TimeoutError as error:
                raise self.expired() from error
            passed = self.passed_on(chunk)
            if passed:
                yield passed
        rest = self.rest()
        if rest:
            yield rest

    async def aclose(self) -> None:
        await self.response.aclose()
