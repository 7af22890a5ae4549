"""The seccomp filter every sandboxed run loads: an allow-list, compiled once to raw BPF.

Only the system calls a Python computation needs are allowed; everything else, including
any system call a later kernel adds, fails with EPERM (``ioctl`` requests other than
close-on-exec fail with ENOTTY, so "is this a terminal?" reads as "no"). Calls that name
another process or the host are allowed only for the caller itself (pid 0), and none that
reaches the host's page cache (sync, fsync, fadvise), IPC (SysV, POSIX queues), or
file locks is on the list. Source of the rule: seccomp(2), "SECCOMP_RET_ERRNO"; the
allow-list approach is the one Chromium's and Firefox's sandboxes take.

The web process compiles it (libseccomp knows each architecture's syscall numbers and adds
the architecture check) and hands the bytes to the zygote, which loads them into each child
with one ``prctl``: the zygote itself then needs neither libseccomp nor compilation per run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import os
from typing import Any

from sandbox.wire import CHILD_CHANNEL_FD

# Allowed whatever their arguments: memory, reading files, time, signals to itself, the
# process's own identity. A name unknown on an architecture is skipped.
ALLOWED_SYSCALLS: tuple[str, ...] = (
    # reading the (read-only) standard library, and the run's own pipes
    "read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "lseek",
    "open", "openat", "close", "close_range", "dup", "dup2", "dup3", "pipe", "pipe2",
    "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
    "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd", "chdir",
    "fchdir", "getdents", "getdents64", "umask",
    # memory
    "brk", "mmap", "munmap", "mremap", "mprotect",
    # waiting and time
    "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
    "epoll_wait", "epoll_pwait", "epoll_pwait2", "nanosleep", "clock_nanosleep",
    "clock_gettime", "clock_getres", "gettimeofday", "time", "futex", "sched_yield",
    # its own signals and timers
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigsuspend",
    "rt_sigtimedwait", "sigaltstack", "pause", "alarm", "setitimer", "getitimer",
    "restart_syscall",
    # its own identity and usage
    "getpid", "gettid", "getppid", "getpgrp", "getuid", "geteuid", "getgid", "getegid",
    "getgroups", "getresuid", "getresgid", "getrandom", "uname", "getrusage", "times",
    "getrlimit", "ugetrlimit", "getcpu", "set_robust_list", "set_tid_address", "rseq",
    "exit", "exit_group",
)  # fmt: skip

# Allowed only on the caller itself: arg 0 (the pid) must be 0.
SELF_ONLY_SYSCALLS: tuple[str, ...] = (
    "prlimit64",
    "sched_getaffinity",
    "sched_setaffinity",
    "sched_getparam",
    "sched_getscheduler",
    "getpgid",
    "getsid",
)
PRIO_PROCESS = 0
# Allowed file-descriptor commands: duplicate, close-on-exec and status flags; not record
# locks, leases or notifications, which other runs reading the same files would see.
FCNTL_COMMANDS = (
    fcntl.F_DUPFD,
    fcntl.F_GETFD,
    fcntl.F_SETFD,
    fcntl.F_GETFL,
    fcntl.F_SETFL,
    fcntl.F_DUPFD_CLOEXEC,
)
IOCTL_COMMANDS = (0x5451, 0x5450)  # FIOCLEX, FIONCLEX (CPython's os.set_inheritable)
# Memory advice on its own pages only: no advice that pushes shared file pages out.
MADVISE_ADVICE = (0, 1, 2, 4, 8, 14, 15, 16)  # normal .. dontneed, free, (no)hugepage, dontdump
# A spare receives its run, and says it is ready, on its channel: on no other descriptor.
CHANNEL_SYSCALLS = ("sendto", "sendmsg", "recvfrom", "recvmsg")


class _Fd:
    """The minimal file object ``export_bpf`` wants: something with ``fileno()``."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def fileno(self) -> int:
        return self._fd


def _add(bpf_filter: Any, action: Any, name: str, *args: Any) -> None:
    with contextlib.suppress(OSError, ValueError, RuntimeError):  # not one on this architecture
        bpf_filter.add_rule(action, name, *args)


def build(pyseccomp: Any) -> Any:
    """The allow-list as a ``pyseccomp.SyscallFilter`` (not yet exported)."""
    bpf_filter = pyseccomp.SyscallFilter(pyseccomp.ERRNO(errno.EPERM))
    with contextlib.suppress(OSError, RuntimeError, ValueError, AttributeError):
        # A binary tree instead of a linear chain: every allowed syscall of a run passes
        # through the filter, so fewer comparisons each (libseccomp >= 2.5).
        bpf_filter.set_attr(pyseccomp.Attr.CTL_OPTIMIZE, 2)
    allow, eq = pyseccomp.ALLOW, pyseccomp.EQ
    for name in ALLOWED_SYSCALLS:
        _add(bpf_filter, allow, name)
    for name in SELF_ONLY_SYSCALLS:
        _add(bpf_filter, allow, name, pyseccomp.Arg(0, eq, 0))
    for name in ("getpriority", "setpriority"):
        _add(bpf_filter, allow, name, pyseccomp.Arg(0, eq, PRIO_PROCESS), pyseccomp.Arg(1, eq, 0))
    for command in FCNTL_COMMANDS:
        _add(bpf_filter, allow, "fcntl", pyseccomp.Arg(1, eq, command))
    for advice in MADVISE_ADVICE:
        _add(bpf_filter, allow, "madvise", pyseccomp.Arg(2, eq, advice))
    for name in CHANNEL_SYSCALLS:
        _add(bpf_filter, allow, name, pyseccomp.Arg(0, eq, CHILD_CHANNEL_FD))
    for command in IOCTL_COMMANDS:
        _add(bpf_filter, allow, "ioctl", pyseccomp.Arg(1, eq, command))
    for command in (0x5401,):  # TCGETS: no terminal here
        _add(bpf_filter, pyseccomp.ERRNO(errno.ENOTTY), "ioctl", pyseccomp.Arg(1, eq, command))
    return bpf_filter


@functools.cache
def compile_filter() -> bytes | None:
    """The filter as raw ``struct sock_filter`` bytes; None where libseccomp is unavailable."""
    try:
        import pyseccomp
    except (ImportError, OSError, RuntimeError):
        return None
    try:
        bpf_filter = build(pyseccomp)
        read_fd, write_fd = os.pipe()
        try:
            # A filter is a few KiB; a pipe holds 64 KiB, so the write cannot block.
            bpf_filter.export_bpf(_Fd(write_fd))
            os.close(write_fd)
            write_fd = -1
            chunks = []
            while chunk := os.read(read_fd, 65536):
                chunks.append(chunk)
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
    except (OSError, RuntimeError, ValueError):
        return None
    program = b"".join(chunks)
    return program if program and len(program) % 8 == 0 else None
