"""The dependency graph's parts of the plugin page ("Dependencies" and "Used by") and of the
remove page (the plugins that depend on the version being removed).

Composed here because they need the registry (the plugin rows), the resolver (which
constraints a removed version satisfies) and the depgraph app together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from depgraph import selectors
from depgraph.services import DependencyGraphService, TreeTooLarge
from depgraph.tree import TreeLayout, lay_out
from marketplace_site.actions import Marketplace
from marketplace_site.types import (
    CircularDependencyError,
    InvalidConstraint,
    ResolutionError,
    canonical_name,
)
from marketplace_site.web.paging import page_number, query_with

if TYPE_CHECKING:
    from marketplace_site.providers import RegistryProvider
    from registry.models import Plugin, PluginVersion

USED_BY_PER_PAGE = 20
REMOVE_PAGE_LIMIT = 50
MAX_TREE_NODES = 20_000


def tree_rows(provider: RegistryProvider, name: str, version: str) -> TreeLayout:
    """The tree as rows. A tree too big to build whole (plugins in a big cycle) is shown as
    its outline, which the rows would show anyway: each plugin's dependencies once."""
    service = DependencyGraphService(provider)
    try:
        tree = service.build_tree(name, version, max_nodes=MAX_TREE_NODES)
    except TreeTooLarge:
        tree = service.outline(name, version)
    return lay_out(tree, is_published=lambda dependency: bool(provider.versions(dependency)))


@dataclass(frozen=True)
class UsedBy:
    """One page of the plugins that depend on a plugin."""

    dependents: list[selectors.Dependent]
    total: int
    number: int
    num_pages: int
    previous_query: str
    next_query: str


def _used_by(request: HttpRequest, plugin: Plugin) -> UsedBy:
    total = selectors.dependents_count(plugin.canonical_name)
    num_pages = max(1, -(-total // USED_BY_PER_PAGE))
    number = page_number(request.GET.get("upage"), num_pages)
    dependents = (
        selectors.dependents(
            plugin.canonical_name, offset=(number - 1) * USED_BY_PER_PAGE, limit=USED_BY_PER_PAGE
        )
        if total
        else []
    )
    return UsedBy(
        dependents=dependents,
        total=total,
        number=number,
        num_pages=num_pages,
        previous_query=query_with(request, upage=number - 1) if number > 1 else "",
        next_query=query_with(request, upage=number + 1) if number < num_pages else "",
    )


def _satisfies(marketplace: Marketplace, version: str, constraint: str) -> bool:
    try:
        return marketplace.resolver.satisfies(version, constraint or "*")
    except InvalidConstraint:
        return False


def _satisfying(marketplace: Marketplace, versions: list[str], constraint: str) -> str | None:
    try:
        return marketplace.resolver.max_satisfying(versions, constraint or "*")
    except InvalidConstraint:
        return None


def resolution(
    marketplace: Marketplace, provider: RegistryProvider, selected: PluginVersion
) -> tuple[dict[str, str] | None, str | None]:
    """The transitive resolution an install of ``selected`` would pin, or (None, why not)."""
    manifest = selected.to_manifest()
    try:
        resolved = marketplace.resolver.resolve_transitive(manifest, provider)
    except ResolutionError as error:
        return None, error.explanation
    chosen = {manifest.name: manifest.version, **resolved}
    cycle = DependencyGraphService(provider.with_choices(chosen)).find_cycle(manifest.name)
    if cycle:
        return None, CircularDependencyError(cycle).message
    return resolved, None


def plugin_section(
    request: HttpRequest, marketplace: Marketplace, plugin: Plugin, selected: PluginVersion
) -> dict[str, Any]:
    """The plugin page's "Dependencies" tree (of the transitive resolution an install would
    pin, one version per plugin), or the resolver's explanation where there is none (and
    then no install button), and the paged "Used by" list."""
    provider = marketplace.provider()
    resolved, error = resolution(marketplace, provider, selected)
    # Without a resolution, each declared dependency on its own, under the explanation.
    if resolved is not None:
        chosen = {canonical_name(plugin.display_name): selected.version, **resolved}
        provider = provider.with_choices(chosen)
    tree = tree_rows(provider, plugin.display_name, selected.version)
    return {
        "depgraph": {
            "tree": tree,
            "resolved": resolved,
            "resolution_error": error,
            "installable": error is None,
            "used_by": _used_by(request, plugin),
        }
    }


@dataclass(frozen=True)
class AffectedPlugin:
    """A plugin with versions whose constraint the version being removed satisfies."""

    name: str
    versions: tuple[str, ...]
    constraints: tuple[str, ...]
    # The version those constraints fall back on once this one is gone; None: nothing.
    fallback: str | None


def remove_section(
    request: HttpRequest, marketplace: Marketplace, row: PluginVersion
) -> dict[str, Any]:
    """The plugins that depend on the version being removed, and what they fall back on."""
    name = row.plugin.canonical_name
    others = [v for v in marketplace.registry.versions(name) if v != row.version]
    grouped: dict[str, list[selectors.DependentVersion]] = {}
    for dependent in selectors.dependent_versions(name):
        if dependent.canonical_name == name:
            continue
        if not _satisfies(marketplace, row.version, dependent.constraint):
            continue
        grouped.setdefault(dependent.canonical_name, []).append(dependent)
    affected = []
    for rows in grouped.values():
        constraints = tuple(dict.fromkeys(dependent.constraint for dependent in rows))
        fallbacks = [_satisfying(marketplace, others, constraint) for constraint in constraints]
        affected.append(
            AffectedPlugin(
                name=rows[0].name,
                versions=tuple(dependent.version for dependent in rows),
                constraints=constraints,
                fallback=None if None in fallbacks else fallbacks[0],
            )
        )
    affected.sort(key=lambda plugin: (plugin.fallback is not None, plugin.name.lower()))
    return {
        "depgraph": {
            "affected": affected[:REMOVE_PAGE_LIMIT],
            "affected_total": len(affected),
            "broken_total": sum(plugin.fallback is None for plugin in affected),
        }
    }
