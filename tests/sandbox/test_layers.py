"""Each layer holds on its own: with the namespaces off, Landlock and seccomp still stop
escapes; with Landlock and seccomp off, the namespaces and the uid still do."""

import time

import pytest

from sandbox.services import SandboxService


@pytest.fixture(scope="module")
def without_namespaces() -> SandboxService:
    service = SandboxService(disable_layers={"mount", "net", "pid", "ipc", "uts", "pivot_root"})
    report = service.isolation()
    assert "pivot_root" not in report.layers
    assert {"landlock", "seccomp"} <= set(report.layers)
    return service


@pytest.fixture(scope="module")
def namespaces_only() -> SandboxService:
    service = SandboxService(disable_layers={"landlock", "seccomp"})
    report = service.isolation()
    assert {"pivot_root", "net", "pid"} <= set(report.layers)
    assert "landlock" not in report.layers
    assert "seccomp" not in report.layers
    return service


def test_landlock_hides_host_files(without_namespaces: SandboxService) -> None:
    result = without_namespaces.run("open('/etc/passwd').read()")
    assert not result.success
    assert result.error is not None
    assert result.error.startswith("PermissionError")


def test_seccomp_refuses_sockets(without_namespaces: SandboxService) -> None:
    result = without_namespaces.run("import socket\nsocket.socket()")
    assert result.error is not None
    assert result.error.startswith("PermissionError")


def test_mount_namespace_hides_host_files(namespaces_only: SandboxService) -> None:
    result = namespaces_only.run("open('/etc/passwd').read()")
    assert result.error is not None
    assert result.error.startswith("FileNotFoundError")


def test_network_namespace_has_no_route(namespaces_only: SandboxService) -> None:
    started = time.monotonic()
    result = namespaces_only.run(
        "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=5)", timeout_ms=5000
    )
    assert time.monotonic() - started < 1.0
    assert result.error is not None
    assert "unreachable" in result.error.lower()


def test_unprivileged_uid_stops_fork_bombs(namespaces_only: SandboxService) -> None:
    result = namespaces_only.run("import os\nos.fork()")
    assert result.error is not None
    assert result.error.startswith(("BlockingIOError", "OSError"))
