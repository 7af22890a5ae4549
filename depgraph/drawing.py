"""A picture of a plugin's transitive dependencies: Graphviz's ``dot`` layout, as SVG.

The DOT source is written with the ``graphviz`` package, which quotes identifiers; every
label goes through ``graphviz.escape`` so that nothing a manifest says is read as an HTML
label or a DOT escape, and ``dot`` escapes text for XML when it writes the SVG. Node
identifiers are generated (``n0``, ``n1``...), never plugin text. ``dot`` runs with a
timeout; ``DrawingUnavailable`` says in words why there is no picture.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

import graphviz
import networkx as nx

from depgraph.services import Walk

MAX_NODES = 300
TIMEOUT_SECONDS = 5.0
# dot copies URL attributes into the SVG unescaped: allow only characters safe in XML.
SAFE_URL = re.compile(r"^[A-Za-z0-9/._~%:?=+-]*$")


class DrawingUnavailable(Exception):
    """No picture can be drawn; the message says why, for the page to show."""


@dataclass(frozen=True)
class GraphNode:
    canonical: str
    name: str
    versions: tuple[str, ...]
    missing: bool
    root: bool


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    on_cycle: bool


@dataclass(frozen=True)
class Picture:
    """The nodes and edges to draw, root first, then by name."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]


def picture_of(walk: Walk) -> Picture:
    """The drawable graph of a walk from one root."""
    root = walk.roots[0]
    component_of = {
        node: index
        for index, component in enumerate(nx.strongly_connected_components(walk.graph))
        for node in component
    }
    nodes = [
        GraphNode(
            canonical=node,
            name=walk.label(node),
            versions=tuple(sorted(walk.versions[node])),
            missing=node in walk.missing,
            root=node == root,
        )
        for node in sorted(walk.graph, key=lambda node: (node != root, node))
    ]
    edges = [
        GraphEdge(
            source=source,
            target=target,
            on_cycle=component_of[source] == component_of[target],
        )
        for source, target in walk.graph.edges
    ]
    return Picture(nodes=nodes, edges=edges)


def dot_source(picture: Picture, *, url_for: Callable[[str], str]) -> str:
    """The DOT text of ``picture``; ``url_for(name)`` is the page a node links to."""
    if len(picture.nodes) > MAX_NODES:
        raise DrawingUnavailable(
            f"This graph has {len(picture.nodes)} plugins, more than the {MAX_NODES} "
            "a picture can show legibly. The tree below lists them all."
        )
    graph = graphviz.Digraph(
        "dependencies",
        graph_attr={"rankdir": "LR", "bgcolor": "transparent"},
        node_attr={"shape": "box", "style": "rounded", "fontname": "sans-serif"},
        edge_attr={"fontname": "sans-serif"},
    )
    ids = {node.canonical: f"n{index}" for index, node in enumerate(picture.nodes)}
    for node in picture.nodes:
        if node.missing and not node.versions:
            label = f"{node.name}\nmissing"
        else:
            label = f"{node.name}\n{', '.join(node.versions)}"
        attrs = {"label": graphviz.escape(label), "tooltip": graphviz.escape(node.name)}
        url = url_for(node.name) if node.versions else ""
        if url and SAFE_URL.match(url):
            attrs["URL"] = url
            attrs["target"] = "_top"
        if node.root:
            attrs["penwidth"] = "2"
        if node.missing:
            attrs.update(color="red", style="rounded,dashed")
        graph.node(ids[node.canonical], **attrs)
    for edge in picture.edges:
        graph.edge(
            ids[edge.source], ids[edge.target], **({"color": "red"} if edge.on_cycle else {})
        )
    source: str = graph.source  # DOT text; graphviz ships no type hints
    return source


def dot_available() -> bool:
    return shutil.which("dot") is not None


def render_svg(source: str, *, timeout: float = TIMEOUT_SECONDS) -> str:
    """Lay out ``source`` with Graphviz's ``dot``; ``DrawingUnavailable`` when it cannot."""
    dot = shutil.which("dot")
    if dot is None:
        raise DrawingUnavailable(
            "The graph picture needs Graphviz, which is not installed on this server."
        )
    try:
        result = subprocess.run(  # noqa: S603 - a fixed binary; the input is DOT we wrote
            [dot, "-Tsvg"],
            input=source,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise DrawingUnavailable(
            f"Drawing the graph took longer than {timeout:g} seconds; the tree lists it all."
        ) from error
    if result.returncode != 0:
        raise DrawingUnavailable("Graphviz could not draw this graph.")
    return result.stdout
