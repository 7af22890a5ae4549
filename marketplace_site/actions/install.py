"""Planning and installing a plugin: the install page and the API's ``/install`` and
``/install/plan`` call these two functions and differ only in parsing and rendering."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marketplace_site.actions.marketplace import Marketplace, YankedChoice
from marketplace_site.types import (
    DependencyNode,
    DuplicateVersion,
    InstallResult,
    PluginManifest,
    PluginNotFound,
)
from registry.services import NotPluginOwner, can_publish


@dataclass(frozen=True)
class InstallSource:
    """What to install: a new ``manifest`` (installing publishes it first), or the published
    plugin ``name`` at ``version`` (its latest installable version when None)."""

    manifest: PluginManifest | Mapping[str, Any] | None = None
    name: str | None = None
    version: str | None = None

    @property
    def publishes(self) -> bool:
        return self.manifest is not None


@dataclass(frozen=True)
class PlannedInstall:
    """What an install would do; nothing was stored and no code ran."""

    manifest: PluginManifest
    resolved: dict[str, str]
    tree: DependencyNode
    publishes: bool
    yanked: tuple[YankedChoice, ...] = ()


def _manifest_of(
    marketplace: Marketplace, source: InstallSource, *, acting_user: Any, dry_run: bool
) -> PluginManifest:
    if source.manifest is not None:
        # A plan stores nothing, so a visitor may plan a new name; nobody may plan or
        # install a new version under a name that belongs to someone else, or looks like it.
        # A name held for review is held by the install itself, not by its plan.
        manifest = marketplace.admit(source.manifest, owner=acting_user, hold_near_popular=False)
        if not dry_run and not can_publish(acting_user, manifest.name):
            raise NotPluginOwner(manifest.name)
        if marketplace.registry.get(manifest.name, manifest.version) is not None:
            raise DuplicateVersion(manifest.name, manifest.version)
        return manifest
    if not source.name:
        raise PluginNotFound("")
    manifest_or_none = marketplace.registry.get(source.name, source.version)
    if manifest_or_none is None:
        raise PluginNotFound(source.name, source.version)
    return manifest_or_none


def plan_install(
    marketplace: Marketplace, source: InstallSource, *, acting_user: Any
) -> PlannedInstall:
    """A dry run of ``install``: the versions it would resolve and the tree.

    Raises what ``install`` would, before anything is stored: ``InvalidManifest`` (400),
    ``NotPluginOwner`` (403), ``PluginNotFound`` (404), ``DuplicateVersion`` (409),
    ``ResolutionError`` and ``CircularDependencyError`` (422).
    """
    manifest = _manifest_of(marketplace, source, acting_user=acting_user, dry_run=True)
    resolved, tree = marketplace.dry_run(manifest)
    yanked = tuple(marketplace.yanked_choices({manifest.name: manifest.version, **resolved}))
    return PlannedInstall(manifest, resolved, tree, publishes=source.publishes, yanked=yanked)


def yanked_in(marketplace: Marketplace, result: InstallResult) -> list[YankedChoice]:
    """The yanked versions an install chose (each pinned exactly): what it warns about."""
    return marketplace.yanked_choices(
        {result.manifest.name: result.manifest.version, **result.resolved}
    )


def install(
    marketplace: Marketplace,
    source: InstallSource,
    *,
    acting_user: Any,
    context: Mapping[str, Any] | None = None,
) -> InstallResult:
    """Install as ``acting_user``: publish a new manifest (they become its owner), resolve,
    reject cycles, then run the plugin with ``context``; the errors of ``plan_install``."""
    manifest = _manifest_of(marketplace, source, acting_user=acting_user, dry_run=False)
    if source.publishes:
        return marketplace.install_plugin(manifest, owner=acting_user, context=context)
    return marketplace.install_published(
        manifest.name, manifest.version, user=acting_user, context=context
    )
