"""What the search page shows before anything is typed: popular and recent plugins."""

from typing import Any

from django.db.models import Count

from marketplace_site.models import InstalledPlugin
from registry.services import RegistryService

EMPTY_SEARCH_SIZE = 6


def empty_search(*, limit: int = EMPTY_SEARCH_SIZE) -> dict[str, Any]:
    """``popular``: the plugins most people have installed (``InstalledPlugin`` rows, one per
    user and plugin), each with ``install_count``, most first, ties by name; ``recent``: the
    latest published or updated. At most ``limit`` each, as plugin rows for the cards; three
    queries whatever the catalogue's size."""
    counts = list(
        InstalledPlugin.objects.values("plugin_name")
        .annotate(users=Count("user", distinct=True))
        .order_by("-users", "plugin_name")
        .values_list("plugin_name", "users")[:limit]
    )
    registry = RegistryService()
    by_name = registry.browse().in_bulk([name for name, _ in counts], field_name="canonical_name")
    popular = []
    for name, users in counts:
        plugin = by_name.get(name)
        if plugin is not None:  # its every version removed since
            plugin.install_count = users
            popular.append(plugin)
    return {"popular": popular, "recent": list(registry.browse(sort="updated")[:limit])}
