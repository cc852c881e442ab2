"""Load the local model once per Python process, and let one generation use it at a time.

Loading memory-maps the GGUF file (the operating system reads weights in as they
are used) and sets up llama.cpp's context: the KV cache for the configured number
of tokens. That takes a moment, so the model is kept and reused by every client;
switching to another file or thread count replaces it.

llama.cpp's context holds one conversation at a time, so generations take turns
(`ModelGate`). A stream that a program stops reading half-way (an exception in the
loop that reads it, for instance) would otherwise keep its turn for ever: when the
*same thread* asks again (or any thread, once the stream has been paused longer than
a whole call may take), that abandoned stream loses its turn and the model is reset,
so the kernel stays usable.
"""

from __future__ import annotations

import atexit
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.modes.local.errors import LocalModelError
from helpers.modes.local.model_file import ModelFileInfo, read_model_info

INSTALL_HINT = (
    "Local mode needs llama-cpp-python: run `make local` (or `pip install -e .[local]`), "
    "then restart the kernel."
)


class GenerationCancelled(Exception):
    """A generation was asked to stop (its reader went away or the kernel was interrupted)."""


@dataclass(eq=False)
class Turn:
    """One generation's right to use the model."""

    thread: int = field(default_factory=threading.get_ident)
    revoked: bool = False  # another call took the model from this (abandoned) generation
    running: bool = False  # inside llama.cpp right now (computing a token)
    last_step: float = field(default_factory=time.monotonic)  # when it last made progress

    def step_started(self) -> None:
        self.running = True

    def step_done(self) -> None:
        self.running = False
        self.last_step = time.monotonic()


def _thread_alive(ident: int) -> bool:
    return any(thread.ident == ident for thread in threading.enumerate())


class ModelGate:
    """Lets one generation at a time use the model; the others wait for their turn."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._holder: Turn | None = None
        self.needs_reset = False  # set when a generation stopped half-way

    def _abandoned(self, holder: Turn, stale_after: float) -> bool:
        """True when the holder is surely not using the model and never will again.

        That is a generation of this very thread (the thread is here, so that
        generation is paused: a stream left half-read), of a thread that has ended, or
        one paused between two tokens for longer than a whole call may take.
        """
        if holder.thread == threading.get_ident() or not _thread_alive(holder.thread):
            return True
        return not holder.running and time.monotonic() - holder.last_step > stale_after

    def acquire(self, cancel: threading.Event | None = None, stale_after: float = 120.0) -> Turn:
        """Wait for the model (interruptible), and return the turn to pass to `release`.

        Raises `GenerationCancelled` if `cancel` is set while waiting. An abandoned
        holder (see `_abandoned`) loses the model, which is then reset.
        """
        with self._condition:
            while self._holder is not None:
                if self._abandoned(self._holder, stale_after):
                    self._holder.revoked = True
                    self._holder = None
                    self.needs_reset = True
                    break
                if cancel is not None and cancel.is_set():
                    raise GenerationCancelled
                self._condition.wait(0.1)
            turn = Turn()
            self._holder = turn
            return turn

    def release(self, turn: Turn, *, clean: bool = True) -> None:
        """End a turn; `clean=False` when the generation stopped half-way."""
        with self._condition:
            if not clean:
                self.needs_reset = True
            if self._holder is turn:
                self._holder = None
                self._condition.notify_all()

    @property
    def busy(self) -> bool:
        """True while a generation holds the model."""
        return self._holder is not None


@dataclass(eq=False)
class LoadedModel:
    """A loaded model and what the rest of local mode needs to know about it."""

    llama: Any  # llama_cpp.Llama
    info: ModelFileInfo
    threads: int
    context: int
    gate: ModelGate
    load_seconds: float
    requested_context: int

    @property
    def model_id(self) -> str:
        """The name replies carry in their `model` field."""
        return self.info.name

    def reset_if_needed(self) -> None:
        """Forget the half-finished state of an interrupted generation (call with a turn held)."""
        if self.gate.needs_reset:
            self.llama.reset()
            self.gate.needs_reset = False


_LOAD_LOCK = threading.Lock()
_LOADED: LoadedModel | None = None


def import_llama_cpp() -> Any:
    """The `llama_cpp` module, or a `LocalModelError` saying how to install it."""
    try:
        import llama_cpp
    except ImportError:
        raise LocalModelError(INSTALL_HINT) from None
    return llama_cpp


def _load(path: Path, threads: int, context: int) -> LoadedModel:
    info = read_model_info(path)
    llama_cpp = import_llama_cpp()
    n_ctx = min(context, info.context_length) if info.context_length else context
    started = time.perf_counter()
    try:
        llama = llama_cpp.Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as error:
        raise LocalModelError(
            f"llama.cpp could not load {path.name} ({error}); the file may be damaged or of an "
            "architecture this llama-cpp-python does not know. Download it again with "
            "`make local`, or set HOMEMADE_O1_LOCAL_MODEL to another .gguf file."
        ) from None
    return LoadedModel(
        llama=llama,
        info=info,
        threads=threads,
        context=n_ctx,
        gate=ModelGate(),
        load_seconds=time.perf_counter() - started,
        requested_context=context,
    )


def load_model(path: Path, threads: int, context: int) -> LoadedModel:
    """The model at `path`, loaded once and then reused (thread-safe).

    Asking for another file, thread count or context replaces the loaded model, once
    the generation using it (if any) has finished.
    """
    global _LOADED
    path = Path(path).resolve()
    with _LOAD_LOCK:
        current = _LOADED
        wanted = (path, threads, context)
        if current is not None and wanted == (
            current.info.path.resolve(),
            current.threads,
            current.requested_context,
        ):
            return current
        if current is not None:
            turn = current.gate.acquire()  # let a running generation finish first
            _LOADED = None
            current.llama.close()
            current.gate.release(turn)
        _LOADED = _load(path, threads, context)
        return _LOADED


def _close_at_exit() -> None:
    """Free llama.cpp's model before Python tears its modules down (else it complains)."""
    model = _LOADED
    if model is not None and not model.gate.busy:
        model.llama.close()


atexit.register(_close_at_exit)


def loaded_model() -> LoadedModel | None:
    """The model loaded in this process, if any."""
    return _LOADED


def unload_model() -> None:
    """Free the loaded model's memory (the next local call loads it again)."""
    global _LOADED
    with _LOAD_LOCK:
        if _LOADED is not None:
            turn = _LOADED.gate.acquire()
            _LOADED.llama.close()
            _LOADED.gate.release(turn)
            _LOADED = None
