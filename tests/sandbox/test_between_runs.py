"""One run cannot reach past itself: not into another run, past or concurrent, nor into a
host-wide resource (IPC, limits, scheduling, the page cache, the filesystem) (issue 13).

Each case runs with every layer on, and again with one family of layers off, so each of
the two barriers (seccomp's allow-list; the namespaces and the per-run uid) holds alone.
"""

from __future__ import annotations

import platform
import sysconfig
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sandbox.services import SandboxService
from tests.sandbox.conftest import descendants

pytestmark = pytest.mark.usefixtures("host_untouched")

NAMESPACES = frozenset({"mount", "net", "pid", "ipc", "uts", "pivot_root"})


@pytest.fixture(scope="module", params=["full", "seccomp off", "namespaces off"])
def service(request: pytest.FixtureRequest, sandbox: SandboxService) -> SandboxService:
    """The site's sandbox, then one without seccomp, then one without namespaces."""
    if request.param == "full":
        return sandbox
    if request.param == "seccomp off":
        service = SandboxService(disable_layers={"seccomp", "landlock"})
        assert {"uid", "ipc", "pid"} <= set(service.isolation().layers)
    else:
        service = SandboxService(disable_layers=NAMESPACES)
        assert {"uid", "seccomp"} <= set(service.isolation().layers)
    return service


def files_readable(service: SandboxService) -> bool:
    """Whether runs can read the standard library where it is: in the read-only root, or
    on the host when every directory above it lets other users through."""
    if "pivot_root" in service.isolation().layers:
        return True
    path = Path(sysconfig.get_path("stdlib"))
    return all(parent.stat().st_mode & 0o001 for parent in [path, *path.parents])


def run_pid(host_pid: int) -> int:
    """The pid a run sees for ``host_pid`` (the last NSpid field); 0 once it is gone."""
    try:
        status = Path(f"/proc/{host_pid}/status").read_text()
    except OSError:
        return 0
    return int(next(line for line in status.splitlines() if line.startswith("NSpid:")).split()[-1])


def ok(service: SandboxService, code: str, **limits: Any) -> Any:
    result = service.run(code, **limits)
    assert result.success, result.error
    return result.output


# Issue 13, input 1, as given: 6 x 150 MiB of SysV shared memory that outlived the run.
ISSUE_SHM = """
import ctypes
libc = ctypes.CDLL(None); libc.shmat.restype = ctypes.c_void_p
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
for _ in range(6):
    sid = libc.shmget(0, 150 << 20, 0o1600); a = libc.shmat(sid, None, 0)
    ctypes.memset(a, 1, 150 << 20); libc.shmdt(ctypes.c_void_p(a))
"""

IPC_CALLS = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
create = {create}
result = [
    libc.shmget(0x5EED, 4096, create | 0o666),
    libc.shmget(0, 4096, 0o1600),
    libc.semget(0x5EED, 1, create | 0o666),
    libc.msgget(0x5EED, create | 0o666),
    libc.mq_open(b"/sandbox-channel", 0o2 | (0o100 if create else 0), 0o666, None),
]
"""


def test_issue_shared_memory_is_refused(service: SandboxService) -> None:
    result = service.run(ISSUE_SHM, timeout_ms=5000)
    # shmget fails, so the plugin's own memset hits an invalid address: the run dies.
    assert not result.success
    assert not result.timed_out


def test_no_ipc_object_is_created_or_found(service: SandboxService) -> None:
    created = ok(service, IPC_CALLS.format(create=0o1000))  # IPC_CREAT / O_CREAT
    assert created == [-1, -1, -1, -1, -1]
    found = ok(service, IPC_CALLS.format(create=0))
    assert found == [-1, -1, -1, -1, -1]


# Issue 13, input 2: lower every process's memory limit, renice, pin and demote it.
ATTACK = """
import os, resource
mine = os.getpid()
reached = []
for pid in sorted(set(range(2, 600)) | set(OTHERS)):
    if pid == mine:
        continue
    for name, call in [
        ("prlimit", lambda: resource.prlimit(pid, resource.RLIMIT_AS, (50 << 20, 50 << 20))),
        ("setpriority", lambda: os.setpriority(os.PRIO_PROCESS, pid, 19)),
        ("sched_setaffinity", lambda: os.sched_setaffinity(pid, {0})),
        ("sched_setscheduler",
         lambda: os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))),
    ]:
        try:
            call()
            reached.append([name, pid])
        except OSError:
            pass
for which in (os.PRIO_USER, os.PRIO_PGRP):  # its own uid's and group's: only itself
    try:
        os.setpriority(which, 0, 19)
    except OSError:
        pass
result = reached
"""

VICTIM = """
import os, resource, time
time.sleep({sleep})
data = bytearray(100 << 20)
result = [resource.getrlimit(resource.RLIMIT_AS)[0], os.getpriority(os.PRIO_PROCESS, 0),
          sorted(os.sched_getaffinity(0)), os.sched_getscheduler(0), len(data)]
"""


def test_a_run_cannot_limit_renice_or_pin_another(service: SandboxService) -> None:
    expected = ok(service, VICTIM.format(sleep=0))
    victim: dict[str, Any] = {}

    def concurrent() -> None:
        victim["result"] = service.run(VICTIM.format(sleep=1.0), timeout_ms=5000)

    thread = threading.Thread(target=concurrent)
    thread.start()
    time.sleep(0.2)  # the victim is asleep in its own process
    # Every process of the zygote (spares, the victim) by the pid a run would see.
    others = [pid for pid in map(run_pid, descendants(service.zygote_pid())) if pid]
    try:
        assert ok(service, f"OTHERS = {others}\n" + ATTACK, timeout_ms=5000) == []
    finally:
        thread.join()
    assert victim["result"].success, victim["result"].error
    assert victim["result"].output == expected
    for _ in range(5):  # later runs of other users are untouched too
        assert ok(service, VICTIM.format(sleep=0)) == expected


def test_a_run_may_still_lower_its_own_priority(service: SandboxService) -> None:
    code = "import os\nos.setpriority(os.PRIO_PROCESS, 0, 5)\nos.getpriority(os.PRIO_PROCESS, 0)"
    assert ok(service, code) == 5
    assert ok(service, "import os\nos.getpriority(os.PRIO_PROCESS, 0)") == 0


def test_limits_set_in_one_run_do_not_reach_the_next(service: SandboxService) -> None:
    ok(service, "import resource\nresource.setrlimit(resource.RLIMIT_NOFILE, (4, 4))\n1")
    opened = "import os\nfds = [os.dup(0) for _ in range(8)]\nlen(fds)"
    assert ok(service, opened) == 8


SYS_SYNC = {"x86_64": 162, "aarch64": 81, "riscv64": 81}.get(platform.machine(), 162)
RAISE_LIMITS = """
import resource
raised = []
for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_STACK",
             "RLIMIT_FSIZE", "RLIMIT_MEMLOCK"):
    kind = getattr(resource, name)
    try:
        resource.setrlimit(kind, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        raised.append(name)
    except (OSError, ValueError):
        pass
result = raised
"""


def test_a_run_cannot_raise_its_own_limits(service: SandboxService) -> None:
    assert ok(service, RAISE_LIMITS) == []


# Issue 13, input 3: os.sync() in a loop flushed the host's whole page cache.
ISSUE_SYNC = "import os\nwhile True:\n    os.sync()"

PAGE_CACHE = (
    f"SYS_SYNC = {SYS_SYNC}\n"
    + """
import ctypes, mmap, os
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(os.__file__, os.O_RDONLY)
outcomes = {}
for name, call in [
    ("sync", os.sync),
    ("fsync", lambda: os.fsync(fd)),
    ("fdatasync", lambda: os.fdatasync(fd)),
    ("fadvise", lambda: os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)),
    ("readahead", lambda: os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)),
    ("pageout", lambda: mmap.mmap(fd, 0, prot=mmap.PROT_READ).madvise(21)),
    ("cold", lambda: mmap.mmap(fd, 0, prot=mmap.PROT_READ).madvise(20)),
]:
    try:
        call()
        outcomes[name] = "done"
    except OSError as exc:
        outcomes[name] = type(exc).__name__
outcomes["sync(2)"] = libc.syscall(SYS_SYNC)
outcomes["syncfs"] = libc.syncfs(fd)
outcomes["sync_file_range"] = libc.sync_file_range(fd, 0, 0, 2)
outcomes["mincore"] = libc.mincore(None, 4096, None)
result = outcomes
"""
)


def test_issue_sync_loop_is_killed_on_time(sandbox: SandboxService) -> None:
    # sync(2) returns nothing, so a refused one is silent: the loop spins, never sleeping
    # in the kernel, and is killed at its own timeout; the zygote stays (host_untouched).
    started = time.monotonic()
    result = sandbox.run(ISSUE_SYNC, timeout_ms=300)
    assert result.timed_out
    assert time.monotonic() - started < 0.8


def test_no_run_touches_the_page_cache(sandbox: SandboxService) -> None:
    outcomes = ok(sandbox, PAGE_CACHE)
    assert outcomes == {
        "sync": "done",  # os.sync() cannot fail: sync(2) returns nothing
        "sync(2)": -1,
        "fsync": "PermissionError",
        "fdatasync": "PermissionError",
        "fadvise": "PermissionError",
        "readahead": "PermissionError",
        "pageout": "PermissionError",
        "cold": "PermissionError",
        "syncfs": -1,
        "sync_file_range": -1,
        "mincore": -1,
    }


WRITE_EVERYWHERE = """
import os
stdlib = os.path.dirname(os.__file__)
places = ["/", "/tmp", "/dev/shm", "/var/tmp", os.getcwd(), stdlib, stdlib + "/site-packages"]
written = []
for place in places:
    path = os.path.join(place, "left-by-a-run")
    try:
        with open(path, "w") as handle:
            handle.write("x")
        written.append(path)
    except OSError:
        pass
    try:
        os.mkdir(path + ".d")
        written.append(path + ".d")
    except OSError:
        pass
result = written
"""

LOCKS_AND_WATCHES = """
import ctypes, fcntl, os
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(os.__file__, os.O_RDONLY)
outcomes = {}
for name, call in [
    ("lockf", lambda: fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)),
    ("flock", lambda: fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)),
    ("lease", lambda: fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)),
]:
    try:
        call()
        outcomes[name] = "done"
    except OSError as exc:
        outcomes[name] = type(exc).__name__
outcomes["inotify"] = libc.inotify_init1(0)
outcomes["fanotify"] = libc.fanotify_init(0, 0)
result = outcomes
"""


def test_no_run_leaves_a_file_for_the_next(service: SandboxService) -> None:
    if not files_readable(service):
        pytest.skip("the standard library is beneath a directory closed to other users")
    assert ok(service, WRITE_EVERYWHERE) == []
    listing = "import os\nos.listdir(os.path.dirname(os.__file__))"
    assert "left-by-a-run" not in ok(service, listing)


def test_no_lock_or_watch_on_shared_files(sandbox: SandboxService) -> None:
    assert ok(sandbox, LOCKS_AND_WATCHES) == {
        "lockf": "PermissionError",
        "flock": "PermissionError",
        "lease": "PermissionError",
        "inotify": -1,
        "fanotify": -1,
    }


@pytest.fixture(scope="module")
def third_party_dir() -> Path:
    """The base interpreter's site-packages, beside its standard library on the host."""
    path = Path(sysconfig.get_path("stdlib")) / "site-packages"
    if not path.is_dir() or not any(path.iterdir()):
        pytest.skip("this Python keeps no third-party packages beside its standard library")
    return path


def test_the_python_view_holds_the_standard_library_only(
    service: SandboxService, third_party_dir: Path
) -> None:
    if not files_readable(service):
        pytest.skip("the standard library is beneath a directory closed to other users")
    a_file = next(entry for entry in third_party_dir.rglob("*.py"))
    code = (
        "import os\n"
        "outcomes = []\n"
        f"for call in [lambda: os.listdir({str(third_party_dir)!r}),\n"
        f"             lambda: open({str(a_file)!r}).read(1)]:\n"
        "    try:\n"
        "        outcomes.append(call())\n"
        "    except OSError as exc:\n"
        "        outcomes.append(type(exc).__name__)\n"
        "result = outcomes\n"
    )
    listed, read = ok(service, code)
    assert read in ("FileNotFoundError", "PermissionError")
    if "pivot_root" in service.isolation().layers:
        assert listed == []  # an empty directory covers it
    # (Landlock alone, without the mount namespace, lets a run list the names, not read them.)
    stdlib = "import csv, decimal, fractions, json\njson.dumps([str(decimal.Decimal(1) + 1)])"
    assert ok(service, stdlib) == '["2"]'
