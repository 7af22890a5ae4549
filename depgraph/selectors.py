"""Reads of the dependency index: who depends on a plugin ("used by")."""

from __future__ import annotations

from dataclasses import dataclass

from depgraph.models import DependencyEdge
from marketplace_site.types import VersionKey, parse_any_version, version_key


@dataclass(frozen=True)
class DependentVersion:
    """One version of a plugin that depends on the plugin asked about."""

    name: str
    canonical_name: str
    version: str
    constraint: str


@dataclass(frozen=True)
class Dependent:
    """A plugin that depends on the plugin asked about, seen through its latest such version.

    ``version`` and ``constraint`` are those of the dependent's latest indexed version that
    declares the dependency (stable releases preferred, as the registry's "latest");
    ``versions`` are all of its versions that declare it, newest first.
    """

    name: str
    canonical_name: str
    version: str
    constraint: str
    versions: tuple[str, ...]


def _precedence(version: str) -> tuple[bool, VersionKey]:
    """Stable releases above pre-releases, each by the one version model's key (README,
    "Versions and constraints": ``1.0.0-0`` is a SemVer pre-release, below ``1.0.0``)."""
    parsed = parse_any_version(version)
    if parsed is None:
        return (False, (-1,))
    return (not parsed.is_prerelease, version_key(parsed))


def dependent_versions(name: str) -> list[DependentVersion]:
    """Every indexed version that depends on ``name``: by dependent, newest version first."""
    rows = (
        DependencyEdge.objects.depending_on(name)
        .order_by("plugin_name")
        .values_list("plugin_display_name", "plugin_name", "version", "constraint")
    )
    found = [DependentVersion(*row) for row in rows]
    found.sort(key=lambda row: _precedence(row.version), reverse=True)
    found.sort(key=lambda row: row.canonical_name)
    return found


def dependents(name: str, *, offset: int = 0, limit: int | None = None) -> list[Dependent]:
    """The plugins that depend on ``name``, by name; one query whatever the page.

    ``offset`` and ``limit`` count dependent plugins, not versions.
    """
    edges = DependencyEdge.objects.depending_on(name)
    if offset or limit is not None:
        page = edges.order_by("plugin_name").values_list("plugin_name", flat=True).distinct()
        page = page[offset : offset + limit] if limit is not None else page[offset:]
        edges = edges.filter(plugin_name__in=page)
    grouped: dict[str, list[DependentVersion]] = {}
    for row in edges.values_list("plugin_display_name", "plugin_name", "version", "constraint"):
        found = DependentVersion(*row)
        grouped.setdefault(found.canonical_name, []).append(found)
    result = []
    for canonical in sorted(grouped):
        rows = sorted(grouped[canonical], key=lambda row: _precedence(row.version), reverse=True)
        latest = rows[0]
        result.append(
            Dependent(
                name=latest.name,
                canonical_name=canonical,
                version=latest.version,
                constraint=latest.constraint,
                versions=tuple(row.version for row in rows),
            )
        )
    return result


def dependents_count(name: str) -> int:
    """How many plugins depend on ``name`` (through any of their versions)."""
    return (
        DependencyEdge.objects.depending_on(name)
        .values("plugin_name")
        .distinct()
        .order_by()
        .count()
    )
