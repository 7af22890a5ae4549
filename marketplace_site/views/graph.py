"""The dependency graph page: a picture of a plugin's transitive dependencies (an SVG made
by Graphviz), with the tree and a list of links."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from depgraph import drawing
from depgraph.services import DependencyGraphService
from marketplace_site.actions import create_marketplace
from marketplace_site.sections.depgraph import tree_rows
from marketplace_site.views.lookup import plugin_and_version
from marketplace_site.web.paging import query_with

SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


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
        svg_url += "?" + query_with(request, version=selected.version)
    context = {
        "plugin": plugin,
        "selected": selected,
        "picture": picture,
        "problem": problem,
        "svg_url": svg_url,
        "tree": tree_rows(provider, plugin.display_name, selected.version),
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
