"""Read-only queries over sandbox runs."""

from collections.abc import Iterable

from django.db.models import Count

from marketplace_site.types import canonical_name
from sandbox.models import SandboxRun


def install_counts(names: Iterable[str]) -> dict[str, int]:
    """How many recorded runs each named plugin has, keyed by the names as given."""
    wanted = {name: canonical_name(name) for name in names}
    rows = (
        SandboxRun.objects.filter(plugin_name__in=set(wanted.values()))
        .values("plugin_name")
        .annotate(total=Count("id"))
        .order_by()
    )
    totals = {row["plugin_name"]: row["total"] for row in rows}
    return {name: totals.get(canonical, 0) for name, canonical in wanted.items()}


def recent_runs(name: str, limit: int = 10) -> list[SandboxRun]:
    """The latest runs of one plugin, newest first."""
    return list(SandboxRun.objects.for_plugin(name).select_related("user")[:limit])


def most_run(limit: int | None = None) -> list[tuple[str, int]]:
    """Canonical plugin names by how many runs they have, most first (ties by name)."""
    rows = (
        SandboxRun.objects.values("plugin_name")
        .annotate(total=Count("id"))
        .order_by("-total", "plugin_name")
        .values_list("plugin_name", "total")
    )
    return list(rows[:limit] if limit is not None else rows)
