"""The plugin registry: publish, look up, browse, search and remove plugin versions."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace_site.types import (
    DuplicateVersion,
    Forbidden,
    InvalidManifest,
    PluginManifest,
    PluginNotFound,
    canonical_name,
    validate_manifest_data,
)
from registry import search as search_index
from registry.models import Plugin, PluginVersion
from registry.names import lookalike
from registry.versioning import parse_version, precedence_key


class NotPluginOwner(Forbidden):
    """Somebody other than the owner tried to publish to or change a plugin."""

    code = "not_owner"

    def __init__(self, name: str, message: str | None = None) -> None:
        self.name = name
        super().__init__(
            message
            or f"The plugin name {name!r} belongs to another account; "
            "only its owner can publish versions of it. Choose another name."
        )


@dataclass(frozen=True)
class SearchPage:
    plugins: list[Plugin]
    total: int


def may_use_name(user: Any, name: str) -> bool:
    """The name is free (or has no owner) or belongs to ``user``: what a dry run of a
    publish (an install plan) asks, which stores nothing, so a visitor may ask it too."""
    plugin = Plugin.objects.filter(canonical_name=canonical_name(name)).only("owner_id").first()
    if plugin is None or plugin.owner_id is None:
        return True
    return bool(getattr(user, "is_authenticated", False)) and plugin.owner_id == user.pk


def can_publish(user: Any, name: str) -> bool:
    """A new name may be taken by anyone signed in; an existing one only by its owner."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return may_use_name(user, name)


def can_remove_version(user: Any, plugin: Plugin) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or (plugin.owner_id is not None and plugin.owner_id == user.pk)


def _latest_of(plugin: Plugin) -> PluginVersion | None:
    return (
        PluginVersion.objects.filter(plugin=plugin).order_by("is_prerelease", "-precedence").first()
    )


def _refresh_latest(plugin: Plugin) -> PluginVersion | None:
    latest = _latest_of(plugin)
    plugin.latest = latest
    plugin.save(update_fields=["latest", "updated_at", "removed_at"])
    if latest is not None:
        latest.plugin = plugin
    search_index.index_plugin(plugin.pk, latest)
    return latest


class RegistryService:
    """Implements the ``Registry`` Protocol of CONTRACTS.md over the database."""

    def add(self, manifest: PluginManifest, owner: Any = None) -> PluginManifest:
        errors = validate_manifest_data(manifest.to_dict())
        if errors:
            raise InvalidManifest(errors)
        parsed = parse_version(manifest.version)
        assert parsed is not None  # noqa: S101 - validated above
        key = precedence_key(parsed)
        name = canonical_name(manifest.name)
        owner_obj = owner if getattr(owner, "is_authenticated", False) else None
        try:
            with transaction.atomic():
                plugin, created = Plugin.objects.select_for_update().get_or_create(
                    canonical_name=name,
                    defaults={
                        "display_name": manifest.name.strip(),
                        "owner": owner_obj,
                        "lookalike": lookalike(manifest.name),
                    },
                )
                if (
                    not created
                    and owner_obj is not None
                    and plugin.owner_id is not None
                    and plugin.owner_id != owner_obj.pk
                ):
                    raise NotPluginOwner(plugin.display_name)
                if PluginVersion.objects.filter(plugin=plugin, precedence=key).exists():
                    raise DuplicateVersion(plugin.display_name, manifest.version)
                PluginVersion.objects.create(
                    plugin=plugin,
                    version=manifest.version,
                    precedence=key,
                    is_prerelease=parsed.is_prerelease,
                    **PluginVersion.fields_from_manifest(manifest),
                )
                plugin.updated_at = timezone.now()
                plugin.removed_at = None  # its owner publishing again revives a reserved name
                _refresh_latest(plugin)
        except IntegrityError as error:
            # A concurrent publish of the same name and version won the race.
            raise DuplicateVersion(manifest.name, manifest.version) from error
        return manifest

    def get(self, name: str, version: str | None = None) -> PluginManifest | None:
        row = self.get_version_row(name, version)
        return row.to_manifest() if row is not None else None

    def get_version_row(self, name: str, version: str | None = None) -> PluginVersion | None:
        versions = PluginVersion.objects.select_related("plugin").filter(
            plugin__canonical_name=canonical_name(name)
        )
        if version is None:
            return versions.order_by("is_prerelease", "-precedence").first()
        parsed = parse_version(version)
        if parsed is None:
            return None
        return versions.filter(precedence=precedence_key(parsed)).first()

    def get_plugin(self, name: str) -> Plugin | None:
        return Plugin.objects.with_latest().filter(canonical_name=canonical_name(name)).first()

    def get_reserved(self, name: str) -> Plugin | None:
        """The plugin ``name`` whose owner removed every version, or None."""
        return (
            Plugin.objects.reserved()
            .select_related("owner")
            .filter(canonical_name=canonical_name(name))
            .first()
        )

    def versions(self, name: str) -> list[str]:
        return list(
            PluginVersion.objects.filter(plugin__canonical_name=canonical_name(name))
            .order_by("precedence")
            .values_list("version", flat=True)
        )

    def dependency_table(self, name: str) -> list[tuple[str, dict[str, str]]]:
        """Every version of a plugin with its dependencies, ascending, in one query."""
        return [
            (version, dict(dependencies))
            for version, dependencies in PluginVersion.objects.filter(
                plugin__canonical_name=canonical_name(name)
            )
            .order_by("precedence")
            .values_list("version", "dependencies")
        ]

    def version_rows(self, name: str) -> list[PluginVersion]:
        return list(
            PluginVersion.objects.filter(plugin__canonical_name=canonical_name(name)).order_by(
                "-precedence"
            )
        )

    def dependencies(self, name: str, version: str) -> dict[str, str]:
        row = self.get_version_row(name, version)
        if row is None:
            raise PluginNotFound(name, version)
        return dict(row.dependencies)

    def list_plugins(self, offset: int = 0, limit: int | None = None) -> list[PluginManifest]:
        plugins = Plugin.objects.with_latest().by_name()
        window = plugins[offset : offset + limit] if limit is not None else plugins[offset:]
        return [plugin.latest.to_manifest() for plugin in window if plugin.latest is not None]

    def browse(self, *, sort: str = "name") -> Any:
        """A queryset of plugins with their latest version, for paging in views."""
        plugins = Plugin.objects.with_latest()
        return plugins.recently_updated() if sort == "updated" else plugins.by_name()

    def search(self, query: str, limit: int = 20) -> list[PluginManifest]:
        ids, _ = search_index.search_plugin_ids(query, limit=limit)
        by_id = Plugin.objects.with_latest().in_bulk(ids)
        latest = [by_id[i].latest for i in ids if i in by_id]
        return [version.to_manifest() for version in latest if version is not None]

    def search_page(self, query: str, *, limit: int = 20, offset: int = 0) -> SearchPage:
        """One page of matches as plugin rows for listing (without their code)."""
        plugins, total = search_index.search_page(query, limit=limit, offset=offset)
        return SearchPage(plugins=plugins, total=total)

    def remove_version(self, name: str, version: str) -> bool:
        parsed = parse_version(version)
        if parsed is None:
            return False
        with transaction.atomic():
            plugin = (
                Plugin.objects.select_for_update()
                .filter(canonical_name=canonical_name(name))
                .first()
            )
            if plugin is None:
                return False
            deleted, _ = PluginVersion.objects.filter(
                plugin=plugin, precedence=precedence_key(parsed)
            ).delete()
            if not deleted:
                return False
            if not PluginVersion.objects.filter(plugin=plugin).exists():
                # The name stays reserved for its owner, with its reviews: nobody else can
                # publish under it (PyPI's "revival hijack"); an administrator may release it.
                plugin.removed_at = timezone.now()
            _refresh_latest(plugin)
        return True

    def names(self, names: Sequence[str]) -> dict[str, Plugin]:
        """The plugins among ``names`` that exist, by canonical name."""
        canonical = {canonical_name(n) for n in names}
        published = Plugin.objects.with_latest().filter(canonical_name__in=canonical)
        return {p.canonical_name: p for p in published}
