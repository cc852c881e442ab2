"""Starts model-written Python for `run_python` on Linux, fenced in as far as this machine allows.

Run as a script, never imported by the helpers::

    python -I -S sandbox_launcher.py '<json settings>'

It is started with an environment built from nothing, in a fresh temporary folder
holding `main.py`, by a process (the notebook's kernel) that may hold an API key. The
key is not in this process's environment, and its memory is a fresh program image
(exec replaced the kernel's copy). Then, each step only where the system allows it
(what worked is written as JSON lines to the status pipe, for `python_isolation()`):

1. it becomes a *subreaper*, so processes the program leaves behind (even after
   `setsid()` and a double fork) come back to it, and can be found and killed;
2. it makes a PID namespace (inside a new user namespace when not root, so no root
   is needed where user namespaces are allowed); its first child is process 1 there
   and mounts a /proc of its own, so no outside process (the kernel, the Jupyter server) can even be
   named, and when process 1 ends the kernel kills everything inside at once;
3. the program drops every capability (also as root), sets no_new_privs, and enters
   a Landlock domain: no reading the memory or environment of processes outside it,
   no signals to them (Landlock ABI 6), no TCP connections (ABI 4; this also keeps
   it from the kernel's own ports); as root it first becomes uid 65534 when asked
   to (`drop_to`), or else joins a cgroup that caps its tasks (root ignores
   RLIMIT_NPROC), hidden from it under an empty /sys/fs/cgroup;
4. resource limits: CPU seconds, file size, no core dumps, address space, and a
   process cap (counted inside the user namespace when there is one).

Only the standard library is used, and nothing here is ever run with a key in reach.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import time

try:
    import resource
except ImportError:  # pragma: no cover - Linux always has it
    resource = None  # type: ignore[assignment]

PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
# NOROOT, NO_SETUID_FIXUP, KEEP_CAPS and NO_CAP_AMBIENT_RAISE, each with its lock bit:
# uid 0 gets no capabilities from exec, now or later.
SECURE_BITS = 0x01 | 0x02 | 0x04 | 0x08 | 0x20 | 0x40 | 0x80
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 1 << 14, 1 << 18
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_RESTRICT_SELF = 444, 446  # the same on every arch
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_ACCESS_FS_MAKE_CHAR, LANDLOCK_ACCESS_FS_MAKE_BLOCK = 1 << 6, 1 << 11
LANDLOCK_ACCESS_NET_CONNECT_TCP = 1 << 1
LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, LANDLOCK_SCOPE_SIGNAL = 1, 2

libc = ctypes.CDLL(None, use_errno=True)


class LandlockAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


def prctl(option: int, value: int = 0) -> bool:
    args = [ctypes.c_ulong(number) for number in (option, value, 0, 0, 0)]
    return libc.prctl(*args) == 0


def report(status_fd: int, **facts: object) -> None:
    """Add one JSON line to the status pipe (ignored if the reader is gone)."""
    try:
        os.write(status_fd, (json.dumps(facts) + "\n").encode())
    except OSError:
        pass


def enter_namespaces() -> str:
    """A new PID namespace ("pid"), inside a new user namespace when not root ("user+pid").

    Root can make a PID namespace directly; a normal user needs a user namespace
    around it (same uid and gid inside). Returns "" when the system refuses both.
    """
    if os.getuid() == 0 and libc.unshare(CLONE_NEWPID) == 0:
        return "pid"
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0:
        return ""
    try:
        for path, text in (
            ("/proc/self/setgroups", "deny"),
            ("/proc/self/uid_map", f"{uid} {uid} 1"),
            ("/proc/self/gid_map", f"{gid} {gid} 1"),
        ):
            with open(path, "w") as handle:
                handle.write(text)
    except OSError:
        return ""
    return "user+pid"


def join_pids_cgroup(limit: int) -> str:
    """Where allowed (root): put this process and all it starts in a cgroup of `limit` tasks.

    Root is exempt from RLIMIT_NPROC, so a cgroup is the only cap for a root fork loop.
    Returns the cgroup's folder ("" when cgroups cannot be written here).
    """
    name = f"run_python_{os.getpid()}"
    v2_controllers = "/sys/fs/cgroup/cgroup.controllers"
    candidates = ["/sys/fs/cgroup/pids"]
    if os.path.exists(v2_controllers):
        with open("/proc/self/cgroup") as own:
            current = next((line[3:].strip() for line in own if line.startswith("0::")), "/")
        candidates.append("/sys/fs/cgroup" + current.rstrip("/"))
    for parent in candidates:
        folder = os.path.join(parent, name)
        try:
            os.mkdir(folder)
        except OSError:
            continue
        try:
            with open(os.path.join(folder, "pids.max"), "w") as handle:
                handle.write(str(limit))
            with open(os.path.join(folder, "cgroup.procs"), "w") as handle:
                handle.write(str(os.getpid()))
            return folder
        except OSError:
            try:
                os.rmdir(folder)
            except OSError:
                pass
    return ""


def hide_cgroups() -> bool:
    """In the program's mount table: an empty, read-only tmpfs over /sys/fs/cgroup, so
    it cannot move itself out of its cgroup."""
    if not os.path.isdir("/sys/fs/cgroup"):
        return True
    flags = 1 | MS_NOSUID | MS_NODEV | MS_NOEXEC  # 1: MS_RDONLY
    return libc.mount(b"tmpfs", b"/sys/fs/cgroup", b"tmpfs", flags, b"size=4k") == 0


def become(uid: int) -> bool:
    """As root: switch to `uid` (and the same gid, no groups) for good."""
    try:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    except OSError:
        return False
    return os.getuid() == uid


def mount_own_proc() -> bool:
    """In process 1 of the new PID namespace (with private mounts): a /proc of its own."""
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
    return libc.mount(b"proc", b"/proc", b"proc", flags, None) == 0


def drop_capabilities() -> bool:
    """No capabilities after exec, not even for uid 0 (bounding set emptied, bits locked)."""
    for capability in range(64):
        prctl(PR_CAPBSET_DROP, capability)  # fails past the last one the kernel knows
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    secured = prctl(PR_SET_SECUREBITS, SECURE_BITS)
    return secured or os.getuid() != 0  # a normal uid loses them at exec anyway


def enter_landlock() -> tuple[int, bool]:
    """A Landlock domain: outside processes out of reach, no TCP connections.

    Returns (the ABI version used, 0 when Landlock is missing; whether TCP is refused).
    """
    abi = libc.syscall(
        ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET),
        None,
        ctypes.c_size_t(0),
        ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION),
    )
    if abi < 1:
        return 0, False
    net = LANDLOCK_ACCESS_NET_CONNECT_TCP if abi >= 4 else 0
    scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL if abi >= 6 else 0
    attr = LandlockAttr(LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK, net, scoped)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = libc.syscall(
        ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET),
        ctypes.byref(attr),
        ctypes.c_size_t(size),
        ctypes.c_uint32(0),
    )
    if ruleset < 0:
        return 0, False
    done = libc.syscall(ctypes.c_long(SYS_LANDLOCK_RESTRICT_SELF), ruleset, ctypes.c_uint32(0))
    os.close(ruleset)
    return (abi, bool(net)) if done == 0 else (0, False)


def set_limits(settings: dict[str, int], user_namespace: bool) -> bool:
    """Resource limits; returns whether RLIMIT_NPROC caps the number of processes."""
    # Inside a user namespace the process count is kept per namespace; outside one it
    # counts all processes of the uid. Either way it never applies to uid 0.
    nproc = settings["nproc_namespace" if user_namespace else "nproc_user"]
    limits = {
        "RLIMIT_AS": settings["memory"],
        "RLIMIT_CPU": settings["cpu"],
        "RLIMIT_FSIZE": settings["fsize"],
        "RLIMIT_CORE": 0,
        "RLIMIT_NPROC": nproc,
    }
    capped = os.getuid() != 0 and nproc >= 0
    for name, value in limits.items():
        kind = getattr(resource, name, None)
        if resource is None or kind is None or value < 0:
            continue
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            if name == "RLIMIT_NPROC":
                capped = False
    return capped


def start_program(
    settings: dict[str, int], status_fd: int, namespaces: str, cgroup_capped: bool
) -> None:
    """In the child that becomes the program: fence it in, then exec Python on main.py."""
    try:
        drop_to = settings.get("drop_to", -1)
        if drop_to >= 0 and os.getuid() == 0 and not become(drop_to):
            raise PermissionError(f"could not switch to uid {drop_to}")
        no_caps = drop_capabilities() if settings.get("drop_capabilities", True) else False
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        landlock, no_tcp = enter_landlock() if settings.get("landlock", True) else (0, False)
        capped = set_limits(settings, namespaces == "user+pid") or cgroup_capped
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after the last change of credentials
        report(
            status_fd,
            no_capabilities=no_caps,
            landlock=landlock,
            no_tcp=no_tcp,
            process_cap=capped,
            uid=os.getuid(),
        )
        os.set_inheritable(status_fd, False)  # closed by exec: the program cannot write here
        program = [sys.executable, "-I", "-S", "-u", "-X", "utf8", "main.py"]
        os.execv(sys.executable, program)  # noqa: S606  (a fixed command, no shell)
    except BaseException as error:
        report(status_fd, launch_error=f"{type(error).__name__}: {error}")
    os._exit(127)


def private_mounts() -> bool:
    """A mount table of this process's own, whose changes nobody else sees."""
    return (
        libc.unshare(CLONE_NEWNS) == 0
        and libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) == 0
    )


def descendants(root: int) -> list[int]:
    """Every process below `root`, read from /proc (children of children too)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(name))
    found, queue = [], list(children.get(root, []))
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def kill_descendants(deadline_seconds: float = 3.0) -> None:
    """SIGKILL everything below this process until nothing is left (or the deadline)."""
    me, deadline = os.getpid(), time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        alive = descendants(me)
        if not alive:
            return
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        reap()
        time.sleep(0.005)


def reap() -> None:
    """Collect every finished child (adopted ones too) without waiting."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def wait_for(pid: int) -> int:
    """Wait for `pid`, reaping adopted orphans meanwhile; return its wait status."""
    while True:
        try:
            reaped, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 0
        if reaped == pid:
            return status


def run_as_init(settings: dict[str, int], status_fd: int, namespaces: str, cgroup: str) -> None:
    """Process 1 of the new PID namespace: mount /proc, start the program, wait, leave.

    When this process ends, the kernel kills every process left in the namespace.
    """
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the launcher gone: end everything
        private = private_mounts()
        report(status_fd, own_proc=private and mount_own_proc())
        hidden = bool(cgroup) and private and hide_cgroups()
        program = os.fork()
        if program == 0:
            start_program(settings, status_fd, namespaces, cgroup_capped=hidden)
        status = wait_for(program)
        report(status_fd, exit_status=status)
    except BaseException as error:
        report(status_fd, launch_error=f"{type(error).__name__}: {error}")
    os._exit(0)


def main() -> None:
    settings = json.loads(sys.argv[1])
    status_fd = settings["status_fd"]
    report(status_fd, subreaper=prctl(PR_SET_CHILD_SUBREAPER, 1))
    # root is exempt from RLIMIT_NPROC: cap the launcher, process 1 and the program + 64
    wants_cgroup = settings.get("cgroup", True) and settings.get("drop_to", -1) < 0
    cgroup = join_pids_cgroup(settings["nproc_namespace"] + 3) if wants_cgroup else ""
    namespaces = enter_namespaces() if settings.get("namespaces") else ""
    report(
        status_fd,
        cgroup=cgroup,
        pid_namespace=bool(namespaces),
        user_namespace=namespaces == "user+pid",
    )
    child = os.fork()
    if child == 0:
        if namespaces:
            run_as_init(settings, status_fd, namespaces, cgroup)
        hidden = bool(cgroup) and private_mounts() and hide_cgroups()
        start_program(settings, status_fd, namespaces, cgroup_capped=hidden)

    def stop(_signum: int, _frame: object) -> None:
        kill_descendants()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    status = wait_for(child)
    if not namespaces:
        report(status_fd, exit_status=status)
    os.close(status_fd)
    kill_descendants()  # what the program left behind, setsid() or not
    os._exit(0)


if __name__ == "__main__":
    main()
