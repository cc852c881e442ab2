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
  pointing at the temporary folder. Nothing else is inherited, so the program's
  own environment holds no key, token or secret of yours;
- closes stdin, and merges stdout and stderr (unbuffered, so they keep their order);
- stops the code after `timeout` seconds of wall-clock time (at most `MAX_TIMEOUT`),
  then kills it and everything it started;
- reads at most `MAX_OUTPUT_CHARS` characters of output into memory (the rest
  is counted and thrown away) and reports the exit status or the timeout.

Keeping the key out of the program's environment is not enough: a process of your
user can read another one's environment and memory through /proc (the kernel's
`/proc/<pid>/environ` holds a key exported before Jupyter started, its memory one
typed into `ask_for_key()`), and a program that calls `os.setsid()` leaves its
process group. On **Linux** the program is therefore started by
`sandbox_launcher.py`, a fresh program that never held the key, which fences it in as
far as the machine allows, without needing root:

- a user + PID namespace with a /proc of its own: no process outside (the kernel,
  the Jupyter server) can even be named, and when the program ends, everything it
  started dies with it, `setsid()` or not;
- Landlock: no reading the memory or environment of processes outside, no signals
  to them, no TCP connections (so not to the kernel's or Jupyter's ports either);
- no capabilities and no_new_privs; as root, the program runs as uid 65534 ("nobody")
  when that user can start this Python, else as a uid 0 without capabilities (which
  keeps only root's file ownership) in a cgroup that caps its processes;
- limits: CPU seconds, file size, no core dumps, address space (`MEMORY_LIMIT_MB`),
  and `EXTRA_PROCESSES` processes;
- leftovers come back to the launcher (a subreaper) and are killed at the end.

Which of these hold depends on the kernel and the container (user namespaces may be
switched off, Landlock may be missing): `python_isolation()` tries them once and says,
line by line, what holds on this machine. On macOS the program gets the resource
limits and a process-group kill only, on Windows only the time limit; there it can
read what your user can read of other processes.

What it never does: the code still runs as your user (as root, if Jupyter runs as
root), so it can read and change files your user can, given an absolute path, and
without Landlock it can reach the network. Treat this as a strong guard against
accidents and runaway or nosy programs, not as a promise against every attack.
"""

from __future__ import annotations

import json
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_TIMEOUT = 30.0
MEMORY_LIMIT_MB = 512
MAX_OUTPUT_CHARS = 4000
MAX_FILE_MB = 10
EXTRA_PROCESSES = 64
_READ_CHUNK = 65536
LAUNCHER = Path(__file__).with_name("sandbox_launcher.py")
"""The program that starts the code on Linux (see its docstring)."""
SANDBOX_LAYERS = {
    "namespaces": True,
    "landlock": True,
    "cgroup": True,
    "drop_root": True,
    "capabilities": True,
}
"""Which Linux protections to try (tests switch them off to see each attack get through)."""

_enabled = False
_isolation: Isolation | None = None

_OFF_MESSAGE = (
    "Error: running Python is switched off. Only the person using the notebook can switch it "
    "on, by running `helpers.enable_python(True)` in a cell."
)

# Other POSIX systems (macOS): apply the limits, then replace itself with the real program.
# Limits survive exec, and the user's traceback stays free of this wrapper.
_POSIX_LAUNCHER = """
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
        On Linux the program cannot name, read or signal processes outside its own
        namespace, and ends with everything it started, where the machine allows it;
        `python_isolation()` says what holds here. macOS gets the CPU, file-size and
        process limits; Windows gets only the time limit. See the module docstring.
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


@dataclass(frozen=True)
class Isolation:
    """What fences in `run_python`'s programs on this machine, found by a trial run.

    Attributes:
        platform: `sys.platform`.
        facts: what the launcher reported (Linux only; empty elsewhere).
    """

    platform: str
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def others_hidden(self) -> bool:
        """No process outside the program's own PID namespace can be named or read."""
        return bool(self.facts.get("pid_namespace") and self.facts.get("own_proc"))

    @property
    def parents_unreadable(self) -> bool:
        """The kernel's (and every outside process's) environment and memory are out of reach.

        Landlock blocks both for a normal user; for root it was seen to leave
        /proc/<pid>/environ readable, so root needs the hidden /proc.
        """
        landlocked_user = bool(self.facts.get("landlock")) and self.facts.get("uid") != 0
        return self.others_hidden or landlocked_user

    @property
    def leftovers_killed(self) -> bool:
        """Processes the program starts (`setsid()` ones too) die when the call ends."""
        if self.facts.get("pid_namespace"):
            return True
        # a subreaper finds them, unless the program kills it first (Landlock ABI 6 stops that)
        return bool(self.facts.get("subreaper")) and int(self.facts.get("landlock", 0)) >= 6

    @property
    def processes_capped(self) -> bool:
        """A fork loop stops at `EXTRA_PROCESSES` processes."""
        return bool(self.facts.get("process_cap"))

    @property
    def network_blocked(self) -> bool:
        """TCP connections are refused (Landlock ABI 4 or later)."""
        return bool(self.facts.get("no_tcp"))

    def describe(self) -> str:
        """One line per protection: [yes] or [no], and what it means."""
        if not self.platform.startswith("linux"):
            return (
                f"{self.platform}: a clean environment, the time limit, a process-group kill"
                + (" and resource limits" if os.name == "posix" else "")
                + "; processes of your user (the kernel too) stay readable to the program."
            )
        as_root = self.facts.get("uid") == 0
        rows = [
            (True, "the program's environment is built from nothing (no keys in it)"),
            (self.others_hidden, "own PID namespace and /proc: outside processes cannot be named"),
            (
                self.parents_unreadable,
                "the kernel's environment and memory (where keys live) are out of reach",
            ),
            (self.leftovers_killed, "everything it starts, setsid() too, dies with the call"),
            (self.processes_capped, f"at most {EXTRA_PROCESSES} processes (no fork bomb)"),
            (self.network_blocked, "no TCP connections (no network, no Jupyter ports)"),
            (
                bool(self.facts.get("no_capabilities")),
                "no capabilities"
                + (" (runs as root: keeps root's file ownership)" if as_root else ""),
            ),
        ]
        return "\n".join(f"[{'yes' if held else 'no '}] {text}" for held, text in rows)

    def __str__(self) -> str:
        return self.describe()


def python_isolation(refresh: bool = False) -> Isolation:
    """Find out (once, by running an empty program) what fences in `run_python` here.

    Works whether or not Python is switched on; no model code is run.

        print(python_isolation())
    """
    global _isolation
    if _isolation is None or refresh:
        facts: dict[str, Any] = {}
        if sys.platform.startswith("linux"):
            facts = _run("pass", 5.0).facts
        _isolation = Isolation(sys.platform, facts)
    return _isolation


@dataclass
class _Outcome:
    """What one run produced: output, how it ended, and what the launcher reported."""

    reader: _CappedReader
    returncode: int | None
    timed_out: bool
    facts: dict[str, Any] = field(default_factory=dict)
    output: str = ""


def _run_sandboxed(code: str, seconds: float) -> str:
    outcome = _run(code, seconds)
    if outcome.returncode == 127 and "launch_error" in outcome.facts:
        return f"Error: could not start Python ({outcome.facts['launch_error']})."
    return _report(outcome.output, outcome.reader, outcome.returncode, outcome.timed_out, seconds)


def _run(code: str, seconds: float) -> _Outcome:
    """Run `code` as main.py in a fresh folder; on Linux through `sandbox_launcher.py`."""
    linux = sys.platform.startswith("linux")
    with tempfile.TemporaryDirectory(prefix="run_python_", ignore_cleanup_errors=True) as folder:
        workdir = Path(folder)
        (workdir / "main.py").write_text(code, encoding="utf-8")
        drop_to = _drop_target() if linux else -1
        if drop_to >= 0:  # the program's own folder must be its own
            for path in (workdir, workdir / "main.py"):
                os.chown(path, drop_to, drop_to)
        status_read, status_write = os.pipe() if linux else (-1, -1)
        try:
            process = subprocess.Popen(
                _command(seconds, status_write, drop_to),
                cwd=workdir,
                env=_clean_environment(workdir),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=(os.name == "posix"),
                creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
                pass_fds=(status_write,) if linux else (),
            )
        except BaseException:
            if linux:
                os.close(status_read)
            raise
        finally:
            if linux:
                os.close(status_write)  # the launcher and its children hold the only copies
        reader = _CappedReader(process.stdout, limit_chars=MAX_OUTPUT_CHARS)
        reader.start()
        timed_out = False
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            # also clears away any background processes the program left behind
            _stop(process, linux)
        facts = _read_status(status_read) if linux else {}
        if facts.get("cgroup"):
            _remove_cgroup(str(facts["cgroup"]))
        reader.join(timeout=2)
        if not reader.is_alive() and process.stdout is not None:
            process.stdout.close()  # else an escaped process still holds the pipe: leave it
        returncode = _program_status(facts, process.returncode)
        output = _hide_folder(reader.text(), workdir)
        return _Outcome(reader, returncode, timed_out, facts, output)


def _command(seconds: float, status_fd: int, drop_to: int = -1) -> list[str]:
    if os.name != "posix":
        return [sys.executable, "-I", "-S", "-u", "-X", "utf8", "main.py"]
    cpu = math.ceil(seconds) + 1
    fsize = MAX_FILE_MB * 1024 * 1024
    if not sys.platform.startswith("linux"):
        limits = [str(value) for value in (-1, cpu, fsize, _process_cap())]
        return [sys.executable, "-I", "-S", "-c", _POSIX_LAUNCHER, *limits]
    settings = {
        "status_fd": status_fd,
        "namespaces": SANDBOX_LAYERS["namespaces"],
        "landlock": SANDBOX_LAYERS["landlock"],
        "cgroup": SANDBOX_LAYERS["cgroup"],
        "drop_capabilities": SANDBOX_LAYERS["capabilities"],
        "memory": MEMORY_LIMIT_MB * 1024 * 1024,
        "cpu": cpu,
        "fsize": fsize,
        "nproc_namespace": EXTRA_PROCESSES,  # counted inside the program's user namespace
        "nproc_user": _process_cap(drop_to),  # counted over all processes of the uid
        "drop_to": drop_to,
    }
    return [sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(settings)]


def _process_cap(uid: int = -1) -> int:
    """RLIMIT_NPROC counts all processes of a uid, so allow its current count plus a few.

    `uid` is the one the program will run as (-1: ours). Root ignores this limit, and
    on macOS counting is not done here: return -1 (no limit).
    """
    if sys.platform == "darwin" or os.name != "posix":
        return -1
    uid = os.geteuid() if uid < 0 else uid
    if uid == 0:
        return -1
    return _count_user_tasks(uid) + EXTRA_PROCESSES


UNPRIVILEGED_UID = 65534
"""As root, the program runs as this uid ("nobody") when it can start Python as it."""


def _drop_target() -> int:
    """`UNPRIVILEGED_UID` when running as root and Python can be run by others, else -1."""
    if os.name != "posix" or os.geteuid() != 0 or not SANDBOX_LAYERS["drop_root"]:
        return -1
    return UNPRIVILEGED_UID if _runnable_by_others() else -1


def _runnable_by_others() -> bool:
    """True when a user with no rights of its own can start this Python and read its library."""
    import stat
    import sysconfig

    needed = [(Path(sys.executable).resolve(), stat.S_IXOTH)]
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    needed.append((stdlib / "os.py", stat.S_IROTH))
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        libdir = sysconfig.get_config_var("LIBDIR") or ""
        library = sysconfig.get_config_var("LDLIBRARY") or ""
        if libdir and library:
            needed.append((Path(libdir, library).resolve(), stat.S_IROTH))
    for path, bit in needed:
        try:
            if not path.stat().st_mode & bit:
                return False
            for folder in path.parents:
                if not folder.stat().st_mode & stat.S_IXOTH:
                    return False
        except OSError:
            return False
    return True


def _remove_cgroup(folder: str) -> None:
    """Remove the run's cgroup once its processes are gone (it empties within moments)."""
    deadline = time.monotonic() + 2
    while True:
        try:
            os.rmdir(folder)
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.02)


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


def _stop(process: subprocess.Popen[bytes], linux: bool) -> None:
    """End the launcher and everything below it, then reap it.

    On Linux the launcher is asked first (SIGTERM): it kills what it started, including
    processes that left the process group, and exits. Then, as everywhere, the whole
    process group gets SIGKILL; the kernel delivers it to every member at once, and a
    fork in progress at that moment fails, so one kill is enough (the second is a
    cheap safety net).
    """
    if os.name != "posix":
        process.kill()
    else:
        if linux and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                pass
        for attempt in range(2):
            if attempt:
                time.sleep(0.02)
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                break
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        pass


def _read_status(status_read: int) -> dict[str, Any]:
    """The launcher's JSON lines (what held, the program's exit status), merged."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + 2
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select(
                [status_read], [], [], max(0.0, deadline - time.monotonic())
            )
            if not ready:
                break
            chunk = os.read(status_read, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(status_read)
    facts: dict[str, Any] = {}
    for line in b"".join(chunks).decode("utf-8", errors="replace").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            facts.update(item)
    return facts


def _program_status(facts: dict[str, Any], launcher_code: int | None) -> int | None:
    """The program's own exit code (negative: killed by that signal), as Popen reports one."""
    raw = facts.get("exit_status")
    if not isinstance(raw, int):
        return launcher_code
    if os.WIFSIGNALED(raw):
        return -os.WTERMSIG(raw)
    if os.WIFEXITED(raw):
        return os.WEXITSTATUS(raw)
    return launcher_code


class _CappedReader(threading.Thread):
    """Reads the child's output in a thread, keeping only the first `limit_chars` characters.

    Everything after that is read and counted but not kept, so a program that
    prints gigabytes neither fills memory nor blocks on a full pipe.
    """

    def __init__(self, stream: Any, limit_chars: int) -> None:
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
