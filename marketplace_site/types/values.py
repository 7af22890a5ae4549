"""The JSON-friendly values the services return: run results, reviews, trees, installs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marketplace_site.types.manifest import PluginManifest

JSONValue = None | bool | int | float | str | list[Any] | dict[str, Any]


@dataclass(frozen=True)
class SandboxResult:
    success: bool
    output: JSONValue
    stdout: str
    error: str | None
    duration_ms: float
    memory_bytes: int
    timed_out: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "output": self.output,
            "stdout": self.stdout,
            "error": self.error,
            "duration_ms": self.duration_ms,
            "memory_bytes": self.memory_bytes,
            "timed_out": self.timed_out,
        }


@dataclass(frozen=True)
class PluginModule:
    """One importable module of a sandbox run: the plugin ``plugin``'s entry point ``source``.

    ``imports`` is the module names it may import among the run's modules (its declared
    dependencies, through ``module_name``); None lets it import any of them.
    """

    source: str
    imports: frozenset[str] | None = None
    plugin: str = ""


@dataclass(frozen=True)
class Installation:
    """A user's installed plugin, pinned by a lock (CONTRACTS.md "Installations").

    ``lock`` maps every transitive dependency (canonical name, root excluded) to its pinned
    version; ``hashes`` maps every pinned plugin, root included, to the SHA-256 (hex) of the
    code pinned for it.
    """

    id: int
    user: str
    plugin_name: str
    version: str
    lock: Mapping[str, str]
    created_at: datetime
    updated_at: datetime
    hashes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Review:
    id: int
    plugin_name: str
    user: str
    rating: int
    comment: str
    flagged: bool
    flag_reason: str
    created_at: datetime


@dataclass(frozen=True)
class DependencyNode:
    name: str
    version: str | None
    constraint: str | None
    children: tuple[DependencyNode, ...] = ()
    # True where the plugin already appears above this node (a cycle back-edge leaf).
    cycle: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "constraint": self.constraint,
            "cycle": self.cycle,
            "children": [child.to_dict() for child in self.children],
        }


@dataclass(frozen=True)
class InstallResult:
    manifest: PluginManifest
    resolved: dict[str, str]
    tree: DependencyNode
    sandbox: SandboxResult
