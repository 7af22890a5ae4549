"""The sandbox zygote: a warm, isolated process that forks one child per plugin run.

``sandbox.client`` starts it as ``python -I -S -B zygote.py <socket fd> <parent pid>``. It
enters its namespaces once (user where needed, mount, network, IPC, UTS, PID), replaces its
root with a read-only view of the Python standard library, and then serves run requests:
each run is a fresh ``fork()`` that limits itself (rlimits, unprivileged uid, no
capabilities, no_new_privs, Landlock, seccomp), executes the code and writes one JSON
document back through a pipe. Standard library only: after ``pivot_root`` nothing else is
visible, so everything the zygote or a run needs is imported before that.

Wire format on the control socket, both ways: ``!II`` (header length, payload length), a
JSON header, then raw payload bytes.
"""

from __future__ import annotations

# Imported up front so runs find them already loaded (and fast) after the root is replaced.
import ast
import base64
import bisect
import builtins
import collections
import contextlib
import copy
import ctypes
import dataclasses
import datetime
import decimal
import enum
import errno
import fcntl
import fractions
import functools
import gc
import hashlib
import heapq
import io
import itertools
import json
import math
import operator
import os
import platform
import random
import re
import resource
import selectors
import signal
import socket
import statistics
import string
import struct
import sys
import textwrap
import typing
import unicodedata
from collections.abc import Callable
from typing import Any

PRELOADED = (
    base64, bisect, collections, copy, dataclasses, datetime, decimal, enum, fractions,
    functools, hashlib, heapq, itertools, math, operator, random, re, statistics, string,
    textwrap, typing, unicodedata,
)  # fmt: skip

FRAME = struct.Struct("!II")
FD_SIZE = struct.calcsize("i")
MAX_FRAME = 64 * 1024 * 1024
NOBODY = 65534
CHILD_RULESET_FD = 3
CHILD_CHANNEL_FD = 4
SPARES = 4  # confined children kept ready, so callers at once rarely wait for a fork
MAX_SPARES = 256
RETIRED = 75  # exit status of a spare the web process let go unused
SETUP_FAILED = 71  # exit status of a spare that could not confine itself (see LayerError)
REQUEST = struct.Struct("!II")  # timeout_ms, memory_mb; with SCM_RIGHTS payload + result fds
HIGH_FD = 100  # where the zygote parks fds that children dup2 into place

# Linux constants (stable kernel ABI).
CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
SYS_LANDLOCK_CREATE_RULESET = 444  # the same number on every architecture
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41}
LANDLOCK_READ_FILE = 1 << 2
LANDLOCK_READ_DIR = 1 << 3
LANDLOCK_NET_ALL = (1 << 0) | (1 << 1)  # bind and connect TCP
LANDLOCK_SCOPE_ALL = (1 << 0) | (1 << 1)  # abstract Unix sockets and signals

LAYER_NAMES = ("user", "mount", "net", "ipc", "uts", "pid", "pivot_root", "uid", "caps",
               "no_new_privs", "landlock", "seccomp", "rlimits")  # fmt: skip


def landlock_fs_mask(abi: int) -> int:
    """Every filesystem right the given Landlock ABI knows, so all of them are handled."""
    mask = (1 << 13) - 1  # ABI 1: execute .. make_sym
    if abi >= 2:
        mask |= 1 << 13  # refer
    if abi >= 3:
        mask |= 1 << 14  # truncate
    if abi >= 5:
        mask |= 1 << 15  # ioctl_dev
    return mask


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]  # fmt: skip


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]  # fmt: skip


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_ulong = ctypes.c_ulong


def _check(result: int, what: str) -> int:
    if result == -1:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _syscall(number: int, *args: Any) -> int:
    return int(_libc.syscall(_ulong(number), *args))


def prctl(option: int, arg: int | Any = 0) -> int:
    value = arg if not isinstance(arg, int) else _ulong(arg)
    return _check(_libc.prctl(option, value, _ulong(0), _ulong(0), _ulong(0)), f"prctl({option})")


def _mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None
) -> None:
    def enc(value: str | None) -> bytes | None:
        return None if value is None else os.fsencode(value)

    result = _libc.mount(enc(source), enc(target), enc(fstype), _ulong(flags), enc(data))
    _check(result, f"mount {target}")


# --------------------------------------------------------------------------- the run itself


class CappedWriter(io.TextIOBase):
    """``sys.stdout`` for a run: keeps the first ``cap`` bytes (UTF-8), counts the rest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.parts: list[bytes] = []
        self.size = 0
        self.truncated = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        room = self.cap - self.size
        if room <= 0:
            self.truncated = self.truncated or bool(text)
            return len(text)
        # A character is at least one byte, so never encode more than ``room`` characters.
        data = text[:room].encode("utf-8", "replace")
        if len(data) > room or len(text) > room:
            self.truncated = True
            data = data[:room]
        self.parts.append(data)
        self.size += len(data)
        return len(text)

    def getvalue(self) -> str:
        return b"".join(self.parts).decode("utf-8", "ignore")


def describe_exception(exc: BaseException) -> str:
    """``Type: message``, robust against exceptions whose ``str()`` misbehaves."""
    name = type(exc).__name__
    try:
        message = str(exc)
    except BaseException:
        message = "<message unavailable>"
    message = message[:2000]
    return f"{name}: {message}" if message else name


def json_size(value: object, limit: int) -> int | None:
    """Approximate encoded size if ``value`` is a plain JSON value, else None.

    Walks iteratively (no recursion limit to hit) and stops once past ``limit``, so a
    100 MB result is refused without being encoded.
    """
    size = 0
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if item is None or kind is bool:
            size += 5
        elif kind is int:
            size += 1 + item.bit_length() // 3
        elif kind is float:
            if not math.isfinite(item):
                return None
            size += 24
        elif kind is str:
            size += len(item) + 2
        elif kind is list:
            size += 2 + len(item)
            stack.extend(item)
        elif kind is dict:
            size += 2 + len(item)
            for key, member in item.items():
                if type(key) is not str:
                    return None
                size += len(key) + 3
                stack.append(member)
        else:
            return None
        if size > limit:
            return size
    return size


def execute(code: str, context: dict[str, Any]) -> tuple[bool, object, bool, str | None]:
    """Run ``code`` with ``context`` as globals: (ok, value, has_value, error)."""
    try:
        tree = ast.parse(code, "<plugin>", "exec")
        final: ast.Expression | None = None
        last = tree.body[-1] if tree.body else None
        if isinstance(last, ast.Expr):
            tree.body.pop()
            final = ast.Expression(body=last.value)
        module_code = compile(tree, "<plugin>", "exec")
        final_code = compile(final, "<plugin>", "eval") if final is not None else None
        namespace: dict[str, Any] = {"__name__": "__plugin__", "__builtins__": builtins}
        namespace.update(context)
        given_result = context.get("result", namespace)  # namespace: a sentinel never equal
        exec(module_code, namespace)  # noqa: S102 - running plugin code is the purpose
        if final_code is not None:
            return True, eval(final_code, namespace), True, None  # noqa: S307 - as above
        if "result" in namespace and namespace["result"] is not given_result:
            return True, namespace["result"], True, None
        return True, None, False, None
    except BaseException as exc:
        return False, None, False, describe_exception(exc)


def encode_output(value: object, result_cap: int) -> tuple[str | None, str | None]:
    """The output as JSON text (JSON values as they are, anything else as its repr)."""
    try:
        size = json_size(value, result_cap)
        if size is None:
            value = repr(value)
            size = len(value)
        if size > result_cap:
            return None, f"ResultTooLarge: the result is larger than {result_cap // 1024} KiB"
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except BaseException as exc:
        return None, "UnrepresentableResult: " + describe_exception(exc)
    if len(text) > result_cap:
        return None, f"ResultTooLarge: the result is larger than {result_cap // 1024} KiB"
    return text, None


def run_request(payload: bytes, stdout_cap: int, result_cap: int) -> bytes:
    """Execute one request payload and return the result document (UTF-8 JSON)."""
    writer = CappedWriter(stdout_cap)
    sys.stdout = writer
    sys.stderr = CappedWriter(0)
    sys.stdin = io.StringIO("")
    error: str | None
    try:
        request = json.loads(payload)
        code, context = request["code"], request["context"]
    except (ValueError, KeyError, TypeError) as exc:
        ok, value, has_value, error = False, None, False, describe_exception(exc)
    else:
        ok, value, has_value, error = execute(code, context)
    output_text = "null"
    if has_value:
        text, output_error = encode_output(value, result_cap)
        if text is None:
            ok, error = False, output_error
        else:
            output_text = text
    sys.stdout = sys.__stdout__
    head = json.dumps(
        {
            "ok": ok,
            "error": error,
            "stdout": writer.getvalue(),
            "stdout_truncated": writer.truncated,
        },
        ensure_ascii=False,
    )
    return ('{"output": ' + output_text + ", " + head[1:]).encode("utf-8", "replace")


# --------------------------------------------------------------------------- the zygote


class LayerError(Exception):
    """A confinement step that failed in a child, named by its layer."""

    def __init__(self, layer: str, exc: BaseException) -> None:
        self.layer = layer
        super().__init__(f"{layer}: {exc}")


@dataclasses.dataclass(eq=False)
class Spare:
    """A forked, confined child waiting for its one run."""

    pid: int
    pidfd: int
    channel: socket.socket  # the zygote's end until it is handed to the web process
    status_read: int
    status_write: int


class Zygote:
    """Forks confined spares and hands them to the web process; reaps and reports them.

    Each spare is handed over as two file descriptors: its end of a socket, on which the
    web process sends the run (code and context in a memfd, and the write end of a result
    pipe), and the read end of a status pipe, on which the zygote reports the exit status
    and rusage when it reaps the spare. The zygote never sees a run's code or output, so
    its memory, which every later spare inherits, holds nothing of earlier runs.
    """

    def __init__(self, sock: socket.socket, init: dict[str, Any], bpf: bytes) -> None:
        self.sock = sock
        self.stdout_cap = int(init.get("stdout_cap", 65536))
        self.result_cap = int(init.get("result_cap", 1 << 20))
        self.disabled = set(init.get("disable", ()))
        self.layers: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.bpf = bpf
        self.ro_paths = self._python_paths()
        self.base_vm = 64 << 20
        self.spares: dict[int, Spare] = {}
        self.inbuf = bytearray()
        self.selector = selectors.DefaultSelector()
        self.devnull = self._park(os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC))
        self.ruleset_fd: int | None = None
        self.fprog: _SockFprog | None = None
        self.filter_buf: ctypes.Array[_SockFilter] | None = None

    # ---- setup, once

    @staticmethod
    def _python_paths() -> list[str]:
        """The Python installation's import directories: the only files a run may read."""
        paths: list[str] = []
        for entry in sorted({os.path.abspath(p) for p in sys.path if p and os.path.isdir(p)}):
            if not any(entry.startswith(parent + os.sep) for parent in paths):
                paths.append(entry)
        return paths

    @staticmethod
    def _park(fd: int) -> int:
        """Move ``fd`` above the numbers children dup2 into place."""
        parked = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, HIGH_FD)
        os.close(fd)
        return parked

    def _try(self, layer: str, action: Callable[[], object]) -> bool:
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

    def enter_namespaces(self) -> bool:
        """Unshare what the machine grants, one namespace at a time; True if PID is new."""
        if os.geteuid() != 0:
            uid, gid = os.geteuid(), os.getegid()

            def user() -> None:
                _check(_libc.unshare(CLONE_NEWUSER), "unshare(user)")
                for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"),
                                   ("gid_map", f"0 {gid} 1")):  # fmt: skip
                    with open(f"/proc/self/{name}", "w") as handle:
                        handle.write(text)

            self._try("user", user)
        for layer, flag in (("mount", CLONE_NEWNS), ("net", CLONE_NEWNET), ("ipc", CLONE_NEWIPC),
                            ("uts", CLONE_NEWUTS), ("pid", CLONE_NEWPID)):  # fmt: skip
            self._try(layer, functools.partial(self._unshare, layer, flag))
        if self.layers.get("uts"):
            socket.sethostname("sandbox")
        return bool(self.layers.get("pid"))

    @staticmethod
    def _unshare(layer: str, flag: int) -> None:
        _check(_libc.unshare(flag), f"unshare({layer})")

    def replace_root(self) -> None:
        """tmpfs root + read-only binds of the Python paths + pivot_root; old root detached."""
        number = SYS_PIVOT_ROOT.get(platform.machine())
        if not self.layers.get("mount") or number is None:
            self.errors.setdefault("pivot_root", "no mount namespace or unknown architecture")
            return

        def pivot() -> None:
            _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
            new_root = "/tmp"  # noqa: S108 - only a mount point, inside our own mount namespace
            _mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=256k,mode=0755")
            for path in self.ro_paths:
                target = new_root + path
                os.makedirs(target, mode=0o755, exist_ok=True)
                _mount(path, target, None, MS_BIND | MS_REC, None)
                # A remount inside a user namespace must keep the flags that are locked.
                keep = os.statvfs(path).f_flag & (MS_NOEXEC | MS_NOATIME | MS_NODIRATIME)
                keep |= os.statvfs(path).f_flag & MS_RELATIME
                flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | keep
                _mount(None, target, None, flags, None)
            os.chdir(new_root)
            _check(_syscall(number, b".", b"."), "pivot_root")
            _check(_libc.umount2(b".", MNT_DETACH), "umount old root")
            os.chdir("/")
            _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)

        self._try("pivot_root", pivot)

    def prepare_landlock(self) -> None:
        def ruleset() -> None:
            abi = _syscall(SYS_LANDLOCK_CREATE_RULESET, None, _ulong(0),
                           _ulong(LANDLOCK_CREATE_RULESET_VERSION))  # fmt: skip
            _check(abi, "landlock ABI")
            attr = _RulesetAttr(landlock_fs_mask(abi), LANDLOCK_NET_ALL if abi >= 4 else 0,
                                LANDLOCK_SCOPE_ALL if abi >= 6 else 0)  # fmt: skip
            size = 24 if abi >= 6 else 16 if abi >= 4 else 8
            fd = _check(_syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), _ulong(size),
                                 _ulong(0)), "landlock_create_ruleset")  # fmt: skip
            for path in self.ro_paths:
                parent = os.open(path, os.O_PATH | os.O_CLOEXEC)
                try:
                    rule = _PathBeneath(LANDLOCK_READ_FILE | LANDLOCK_READ_DIR, parent)
                    added = _syscall(
                        SYS_LANDLOCK_ADD_RULE, fd, LANDLOCK_RULE_PATH_BENEATH,
                        ctypes.byref(rule), _ulong(0),
                    )  # fmt: skip
                    _check(added, "landlock_add_rule")
                finally:
                    os.close(parent)
            self.ruleset_fd = self._park(fd)
            self.layers["landlock"] = abi

        self._try("landlock", ruleset)

    def prepare_seccomp(self) -> None:
        if "seccomp" in self.disabled:
            self.errors["seccomp"] = "disabled by configuration"
            return
        if not self.bpf or len(self.bpf) % 8:
            self.errors["seccomp"] = "no filter: libseccomp (pyseccomp) is unavailable"
            return
        count = len(self.bpf) // 8
        self.filter_buf = (_SockFilter * count).from_buffer_copy(self.bpf)
        self.fprog = _SockFprog(count, ctypes.cast(self.filter_buf, ctypes.POINTER(_SockFilter)))
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

    # ---- each child

    def confine(self) -> None:
        """What a spare does to itself before it is given a run; raises LayerError.

        The memory and CPU limits depend on the request; they are set (only ever lowered)
        once it arrives, see ``limit``.
        """
        limits = [
            (resource.RLIMIT_NOFILE, 16),
            (resource.RLIMIT_FSIZE, 0),
            (resource.RLIMIT_NPROC, 0),
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_MEMLOCK, 0),
            (resource.RLIMIT_MSGQUEUE, 0),
        ]
        try:
            for kind, value in limits:
                resource.setrlimit(kind, (value, value))
        except (OSError, ValueError) as exc:
            raise LayerError("rlimits", exc) from None
        try:
            prctl(PR_SET_DUMPABLE, 0)
            if self.layers.get("uid"):
                # Leaving uid 0 clears every capability; nothing can exec to regain any.
                os.setgroups([])
                os.setresgid(NOBODY, NOBODY, NOBODY)
                os.setresuid(NOBODY, NOBODY, NOBODY)
        except OSError as exc:
            raise LayerError("uid", exc) from None
        if self.layers.get("caps"):
            header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()  # all sets empty
            if _libc.capset(ctypes.byref(header), data) == -1:
                raise LayerError("caps", OSError(ctypes.get_errno(), "capset"))
        try:
            prctl(PR_SET_NO_NEW_PRIVS, 1)
        except OSError as exc:
            raise LayerError("no_new_privs", exc) from None
        if self.layers.get("landlock"):
            if _syscall(SYS_LANDLOCK_RESTRICT_SELF, CHILD_RULESET_FD, _ulong(0)) == -1:
                raise LayerError("landlock", OSError(ctypes.get_errno(), "restrict_self"))
            os.close(CHILD_RULESET_FD)
        if self.fprog is not None:
            result = _libc.prctl(PR_SET_SECCOMP, _ulong(SECCOMP_MODE_FILTER),
                                 ctypes.byref(self.fprog), _ulong(0), _ulong(0))  # fmt: skip
            if result == -1:
                raise LayerError("seccomp", OSError(ctypes.get_errno(), "prctl(SET_SECCOMP)"))

    def limit(self, timeout_ms: int, memory_mb: int) -> None:
        """The request's limits: address space and CPU seconds, soft and hard."""
        memory = self.base_vm + memory_mb * (1 << 20)
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        # CPU time backs up the wall clock: SIGXCPU, then SIGKILL at the hard limit a
        # second later even when SIGXCPU is ignored.
        cpu = math.ceil(resource.getrusage(resource.RUSAGE_SELF).ru_utime + timeout_ms / 1000) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))

    def spare_main(self, channel: socket.socket) -> typing.NoReturn:
        """A pre-forked child: confine, wait for exactly one run, run it, exit.

        Forking and confining happen before a request arrives, so a run pays for neither.
        """
        status = 70
        try:
            os.setpgid(0, 0)
            os.dup2(channel.fileno(), CHILD_CHANNEL_FD, inheritable=False)
            channel.detach()
            if self.ruleset_fd is not None:
                os.dup2(self.ruleset_fd, CHILD_RULESET_FD, inheritable=False)
            for fd in (0, 1, 2):
                os.dup2(self.devnull, fd)
            # The control socket, other runs' fds, the zygote's own: none stay open.
            os.closerange(CHILD_CHANNEL_FD + 1, 1 << 20)
            if self.ruleset_fd is None:
                os.closerange(3, CHILD_CHANNEL_FD)
            self.sock.detach()
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            channel = socket.socket(fileno=CHILD_CHANNEL_FD)
            try:
                self.confine()
            except LayerError as exc:
                failure = {"setup_error": str(exc), "layer": exc.layer}
                channel.send(json.dumps(failure).encode())
                status = SETUP_FAILED
                return  # type: ignore[misc]
            channel.send(b"ready")
            message, ancillary, _flags, _addr = channel.recvmsg(64, socket.CMSG_SPACE(2 * FD_SIZE))
            fds: list[int] = []
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.extend(struct.unpack(f"{len(data) // FD_SIZE}i", data))
            if len(message) != REQUEST.size or len(fds) != 2:
                status = RETIRED  # the web process let it go unused
                return  # type: ignore[misc]
            timeout_ms, memory_mb = REQUEST.unpack(message)
            payload_fd, result_fd = fds
            channel.close()
            payload = _read_all(payload_fd)
            os.close(payload_fd)
            self.limit(timeout_ms, memory_mb)
            data = run_request(payload, self.stdout_cap, self.result_cap)
            view = memoryview(data)
            while view:
                view = view[os.write(result_fd, view) :]
            status = 0
        finally:
            os._exit(status)

    def fork_spare(self) -> Spare | None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            pid = os.fork()
        except OSError:
            ours.close()
            theirs.close()
            return None
        if pid == 0:
            ours.detach()
            self.spare_main(theirs)
        theirs.close()
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # the child does this too; whichever runs first wins
        # Created after the fork, so the child never holds the end its status is written to.
        status_read, status_write = os.pipe()
        spare = Spare(pid, os.pidfd_open(pid), ours, status_read, status_write)
        self.spares[pid] = spare
        return spare

    def ready_spare(self, spare: Spare) -> str | None:
        """Wait until a spare is confined; the layer that failed, if one did."""
        try:
            message = spare.channel.recv(4096)
        except OSError:
            message = b""
        if message == b"ready":
            return None
        try:
            document = json.loads(message)
            layer, error = str(document["layer"]), str(document["setup_error"])
        except (ValueError, KeyError, TypeError):
            layer, error = "spare", "the process ended during setup"
        self.errors[layer] = error
        return layer

    def probe(self) -> None:
        """Fork a spare; drop any layer it could not apply and retry, until one is ready."""
        for _attempt in range(len(LAYER_NAMES)):
            spare = self.fork_spare()
            if spare is None:
                self.errors["spare"] = "could not fork"
                return
            layer = self.ready_spare(spare)
            self.discard(spare)
            if layer is None:
                return
            if layer not in self.layers or layer in ("rlimits", "no_new_privs", "spare"):
                return  # nothing left to drop: runs will report the failure themselves
            self._disable(layer)

    def discard(self, spare: Spare) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(spare.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(spare.pid, 0)
        self.spares.pop(spare.pid, None)
        spare.channel.close()
        for fd in (spare.pidfd, spare.status_read, spare.status_write):
            os.close(fd)

    def _disable(self, layer: str) -> None:
        self.layers.pop(layer, None)
        if layer == "seccomp":
            self.fprog = None
        if layer == "landlock" and self.ruleset_fd is not None:
            os.close(self.ruleset_fd)
            self.ruleset_fd = None

    # ---- the loop

    def send(self, header: dict[str, Any], fds: tuple[int, ...] = ()) -> None:
        head = json.dumps(header).encode()
        data = FRAME.pack(len(head), 0) + head
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))]
        sent = self.sock.sendmsg([data], ancillary if fds else [])
        if sent < len(data):
            self.sock.sendall(data[sent:])

    def give_spare(self) -> None:
        """Fork a spare and hand its channel and status pipe to the web process.

        The web process sends the run straight to the spare and reads the status the zygote
        writes when it reaps it: the zygote is not on the path of a request.
        """
        spare = self.fork_spare()
        if spare is None:
            return
        self.selector.register(spare.pidfd, selectors.EVENT_READ, self.on_exit)
        try:
            self.send(
                {"op": "spare", "pid": spare.pid}, (spare.channel.fileno(), spare.status_read)
            )
        except OSError:
            self.shutdown()  # the web process is gone
        finally:
            spare.channel.close()
            os.close(spare.status_read)

    def serve(self) -> None:
        gc.collect()
        gc.freeze()  # children share these pages instead of copying them when gc runs
        self.selector.register(self.sock, selectors.EVENT_READ, self.on_control)
        for _ in range(SPARES):
            self.give_spare()
        while True:
            for key, _mask in self.selector.select():
                key.data()

    def on_control(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            self.shutdown()
        self.inbuf += chunk
        while len(self.inbuf) >= FRAME.size:
            head_len, body_len = FRAME.unpack_from(self.inbuf)
            end = FRAME.size + head_len + body_len
            if len(self.inbuf) < end:
                break
            header = json.loads(bytes(self.inbuf[FRAME.size : FRAME.size + head_len]))
            del self.inbuf[:end]
            self.on_request(header)

    def on_request(self, header: dict[str, Any]) -> None:
        if header.get("op") == "kill":
            # The web process's wall clock ran out: the whole process group goes.
            spare = self.spares.get(int(header["pid"]))
            if spare is not None:
                for target in (-spare.pid, spare.pid):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(target, signal.SIGKILL)
        elif header.get("op") == "more":
            for _ in range(max(0, min(int(header.get("count", 1)), MAX_SPARES - len(self.spares)))):
                self.give_spare()

    def on_exit(self) -> None:
        # Reap everything that exited: spares and (as init of the PID namespace) orphans.
        while True:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            spare = self.spares.pop(pid, None)
            if spare is not None:
                self.finish(spare, status, usage)

    def finish(self, spare: Spare, status: int, usage: resource.struct_rusage) -> None:
        self.selector.unregister(spare.pidfd)
        os.close(spare.pidfd)
        report = {
            "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "maxrss_kb": usage.ru_maxrss,
            "cpu_s": usage.ru_utime + usage.ru_stime,
        }
        with contextlib.suppress(OSError):  # the web process may have stopped listening
            os.write(spare.status_write, json.dumps(report).encode())
        os.close(spare.status_write)

    def shutdown(self) -> typing.NoReturn:
        for pid in self.spares:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(-pid, signal.SIGKILL)
        os._exit(0)


def _read_all(fd: int) -> bytes:
    """Everything in ``fd`` from offset 0 (a memfd) or until EOF (a pipe)."""
    chunks: list[bytes] = []
    offset = 0
    while True:
        try:
            chunk = os.pread(fd, 1 << 20, offset)
        except OSError as exc:
            if exc.errno != errno.ESPIPE:
                raise
            chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def read_frame(sock: socket.socket) -> tuple[dict[str, Any], bytes]:
    """One frame, read blocking (only for the init frame, before the loop starts)."""

    def exactly(count: int) -> bytes:
        data = bytearray()
        while len(data) < count:
            chunk = sock.recv(count - len(data))
            if not chunk:
                raise EOFError("control socket closed")
            data += chunk
        return bytes(data)

    head_len, body_len = FRAME.unpack(exactly(FRAME.size))
    return json.loads(exactly(head_len)), exactly(body_len)


def run_once(argv: list[str]) -> None:
    """Unisolated development mode: one request on stdin, its result on stdout."""
    stdout_cap, result_cap, memory_mb = (int(value) for value in argv[2:5])
    with contextlib.suppress(ValueError, OSError, AttributeError):
        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        wanted = memory_mb * (1 << 20) * 4  # generous: the interpreter's own mappings count
        if limit == resource.RLIM_INFINITY or limit > wanted:
            resource.setrlimit(
                resource.RLIMIT_AS, (wanted, resource.getrlimit(resource.RLIMIT_AS)[1])
            )
    out = sys.stdout.buffer
    data = run_request(sys.stdin.buffer.read(), stdout_cap, result_cap)
    out.write(data)
    out.flush()


def main(argv: list[str]) -> None:
    if len(argv) > 1 and argv[1] == "--once":
        run_once(argv)
        return
    sock_fd, parent = int(argv[1]), int(argv[2])
    # Die with the web process: it starts us from a thread that lives as long as it does.
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)
    sock = socket.socket(fileno=sock_fd)
    init, bpf = read_frame(sock)
    zygote = Zygote(sock, init, bpf)
    if zygote.enter_namespaces():
        # The first process forked into a new PID namespace is its init: make that the
        # zygote, so every run is inside it and the whole namespace dies with it.
        pid = os.fork()
        if pid:
            sock.close()
            _, status = os.waitpid(pid, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    zygote.measure_base_vm()
    zygote.replace_root()
    zygote.layers["rlimits"] = True
    zygote.layers["no_new_privs"] = True
    if os.geteuid() == 0 and not zygote.layers.get("user"):
        zygote._try("uid", lambda: None)  # root may switch to nobody; a user namespace cannot
    zygote._try("caps", lambda: None)
    zygote.prepare_landlock()
    zygote.prepare_seccomp()
    zygote.probe()
    hello = {"op": "hello", "layers": zygote.layers, "errors": zygote.errors,
             "paths": zygote.ro_paths, "pid": os.getpid()}  # fmt: skip
    zygote.send(hello)
    zygote.serve()


if __name__ == "__main__":
    main(sys.argv)
