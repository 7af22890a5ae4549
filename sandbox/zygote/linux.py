"""Linux bindings the zygote needs and the standard library lacks: constants, ctypes structs,
and thin checked wrappers over libc (stable kernel ABI; see the man pages named)."""

from __future__ import annotations

import ctypes
import os
from typing import Any

# clone(2) / unshare(2)
CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
# mount(2)
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
# prctl(2)
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
# landlock(7)
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
SYS_LANDLOCK_CREATE_RULESET = 444  # the same number on every architecture
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_READ_FILE = 1 << 2
LANDLOCK_READ_DIR = 1 << 3
LANDLOCK_NET_ALL = (1 << 0) | (1 << 1)  # bind and connect TCP
LANDLOCK_SCOPE_ALL = (1 << 0) | (1 << 1)  # abstract Unix sockets and signals
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41}
CAP_VERSION_3 = 0x20080522


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


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]  # fmt: skip


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]  # fmt: skip


class RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


libc = ctypes.CDLL(None, use_errno=True)
ulong = ctypes.c_ulong


def check(result: int, what: str) -> int:
    """``result``, or OSError with errno's message when it is -1."""
    if result == -1:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def syscall(number: int, *args: Any) -> int:
    return int(libc.syscall(ulong(number), *args))


def prctl(option: int, arg: int | Any = 0) -> int:
    value = arg if not isinstance(arg, int) else ulong(arg)
    return check(libc.prctl(option, value, ulong(0), ulong(0), ulong(0)), f"prctl({option})")


def unshare(flag: int, what: str) -> None:
    check(libc.unshare(flag), f"unshare({what})")


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None
) -> None:
    def enc(value: str | None) -> bytes | None:
        return None if value is None else os.fsencode(value)

    check(
        libc.mount(enc(source), enc(target), enc(fstype), ulong(flags), enc(data)),
        f"mount {target}",
    )


def pivot_root(number: int) -> None:
    """Make the current directory the root and detach the old one (pivot_root(".", "."))."""
    check(syscall(number, b".", b"."), "pivot_root")
    check(libc.umount2(b".", MNT_DETACH), "umount old root")


def drop_capabilities() -> None:
    header, data = CapHeader(CAP_VERSION_3, 0), (CapData * 2)()  # all sets empty
    check(libc.capset(ctypes.byref(header), data), "capset")


def load_seccomp(program: SockFprog) -> None:
    result = libc.prctl(PR_SET_SECCOMP, ulong(SECCOMP_MODE_FILTER), ctypes.byref(program),
                        ulong(0), ulong(0))  # fmt: skip
    check(result, "prctl(SET_SECCOMP)")
