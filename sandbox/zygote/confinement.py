"""Confinement: the layers set up once in the zygote, and what each spare applies to itself.

Once, in the zygote: namespaces (user where needed, mount, network, IPC with no room for
SysV IPC or POSIX message queues, UTS, PID), a read-only root holding the Python standard
library only, a Landlock ruleset and the seccomp program. In each spare, before it is given
a run: rlimits, its own uid and gid from a pool (so no run can limit, renice, pin or signal
another: the kernel checks those against the caller's uid), no capabilities,
no_new_privs, Landlock, seccomp.
"""

from __future__ import annotations

import ctypes
import fcntl
import functools
import math
import os
import platform
import resource
import socket
import sys
from collections import deque
from collections.abc import Callable
from typing import Any

from sandbox import wire
from sandbox.zygote import linux

LAYER_NAMES = ("user", "mount", "net", "ipc", "uts", "pid", "pivot_root", "uid", "caps",
               "no_new_privs", "landlock", "seccomp", "rlimits")  # fmt: skip
HIGH_FD = 100  # where the zygote parks fds that children dup2 into place
# Each live spare holds one uid of its own from this range (and the gid of the same number):
# above the ranges /etc/subuid hands out, below 2**31, which some tools read as negative.
UID_POOL_START = 2_000_000_000
UID_POOL_SIZE = 256  # the most spares the zygote keeps at once (MAX_SPARES)
# Directories below the standard library that hold third-party packages, hidden from runs.
THIRD_PARTY_DIRS = ("site-packages", "dist-packages")
# Per IPC namespace (ipc_namespaces(7)): no room for any SysV segment, semaphore or queue,
# nor any POSIX message queue.
IPC_LIMITS = {
    "/proc/sys/kernel/shmmni": "0",
    "/proc/sys/kernel/shmall": "0",
    "/proc/sys/kernel/shmmax": "0",
    "/proc/sys/kernel/msgmni": "0",
    "/proc/sys/kernel/sem": "0 0 0 0",
    "/proc/sys/fs/mqueue/queues_max": "0",
}


class LayerError(Exception):
    """A confinement step that failed in a child, named by its layer."""

    def __init__(self, layer: str, exc: BaseException) -> None:
        self.layer = layer
        super().__init__(f"{layer}: {exc}")


class UidPool:
    """Uids no live run holds; the least recently released is handed out first."""

    def __init__(self, start: int = UID_POOL_START, size: int = UID_POOL_SIZE) -> None:
        self.free = deque(range(start, start + size))

    def take(self) -> int | None:
        return self.free.popleft() if self.free else None

    def give_back(self, uid: int) -> None:
        self.free.append(uid)


def python_paths() -> list[str]:
    """The standard library's import directories (``sys.path`` of ``python -I -S``)."""
    paths: list[str] = []
    for entry in sorted({os.path.abspath(p) for p in sys.path if p and os.path.isdir(p)}):
        if not any(entry.startswith(parent + os.sep) for parent in paths):
            paths.append(entry)
    return paths


def park(fd: int) -> int:
    """Move ``fd`` above the numbers children dup2 into place."""
    parked = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, HIGH_FD)
    os.close(fd)
    return parked


class Confinement:
    """The layers this machine grants, prepared once; ``confine`` applies them in a spare."""

    def __init__(self, disabled: set[str], bpf: bytes) -> None:
        self.disabled = disabled
        self.layers: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.bpf = bpf
        self.ro_paths = python_paths()
        self.hidden = [
            os.path.join(path, name)
            for path in self.ro_paths
            for name in THIRD_PARTY_DIRS
            if os.path.isdir(os.path.join(path, name))
        ]
        self.base_vm = 64 << 20
        self.ruleset_fd: int | None = None
        self.fprog: linux.SockFprog | None = None
        self.filter_buf: ctypes.Array[linux.SockFilter] | None = None
        self.uids = UidPool()

    def attempt(self, layer: str, action: Callable[[], object]) -> bool:
        """Apply a layer unless configured off; record why it failed, if it does."""
        if layer in self.disabled:
            self.errors[layer] = "disabled by configuration"
            return False
        try:
            action()
        except OSError as exc:
            self.errors[layer] = str(exc)
            return False
        self.layers.setdefault(layer, True)
        return True

    def disable(self, layer: str) -> None:
        """Stop applying ``layer`` (a spare could not apply it)."""
        self.layers.pop(layer, None)
        if layer == "seccomp":
            self.fprog = None
        if layer == "landlock" and self.ruleset_fd is not None:
            os.close(self.ruleset_fd)
            self.ruleset_fd = None

    def enter_namespaces(self) -> bool:
        """Unshare what the machine grants, one namespace at a time; True if PID is new."""
        if os.geteuid() != 0:
            uid, gid = os.geteuid(), os.getegid()

            def user() -> None:
                linux.unshare(linux.CLONE_NEWUSER, "user")
                for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"),
                                   ("gid_map", f"0 {gid} 1")):  # fmt: skip
                    with open(f"/proc/self/{name}", "w") as handle:
                        handle.write(text)

            self.attempt("user", user)
        for layer, flag in (("mount", linux.CLONE_NEWNS), ("net", linux.CLONE_NEWNET),
                            ("ipc", linux.CLONE_NEWIPC), ("uts", linux.CLONE_NEWUTS),
                            ("pid", linux.CLONE_NEWPID)):  # fmt: skip
            self.attempt(layer, functools.partial(linux.unshare, flag, layer))
        if self.layers.get("ipc"):
            self.empty_ipc()
        if self.layers.get("uts"):
            socket.sethostname("sandbox")
        return bool(self.layers.get("pid"))

    def empty_ipc(self) -> None:
        """Leave no room in this IPC namespace, so even without seccomp no run can hold
        memory or messages that outlive it or reach the next one."""
        try:
            for path, value in IPC_LIMITS.items():
                with open(path, "w") as handle:
                    handle.write(value)
        except OSError as exc:
            self.errors["ipc"] = f"namespace without limits: {exc}"

    def replace_root(self) -> None:
        """tmpfs root + read-only binds of the standard library (third-party packages
        covered by an empty tmpfs) + pivot_root; the old root is detached."""
        number = linux.SYS_PIVOT_ROOT.get(platform.machine())
        if not self.layers.get("mount") or number is None:
            self.errors.setdefault("pivot_root", "no mount namespace or unknown architecture")
            return
        readonly = linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV

        def pivot() -> None:
            linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE, None)
            new_root = "/tmp"  # noqa: S108 - only a mount point, inside our own mount namespace
            linux.mount("tmpfs", new_root, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV,
                        "size=256k,mode=0755")  # fmt: skip
            for path in self.ro_paths:
                target = new_root + path
                os.makedirs(target, mode=0o755, exist_ok=True)
                linux.mount(path, target, None, linux.MS_BIND | linux.MS_REC, None)
                # A remount inside a user namespace must keep the flags that are locked.
                flags = os.statvfs(path).f_flag
                keep = flags & (linux.MS_NOEXEC | linux.MS_NOATIME | linux.MS_NODIRATIME)
                keep |= flags & linux.MS_RELATIME
                linux.mount(None, target, None, linux.MS_REMOUNT | linux.MS_BIND | readonly | keep,
                            None)  # fmt: skip
            for path in self.hidden:
                linux.mount("tmpfs", new_root + path, "tmpfs", readonly | linux.MS_NOEXEC,
                            "size=4k,mode=0555")  # fmt: skip
            os.chdir(new_root)
            linux.pivot_root(number)
            os.chdir("/")
            linux.mount(None, "/", None, linux.MS_REMOUNT | readonly, None)

        self.attempt("pivot_root", pivot)

    def prepare_landlock(self) -> None:
        """A ruleset reading the standard library only (each entry but third-party dirs)."""

        def add_rule(fd: int, path: str, allowed: int) -> None:
            parent = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = linux.PathBeneath(allowed, parent)
                added = linux.syscall(linux.SYS_LANDLOCK_ADD_RULE, fd,
                                      linux.LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule),
                                      linux.ulong(0))  # fmt: skip
                linux.check(added, "landlock_add_rule")
            finally:
                os.close(parent)

        def ruleset() -> None:
            abi = linux.syscall(linux.SYS_LANDLOCK_CREATE_RULESET, None, linux.ulong(0),
                                linux.ulong(linux.LANDLOCK_CREATE_RULESET_VERSION))  # fmt: skip
            linux.check(abi, "landlock ABI")
            attr = linux.RulesetAttr(linux.landlock_fs_mask(abi),
                                     linux.LANDLOCK_NET_ALL if abi >= 4 else 0,
                                     linux.LANDLOCK_SCOPE_ALL if abi >= 6 else 0)  # fmt: skip
            size = 24 if abi >= 6 else 16 if abi >= 4 else 8
            fd = linux.check(linux.syscall(linux.SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr),
                                           linux.ulong(size), linux.ulong(0)),
                             "landlock_create_ruleset")  # fmt: skip
            read_dir = linux.LANDLOCK_READ_FILE | linux.LANDLOCK_READ_DIR
            for path in self.ro_paths:
                # Listing is needed for imports; reading only beneath what is not hidden.
                add_rule(fd, path, linux.LANDLOCK_READ_DIR)
                for entry in os.scandir(path):
                    if entry.path not in self.hidden:
                        is_dir = entry.is_dir(follow_symlinks=False)
                        add_rule(fd, entry.path, read_dir if is_dir else linux.LANDLOCK_READ_FILE)
            self.ruleset_fd = park(fd)
            self.layers["landlock"] = abi

        self.attempt("landlock", ruleset)

    def prepare_seccomp(self) -> None:
        if "seccomp" in self.disabled:
            self.errors["seccomp"] = "disabled by configuration"
            return
        if not self.bpf or len(self.bpf) % 8:
            self.errors["seccomp"] = "no filter: libseccomp (pyseccomp) is unavailable"
            return
        count = len(self.bpf) // 8
        self.filter_buf = (linux.SockFilter * count).from_buffer_copy(self.bpf)
        pointer = ctypes.cast(self.filter_buf, ctypes.POINTER(linux.SockFilter))
        self.fprog = linux.SockFprog(count, pointer)
        self.layers["seccomp"] = True

    def measure_base_vm(self) -> None:
        """The address space a child starts with; its memory limit comes on top."""
        try:
            with open("/proc/self/statm") as handle:
                pages = int(handle.read().split()[0])
        except (OSError, ValueError, IndexError):
            return
        # Headroom for what the zygote allocates after this (buffers, the filter, ctypes).
        self.base_vm = pages * resource.getpagesize() + (16 << 20)

    def confine(self, uid: int | None) -> None:
        """What a spare does to itself before it is given a run; raises LayerError.

        ``uid`` is the spare's own (from the pool) where the ``uid`` layer is on. The memory
        and CPU limits depend on the request; they are set (only ever lowered) once it
        arrives, see ``limit``.
        """
        limits = [
            (resource.RLIMIT_NOFILE, 16),
            (resource.RLIMIT_FSIZE, 0),
            (resource.RLIMIT_NPROC, 0),
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_MEMLOCK, 0),
            (resource.RLIMIT_MSGQUEUE, 0),
            # Fixed, hard too, so a run cannot lift its own stack to the memory limit. 4 MiB
            # is several times what C recursion to Python's default limit (1,000) needs; a
            # run that lifts that limit overflows sooner, and dies alone (SIGSEGV).
            (resource.RLIMIT_STACK, 4 << 20),
        ]
        try:
            for kind, value in limits:
                resource.setrlimit(kind, (value, value))
        except (OSError, ValueError) as exc:
            raise LayerError("rlimits", exc) from None
        try:
            linux.prctl(linux.PR_SET_DUMPABLE, 0)
            if self.layers.get("uid"):
                if uid is None:
                    raise OSError("no uid left in the pool")
                # Leaving uid 0 clears every capability; nothing can exec to regain any.
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
        except OSError as exc:
            raise LayerError("uid", exc) from None
        if self.layers.get("caps"):
            try:
                linux.drop_capabilities()
            except OSError as exc:
                raise LayerError("caps", exc) from None
        try:
            linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
        except OSError as exc:
            raise LayerError("no_new_privs", exc) from None
        if self.layers.get("landlock"):
            restricted = linux.syscall(linux.SYS_LANDLOCK_RESTRICT_SELF, wire.CHILD_RULESET_FD,
                                       linux.ulong(0))  # fmt: skip
            if restricted == -1:
                raise LayerError("landlock", OSError(ctypes.get_errno(), "restrict_self"))
            os.close(wire.CHILD_RULESET_FD)
        if self.fprog is not None:
            try:
                linux.load_seccomp(self.fprog)
            except OSError as exc:
                raise LayerError("seccomp", exc) from None

    def limit(self, timeout_ms: int, memory_mb: int) -> None:
        """The request's limits: address space and CPU seconds, soft and hard."""
        memory = self.base_vm + memory_mb * (1 << 20)
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        # CPU time backs up the wall clock: SIGXCPU, then SIGKILL at the hard limit a
        # second later even when SIGXCPU is ignored.
        cpu = math.ceil(resource.getrusage(resource.RUSAGE_SELF).ru_utime + timeout_ms / 1000) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
