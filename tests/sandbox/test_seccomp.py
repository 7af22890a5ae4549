"""seccomp is an allow-list: system calls a run does not need, known or not yet invented,
fail with EPERM before they reach the kernel (issue 13, input 5)."""

from __future__ import annotations

import errno

import pytest

from sandbox.services import SandboxService

pytestmark = pytest.mark.usefixtures("host_untouched")

RAW = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
outcomes = []
for number in NUMBERS:
    ctypes.set_errno(0)
    value = libc.syscall(number, 0, 0, 0, 0, 0)
    outcomes.append([value, ctypes.get_errno()])
result = outcomes
"""

# Numbers from the kernel's common table (the same on every architecture since 424).
NEW_SYSCALLS = {
    "memfd_secret": 447,
    "statmount": 457,
    "listmount": 458,
    "open_tree_attr": 467,
}
NOT_YET_INVENTED = (600, 1000, 4000)


@pytest.mark.parametrize("number", [*NEW_SYSCALLS.values(), *NOT_YET_INVENTED], ids=str)
def test_unlisted_syscalls_fail_with_eperm(sandbox: SandboxService, number: int) -> None:
    result = sandbox.run(f"NUMBERS = [{number}]\n" + RAW)
    assert result.success, result.error
    assert result.output == [[-1, errno.EPERM]]  # the kernel itself would say ENOSYS or EINVAL


def test_what_a_computation_needs_still_works(sandbox: SandboxService) -> None:
    code = (
        "import os, time, random, hashlib, json, re, decimal, resource, signal, select\n"
        "signal.setitimer(signal.ITIMER_REAL, 0)\n"
        "os.set_inheritable(os.dup(0), False)\n"
        "r, w = os.pipe()\nos.write(w, b'x')\n"
        "ready = select.select([r], [], [], 0)[0] == [r]\n"
        "time.sleep(0.001)\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "[ready, os.read(r, 1).decode(), len(os.urandom(8)), os.isatty(0),"
        " hashlib.sha256(b'').hexdigest()[:8], soft > 0, len(os.sched_getaffinity(0)) > 0]"
    )
    result = sandbox.run(code)
    assert result.success, result.error
    assert result.output == [True, "x", 8, False, "e3b0c442", True, True]


def test_threads_are_refused_plainly(sandbox: SandboxService) -> None:
    result = sandbox.run("import threading\nthreading.Thread(target=print).start()")
    assert result.error == "RuntimeError: can't start new thread"
