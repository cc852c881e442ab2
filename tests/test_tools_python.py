"""run_python: off unless switched on by hand; when on, time, memory, output and env are limited."""

import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.tools import python_runner
from helpers.tools.python_runner import enable_python, python_enabled, run_python
from helpers.tools.registry import call_tool, default_tools

posix_only = pytest.mark.skipif(os.name != "posix", reason="process groups and fork need POSIX")
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is enforced on Linux")


@pytest.fixture
def python_on() -> Iterator[None]:
    enable_python(True)
    yield
    enable_python(False)


def is_gone(pid: int) -> bool:
    """True when `pid` no longer runs (a zombie waiting for its parent counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat_file = Path(f"/proc/{pid}/stat")
    if stat_file.exists():
        state = stat_file.read_text().rsplit(")", 1)[1].split()[0]
        return state in ("Z", "X")
    return False


def wait_until_gone(pids: list[int], seconds: float = 2.0) -> list[int]:
    deadline = time.monotonic() + seconds
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if not is_gone(pid)]
        time.sleep(0.05)
    return alive


def test_refused_until_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process was started while python was switched off")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    assert not python_enabled()
    result = run_python("print('hi')")
    assert result.startswith("Error: running Python is switched off")
    # the one way the notebook teaches (not a second, longer import line)
    assert "`helpers.enable_python(True)`" in result


def test_switch_can_be_turned_off_again() -> None:
    enable_python(True)
    enable_python(False)
    assert run_python("print(1)").startswith("Error: running Python is switched off")


def test_an_agent_cannot_switch_it_on_through_tool_calls() -> None:
    tools = default_tools(include_python=True)
    assert "enable_python" not in tools
    assert call_tool("enable_python", {"on": True}, tools).startswith("Error: there is no tool")
    extra = call_tool("run_python", {"code": "print(1)", "allow": True}, tools)
    assert extra.startswith("Error: run_python got unexpected argument(s) 'allow'")
    assert call_tool("run_python", {"code": "print(1)"}, tools).startswith("Error: running Python")
    assert not python_enabled()


def test_hello_world(python_on: None) -> None:
    assert run_python("print('hello world')") == "hello world\n[exit status 0 (success)]"


def test_errors_show_a_traceback_without_machine_paths(python_on: None) -> None:
    result = run_python("x = 1\n1 / 0")
    assert 'File "main.py", line 2' in result
    assert "ZeroDivisionError" in result
    assert result.endswith("[exit status 1 (error)]")
    assert tempfile.gettempdir() not in result


def test_exit_status_and_signal_are_reported(python_on: None) -> None:
    assert run_python("raise SystemExit(3)") == "(no output)\n[exit status 3 (error)]"
    if os.name == "posix":
        killed = run_python("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)")
        assert killed.endswith("[killed by signal SIGTERM]")


def test_infinite_loop_stops_at_the_timeout(python_on: None) -> None:
    started = time.monotonic()
    result = run_python("while True:\n    pass", timeout=1)
    elapsed = time.monotonic() - started
    assert "[stopped: the time limit of 1 s was reached" in result
    assert elapsed < 2.5


def test_timeout_is_capped(python_on: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(python_runner, "MAX_TIMEOUT", 0.5)
    started = time.monotonic()
    result = run_python("import time\ntime.sleep(30)", timeout=10**9)
    assert "time limit of 0.5 s" in result
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("timeout", ["soon", float("nan"), True, None])
def test_bad_timeout_is_an_error(python_on: None, timeout: object) -> None:
    assert run_python("print(1)", timeout=timeout).startswith("Error: timeout")  # type: ignore[arg-type]


def marked_processes(marker: str) -> list[int]:
    """Host pids of live processes whose command line holds `marker` (zombies excluded).

    Pids printed inside the sandbox belong to its own PID namespace, so the tests find
    the program's processes from outside by a marker in their command line instead.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "cmdline").read_bytes() and not is_gone(int(entry.name)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_until_unmarked(marker: str, seconds: float = 2.0) -> list[int]:
    deadline = time.monotonic() + seconds
    alive = marked_processes(marker)
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = marked_processes(marker)
    return alive


def sleeper(marker: str) -> str:
    """Code that turns the current process into a 60 s sleeper carrying `marker`."""
    return (
        "os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', "
        f"{marker!r}])"
    )


@posix_only
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds processes through /proc")
def test_fork_loop_is_killed_with_its_children(python_on: None) -> None:
    # Bounded on purpose (the machine is shared): at most 40 children, each a sleeper.
    marker = f"fork-loop-{os.getpid()}-{time.time_ns()}"
    code = (
        "import os, sys, time\n"
        "for _ in range(40):\n"
        "    if os.fork() == 0:\n"
        f"        {sleeper(marker)}\n"
        "while True:\n"
        "    pass\n"
    )
    started = time.monotonic()
    result = run_python(code, timeout=1.5)
    assert time.monotonic() - started < 3.5
    assert "time limit" in result
    assert wait_until_unmarked(marker) == []


@posix_only
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds processes through /proc")
def test_background_child_does_not_keep_the_call_waiting(python_on: None) -> None:
    marker = f"background-{os.getpid()}-{time.time_ns()}"
    code = (
        "import os, sys, time\n"
        "if os.fork() == 0:\n"
        f"    {sleeper(marker)}\n"
        "time.sleep(0.3)\n"
        "print('parent done')\n"
    )
    started = time.monotonic()
    result = run_python(code, timeout=5)
    assert time.monotonic() - started < 3
    assert result == "parent done\n[exit status 0 (success)]"
    assert wait_until_unmarked(marker) == []


def test_huge_output_is_truncated_quickly(python_on: None) -> None:
    started = time.monotonic()
    result = run_python("print('x' * 10**7)")
    assert time.monotonic() - started < 5
    assert result.startswith("x" * 4000 + "\n[... truncated: the program printed 10,000,001 bytes")
    assert len(result) < 4200


def test_endless_printing_is_truncated_and_stopped(python_on: None) -> None:
    result = run_python("while True:\n    print('y' * 1000)", timeout=1)
    assert len(result) < 4400
    assert "[... truncated" in result
    assert "time limit" in result


def test_secrets_in_the_environment_are_not_inherited(
    python_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_key = "sk-" + "test" * 8
    monkeypatch.setenv("OPENAI_API_KEY", fake_key)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp" + "x" * 20)
    monkeypatch.setenv("MY_SERVICE_SECRET", "hunter" + "2" * 10)
    result = run_python("import os\nprint(sorted(os.environ.items()))")
    assert fake_key not in result
    assert "OPENAI" not in result
    assert "TOKEN" not in result
    assert "SECRET" not in result
    assert "'HOME', '.'" in result  # home is the temporary folder, shown without its path


def test_each_run_gets_a_fresh_working_folder(python_on: None) -> None:
    run_python("open('left_behind.txt', 'w').write('x')")
    assert run_python("import os\nprint(sorted(os.listdir('.')))").startswith("['main.py']")


def test_stdin_is_closed(python_on: None) -> None:
    assert "EOFError" in run_python("input()")


def test_only_the_standard_library_is_importable(python_on: None) -> None:
    assert "ModuleNotFoundError" in run_python("import openai")


@linux_only
def test_memory_hog_hits_the_limit(python_on: None) -> None:
    result = run_python("data = bytearray(10**10)\nprint('allocated')")
    assert "MemoryError" in result
    assert "allocated" not in result


@pytest.mark.skipif(
    sys.platform != "linux" or not python_runner.python_isolation().processes_capped,
    reason="no process cap here (root outside a user namespace is exempt from RLIMIT_NPROC)",
)
def test_process_count_is_capped(python_on: None) -> None:
    code = (
        "import os, time\n"
        "started = 0\n"
        "for _ in range(500):\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30)\n"
        "            os._exit(0)\n"
        "        started += 1\n"
        "    except OSError:\n"
        "        break\n"
        "print('started', started)\n"
    )
    result = run_python(code, timeout=3)
    started = int(result.split("started ", 1)[1].split()[0])
    assert started <= python_runner.EXTRA_PROCESSES


def test_empty_code_is_an_error(python_on: None) -> None:
    assert run_python("   ").startswith("Error: the code is empty")


def test_output_reader_keeps_only_a_bounded_prefix_in_memory() -> None:
    reader = python_runner._CappedReader(io.BytesIO(b"z" * 5_000_000), limit_chars=100)
    reader.run()
    assert reader.total_bytes == 5_000_000
    assert len(reader.kept) <= 4 * 100 + 4
    assert reader.text() == "z" * 100
    assert reader.truncated()
