"""What isolation the machine granted, and the level that sums it up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FULL = "full"
PARTIAL = "partial"
NONE = "none"

# Layer name (as the zygote reports it) -> what it means for a run.
DESCRIPTIONS: dict[str, str] = {
    "net": "network namespace (no network at all)",
    "pivot_root": "mount namespace with a read-only Python-only root (host files invisible)",
    "pid": "PID namespace (no other process visible; the whole tree dies with the run)",
    "ipc": "IPC namespace with no room for SysV IPC or POSIX message queues",
    "uts": "UTS namespace",
    "user": "user namespace",
    "uid": "a uid and gid of its own per run (no run can limit, renice or signal another)",
    "caps": "no capabilities",
    "no_new_privs": "no_new_privs",
    "landlock": "Landlock (read-only Python files, no TCP, signals scoped)",
    "seccomp": "seccomp allow-list (no sockets, exec, fork, signals, IPC, sync; others' pids)",
    "rlimits": "rlimits (memory, CPU, open files, file size, processes)",
}
# Without these a run is not what the design promises; each stops escapes on its own.
REQUIRED_FOR_FULL = ("net", "pivot_root", "landlock", "seccomp", "caps", "no_new_privs")
# Any one of these is a kernel-enforced boundary beyond resource limits.
BOUNDARIES = ("landlock", "seccomp", "pivot_root", "net")


@dataclass(frozen=True)
class IsolationReport:
    """The layers a sandboxed run gets on this machine."""

    level: str
    layers: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    errors: Mapping[str, str] = field(default_factory=dict)
    landlock_abi: int = 0

    @property
    def summary(self) -> str:
        names = ", ".join(self.layers) or "no layers"
        text = f"Sandbox isolation: {self.level} ({names})."
        if self.missing:
            text += " Missing: " + ", ".join(self.missing) + "."
        return text

    def describe(self) -> list[str]:
        """One line per layer that is on, for people."""
        return [DESCRIPTIONS.get(name, name) for name in self.layers]


def report_from_layers(layers: Mapping[str, Any], errors: Mapping[str, str]) -> IsolationReport:
    """The report for what the zygote says it applies to every run."""
    active = tuple(name for name in DESCRIPTIONS if layers.get(name))
    missing = tuple(
        f"{name} ({errors[name]})" if name in errors else name
        for name in DESCRIPTIONS
        if not layers.get(name) and name != "user"
    )
    unprivileged = bool(layers.get("caps")) and bool(layers.get("uid") or layers.get("user"))
    if all(layers.get(name) for name in REQUIRED_FOR_FULL) and unprivileged:
        level = FULL
    elif any(layers.get(name) for name in BOUNDARIES):
        level = PARTIAL
    else:
        level = NONE
    abi = layers.get("landlock")
    return IsolationReport(
        level=level,
        layers=active,
        missing=missing,
        errors=dict(errors),
        landlock_abi=abi if isinstance(abi, int) and not isinstance(abi, bool) else 0,
    )


def unavailable(reason: str) -> IsolationReport:
    """The report when no zygote can run at all (another OS, or it fails to start)."""
    return IsolationReport(level=NONE, missing=(reason,), errors={"zygote": reason})
