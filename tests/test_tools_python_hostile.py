"""run_python against a hostile program: it hunts for the key, tries to outlive the call,
fork-bombs, and phones home. Each attack runs under a "kernel" process that holds a key
the way a notebook does (exported before start, and one set at run time, as ask_for_key
does), as this user and, when the tests run as root, also the way root and a normal
user would run it.

Whatever holds or not on a machine, `python_isolation()` must say so: an attack that
gets through where the report says [yes] fails the test.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.tools import python_runner

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the attacks use Linux /proc")

RUNNER = Path(python_runner.__file__).resolve()
KEY_PREFIX = "sk-homemade-test-"

# The "kernel": loads python_runner by its path (so a bare system Python can run it),
# holds two keys, listens on a TCP port, runs every attack, prints the results as JSON.
KERNEL = r"""
import importlib.util, json, os, socket, sys
spec = importlib.util.spec_from_file_location("python_runner", sys.argv[1])
runner = importlib.util.module_from_spec(spec)
sys.modules["python_runner"] = runner
spec.loader.exec_module(runner)
os.environ["OPENAI_API_KEY_AT_RUN_TIME"] = sys.argv[2]  # what ask_for_key() does
runner.SANDBOX_LAYERS.update(json.loads(sys.argv[4]))
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(8)
cases = json.loads(sys.argv[3])
runner.enable_python(True)
facts = runner.python_isolation().facts
results = {}
for name, (code, timeout) in cases.items():
    code = code.replace("KERNEL_PID", str(os.getpid()))
    code = code.replace("KERNEL_PORT", str(listener.getsockname()[1]))
    if name == "fork_bomb" and not facts.get("process_cap"):
        results[name] = {"skipped": "no process cap here: a fork bomb would hurt the machine"}
        continue
    import time
    started = time.monotonic()
    output = runner.run_python(code, timeout=timeout)
    results[name] = {"output": output, "seconds": time.monotonic() - started}
print("RESULTS" + json.dumps({"facts": facts, "uid": os.getuid(), "results": results}))
"""

FIND_KEYS = r"""
import os, re
PATTERN = re.compile(rb"sk-homemade-test-[0-9a-f]{24}")
def keys_in(data):
    return {match.decode() for match in PATTERN.findall(data)}
"""

ATTACKS: dict[str, tuple[str, float]] = {
    # the program's own environment
    "own_environment": (
        FIND_KEYS + "print('found', sorted(keys_in(open('/proc/self/environ', 'rb').read())))",
        5,
    ),
    # /proc/<ppid>/environ, then every ancestor up the chain
    "ancestors_environ": (
        FIND_KEYS
        + """
found, pid = set(), os.getppid()
for _ in range(50):
    try:
        found |= keys_in(open(f'/proc/{pid}/environ', 'rb').read())
        pid = int(open(f'/proc/{pid}/stat', 'rb').read().rsplit(b')', 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        break
    if pid <= 0:
        break
print('found', sorted(found))
""",
        10,
    ),
    # the kernel by its real pid (an attacker can guess pids): environ and memory
    "kernel_by_pid": (
        FIND_KEYS
        + """
found, pid = set(), KERNEL_PID
try:
    found |= keys_in(open(f'/proc/{pid}/environ', 'rb').read())
except OSError as error:
    print('environ', type(error).__name__)
try:
    maps = open(f'/proc/{pid}/maps').read().splitlines()
    with open(f'/proc/{pid}/mem', 'rb', 0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            start, end = (int(part, 16) for part in span.split('-'))
            if 'r' in perms and end - start < 1 << 28:
                try:
                    mem.seek(start)
                    found |= keys_in(mem.read(end - start))
                except (OSError, ValueError, OverflowError):
                    pass
except OSError as error:
    print('memory', type(error).__name__)
print('found', sorted(found))
""",
        20,
    ),
    # every process it can see: environment and memory
    "every_visible_process": (
        FIND_KEYS
        + """
found, me = set(), os.getpid()
for name in os.listdir('/proc'):
    if not name.isdigit() or int(name) == me:
        continue
    try:
        found |= keys_in(open(f'/proc/{name}/environ', 'rb').read())
        maps = open(f'/proc/{name}/maps').read().splitlines()
        with open(f'/proc/{name}/mem', 'rb', 0) as mem:
            for line in maps:
                span, perms = line.split()[:2]
                start, end = (int(part, 16) for part in span.split('-'))
                if 'r' in perms and end - start < 1 << 28:
                    try:
                        mem.seek(start)
                        found |= keys_in(mem.read(end - start))
                    except (OSError, ValueError, OverflowError):
                        pass
    except OSError:
        pass
print('found', sorted(found))
""",
        25,
    ),
    # read the kernel's memory without /proc: process_vm_readv, then ptrace
    "kernel_by_syscall": (
        """
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
class IoVec(ctypes.Structure):
    _fields_ = [('base', ctypes.c_void_p), ('length', ctypes.c_size_t)]
buffer = ctypes.create_string_buffer(16)
local, remote = IoVec(ctypes.cast(buffer, ctypes.c_void_p), 16), IoVec(0x400000, 16)
got = libc.process_vm_readv(KERNEL_PID, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
print('process_vm_readv', 'read' if got >= 0 else errno.errorcode[ctypes.get_errno()])
# PTRACE_SEIZE: attaching proves access without stopping the kernel
attached = libc.ptrace(0x4206, KERNEL_PID, None, None)
print('ptrace', 'attached' if attached == 0 else errno.errorcode[ctypes.get_errno()])
""",
        5,
    ),
    # signal the kernel (it could kill it, or stop it)
    "signal_kernel": (
        """
import errno, os
try:
    os.kill(KERNEL_PID, 0)
    print('signal', 'allowed')
except OSError as error:
    print('signal', errno.errorcode[error.errno])
""",
        5,
    ),
    # a grandchild in a new session, left running when the program ends
    "setsid_escape": (
        """
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(120)', 'MARKER'])
    os._exit(0)
time.sleep(0.5)
print('left a sleeper behind')
""",
        5,
    ),
    # the same, after killing whatever started it
    "kill_supervisor_then_escape": (
        """
import os, signal, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(120)', 'MARKER'])
    os._exit(0)
time.sleep(0.5)
try:
    os.kill(os.getppid(), signal.SIGKILL)
    print('killed my parent')
except OSError as error:
    print('could not kill my parent', error.errno)
time.sleep(0.5)
""",
        5,
    ),
    # a fork bomb: every process forks as fast as it can; each success prints one '+'
    "fork_bomb": (
        """
import os, sys
BOMB = '''
import os
while True:
    try:
        if os.fork() == 0:
            os.write(1, b'+')
    except OSError:
        pass
'''
os.execv(sys.executable, [sys.executable, '-c', BOMB, 'MARKER'])
""",
        3,
    ),
    # a TCP connection to a port the kernel listens on (Jupyter's kernel ports are such)
    "tcp_to_kernel_port": (
        """
import errno, socket
try:
    socket.create_connection(('127.0.0.1', KERNEL_PORT), timeout=2).close()
    print('tcp', 'connected')
except OSError as error:
    print('tcp', errno.errorcode.get(error.errno, str(error.errno)))
""",
        5,
    ),
}


def marked(marker: str) -> list[int]:
    """Host pids of live (not zombie) processes with `marker` in their command line."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() not in (entry / "cmdline").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


def run_attacks(
    interpreter: str,
    user: str | None,
    tmp_path: Path,
    layers: dict[str, bool] | None = None,
    names: list[str] | None = None,
) -> tuple[dict, dict[str, str]]:
    """Run the attacks (all, or `names`) under a key-holding kernel; return
    (report, {attack: marker})."""
    key_at_start = KEY_PREFIX + secrets.token_hex(12)
    key_at_run_time = KEY_PREFIX + secrets.token_hex(12)
    markers = {name: f"hostile-{name}-{secrets.token_hex(6)}" for name in ATTACKS}
    cases = {
        name: (code.replace("MARKER", markers[name]), timeout)
        for name, (code, timeout) in ATTACKS.items()
        if names is None or name in names
    }
    command = [
        *(interpreter, "-I", "-c", KERNEL, str(RUNNER), key_at_run_time),
        *(json.dumps(cases), json.dumps(layers or {})),
    ]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    env = {"PATH": os.defpath, "OPENAI_API_KEY": key_at_start, "HOME": str(tmp_path)}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=240, env=env, cwd=tmp_path
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULTS")]
    assert lines, f"the kernel failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    report = json.loads(lines[0].removeprefix("RESULTS"))
    report["keys"] = [key_at_start, key_at_run_time]
    return report, markers


def judge(report: dict, markers: dict[str, str]) -> dict[str, bool | None]:
    """For each attack: True when it was stopped, False when it got through, None if skipped."""
    keys, verdicts = report["keys"], {}
    for name, result in report["results"].items():
        if "skipped" in result:
            verdicts[name] = None
            continue
        output = result["output"]
        if name in ("setsid_escape", "kill_supervisor_then_escape"):
            deadline = time.monotonic() + 3
            while marked(markers[name]) and time.monotonic() < deadline:
                time.sleep(0.05)
            survivors = marked(markers[name])
            for pid in survivors:  # never leave them on the machine, whatever the verdict
                os.kill(pid, 9)
            verdicts[name] = not survivors
        elif name == "fork_bomb":
            deadline = time.monotonic() + 3
            while marked(markers[name]) and time.monotonic() < deadline:
                time.sleep(0.05)
            leftovers = marked(markers[name])
            for pid in leftovers:
                os.kill(pid, 9)
            forks = output.count("+")
            truncated = "[... truncated" in output
            verdicts[name] = (
                not leftovers
                and not truncated
                and forks <= python_runner.EXTRA_PROCESSES
                and result["seconds"] < 3 + 4
            )
        elif name == "kernel_by_syscall":
            verdicts[name] = "read" not in output.split() and "attached" not in output
        elif name == "signal_kernel":
            verdicts[name] = "allowed" not in output
        elif name == "tcp_to_kernel_port":
            verdicts[name] = "connected" not in output
        else:
            verdicts[name] = not any(key in output for key in keys) and "found []" in output
    return verdicts


def check_honesty(report: dict, verdicts: dict[str, bool | None]) -> None:
    """Every protection python_isolation() reports as held must have held."""
    isolation = python_runner.Isolation("linux", report["facts"])
    claims = {
        "own_environment": True,  # always promised
        "ancestors_environ": isolation.parents_unreadable,
        "kernel_by_pid": isolation.parents_unreadable,
        "every_visible_process": isolation.parents_unreadable,
        "kernel_by_syscall": isolation.parents_unreadable,
        "signal_kernel": isolation.others_hidden or int(report["facts"].get("landlock", 0)) >= 6,
        "setsid_escape": isolation.leftovers_killed,
        "kill_supervisor_then_escape": isolation.leftovers_killed,
        "fork_bomb": isolation.processes_capped,
        "tcp_to_kernel_port": isolation.network_blocked,
    }
    broken = [name for name, claimed in claims.items() if claimed and verdicts.get(name) is False]
    tried = [name for name, verdict in verdicts.items() if verdict is not None]
    held = [name for name in tried if verdicts[name]]
    print(
        f"\nuid {report['uid']}: hostile cases: {len(tried)} tried, {len(held)} held;"
        f" got through: {sorted(set(tried) - set(held)) or 'none'}\n{isolation}"
    )
    assert not broken, f"python_isolation() claims protection but the attack got through: {broken}"


def world_runnable_python() -> str | None:
    """A Python (3.10+) that a user with no rights can start, for the root and user runs."""
    for candidate in (sys.executable, shutil.which("python3") or "", "/usr/bin/python3"):
        if not candidate or not os.path.exists(candidate):
            continue
        probe = subprocess.run(
            [
                candidate,
                "-I",
                "-c",
                "import sys, sysconfig; print(sys.version_info >= (3, 10),"
                " sysconfig.get_paths()['stdlib'])",
            ],
            capture_output=True,
            text=True,
        )
        if probe.stdout.startswith("True"):
            stdlib = Path(probe.stdout.split(maxsplit=1)[1].strip())
            paths = [Path(candidate).resolve(), stdlib / "os.py", RUNNER]
            if all(_readable_by_all(path) for path in paths):
                return candidate
    return None


def _readable_by_all(path: Path) -> bool:
    try:
        if not path.stat().st_mode & 0o004:
            return False
        return all(folder.stat().st_mode & 0o001 for folder in path.resolve().parents)
    except OSError:
        return False


def test_attacks_from_this_user_with_this_python(tmp_path: Path) -> None:
    report, markers = run_attacks(sys.executable, None, tmp_path)
    verdicts = judge(report, markers)
    check_honesty(report, verdicts)
    assert verdicts["own_environment"]


NO_NAMESPACES = {"namespaces": False}  # e.g. Ubuntu 24.04, where AppArmor refuses them
NO_NAMESPACES_NO_LANDLOCK = {"namespaces": False, "landlock": False}  # an old kernel


@pytest.mark.skipif(os.geteuid() != 0, reason="the root and normal-user runs need root to set up")
@pytest.mark.parametrize(
    ("user", "layers"),
    [
        (None, {}),
        (None, {"drop_root": False}),
        ("65534", {}),
        ("65534", NO_NAMESPACES),
        ("65534", NO_NAMESPACES_NO_LANDLOCK),
    ],
    ids=[
        "root",
        "root-keeping-uid-0",
        "user",
        "user-without-namespaces",
        "user-without-namespaces-or-landlock",
    ],
)
def test_attacks_as_root_and_as_a_normal_user(
    tmp_path: Path, user: str | None, layers: dict[str, bool]
) -> None:
    """As root with a Python anyone can run (the program then runs as uid 65534, or as a
    capability-less uid 0), and as uid 65534 itself (a laptop, Binder), also where the
    system refuses namespaces or lacks Landlock: every claim must hold."""
    interpreter = world_runnable_python()
    if interpreter is None or shutil.which("setpriv") is None:
        pytest.skip("no Python that uid 65534 can run, or no setpriv")
    tmp_path.chmod(0o777)
    report, markers = run_attacks(interpreter, user, tmp_path, layers)
    verdicts = judge(report, markers)
    check_honesty(report, verdicts)
    dropped = user is None and not layers
    assert report["facts"].get("uid") == (65534 if user or dropped else 0)
    assert report["facts"].get("pid_namespace") == layers.get("namespaces", True)


def test_the_attacks_are_real_with_the_fences_down(tmp_path: Path) -> None:
    """With every Linux layer switched off (what run_python did before), the same attacks
    find the keys, outlive the call and connect, and python_isolation() says [no]."""
    off = dict.fromkeys(python_runner.SANDBOX_LAYERS, False)
    # not the scan of every process (with the fences down that is the whole machine)
    names = [name for name in ATTACKS if name not in ("every_visible_process", "fork_bomb")]
    report, markers = run_attacks(sys.executable, None, tmp_path, off, names)
    verdicts = judge(report, markers)
    check_honesty(report, verdicts)
    isolation = python_runner.Isolation("linux", report["facts"])
    assert not isolation.parents_unreadable and not isolation.network_blocked
    assert verdicts["own_environment"]  # the clean environment needs no layer
    for name in ("ancestors_environ", "kernel_by_pid", "kernel_by_syscall"):
        assert verdicts[name] is False, name  # the key was found, or the memory read
    output = report["results"]["kernel_by_pid"]["output"]
    assert all(key in output for key in report["keys"])  # exported, and set at run time
    assert verdicts["kill_supervisor_then_escape"] is False
    assert verdicts["tcp_to_kernel_port"] is False
