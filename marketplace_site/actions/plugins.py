"""Publishing, yanking and removing plugin versions: the publish page, the plugin page's
yank forms, the remove page and the API."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from marketplace_site.actions import names
from marketplace_site.actions.manifests import missing_dependencies
from marketplace_site.actions.marketplace import Marketplace
from marketplace_site.types import Forbidden, MarketplaceError, PluginManifest, PluginNotFound
from registry import names as registry_names
from registry.models import HeldVersion, PluginVersion
from registry.names import NameTooSimilar
from registry.services import NotPluginOwner, can_remove_version, can_yank


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

    ``InvalidManifest`` (400, every problem at once; ``NameTooSimilar`` for a look-alike of
    another account's name), ``NotPluginOwner`` (403: the name is someone else's, or the
    user is not signed in), ``DuplicateVersion`` (409), ``HeldForReview`` (202: the name is
    one edit from a popular plugin's and waits for a moderator).
    """
    if not getattr(acting_user, "is_authenticated", False):
        raise NotPluginOwner(marketplace.validate(manifest).name)
    return marketplace.publish(manifest, owner=acting_user)


def name_errors(name: object, acting_user: Any) -> dict[str, str]:
    """``{"name": message}`` when a new ``name`` looks the same as another account's plugin
    name (for a form that reports it beside the manifest's other errors); else ``{}``."""
    if not isinstance(name, str):
        return {}
    existing = names.lookalike_of(name, acting_user)
    return NameTooSimilar(name, existing).errors if existing is not None else {}


def dependency_warnings(marketplace: Marketplace, manifest: PluginManifest) -> dict[str, str]:
    """``dependencies.<name>`` -> message for each dependency not published (yet)."""
    return missing_dependencies(marketplace.registry, manifest)


class HeldAlreadyDecided(MarketplaceError):
    code = "already_decided"
    http_status = 409


def decide_held(
    marketplace: Marketplace,
    held: HeldVersion,
    *,
    acting_user: Any,
    approve: bool,
    reason: str = "",
) -> PluginManifest | None:
    """A moderator approves (the version is published, as its author) or rejects a held
    publish. ``Forbidden`` unless ``can_moderate_names``; ``HeldAlreadyDecided`` (409); an
    approval raises what publishing raises now (the name may have been taken meanwhile)."""
    if not registry_names.can_moderate_names(acting_user):
        raise Forbidden("Only moderators approve or reject held names.")
    if held.decision != HeldVersion.Decision.PENDING:
        raise HeldAlreadyDecided(f"{held} was already {held.get_decision_display().lower()}.")
    with transaction.atomic():
        published = None
        if approve:
            published = marketplace.publish(
                held.manifest, owner=held.owner, hold_near_popular=False
            )
        registry_names.held_version_decide(
            held=held, acting_user=acting_user, approve=approve, reason=reason
        )
    return published


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
