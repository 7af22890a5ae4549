"""A GraphProvider held in memory, for testing the dependency graph without a database."""

from collections.abc import Mapping

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from marketplace_site.types import canonical_name


class MemoryProvider:
    """``plugins`` maps a name to its versions, each to its dependencies (name -> constraint).

    Constraints are PEP 440 specifier sets, or ``*`` / ``""`` for any version; the chosen
    version is the highest that satisfies the constraint. ``calls`` counts provider calls.
    """

    def __init__(self, plugins: Mapping[str, Mapping[str, Mapping[str, str]]]) -> None:
        self.plugins = {
            canonical_name(name): {version: dict(deps) for version, deps in versions.items()}
            for name, versions in plugins.items()
        }
        self.calls = 0

    def versions(self, name: str) -> list[str]:
        self.calls += 1
        return sorted(self.plugins.get(canonical_name(name), {}), key=Version)

    def dependencies(self, name: str, version: str) -> Mapping[str, str]:
        self.calls += 1
        return self.plugins[canonical_name(name)][version]

    def chosen_version(self, name: str, constraint: str | None) -> str | None:
        self.calls += 1
        versions = self.plugins.get(canonical_name(name), {})
        if constraint in (None, "", "*"):
            matching = list(versions)
        else:
            try:
                specifier = SpecifierSet(constraint)
            except InvalidSpecifier:
                return None
            matching = [v for v in versions if specifier.contains(v, prereleases=False)]
        return max(matching, key=Version) if matching else None


def simple(graph: Mapping[str, list[str]]) -> MemoryProvider:
    """One version (1.0.0) of each plugin, each dependency on any version."""
    names = set(graph) | {dep for deps in graph.values() for dep in deps}
    return MemoryProvider(
        {
            name: {"1.0.0": dict.fromkeys(graph.get(name, []), "*")}
            for name in names
            if name in graph
        }
    )
