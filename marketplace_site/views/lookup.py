"""Finding the plugin and version a page is about, or answering 404 in words."""

from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest

if TYPE_CHECKING:
    from marketplace_site.actions import Marketplace
    from registry.models import Plugin, PluginVersion


def plugin_and_version(
    marketplace: "Marketplace",
    request: HttpRequest,
    name: str,
    *,
    plugin: "Plugin | None" = None,
) -> tuple["Plugin", "PluginVersion"]:
    """The plugin named ``name`` and the version in ``?version=`` (its latest by default);
    ``plugin`` is the plugin row when the caller has read it already (no second query)."""
    if plugin is None:
        plugin = marketplace.registry.get_plugin(name)
    if plugin is None:
        raise Http404(f"No plugin named {name!r}.")
    requested = request.GET.get("version")
    selected = marketplace.registry.get_version_row(name, requested) if requested else plugin.latest
    if selected is None:
        raise Http404(f"{plugin.display_name} has no version {requested}.")
    selected.plugin = plugin
    return plugin, selected
