"""What the search page shows before anything is typed: popular and recent plugins."""

from typing import Any

from registry.services import RegistryService

EMPTY_SEARCH_SIZE = 6


def empty_search(*, limit: int = EMPTY_SEARCH_SIZE) -> dict[str, Any]:
    """``popular``: the plugins with the most installations held now (the plugin's
    ``install_count``, kept by the integration layer), most first, ties by name, none that
    nobody installed; ``recent``: the latest published or updated. At most ``limit`` each, as
    plugin rows for the cards, read from the browse orders' indexes whatever the catalogue's
    size."""
    registry = RegistryService()
    popular = [
        plugin
        for plugin in registry.browse_page(sort="installs", limit=limit)
        if plugin.install_count > 0
    ]
    return {"popular": popular, "recent": registry.browse_page(sort="updated", limit=limit)}
