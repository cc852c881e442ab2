"""`run_python`: run model-written Python in a separate, limited process, only on request.

Running code that a model wrote is the riskiest thing an agent can do, so this
tool is **off** until the person at the keyboard runs `enable_python(True)` in a
notebook cell. The switch is a plain Python function, not a tool, so an agent
that can only call tools cannot switch it on for itself.

When switched on, each call:

- writes the code to `main.py` in a fresh temporary folder and runs it there with
  the same Python interpreter in isolated mode (`-I -S`: no site-packages, no
  user site, no `PYTHON*` variables, so only the standard library is importable);
- builds the environment from scratch: `PATH`, `LANG`, and `HOME`/`TMPDIR`
  pointing at the temporary folder. Nothing else is inherited, so API keys,
  tokens and secrets in your environment are not visible to the code;
- closes stdin, and merges stdout and stderr (unbuffered, so they keep their order);
- stops the code after `timeout` seconds of wall-clock time (at most
  `MAX_TIMEOUT`) and then kills its whole process group, so child processes
  and fork loops die too;
- on Linux and macOS, sets resource limits before the code starts: CPU
  seconds, size of files written, no core dumps, address space
  (`MEMORY_LIMIT_MB`, Linux only: macOS does not enforce it) and - on Linux, and
  only when not running as root, because root ignores it - a cap on the number of
  new processes (`EXTRA_PROCESSES` more than the user already has). A limit the
  OS refuses is skipped. On Windows there are no resource limits, only the time
  limit;
- reads at most `MAX_OUTPUT_CHARS` characters of output into memory (the rest
  is counted and thrown away) and reports the exit status or the timeout.

What it does NOT do: the code still runs as your user, so it can read files
your user can read (given an absolute path) and can use the network. A process
that deliberately starts a new session (`os.setsid()`) leaves the process
group and escapes the final kill. Treat this as a guard against accidents and
runaway loops, not as a security boundary against a hostile program.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

MAX_TIMEOUT = 30.0
MEMORY_LIMIT_MB = 512
MAX_OUTPUT_CHARS = 4000
MAX_FILE_MB = 10
EXTRA_PROCESSES = 64
_READ_CHUNK = 65536

_enabled = False

_OFF_MESSAGE = (
    "Error: running Python is switched off. Only the person using the notebook can switch it "
    "on, by running `from helpers.tools import enable_python; enable_python(True)` in a cell."
)

# Runs first in the child: apply the limits, then replace itself with the real program.
# Limits survive exec, and the user's traceback stays free of this wrapper.
_LAUNCHER = """
import os, sys
try:
    import resource
except ImportError:
    resource = None
def limit(name, value):
    kind = getattr(resource, name, None)
    if resource is None or kind is None or value < 0:
        return
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        pass
memory, cpu, fsize, nproc = (int(x) for x in sys.argv[1:5])
limit("RLIMIT_AS", memory)
limit("RLIMIT_CPU", cpu)
limit("RLIMIT_FSIZE", fsize)
limit("RLIMIT_CORE", 0)
limit("RLIMIT_NPROC", nproc)
os.execv(sys.executable, [sys.executable, "-I", "-S", "-u", "-X", "utf8", "main.py"])
"""


def enable_python(on: bool = True) -> None:
    """Allow (or forbid again) `run_python` to run model-written code on this machine.

    Call this yourself in a notebook cell; it is deliberately not a tool.
    """
    global _enabled
    _enabled = bool(on)


def python_enabled() -> bool:
    """True when `enable_python(True)` has been called."""
    return _enabled


def run_python(code: str, timeout: float = 5) -> str:
    """Run a short Python program in a separate process and return what it printed
    (stdout and stderr) followed by its exit status. Use print() to show results. Only the
    standard library is available, input() is not, and the program is stopped after the
    timeout. Example: run_python("print(sum(range(101)))") returns "5050" and
    "[exit status 0 (success)]".

    Args:
        code: A complete Python program, for example "import math\\nprint(math.factorial(20))".
        timeout: Seconds before the program is stopped (default 5, at most 30).

    Notes:
        Refuses (returns an "Error: ..." string) until `enable_python(True)` is called.
        The memory limit (`MEMORY_LIMIT_MB`) is applied on Linux only; macOS gets the
        CPU, file-size and process limits; Windows gets only the time limit. See the
        module docstring for what this sandbox does not protect against.
    """
    if not _enabled:
        return _OFF_MESSAGE
    if not isinstance(code, str) or not code.strip():
        return "Error: the code is empty. Example: print(2 + 2)"
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout != timeout:
        return "Error: timeout must be a number of seconds, for example 5."
    seconds = min(max(float(timeout), 0.1), MAX_TIMEOUT)
    try:
        return _run_sandboxed(code, seconds)
    except OSError as error:
        return f"Error: could not start Python ({type(error).__name__})."


def _run_sandboxed(code: str, seconds: float) -> str:
    with tempfile.TemporaryDirectory(prefix="run_python_", ignore_cleanup_errors=True) as folder:
        workdir = Path(folder)
        (workdir / "main.py").write_text(code, encoding="utf-8")
        process = subprocess.Popen(
            _command(seconds),
            cwd=workdir,
            env=_clean_environment(workdir),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=(os.name == "posix"),
            creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
        )
        reader = _CappedReader(process.stdout, limit_chars=MAX_OUTPUT_CHARS)
        reader.start()
        timed_out = False
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            # also clears away any background children the program left behind
            _kill_group(process)
        reader.join(timeout=2)
        if not reader.is_alive():  # else an escaped process still holds the pipe: leave it
            process.stdout.close()
        output = _hide_folder(reader.text(), workdir)
        return _report(output, reader, process.returncode, timed_out, seconds)


def _command(seconds: float) -> list[str]:
    if os.name != "posix":
        return [sys.executable, "-I", "-S", "-u", "-X", "utf8", "main.py"]
    memory = MEMORY_LIMIT_MB * 1024 * 1024 if sys.platform.startswith("linux") else -1
    cpu = math.ceil(seconds) + 1
    fsize = MAX_FILE_MB * 1024 * 1024
    nproc = _process_cap()
    limits = [str(value) for value in (memory, cpu, fsize, nproc)]
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, *limits]


def _process_cap() -> int:
    """RLIMIT_NPROC counts all processes of the user, so allow the current count plus a few.

    Root ignores this limit, and on macOS counting is not done here: return -1 (no limit).
    """
    if not sys.platform.startswith("linux") or os.geteuid() == 0:
        return -1
    return _count_user_tasks(os.getuid()) + EXTRA_PROCESSES


def _count_user_tasks(uid: int) -> int:
    """Number of threads (the kernel counts threads for RLIMIT_NPROC) owned by `uid`."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        real_uid = fields.get("Uid", "").split()
        if real_uid and real_uid[0] == str(uid):
            total += int(fields.get("Threads", "1").strip() or 1)
    return total


def _clean_environment(workdir: Path) -> dict[str, str]:
    """A minimal environment built from nothing, so no secret can leak into the child."""
    env = {
        "PATH": os.defpath,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
    }
    if os.name == "nt":  # Python on Windows does not start without these
        for name in ("SYSTEMROOT", "SYSTEMDRIVE"):
            if name in os.environ:
                env[name] = os.environ[name]
        env["TEMP"] = env["TMP"] = str(workdir)
    return env


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the process and everything in its process group, then reap it.

    The kernel delivers a group kill to every member at once, and a fork that is
    in progress at that moment fails, so one kill is enough; the second one is a
    cheap safety net.
    """
    for attempt in range(2):
        if attempt:
            time.sleep(0.02)
        if os.name != "posix":
            process.kill()
            break
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            break
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        pass


class _CappedReader(threading.Thread):
    """Reads the child's output in a thread, keeping only the first `limit_chars` characters.

    Everything after that is read and counted but not kept, so a program that
    prints gigabytes neither fills memory nor blocks on a full pipe.
    """

    def __init__(self, stream: object, limit_chars: int) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.limit_bytes = limit_chars * 4 + 4  # UTF-8 uses at most 4 bytes per character
        self.limit_chars = limit_chars
        self.kept = bytearray()
        self.total_bytes = 0

    def run(self) -> None:
        read = self.stream.read1 if hasattr(self.stream, "read1") else self.stream.read
        try:
            while True:
                chunk = read(_READ_CHUNK)
                if not chunk:
                    break
                self.total_bytes += len(chunk)
                room = self.limit_bytes - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]
        except (OSError, ValueError):
            pass

    def text(self) -> str:
        """The kept output, decoded, at most `limit_chars` characters."""
        return bytes(self.kept).decode("utf-8", errors="replace")[: self.limit_chars]

    def truncated(self) -> bool:
        """True when more output was produced than was kept."""
        return self.total_bytes > len(self.text().encode("utf-8", errors="replace"))


def _hide_folder(output: str, workdir: Path) -> str:
    """Replace the temporary folder's machine path with '.' (tracebacks mention it)."""
    for path in {str(workdir.resolve()), str(workdir)}:
        output = output.replace(path + os.sep, "").replace(path, ".")
    return output


def _report(
    output: str, reader: _CappedReader, returncode: int | None, timed_out: bool, seconds: float
) -> str:
    lines = [output.rstrip("\n") if output.strip() else "(no output)"]
    if reader.truncated():
        lines.append(
            f"[... truncated: the program printed {reader.total_bytes:,} bytes; "
            f"only the first {MAX_OUTPUT_CHARS:,} characters are shown]"
        )
    if timed_out:
        lines.append(
            f"[stopped: the time limit of {seconds:g} s was reached; the program and any "
            "processes it started were killed]"
        )
    elif returncode is not None and returncode < 0:
        lines.append(f"[killed by signal {_signal_name(-returncode)}]")
    else:
        status = "success" if returncode == 0 else "error"
        lines.append(f"[exit status {returncode} ({status})]")
    return "\n".join(lines)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
