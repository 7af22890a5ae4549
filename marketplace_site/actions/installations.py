"""Installations: a user's installed plugins, each pinned by a lock (CONTRACTS.md).

A lock pins the root plugin and every transitive dependency to one version, each with the
SHA-256 of its code, and keeps that code: ``run_installed`` runs exactly it, byte for byte,
whatever is later published, yanked or removed, and refuses to run (``LockMismatch``) code
whose hash no longer matches. Only the owner of an installation sees, runs, upgrades or
uninstalls it; anyone else gets ``InstallationNotFound`` (404), a visitor ``Forbidden``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from marketplace_site.models import InstalledPlugin, PinnedVersion
from marketplace_site.types import (
    Forbidden,
    Installation,
    InstallationNotFound,
    LockMismatch,
    PluginManifest,
    PluginModule,
    PluginNotFound,
    ResolutionError,
    SandboxResult,
    canonical_name,
    module_name,
    version_sort_key,
)
from registry.services import plugin_counts_add

if TYPE_CHECKING:
    from marketplace_site.actions.marketplace import Marketplace


def code_sha256(code: str) -> str:
    """The SHA-256 (hex) of a plugin's code as UTF-8: what a lock records."""
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def plugin_module(manifest: PluginManifest) -> PluginModule:
    """A plugin version as a module of a run: its entry point, importing what it declares."""
    return PluginModule(
        source=manifest.entry_point,
        imports=frozenset(module_name(name) for name in manifest.dependencies),
        plugin=manifest.name,
    )


@dataclass(frozen=True)
class VersionChange:
    """One plugin of a lock before and after an upgrade; None where it is absent."""

    name: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class UpgradePlan:
    """What ``upgrade`` would change (nothing is stored), or why it cannot."""

    installation: Installation
    changes: list[VersionChange]
    version: str | None
    lock: dict[str, str]
    error: str | None = None


@dataclass(frozen=True)
class OutdatedRow:
    """One pinned plugin: its pinned version, the newest that fits the installation now,
    the newest published at all, whether the pinned version is still published, and
    whether its owner has yanked it since (PEP 592; the installation keeps running it)."""

    name: str
    pinned: str
    newest_fitting: str | None
    newest: str | None
    published: bool
    sha256: str = ""
    yanked: bool = False
    yanked_reason: str = ""

    @property
    def outdated(self) -> bool:
        return self.newest_fitting is not None and self.newest_fitting != self.pinned


def acting_user(user: Any) -> Any:
    """The signed-in user acting (a user object or a username); ``Forbidden`` otherwise."""
    if isinstance(user, str):
        found = get_user_model().objects.filter(username=user, is_active=True).first()
        if found is None:
            raise Forbidden(f"No active user named {user!r}.")
        return found
    if user is None or not getattr(user, "is_authenticated", False):
        raise Forbidden("Sign in to install and run plugins.")
    return user


def to_value(row: InstalledPlugin, pins: list[PinnedVersion] | None = None) -> Installation:
    pins = list(row.pins.all()) if pins is None else pins
    return Installation(
        id=row.pk,
        user=row.user.get_username(),
        plugin_name=row.plugin_name,
        version=row.version,
        lock={pin.plugin_name: pin.version for pin in pins if not pin.is_root},
        created_at=row.created_at,
        updated_at=row.updated_at,
        hashes={pin.plugin_name: pin.sha256 for pin in pins},
    )


def owned(installation_id: object, user: Any) -> InstalledPlugin:
    """The acting user's installation ``installation_id``; ``InstallationNotFound``."""
    owner = acting_user(user)
    try:
        key = int(str(installation_id))
    except ValueError:
        raise InstallationNotFound(installation_id) from None
    row = (
        InstalledPlugin.objects.select_related("user")
        .prefetch_related("pins")
        .filter(pk=key, user=owner)
        .first()
    )
    if row is None:
        raise InstallationNotFound(installation_id)
    return row


def _resolve(
    marketplace: Marketplace, name: str, version: str | None
) -> tuple[PluginManifest, dict[str, str]]:
    manifest = marketplace.registry.get(name, version)
    if manifest is None:
        raise PluginNotFound(name, version)
    resolved, _tree = marketplace.dry_run(manifest)
    return manifest, resolved


def _pins(
    marketplace: Marketplace, manifest: PluginManifest, resolved: Mapping[str, str]
) -> list[PinnedVersion]:
    manifests = [(True, manifest)]
    for name, version in sorted(resolved.items()):
        dependency = marketplace.registry.get(name, version)
        if dependency is None:  # removed between resolving and pinning
            raise PluginNotFound(name, version)
        manifests.append((False, dependency))
    return [
        PinnedVersion(
            plugin_name=canonical_name(item.name),
            display_name=item.name,
            version=item.version,
            is_root=is_root,
            sha256=code_sha256(item.entry_point),
            code=item.entry_point,
            dependencies=dict(item.dependencies),
        )
        for is_root, item in manifests
    ]


def install(
    marketplace: Marketplace, name: str, version: str | None = None, *, user: Any
) -> Installation:
    """Pin the published ``name`` (its latest version, or ``version``) and its resolved
    dependencies for ``user``; installing again re-pins. ``Forbidden`` for a visitor,
    ``PluginNotFound``, ``ResolutionError``, ``CircularDependencyError``."""
    owner = acting_user(user)
    manifest, resolved = _resolve(marketplace, name, version)
    return _store(owner, manifest, _pins(marketplace, manifest, resolved))


def pin_exactly(
    marketplace: Marketplace, name: str, version: str, lock: Mapping[str, str], *, user: Any
) -> Installation:
    """Pin ``name`` ``version`` with exactly ``lock`` (name -> version), unresolved: for an
    installation made earlier, such as the demo's. ``PluginNotFound`` for a missing version."""
    manifest = marketplace.registry.get(name, version)
    if manifest is None:
        raise PluginNotFound(name, version)
    return _store(acting_user(user), manifest, _pins(marketplace, manifest, lock))


def _store(owner: Any, manifest: PluginManifest, pins: list[PinnedVersion]) -> Installation:
    with transaction.atomic():
        row, created = InstalledPlugin.objects.select_for_update().get_or_create(
            user=owner, plugin_name=manifest.canonical_name, defaults={"version": manifest.version}
        )
        if created:  # installing again re-pins: still one install
            plugin_counts_add(name=manifest.canonical_name, installs=1)
        row.version = manifest.version
        row.save()
        row.pins.all().delete()
        for pin in pins:
            pin.installation = row
        PinnedVersion.objects.bulk_create(pins)
    return to_value(row, pins)


def run_installed(
    marketplace: Marketplace,
    installation_id: object,
    context: Mapping[str, Any] | None = None,
    *,
    user: Any,
) -> SandboxResult:
    """Run the pinned code with ``context``, exactly the pinned dependencies importable.

    ``InstallationNotFound`` for an id that is not the user's; ``LockMismatch`` when stored
    code no longer has its locked hash. Counts the run on the installation.
    """
    row = owned(installation_id, user)
    pins = list(row.pins.all())
    for pin in pins:
        found = code_sha256(pin.code)
        if found != pin.sha256:
            raise LockMismatch(pin.display_name, pin.version, pin.sha256, found)
    root = next(pin for pin in pins if pin.is_root)
    modules = {
        module_name(pin.plugin_name): PluginModule(
            source=pin.code,
            imports=frozenset(module_name(name) for name in pin.dependencies),
            plugin=pin.display_name,
        )
        for pin in pins
        if not pin.is_root
    }
    result = marketplace.sandbox.run(
        root.code,
        context,
        modules=modules,
        imports=frozenset(module_name(name) for name in root.dependencies),
        timeout_ms=marketplace.sandbox_timeout_ms,
        memory_limit_mb=marketplace.sandbox_memory_limit_mb,
    )
    with transaction.atomic():
        InstalledPlugin.objects.filter(pk=row.pk).update(
            run_count=F("run_count") + 1, last_run_at=timezone.now()
        )
        plugin_counts_add(name=row.plugin_name, installation_runs=1)
    return result


def plan_upgrade(marketplace: Marketplace, installation_id: object, *, user: Any) -> UpgradePlan:
    """What ``upgrade`` would pin: the version changes, nothing stored."""
    row = owned(installation_id, user)
    current = to_value(row)
    before = {row.plugin_name: row.version, **current.lock}
    try:
        manifest, resolved = _resolve(marketplace, row.plugin_name, None)
    except (ResolutionError, PluginNotFound) as error:
        reason = error.explanation if isinstance(error, ResolutionError) else error.message
        return UpgradePlan(current, [], None, {}, reason)
    after = {manifest.canonical_name: manifest.version}
    after.update((canonical_name(k), v) for k, v in resolved.items())
    changes = [
        VersionChange(name, before.get(name), after.get(name))
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]
    lock = {k: v for k, v in after.items() if k != manifest.canonical_name}
    return UpgradePlan(current, changes, manifest.version, lock)


def upgrade(marketplace: Marketplace, installation_id: object, *, user: Any) -> Installation:
    """Re-resolve to the newest versions that fit and re-pin; raises as ``install``."""
    row = owned(installation_id, user)
    return install(marketplace, row.plugin_name, None, user=row.user)


def uninstall(marketplace: Marketplace, installation_id: object, *, user: Any) -> bool:
    """Remove the installation and its lock; ``InstallationNotFound`` if not the user's."""
    row = owned(installation_id, user)
    with transaction.atomic():
        deleted, _ = InstalledPlugin.objects.filter(pk=row.pk).delete()
        if deleted:
            plugin_counts_add(name=row.plugin_name, installs=-1)
    return bool(deleted)


def installations(marketplace: Marketplace, user: Any) -> list[Installation]:
    """The user's installations, by plugin name."""
    owner = acting_user(user)
    rows = (
        InstalledPlugin.objects.filter(user=owner).select_related("user").prefetch_related("pins")
    )
    return [to_value(row) for row in rows]


def outdated(marketplace: Marketplace, installation_id: object, *, user: Any) -> list[OutdatedRow]:
    """Per pinned plugin: pinned, newest that fits now, newest at all, still published."""
    row = owned(installation_id, user)
    plan = plan_upgrade(marketplace, installation_id, user=user)
    fitting = {row.plugin_name: plan.version, **plan.lock} if plan.error is None else {}
    pins = list(row.pins.all())
    yanked = {
        canonical_name(choice.name): choice.reason
        for choice in marketplace.yanked_choices({pin.plugin_name: pin.version for pin in pins})
    }
    rows = []
    for pin in pins:
        versions = marketplace.registry.versions(pin.plugin_name)
        published = any(version_sort_key(v) == version_sort_key(pin.version) for v in versions)
        latest = marketplace.registry.get(pin.plugin_name)
        rows.append(
            OutdatedRow(
                name=pin.display_name,
                pinned=pin.version,
                newest_fitting=fitting.get(pin.plugin_name),
                newest=latest.version if latest is not None else None,
                published=published,
                sha256=pin.sha256,
                yanked=published and pin.plugin_name in yanked,
                yanked_reason=yanked.get(pin.plugin_name, ""),
            )
        )
    return rows


def runs_of_installations(user: Any = None, plugin_name: str | None = None) -> int:
    """How many runs of installations there were: everyone's, a user's, or of one plugin."""
    rows = InstalledPlugin.objects.all()
    if user is not None:
        rows = rows.filter(user=user)
    if plugin_name is not None:
        rows = rows.filter(plugin_name=canonical_name(plugin_name))
    return int(rows.aggregate(total=Sum("run_count"))["total"] or 0)
