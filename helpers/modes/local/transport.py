"""The HTTP transport under the OpenAI SDK that answers from the local model.

The SDK builds and sends a real HTTP request; instead of opening a socket, this
transport reads it, runs the model, and returns a real HTTP response: JSON for a
plain call, server-sent events for a stream (each event written as soon as its
token exists, so the SDK sees tokens as they are generated). It answers
`POST /chat/completions` and `GET /models`; anything else gets the API's 404.

Synchronous calls generate in the caller's thread. Async calls generate in a
worker thread and hand each event to the event loop, so the loop stays free.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import httpx2

from helpers.modes.local import interrupts
from helpers.modes.local.answer import Job, chunks, complete, prepare
from helpers.modes.local.errors import RequestError
from helpers.modes.local.request import parse_chat_request
from helpers.modes.local.runtime import GenerationCancelled, LoadedModel, load_model
from helpers.modes.local.sampler import Limits
from helpers.modes.transports import sse_event
from helpers.modes.wire import error_body

LOCAL_BASE_URL = "http://local-model/v1"
_END = object()


def _json_response(request: httpx2.Request, status: int, body: Any) -> httpx2.Response:
    content = json.dumps(body, ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}
    return httpx2.Response(status, headers=headers, content=content, request=request)


def _error_response(request: httpx2.Request, error: RequestError) -> httpx2.Response:
    body = error_body(error.message, code=error.code)
    body["error"]["param"] = error.param
    return _json_response(request, error.status, body)


def _models_list(model_id: str) -> dict[str, Any]:
    entry = {"id": model_id, "object": "model", "created": 0, "owned_by": "local"}
    return {"object": "list", "data": [entry]}


class _SyncEvents(httpx2.SyncByteStream):
    """A streamed reply generated while the SDK reads it, in the reader's thread."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._events: Generator[bytes, None, None] | None = None

    def _generate(self) -> Generator[bytes, None, None]:
        gate = self.job.model.gate
        cancel = self.job.limits.cancel
        turn = gate.acquire(stale_after=self.job.limits.timeout)
        clean = False
        interrupts.watch(cancel)
        try:
            self.job.model.reset_if_needed()
            self.job.limits.start_clock()
            for chunk in chunks(self.job, turn):
                yield sse_event(chunk)
            yield sse_event("[DONE]")
            clean = True
        except GenerationCancelled:
            raise KeyboardInterrupt from None  # an interrupt that llama.cpp's callback caught
        finally:
            interrupts.forget(cancel)
            gate.release(turn, clean=clean)

    def __iter__(self) -> Iterator[bytes]:
        self._events = self._generate()
        return self._events

    def close(self) -> None:
        if self._events is not None:
            self._events.close()  # gives the model back if the reader stopped early


def _run_with_turn(job: Job, work: Callable[[Any], Any]) -> Any:
    """Wait for the model (cancellable), run `work(turn)`, give the model back."""
    gate = job.model.gate
    turn = gate.acquire(job.limits.cancel, stale_after=job.limits.timeout)
    clean = False
    try:
        job.model.reset_if_needed()
        job.limits.start_clock()
        result = work(turn)
        clean = True
        return result
    finally:
        gate.release(turn, clean=clean)


async def _in_thread(work: Callable[..., Any], *args: Any) -> Any:
    """Run `work(*args)` in a new daemon thread and wait for its result without blocking the loop.

    A daemon thread (not anyio's or asyncio's worker pools, whose threads the process
    waits for at exit) so that an interrupted event loop can never keep Python from
    exiting.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(error: BaseException | None, result: Any) -> None:
        if future.done():  # the caller was cancelled meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            outcome: tuple[BaseException | None, Any] = (None, work(*args))
        except BaseException as error:  # handed to the awaiting task
            outcome = (error, None)
        try:
            loop.call_soon_threadsafe(settle, *outcome)
        except RuntimeError:  # the event loop is closed: nobody is waiting any more
            pass

    threading.Thread(target=run, name="local-model", daemon=True).start()
    return await future


class _AsyncEvents(httpx2.AsyncByteStream):
    """A streamed reply generated in a worker thread and handed to the event loop."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._thread: threading.Thread | None = None

    def _produce(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Any]) -> None:
        def send(item: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def stream_all(turn: Any) -> None:
            for chunk in chunks(self.job, turn):
                send(sse_event(chunk))
            send(sse_event("[DONE]"))

        try:
            _run_with_turn(self.job, stream_all)
        except GenerationCancelled:
            return
        except BaseException as error:  # handed to the reader, who raises it
            try:
                send(error)
            except RuntimeError:  # the event loop is gone
                return
            return
        try:
            send(_END)
        except RuntimeError:
            pass

    async def __aiter__(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancel = self.job.limits.cancel
        interrupts.watch(cancel)
        self._thread = threading.Thread(
            target=self._produce, args=(loop, queue), name="local-model-stream", daemon=True
        )
        self._thread.start()
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            cancel.set()  # the reader is gone (or done): stop generating
            interrupts.forget(cancel)

    async def aclose(self) -> None:
        self.job.limits.cancel.set()


class LocalTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Answers OpenAI chat requests from a GGUF model run in this process; opens no socket."""

    def __init__(self, model_path: Path, *, threads: int, context: int, timeout: float) -> None:
        self.model_path = Path(model_path)
        self.threads = threads
        self.context = context
        self.timeout = timeout

    def _model(self) -> LoadedModel:
        return load_model(self.model_path, self.threads, self.context)

    def _route(self, request: httpx2.Request) -> str | None:
        path = request.url.path.rstrip("/")
        if request.method == "POST" and path.endswith("/chat/completions"):
            return "chat"
        if request.method == "GET" and path.endswith("/models"):
            return "models"
        return None

    def _not_found(self, request: httpx2.Request) -> httpx2.Response:
        error = RequestError(
            f"Invalid URL ({request.method} {request.url.path}): the local model answers "
            "POST /chat/completions and GET /models.",
            code="unknown_url",
            status=404,
        )
        return _error_response(request, error)

    def _prepare(self, request: httpx2.Request, model: LoadedModel) -> Job:
        try:
            body = json.loads(request.content or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RequestError(
                "We could not parse the JSON body of your request: send a JSON object."
            ) from None
        chat = parse_chat_request(body, can_think=model.info.has_thinking_switch)
        return prepare(model, chat, Limits(timeout=self.timeout))

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        route = self._route(request)
        if route is None:
            return self._not_found(request)
        model = self._model()
        if route == "models":
            return _json_response(request, 200, _models_list(model.model_id))
        try:
            job = self._prepare(request, model)
        except RequestError as error:
            return _error_response(request, error)
        if job.chat.stream:
            headers = {"content-type": "text/event-stream; charset=utf-8"}
            return httpx2.Response(200, headers=headers, stream=_SyncEvents(job), request=request)
        cancel = job.limits.cancel
        interrupts.watch(cancel)
        try:
            body = _run_with_turn(job, lambda turn: complete(job, turn))
        except GenerationCancelled:
            raise KeyboardInterrupt from None  # an interrupt that llama.cpp's callback caught
        finally:
            interrupts.forget(cancel)
        return _json_response(request, 200, body)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        route = self._route(request)
        if route is None:
            return self._not_found(request)
        model = await _in_thread(self._model)
        if route == "models":
            return _json_response(request, 200, _models_list(model.model_id))
        try:
            job = self._prepare(request, model)
        except RequestError as error:
            return _error_response(request, error)
        if job.chat.stream:
            headers = {"content-type": "text/event-stream; charset=utf-8"}
            return httpx2.Response(200, headers=headers, stream=_AsyncEvents(job), request=request)
        cancel = job.limits.cancel
        interrupts.watch(cancel)
        try:
            body = await _in_thread(_run_with_turn, job, lambda turn: complete(job, turn))
        except BaseException:
            cancel.set()  # cancelled or interrupted: the worker stops at its next token
            raise
        finally:
            interrupts.forget(cancel)
        return _json_response(request, 200, body)
