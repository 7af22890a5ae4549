"""The plugin registry: publish, look up, browse, search and remove plugin versions."""

import functools
from collections.abc import Mapping, Sequence
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
    storable_text,
    validate_manifest_data,
)
from registry import browse as browse_orders
from registry import search as search_index
from registry.models import BROWSE_ORDERS, LISTED, YANK_REASON_MAX_LENGTH, Plugin, PluginVersion
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


def can_yank(user: Any, plugin: Plugin) -> bool:
    """Only the plugin's owner yanks and unyanks its versions; staff and superusers do not
    (a yank speaks for the author; a moderator who must stop a version removes it instead)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return plugin.owner_id is not None and plugin.owner_id == user.pk


# "The latest" of a plugin: stable before pre-release, then the highest (CONTRACTS.md, get).
_LATEST_ORDER = ("is_prerelease", "-precedence")


def _latest_of(plugin: Plugin) -> PluginVersion | None:
    """The version a plugin shows by default: the latest that is not yanked, or, when every
    version is yanked, the latest of those (the page and search still find the plugin, and
    show it yanked; ``get(name)`` gives None, as pip installs nothing from such a project)."""
    versions = PluginVersion.objects.filter(plugin=plugin).order_by("yanked", *_LATEST_ORDER)
    return versions.first()


def _refresh_latest(plugin: Plugin) -> PluginVersion | None:
    latest = _latest_of(plugin)
    plugin.latest = latest
    plugin.save(update_fields=["latest", "updated_at", "removed_at"])
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


_NAME_PARAMETER = "plugin-row-name"


@functools.cache
def _plugin_row_sql(alias: str) -> str:
    """The SQL of ``get_plugin_row``'s query on database ``alias``, one ``%s`` for the name.

    The ORM builds it (so it follows the model and the database's dialect), once per process:
    building the query took two thirds of the plugin page's row read, on every view."""
    query = (
        Plugin.objects.using(alias)
        .filter(LISTED, canonical_name=_NAME_PARAMETER)
        .annotate(owner_username=F("owner__username"))[:1]
        .query
    )
    sql, params = query.get_compiler(using=alias).as_sql()
    if params != (_NAME_PARAMETER,):
        raise AssertionError(f"the plugin row query takes {params!r}, not one name")
    return str(sql)


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
            return versions.installable().order_by(*_LATEST_ORDER).first()
        parsed = parse_version(version)
        if parsed is None:
            return None
        return versions.filter(precedence=precedence_key(parsed)).first()

    def get_plugin(self, name: str) -> Plugin | None:
        # The name is unique: a slice reads the row without the ORDER BY that first() adds
        # (building that clause was a sixth of the plugin page's query time).
        found = Plugin.objects.with_latest().filter(canonical_name=canonical_name(name))[:1]
        return next(iter(found), None)

    def get_plugin_row(self, name: str) -> Plugin | None:
        """The published plugin ``name`` (as ``get_plugin``) read without its latest version,
        which a page keeps at hand (``version_by_id(plugin.latest_id)``), and with
        ``owner_username`` (None when unclaimed) in place of the owner's account."""
        alias = Plugin.objects.db
        found = Plugin.objects.raw(_plugin_row_sql(alias), [canonical_name(name)], using=alias)
        return next(iter(found), None)

    def version_by_id(self, pk: int) -> PluginVersion | None:
        """The version row ``pk`` (without its plugin), or None."""
        return next(iter(PluginVersion.objects.filter(pk=pk)[:1]), None)

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
        return [(version, dependencies) for version, dependencies, _ in self.release_table(name)]

    def release_table(self, name: str) -> list[tuple[str, dict[str, str], bool]]:
        """Every version of a plugin, ascending, with its dependencies and whether it is
        yanked, in one query: what a resolver's provider needs."""
        return [
            (version, dict(dependencies), bool(yanked))
            for version, dependencies, yanked in PluginVersion.objects.filter(
                plugin__canonical_name=canonical_name(name)
            )
            .order_by("precedence")
            .values_list("version", "dependencies", "yanked")
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

    def browse_page(
        self, *, sort: str = "name", offset: int = 0, limit: int = 20, total: int | None = None
    ) -> list[Plugin]:
        """One page of ``browse(sort=sort)``: at most ``limit`` plugins from position
        ``offset`` (0-based), each with its latest version and what a card shows. The ids
        are read from the order's index alone; given ``total`` (``browse_count()``), a page
        past the middle from the index's far end (registry/browse.py)."""
        return browse_orders.page(sort, offset, limit, total=total)

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
            plugin = _locked_plugin(name)
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

    def recent_releases(self, *, name: str | None = None, limit: int = 50) -> list[PluginVersion]:
        """The ``limit`` versions published last (of plugin ``name``, or of any), newest
        first, each with its plugin: what a feed of releases lists."""
        rows = PluginVersion.objects.recent_releases()
        if name is not None:
            rows = rows.filter(plugin__canonical_name=canonical_name(name))
        return list(rows[:limit])

    def yank(self, name: str, version: str, reason: str = "") -> bool:
        """Yank a version (PEP 592): it stays listed by ``versions()``, but ``get(name)``
        and resolution skip it unless a constraint pins exactly it. ``reason`` (at most
        YANK_REASON_MAX_LENGTH characters, else ``ValueError``) is shown beside it. True if
        the version exists (yanking again with a reason replaces it, without one keeps it);
        False if it does not."""
        reason = reason.strip()
        if len(reason) > YANK_REASON_MAX_LENGTH:
            raise ValueError(f"The reason is longer than {YANK_REASON_MAX_LENGTH} characters.")
        if not storable_text(reason):
            raise ValueError("The reason contains a NUL or an unpaired surrogate.")
        return self._set_yanked(name, version, yanked=True, reason=reason)

    def unyank(self, name: str, version: str) -> bool:
        """Undo ``yank``: the version is installable again. True if the version exists."""
        return self._set_yanked(name, version, yanked=False, reason="")

    def _set_yanked(self, name: str, version: str, *, yanked: bool, reason: str) -> bool:
        parsed = parse_version(version)
        if parsed is None:
            return False
        with transaction.atomic():
            plugin = _locked_plugin(name)
            if plugin is None:
                return False
            row = PluginVersion.objects.filter(
                plugin=plugin, precedence=precedence_key(parsed)
            ).first()
            if row is None:
                return False
            if row.yanked != yanked:
                row.yanked_at = timezone.now() if yanked else None
            if yanked and row.yanked and not reason:
                reason = row.yanked_reason  # yanking again without a reason keeps the one given
            row.yanked = yanked
            row.yanked_reason = reason
            row.save(update_fields=["yanked", "yanked_reason", "yanked_at"])
            latest = _latest_of(plugin)
            if (latest.pk if latest is not None else None) != plugin.latest_id:
                _refresh_latest(plugin)
        return True

    def yanked_among(self, chosen: Mapping[str, str]) -> list[PluginVersion]:
        """The yanked versions among ``chosen`` (plugin name -> version), by name, in one
        query: what an install warns about."""
        wanted = {
            canonical_name(name): precedence_key(parsed)
            for name, version in chosen.items()
            if (parsed := parse_version(version)) is not None
        }
        rows = PluginVersion.objects.select_related("plugin").filter(
            plugin__canonical_name__in=wanted, yanked=True
        )
        found = [row for row in rows if wanted[row.plugin.canonical_name] == row.precedence]
        return sorted(found, key=lambda row: row.plugin.canonical_name)

    def names(self, names: Sequence[str]) -> dict[str, Plugin]:
        """The plugins among ``names`` that exist, by canonical name."""
        canonical = {canonical_name(n) for n in names}
        published = Plugin.objects.with_latest().filter(canonical_name__in=canonical)
        return {p.canonical_name: p for p in published}


def _locked_plugin(name: str) -> Plugin | None:
    """The plugin ``name`` (any spelling), locked for the caller's transaction: a version
    removed or yanked at the same time waits for this one, so ``latest`` stays right."""
    return Plugin.objects.select_for_update().filter(canonical_name=canonical_name(name)).first()
