"""The dependency graph's parts of the site: the plugin page's "Dependencies" and "Used by"
sections, the remove page's list of dependents, and the graph picture.

Composed here because they need the registry (the plugin rows), the resolver (which
constraints a removed version satisfies) and the depgraph app together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from depgraph import drawing, selectors
from depgraph.services import DependencyGraphService, TreeTooLarge
from depgraph.tree import TreeLayout, lay_out
from marketplace_site.marketplace import Marketplace, create_marketplace
from marketplace_site.pages.lookup import plugin_and_version
from marketplace_site.types import InvalidConstraint

if TYPE_CHECKING:
    from marketplace_site.providers import RegistryProvider
    from registry.models import Plugin, PluginVersion

USED_BY_PER_PAGE = 20
REMOVE_PAGE_LIMIT = 50
MAX_TREE_NODES = 20_000
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


# ---------------------------------------------------------------------- helpers


def _tree(provider: RegistryProvider, name: str, version: str) -> TreeLayout:
    """The tree as rows. A tree too big to build whole (plugins in a big cycle) is shown as
    its outline, which the rows would show anyway: each plugin's dependencies once."""
    service = DependencyGraphService(provider)
    try:
        tree = service.build_tree(name, version, max_nodes=MAX_TREE_NODES)
    except TreeTooLarge:
        tree = service.outline(name, version)
    return lay_out(tree, is_published=lambda dependency: bool(provider.versions(dependency)))


@dataclass(frozen=True)
class UsedBy:
    """One page of the plugins that depend on a plugin."""

    dependents: list[selectors.Dependent]
    total: int
    number: int
    num_pages: int
    previous_query: str
    next_query: str


def _query_with(request: HttpRequest, **params: Any) -> str:
    query = request.GET.copy()
    for key, value in params.items():
        query[key] = str(value)
    return query.urlencode()


def _page_number(text: str | None, num_pages: int) -> int:
    """The page asked for, within 1..num_pages; anything unreadable is the first page."""
    try:
        number = int(text or 1)
    except ValueError:
        return 1
    return min(max(number, 1), num_pages)


def _used_by(request: HttpRequest, plugin: Plugin) -> UsedBy:
    total = selectors.dependents_count(plugin.canonical_name)
    num_pages = max(1, -(-total // USED_BY_PER_PAGE))
    number = _page_number(request.GET.get("upage"), num_pages)
    dependents = (
        selectors.dependents(
            plugin.canonical_name, offset=(number - 1) * USED_BY_PER_PAGE, limit=USED_BY_PER_PAGE
        )
        if total
        else []
    )
    return UsedBy(
        dependents=dependents,
        total=total,
        number=number,
        num_pages=num_pages,
        previous_query=_query_with(request, upage=number - 1) if number > 1 else "",
        next_query=_query_with(request, upage=number + 1) if number < num_pages else "",
    )


def _satisfies(marketplace: Marketplace, version: str, constraint: str) -> bool:
    try:
        return marketplace.resolver.satisfies(version, constraint or "*")
    except InvalidConstraint:
        return False


def _satisfying(marketplace: Marketplace, versions: list[str], constraint: str) -> str | None:
    try:
        return marketplace.resolver.max_satisfying(versions, constraint or "*")
    except InvalidConstraint:
        return None


# ---------------------------------------------------------------------- page sections


def plugin_section(
    request: HttpRequest, marketplace: Marketplace, plugin: Plugin, selected: PluginVersion
) -> dict[str, Any]:
    """The plugin page's "Dependencies" tree and paged "Used by" list."""
    return {
        "depgraph": {
            "tree": _tree(marketplace.provider(), plugin.display_name, selected.version),
            "used_by": _used_by(request, plugin),
        }
    }


@dataclass(frozen=True)
class AffectedPlugin:
    """A plugin with versions whose constraint the version being removed satisfies."""

    name: str
    versions: tuple[str, ...]
    constraints: tuple[str, ...]
    # The version those constraints fall back on once this one is gone; None: nothing.
    fallback: str | None


def remove_section(
    request: HttpRequest, marketplace: Marketplace, row: PluginVersion
) -> dict[str, Any]:
    """The plugins that depend on the version being removed, and what they fall back on."""
    name = row.plugin.canonical_name
    others = [v for v in marketplace.registry.versions(name) if v != row.version]
    grouped: dict[str, list[selectors.DependentVersion]] = {}
    for dependent in selectors.dependent_versions(name):
        if dependent.canonical_name == name:
            continue
        if not _satisfies(marketplace, row.version, dependent.constraint):
            continue
        grouped.setdefault(dependent.canonical_name, []).append(dependent)
    affected = []
    for rows in grouped.values():
        constraints = tuple(dict.fromkeys(dependent.constraint for dependent in rows))
        fallbacks = [_satisfying(marketplace, others, constraint) for constraint in constraints]
        affected.append(
            AffectedPlugin(
                name=rows[0].name,
                versions=tuple(dependent.version for dependent in rows),
                constraints=constraints,
                fallback=None if None in fallbacks else fallbacks[0],
            )
        )
    affected.sort(key=lambda plugin: (plugin.fallback is not None, plugin.name.lower()))
    return {
        "depgraph": {
            "affected": affected[:REMOVE_PAGE_LIMIT],
            "affected_total": len(affected),
            "broken_total": sum(plugin.fallback is None for plugin in affected),
        }
    }


# ---------------------------------------------------------------------- graph pages


def _plugin_url(name: str) -> str:
    return reverse("plugin_detail", args=[name])


@require_safe
def plugin_graph(request: HttpRequest, name: str) -> HttpResponse:
    """The picture of a plugin's transitive dependencies, with the tree and a list of links."""
    marketplace = create_marketplace()
    plugin, selected = plugin_and_version(marketplace, request, name)
    provider = marketplace.provider()
    walk = DependencyGraphService(provider).walk([(plugin.display_name, selected.version)])
    picture = drawing.picture_of(walk)
    problem = ""
    if len(picture.nodes) > drawing.MAX_NODES:
        problem = (
            f"This graph has {len(picture.nodes)} plugins, more than the {drawing.MAX_NODES} "
            "a picture can show legibly. The tree below lists them all."
        )
    elif not drawing.dot_available():
        problem = "The graph picture needs Graphviz, which is not installed on this server."
    svg_url = reverse("plugin_graph_svg", args=[plugin.display_name])
    if request.GET.get("version"):
        svg_url += "?" + _query_with(request, version=selected.version)
    context = {
        "plugin": plugin,
        "selected": selected,
        "picture": picture,
        "problem": problem,
        "svg_url": svg_url,
        "tree": _tree(provider, plugin.display_name, selected.version),
    }
    return render(request, "depgraph/plugin_graph.html", context)


@require_safe
@xframe_options_sameorigin
def plugin_graph_svg(request: HttpRequest, name: str) -> HttpResponse:
    """The picture itself, as an SVG document of its own (embedded with <object>)."""
    marketplace = create_marketplace()
    plugin, selected = plugin_and_version(marketplace, request, name)
    walk = DependencyGraphService(marketplace.provider()).walk(
        [(plugin.display_name, selected.version)]
    )
    try:
        source = drawing.dot_source(drawing.picture_of(walk), url_for=_plugin_url)
        svg = drawing.render_svg(source)
    except drawing.DrawingUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Security-Policy"] = SVG_CSP
    return response


urlpatterns: list[URLPattern] = [
    path("plugins/<str:name>/graph/", plugin_graph, name="plugin_graph"),
    path("plugins/<str:name>/graph.svg", plugin_graph_svg, name="plugin_graph_svg"),
]
