"""Publishing, yanking and removing plugin versions: the publish page, the plugin page's
yank forms, the remove page and the API."""

from collections.abc import Mapping
from typing import Any

from marketplace_site.actions.marketplace import Marketplace
from marketplace_site.types import MarketplaceError, PluginManifest, PluginNotFound
from registry.models import PluginVersion
from registry.services import NotPluginOwner, can_publish, can_remove_version, can_yank


class InvalidYankReason(MarketplaceError):
    """A yank's reason that cannot be stored (too long, or a NUL): the field's message."""

    code = "invalid_yank_reason"
    http_status = 400


def publish(
    marketplace: Marketplace,
    manifest: PluginManifest | Mapping[str, Any],
    *,
    acting_user: Any,
) -> PluginManifest:
    """Publish a version as ``acting_user``, who becomes the owner of a new name.

    ``InvalidManifest`` (400), ``NotPluginOwner`` (403: the name is someone else's),
    ``DuplicateVersion`` (409).
    """
    manifest = marketplace.validate(manifest)
    if not can_publish(acting_user, manifest.name):
        raise NotPluginOwner(manifest.name)
    return marketplace.publish(manifest, owner=acting_user)


def removable_version(
    marketplace: Marketplace, name: str, version: str, *, acting_user: Any
) -> PluginVersion:
    """The version row ``acting_user`` may remove: ``PluginNotFound`` (404) or
    ``NotPluginOwner`` (403: only the owner, or a superuser, removes versions)."""
    row = marketplace.registry.get_version_row(name, version)
    if row is None:
        raise PluginNotFound(name, version)
    if not can_remove_version(acting_user, row.plugin):
        raise NotPluginOwner(
            row.plugin.display_name, "Only the plugin's owner can remove its versions."
        )
    return row


def remove_version(
    marketplace: Marketplace, name: str, version: str, *, acting_user: Any
) -> PluginVersion:
    """Remove a version (see ``removable_version``); the plugin goes with its last version,
    its name stays reserved for its owner. Returns the removed row."""
    row = removable_version(marketplace, name, version, acting_user=acting_user)
    marketplace.remove_version(row.plugin.canonical_name, row.version)
    return row


def yankable_version(
    marketplace: Marketplace, name: str, version: str, *, acting_user: Any
) -> PluginVersion:
    """The version row ``acting_user`` may yank or unyank: ``PluginNotFound`` (404) or
    ``NotPluginOwner`` (403: only the owner; see ``registry.services.can_yank``)."""
    row = marketplace.registry.get_version_row(name, version)
    if row is None:
        raise PluginNotFound(name, version)
    if not can_yank(acting_user, row.plugin):
        raise NotPluginOwner(
            row.plugin.display_name, "Only the plugin's owner can yank or unyank its versions."
        )
    return row


def yank(
    marketplace: Marketplace, name: str, version: str, *, reason: str = "", acting_user: Any
) -> PluginVersion:
    """Yank a version as ``acting_user`` (PEP 592): it stays listed with ``reason``, and
    nothing installs it unless pinned exactly. Errors as ``yankable_version``, and
    ``InvalidYankReason`` (400) for a reason too long. Returns the row as it is now."""
    row = yankable_version(marketplace, name, version, acting_user=acting_user)
    try:
        marketplace.yank(row.plugin.canonical_name, row.version, reason)
    except ValueError as error:
        raise InvalidYankReason(str(error)) from error
    row.refresh_from_db()
    return row


def unyank(marketplace: Marketplace, name: str, version: str, *, acting_user: Any) -> PluginVersion:
    """Undo a yank as ``acting_user``; errors as ``yankable_version``."""
    row = yankable_version(marketplace, name, version, acting_user=acting_user)
    marketplace.unyank(row.plugin.canonical_name, row.version)
    row.refresh_from_db()
    return row
