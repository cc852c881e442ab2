"""A real llama.cpp `llama-server` on 127.0.0.1, serving the tiny random model, for tests.

The binary comes from `scripts/build_llama_server.sh` (built once per machine, kept in
`~/.cache/homemade-o1/llama-server/<version>/`), or from `HOMEMADE_O1_LLAMA_SERVER`. The
model comes from `tests/support/tiny_model.py`: random weights, so every answer is
gibberish. That is the point: it is the weakest model there is, and every helper must still
end with a clear result or a clear one-line error.

Tests use the session fixture::

    from tests.support.llama_server import llama_server  # noqa: F401  (the fixture)

    def test_something(llama_server):
        client = openai.OpenAI(base_url=llama_server.url, api_key="none")

Without the binary the tests skip and say how to build it; with
`HOMEMADE_O1_REQUIRE_SERVER=1` (CI) a missing binary fails them instead.
Scripts use `running_llama_server()` as a context manager.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.tiny_model import make_tiny_model

LLAMA_CPP_PYTHON_VERSION = "0.3.36"
"""The llama-cpp-python source package the server is built from (its vendored llama.cpp)."""

BINARY_VARIABLE = "HOMEMADE_O1_LLAMA_SERVER"
REQUIRE_VARIABLE = "HOMEMADE_O1_REQUIRE_SERVER"

SLOTS = 2
"""Requests the server answers at once (`-np`); a request with `n` above this gets a 400."""
CONTEXT_PER_SLOT = 4096
"""Tokens each slot holds (prompt and reply together): the tiny model's own training length,
and room for the course's longest request (a ReAct run of several turns)."""
MODEL_ALIAS = "tiny-random-qwen3"
"""The model name the server reports in every reply (instead of the file's path)."""
START_TIMEOUT = 60.0
"""Seconds to wait for `/health` before giving up with the server's log."""

BUILD_HINT = (
    "llama-server is not built on this machine: run scripts/build_llama_server.sh "
    "(about 14 minutes on 2 cores, once), or set HOMEMADE_O1_LLAMA_SERVER to a binary"
)


def cache_folder() -> Path:
    """`${XDG_CACHE_HOME:-~/.cache}/homemade-o1`, where built and made things are kept."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "homemade-o1"


def llama_server_binary() -> Path | None:
    """The `llama-server` to run: `HOMEMADE_O1_LLAMA_SERVER`, else the cached build; None if
    there is none that can be executed."""
    named = os.environ.get(BINARY_VARIABLE, "").strip()
    path = Path(named) if named else cache_folder() / "llama-server"
    if not named:
        path = path / LLAMA_CPP_PYTHON_VERSION / "llama-server"
    return path if path.is_file() and os.access(path, os.X_OK) else None


def server_required() -> bool:
    """True when a missing server must fail the tests rather than skip them (CI)."""
    return os.environ.get(REQUIRE_VARIABLE, "").strip() not in ("", "0", "false", "no")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def default_threads() -> int:
    """CPU threads for the server: `HOMEMADE_O1_THREADS`, else 2 (the tiny model needs few)."""
    named = os.environ.get("HOMEMADE_O1_THREADS", "").strip()
    return int(named) if named.isdigit() and int(named) > 0 else min(2, os.cpu_count() or 1)


@dataclass
class LlamaServer:
    """A running llama-server: where to reach it and what it was started with."""

    process: subprocess.Popen[bytes]
    url: str  # the OpenAI base URL, ending in /v1
    model_path: Path
    log_path: Path
    slots: int
    context_per_slot: int
    started_in: float  # seconds from launch to a healthy /health

    @property
    def root(self) -> str:
        """The server's own root URL (for /health, /props, /slots)."""
        return self.url.removesuffix("/v1")

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server wrote (its own messages), for error reports."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def props(self) -> dict[str, object]:
        """The server's `/props`: its settings, slot count and chat template."""
        with urllib.request.urlopen(self.root + "/props", timeout=5) as reply:  # noqa: S310
            return dict(json.load(reply))

    def stop(self) -> None:
        """Stop the server: ask politely, then insist (a busy server can take a while)."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _healthy(root: str) -> bool:
    try:
        with urllib.request.urlopen(root + "/health", timeout=2) as reply:  # noqa: S310
            return reply.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_llama_server(
    binary: Path,
    model: Path,
    log_path: Path,
    *,
    slots: int = SLOTS,
    context_per_slot: int = CONTEXT_PER_SLOT,
    threads: int | None = None,
    timeout: float = START_TIMEOUT,
    shared_context: bool = False,
) -> LlamaServer:
    """Start `binary` serving `model` on a free port of 127.0.0.1 and wait until it is healthy.

    `-c` is the context of all slots together, so each slot gets `context_per_slot`.
    With `shared_context`, the slots share one context instead (`--kv-unified`, what
    llama-server does when started without `-np`): one long reply can then fill it for all.
    Raises RuntimeError with the end of the server's log if it exits or is not healthy
    within `timeout` seconds.
    """
    port = free_port()
    command = [
        str(binary),
        "--model",
        str(model),
        "--alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ctx-size",
        str(slots * context_per_slot),
        "--parallel",
        str(slots),
        "--threads",
        str(threads or default_threads()),
        "--jinja",
        "--kv-unified" if shared_context else "--no-kv-unified",
    ]
    # the server reads LLAMA_ARG_* variables as settings: none of the caller's may leak in
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLAMA_ARG_", "HF_"))}
    log = log_path.open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    log.close()  # the child keeps its own handle
    server = LlamaServer(
        process, f"http://127.0.0.1:{port}/v1", model, log_path, slots, context_per_slot, 0.0
    )
    deadline = started + timeout
    while not _healthy(server.root):
        if process.poll() is not None:
            raise RuntimeError(
                f"llama-server exited with code {process.returncode} while starting:\n"
                + server.log_tail()
            )
        if time.perf_counter() > deadline:
            server.stop()
            raise RuntimeError(
                f"llama-server was not healthy after {timeout:.0f} s:\n" + server.log_tail()
            )
        time.sleep(0.05)
    server.started_in = time.perf_counter() - started
    return server


@contextlib.contextmanager
def running_llama_server(folder: Path | None = None, **settings: object) -> Iterator[LlamaServer]:
    """A llama-server with the tiny model for the length of a `with` block.

    The model is made in `folder` (default: the cache folder, so it is made once).
    Raises FileNotFoundError when no binary is built.
    """
    binary = llama_server_binary()
    if binary is None:
        raise FileNotFoundError(BUILD_HINT)
    models = folder or cache_folder() / "models"
    model = make_tiny_model(models)
    with tempfile.TemporaryDirectory(prefix="llama-server-") as scratch:
        server = start_llama_server(binary, model, Path(scratch) / "server.log", **settings)  # type: ignore[arg-type]
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """The session's llama-server with the tiny model (skips without a built binary)."""
    missing = None
    if llama_server_binary() is None:
        missing = BUILD_HINT
    elif importlib.util.find_spec("gguf") is None or importlib.util.find_spec("tokenizers") is None:
        missing = "gguf and tokenizers make the tiny model: pip install -r requirements-dev.txt"
    if missing:
        if server_required():
            pytest.fail(f"{REQUIRE_VARIABLE} is set, but {missing}")
        pytest.skip(missing)
    with running_llama_server(tmp_path_factory.mktemp("tiny-model")) as server:
        yield server
