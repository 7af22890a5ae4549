"""The seccomp filter every sandboxed run loads, compiled once to raw BPF with libseccomp.

The web process compiles it (libseccomp knows each architecture's syscall numbers and adds
the architecture check) and hands the bytes to the zygote, which loads them into each child
with one ``prctl``: the zygote itself then needs neither libseccomp nor compilation per run.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os

# Denied with EPERM: everything that reaches outside the process or changes the kernel's view
# of it. Threads are refused too (clone/clone3): a run is one thread, nothing to share.
DENIED_SYSCALLS: tuple[str, ...] = (
    # new processes and programs
    "fork",
    "vfork",
    "clone",
    "clone3",
    "execve",
    "execveat",
    # signals to anything (Landlock scoping and the PID namespace also stop these)
    "kill",
    "tkill",
    "tgkill",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "pidfd_open",
    "pidfd_send_signal",
    "pidfd_getfd",
    # other processes' memory
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "kcmp",
    # network and IPC endpoints (Landlock does not cover UDP or Unix sockets)
    "socket",
    "socketpair",
    "connect",
    "bind",
    "listen",
    "accept",
    "accept4",
    # namespaces, mounts and the root
    "unshare",
    "setns",
    "mount",
    "umount2",
    "mount_setattr",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "pivot_root",
    "chroot",
    "name_to_handle_at",
    "open_by_handle_at",
    # kernel attack surface a computation never needs
    "bpf",
    "keyctl",
    "add_key",
    "request_key",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "fanotify_init",
    "personality",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "syslog",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "iopl",
    "ioperm",
    "uselib",
    "vhangup",
)


class _Fd:
    """The minimal file object ``export_bpf`` wants: something with ``fileno()``."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def fileno(self) -> int:
        return self._fd


@functools.cache
def compile_filter() -> bytes | None:
    """The filter as raw ``struct sock_filter`` bytes; None where libseccomp is unavailable."""
    try:
        import pyseccomp
    except (ImportError, OSError, RuntimeError):
        return None
    try:
        bpf_filter = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
        with contextlib.suppress(OSError, RuntimeError, ValueError, AttributeError):
            # A binary tree instead of a linear chain: every allowed syscall of a run passes
            # through the filter, so fewer comparisons each (libseccomp >= 2.5).
            bpf_filter.set_attr(pyseccomp.Attr.CTL_OPTIMIZE, 2)
        for name in DENIED_SYSCALLS:
            try:
                bpf_filter.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
            except (OSError, ValueError, RuntimeError):
                continue  # not a syscall on this architecture
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
