"""The plugin registry: publish, look up, browse, search and remove plugin versions."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
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
from registry.models import BROWSE_ORDERS, LISTED, Plugin, PluginVersion
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
    # "Did you mean ...?" when few plugins match (registry.search.suggestion); else None.
    suggestion: str | None = None


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
    plugin.save(update_fields=["latest", "updated_at"])
    if latest is not None:
        latest.plugin = plugin
    search_index.index_plugin(plugin.pk, latest)
    return latest


COUNTERS = ("install_count", "installation_run_count", "trial_run_count")


@dataclass(frozen=True)
class PluginCounts:
    """What a plugin's page, card and API show of its use, each counted apart.

    ``installs``: installations users hold now; ``installation_runs``: runs of those
    installations (a host application's calls); ``trial_runs``: sandbox runs through Try it
    and the install workflow, failed and timed-out ones included.
    """

    installs: int = 0
    installation_runs: int = 0
    trial_runs: int = 0

    @classmethod
    def of(cls, plugin: Plugin) -> "PluginCounts":
        return cls(plugin.install_count, plugin.installation_run_count, plugin.trial_run_count)


def plugin_counts_add(
    *, name: str, installs: int = 0, installation_runs: int = 0, trial_runs: int = 0
) -> None:
    """Add to a plugin's counters (a negative ``installs`` for an uninstall), in one UPDATE so
    that simultaneous requests each count; a counter never goes below 0. A name that is not
    (or no longer) published counts nothing."""
    deltas = dict(zip(COUNTERS, (installs, installation_runs, trial_runs), strict=True))
    changes = {
        field: Greatest(F(field) + delta, 0) if delta < 0 else F(field) + delta
        for field, delta in deltas.items()
        if delta
    }
    if changes:
        Plugin.objects.filter(canonical_name=canonical_name(name)).update(**changes)


def plugin_counts_set(counts: dict[str, PluginCounts]) -> int:
    """Set every plugin's counters from a full recount (canonical name -> counts; a plugin
    missing from ``counts`` gets zeros). Returns how many plugins changed."""
    changed = []
    for plugin in Plugin.objects.only("canonical_name", *COUNTERS):
        wanted = counts.get(plugin.canonical_name, PluginCounts())
        if PluginCounts.of(plugin) != wanted:
            plugin.install_count = wanted.installs
            plugin.installation_run_count = wanted.installation_runs
            plugin.trial_run_count = wanted.trial_runs
            changed.append(plugin)
    Plugin.objects.bulk_update(changed, list(COUNTERS), batch_size=500)
    return len(changed)


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
                    defaults={"display_name": manifest.name.strip(), "owner": owner_obj},
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
        """A queryset of plugins with what a card shows, for paging in views: by name,
        ``updated`` (newest first) or ``installs`` (most first); ties by name. Each order
        reads one index (``BROWSE_ORDERS``)."""
        return Plugin.objects.for_listing().order_by(
            *BROWSE_ORDERS.get(sort, BROWSE_ORDERS["name"])
        )

    def browse_count(self) -> int:
        """How many plugins browse lists."""
        return Plugin.objects.with_latest().count()

    def browse_page(self, *, sort: str = "name", offset: int = 0, limit: int = 20) -> list[Plugin]:
        """One page of ``browse(sort=sort)``: the page's ids are read from the order's index
        alone, then only those rows are joined to their version and owner, so a page deep in
        100,000 plugins does not join every row it skips."""
        order = BROWSE_ORDERS.get(sort, BROWSE_ORDERS["name"])
        ids = list(
            Plugin.objects.filter(LISTED)
            .order_by(*order)
            .values_list("pk", flat=True)[offset : offset + limit]
        )
        by_id = Plugin.objects.for_listing().in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def search(self, query: str, limit: int = 20) -> list[PluginManifest]:
        ids, _ = search_index.search_plugin_ids(query, limit=limit)
        by_id = Plugin.objects.with_latest().in_bulk(ids)
        latest = [by_id[i].latest for i in ids if i in by_id]
        return [version.to_manifest() for version in latest if version is not None]

    def search_page(self, query: str, *, limit: int = 20, offset: int = 0) -> SearchPage:
        """One page of matches as plugin rows for listing (without their code)."""
        plugins, total = search_index.search_page(query, limit=limit, offset=offset)
        suggestion = search_index.suggestion(query, total=total) if offset == 0 else None
        return SearchPage(plugins=plugins, total=total, suggestion=suggestion)

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
                search_index.index_plugin(plugin.pk, None)
                plugin.delete()
            else:
                _refresh_latest(plugin)
        return True

    def names(self, names: Sequence[str]) -> dict[str, Plugin]:
        """The plugins among ``names`` that exist, by canonical name."""
        canonical = {canonical_name(n) for n in names}
        return {p.canonical_name: p for p in Plugin.objects.filter(canonical_name__in=canonical)}
