"""The graph picture: DOT source with escaped labels, drawn by Graphviz's dot with a timeout."""

import subprocess
from typing import Any
from xml.etree import ElementTree

import pytest

from depgraph import drawing
from depgraph.services import DependencyGraphService
from tests.depgraph.memory import simple

XLINK = "{http://www.w3.org/1999/xlink}href"


def picture(graph: dict[str, list[str]], root: str = "app") -> drawing.Picture:
    walk = DependencyGraphService(simple(graph)).walk([(root, None)])
    return drawing.picture_of(walk)


def parse_svg(text: str) -> ElementTree.Element:
    return ElementTree.fromstring(text)  # noqa: S314 - an SVG that dot wrote from our DOT


def url_for(name: str) -> str:
    return f"/plugins/{name}/"


def test_the_picture_has_the_root_first_then_plugins_by_name() -> None:
    drawn = picture({"app": ["b", "a"], "a": ["ghost"], "b": []})
    assert [(n.name, n.versions, n.missing, n.root) for n in drawn.nodes] == [
        ("app", ("1.0.0",), False, True),
        ("a", ("1.0.0",), False, False),
        ("b", ("1.0.0",), False, False),
        ("ghost", (), True, False),
    ]


def test_edges_on_a_cycle_are_marked() -> None:
    drawn = picture({"app": ["a"], "a": ["b"], "b": ["a", "c"], "c": ["c"]})
    marked = {(e.source, e.target): e.on_cycle for e in drawn.edges}
    assert marked == {
        ("app", "a"): False,
        ("a", "b"): True,
        ("b", "a"): True,
        ("b", "c"): False,
        ("c", "c"): True,
    }


def test_labels_are_escaped_and_identifiers_are_generated() -> None:
    hostile = drawing.GraphNode("<b>x</b>", '"<i>" & \\N', ("1.0",), missing=False, root=True)
    source = drawing.dot_source(drawing.Picture([hostile], []), url_for=url_for)
    assert 'n0 [label="\\"<i>\\" & \\\\N\n1.0"' in source
    assert "<b>" not in source


@pytest.mark.usefixtures("dot")
def test_hostile_text_comes_out_as_text_in_the_svg() -> None:
    hostile = drawing.GraphNode("x", "<script>alert(1)</script> & \\N", (), missing=True, root=True)
    svg = drawing.render_svg(drawing.dot_source(drawing.Picture([hostile], []), url_for=url_for))
    texts = [t.text for t in parse_svg(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["<script>alert(1)</script> & \\N", "missing"]
    assert "<script" not in svg


def test_an_unsafe_url_is_left_out() -> None:
    source = drawing.dot_source(picture({"app": []}), url_for=lambda name: '/x"&y')
    assert "URL" not in source


def test_a_graph_too_big_to_draw_says_so() -> None:
    graph = {"app": [f"p{i}" for i in range(drawing.MAX_NODES)]}
    with pytest.raises(drawing.DrawingUnavailable, match="more than the 300"):
        drawing.dot_source(picture(graph), url_for=url_for)


@pytest.mark.usefixtures("dot")
def test_dot_draws_an_svg_whose_nodes_link_to_plugin_pages() -> None:
    source = drawing.dot_source(picture({"app": ["lib"], "lib": []}), url_for=url_for)
    svg = parse_svg(drawing.render_svg(source))
    links = [a.get(XLINK) for a in svg.iter("{http://www.w3.org/2000/svg}a")]
    assert links == ["/plugins/app/", "/plugins/lib/"]


def test_without_dot_there_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("depgraph.drawing.shutil.which", lambda name: None)
    assert not drawing.dot_available()
    with pytest.raises(drawing.DrawingUnavailable, match="needs Graphviz"):
        drawing.render_svg("digraph {}")


def test_a_slow_dot_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    def too_slow(*args: Any, **kwargs: Any) -> None:
        raise subprocess.TimeoutExpired(args[0], kwargs["timeout"])

    monkeypatch.setattr("depgraph.drawing.shutil.which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr("depgraph.drawing.subprocess.run", too_slow)
    with pytest.raises(drawing.DrawingUnavailable, match=r"longer than 0\.5 seconds"):
        drawing.render_svg("digraph {}", timeout=0.5)


def test_a_failing_dot_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("depgraph.drawing.shutil.which", lambda name: "/bin/false")
    with pytest.raises(drawing.DrawingUnavailable, match="could not draw"):
        drawing.render_svg("digraph {}")
