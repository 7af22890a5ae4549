"""The registry seen as a dependency provider, for the resolver and the dependency graph."""

from collections.abc import Mapping
from functools import lru_cache

from marketplace_site.types import (
    InvalidConstraint,
    PluginManifest,
    Registry,
    Resolver,
    canonical_name,
)


class RegistryProvider:
    """Answers ``versions`` and ``dependencies`` from the registry, cached for one request.

    ``pending`` is a manifest treated as published (a dry-run plan); ``chosen`` holds the
    resolver's answer, which ``chosen_version`` prefers to the highest satisfying version.
    """

    def __init__(
        self,
        registry: Registry,
        resolver: Resolver,
        *,
        chosen: Mapping[str, str] | None = None,
        pending: PluginManifest | None = None,
    ) -> None:
        self.registry = registry
        self.resolver = resolver
        self.chosen = {canonical_name(k): v for k, v in (chosen or {}).items()}
        self.pending = pending
        self._versions = lru_cache(maxsize=None)(self._load_versions)
        self._dependencies = lru_cache(maxsize=None)(self._load_dependencies)

    def with_choices(self, chosen: Mapping[str, str]) -> "RegistryProvider":
        return RegistryProvider(self.registry, self.resolver, chosen=chosen, pending=self.pending)

    def _is_pending(self, name: str) -> bool:
        return self.pending is not None and canonical_name(name) == self.pending.canonical_name

    def _load_versions(self, name: str) -> tuple[str, ...]:
        versions = list(self.registry.versions(name))
        pending = self.pending
        if pending is not None and self._is_pending(name) and pending.version not in versions:
            versions.append(pending.version)
        return tuple(versions)

    def _load_dependencies(self, name: str, version: str) -> Mapping[str, str]:
        pending = self.pending
        if pending is not None and self._is_pending(name) and pending.version == version:
            return dict(pending.dependencies)
        manifest = self.registry.get(name, version)
        return dict(manifest.dependencies) if manifest is not None else {}

    def versions(self, name: str) -> list[str]:
        return list(self._versions(canonical_name(name)))

    def dependencies(self, name: str, version: str) -> Mapping[str, str]:
        return self._dependencies(canonical_name(name), version)

    def chosen_version(self, name: str, constraint: str | None) -> str | None:
        key = canonical_name(name)
        if key in self.chosen:
            return self.chosen[key]
        versions = self.versions(key)
        if not versions:
            return None
        try:
            return self.resolver.max_satisfying(versions, constraint or "*")
        except InvalidConstraint:
            return None
