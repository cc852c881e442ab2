"""Stop background generations when the kernel is interrupted.

A synchronous call generates in the caller's own thread, so an interrupt
(KeyboardInterrupt) usually lands inside the token loop and stops it at once; but
when it lands inside a callback that llama.cpp runs (a logits processor), Python
prints it and drops it. An async call generates in a worker thread, which an
interrupt never reaches. So while any generation runs, this module wraps Python's
SIGINT handler (main thread only): an interrupt first asks every running
generation to stop (its cancel flag, checked before each token), then goes on as
usual (raising KeyboardInterrupt). The wrapper removes itself when no generation
is left.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

_LOCK = threading.Lock()
_RUNNING: set[threading.Event] = set()
_previous: Any = None


def _on_interrupt(signum: int, frame: Any) -> None:
    with _LOCK:
        for cancel in _RUNNING:
            cancel.set()
    previous = _previous
    if callable(previous):
        previous(signum, frame)
    else:
        raise KeyboardInterrupt


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def watch(cancel: threading.Event) -> None:
    """Set `cancel` on the next interrupt, until `forget(cancel)`."""
    global _previous
    with _LOCK:
        _RUNNING.add(cancel)
    if not _in_main_thread():
        return
    current = signal.getsignal(signal.SIGINT)
    if current is not _on_interrupt and callable(current):
        _previous = current
        signal.signal(signal.SIGINT, _on_interrupt)


def forget(cancel: threading.Event) -> None:
    """Stop watching `cancel`; put the old handler back when nothing is watched."""
    with _LOCK:
        _RUNNING.discard(cancel)
        idle = not _RUNNING
    if idle and _in_main_thread() and signal.getsignal(signal.SIGINT) is _on_interrupt:
        signal.signal(signal.SIGINT, _previous)
