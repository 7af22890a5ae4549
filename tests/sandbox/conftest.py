"""Fixtures for the sandbox tests: one warm service, and a way to see the zygote's tree."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.services import SandboxService


@pytest.fixture(scope="session")
def sandbox() -> SandboxService:
    service = SandboxService()
    assert service.isolation().level == "full", service.isolation().summary
    return service


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` on the host, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


@pytest.fixture
def host_untouched(sandbox: SandboxService) -> Iterator[int]:
    """The zygote that serves the test is the same, alive one afterwards; yields its pid."""
    pid = sandbox.zygote_pid()
    yield pid
    assert alive(pid), "the zygote was killed"
    assert sandbox.zygote_pid() == pid, "the zygote was restarted"
    assert sandbox.run("1 + 1").output == 2, "the sandbox no longer works"
