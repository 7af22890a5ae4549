"""The Protocols of the five services (CONTRACTS.md): what the site composes."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from marketplace_site.types.manifest import PluginManifest
from marketplace_site.types.values import DependencyNode, PluginModule, Review, SandboxResult


@runtime_checkable
class DependencyProvider(Protocol):
    """What the resolver and the dependency graph need to know about published plugins."""

    def versions(self, name: str) -> list[str]: ...

    def dependencies(self, name: str, version: str) -> Mapping[str, str]: ...


@runtime_checkable
class GraphProvider(DependencyProvider, Protocol):
    """A DependencyProvider that also says which version a constraint resolves to.

    ``chosen_version(name, constraint)`` is the version the dependency graph shows for a
    dependency: the resolver's transitive choice where there is one, else the highest version
    that satisfies ``constraint`` (any version when it is None); None when nothing fits or the
    plugin does not exist.
    """

    def chosen_version(self, name: str, constraint: str | None) -> str | None: ...


@runtime_checkable
class Registry(Protocol):
    def add(self, manifest: PluginManifest, owner: Any = None) -> PluginManifest: ...

    def get(self, name: str, version: str | None = None) -> PluginManifest | None: ...

    def versions(self, name: str) -> list[str]: ...

    def list_plugins(self, offset: int = 0, limit: int | None = None) -> list[PluginManifest]: ...

    def search(self, query: str, limit: int = 20) -> list[PluginManifest]: ...

    def remove_version(self, name: str, version: str) -> bool: ...


@runtime_checkable
class Resolver(Protocol):
    def satisfies(
        self, version: str, constraint: str, include_prerelease: bool = False
    ) -> bool: ...

    def max_satisfying(
        self, versions: Sequence[str], constraint: str, include_prerelease: bool = False
    ) -> str | None: ...

    def resolve(
        self, constraints: Mapping[str, str], available: Mapping[str, Sequence[str]]
    ) -> dict[str, str | None]: ...

    def resolve_transitive(
        self, root: PluginManifest, provider: DependencyProvider
    ) -> dict[str, str]: ...


@runtime_checkable
class Sandbox(Protocol):
    def run(
        self,
        code: str,
        context: Mapping[str, Any] | None = None,
        *,
        modules: Mapping[str, str | PluginModule] | None = None,
        imports: Collection[str] | None = None,
        timeout_ms: int = 1000,
        memory_limit_mb: int = 256,
    ) -> SandboxResult: ...


@runtime_checkable
class Reviews(Protocol):
    def add_review(self, plugin_name: str, user: str, rating: int, comment: str = "") -> Review: ...

    def flag(self, review_id: int, reason: str = "") -> Review: ...

    def unflag(self, review_id: int) -> Review: ...

    def average_rating(self, plugin_name: str) -> float | None: ...

    def for_plugin(self, plugin_name: str, include_flagged: bool = False) -> list[Review]: ...

    def by_user(self, user: str) -> list[Review]: ...

    def flagged(self, plugin_name: str | None = None) -> list[Review]: ...


@runtime_checkable
class DependencyGraph(Protocol):
    def build_tree(self, name: str, version: str | None = None) -> DependencyNode: ...

    def find_cycle(self, name: str | None = None) -> list[str] | None: ...

    def topological_order(self, names: Sequence[str] | None = None) -> list[str]: ...

    def flatten(self, name: str, version: str | None = None) -> list[str]: ...
