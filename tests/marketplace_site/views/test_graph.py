"""The dependency graph page: the picture, its SVG, and the tree beside it."""

import re
from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client

from depgraph import drawing
from marketplace_site.marketplace import Marketplace
from tests.factories import publish
from tests.pages import get, section, text

pytestmark = pytest.mark.django_db


def test_the_graph_page_embeds_the_picture_and_links_every_plugin(
    client: Client, marketplace: Marketplace
) -> None:
    publish("lib", marketplace=marketplace)
    publish("app", "1.0.0", dependencies={"lib": "*", "ghost": "*"}, marketplace=marketplace)
    html = get(client, "/plugins/app/graph/")
    assert (
        '<object class="depgraph-picture" type="image/svg+xml" data="/plugins/app/graph.svg">'
        in html
    )
    plugins = section(html, "graph-plugins")
    assert re.findall(r'href="([^"]+)"', plugins) == ["/plugins/app/", "/plugins/lib/"]
    assert "ghost missing" in text(plugins)
    assert "lib * → 1.0.0" in text(section(html, "dependencies"))
    assert "<script" not in html
    assert 'href="/plugins/app/graph/?version=1.0.0"' in get(client, "/plugins/app/")


@pytest.mark.usefixtures("dot")
def test_the_svg_is_drawn_with_links_to_plugin_pages(
    client: Client, marketplace: Marketplace
) -> None:
    publish("lib", marketplace=marketplace)
    publish("app", "1.0.0", dependencies={"lib": "*"}, marketplace=marketplace)
    response = client.get("/plugins/app/graph.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    svg = ElementTree.fromstring(response.content)  # noqa: S314 - the SVG dot wrote for us
    links = [a.get("{http://www.w3.org/1999/xlink}href") for a in svg.iter()]
    assert [link for link in links if link] == ["/plugins/app/", "/plugins/lib/"]


@pytest.mark.usefixtures("dot")
def test_the_svg_of_an_older_version(client: Client, marketplace: Marketplace) -> None:
    publish("old-dep", marketplace=marketplace)
    publish("app", "1.0.0", dependencies={"old-dep": "*"}, marketplace=marketplace)
    publish("app", "2.0.0", marketplace=marketplace)
    html = get(client, "/plugins/app/graph/?version=1.0.0")
    assert 'data="/plugins/app/graph.svg?version=1.0.0"' in html
    assert b"old-dep" in client.get("/plugins/app/graph.svg?version=1.0.0").content
    assert b"old-dep" not in client.get("/plugins/app/graph.svg").content


def test_without_graphviz_the_page_says_so_and_keeps_the_tree(
    client: Client, marketplace: Marketplace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("depgraph.drawing.shutil.which", lambda name: None)
    publish("lib", marketplace=marketplace)
    publish("app", "1.0.0", dependencies={"lib": "*"}, marketplace=marketplace)
    html = get(client, "/plugins/app/graph/")
    assert "needs Graphviz, which is not installed" in html
    assert "<object" not in html
    assert "lib * → 1.0.0" in text(section(html, "dependencies"))
    response = client.get("/plugins/app/graph.svg")
    assert response.status_code == 503
    assert b"needs Graphviz" in response.content


def test_a_graph_too_large_to_draw_is_not_drawn(
    client: Client, marketplace: Marketplace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drawing, "MAX_NODES", 2)
    publish("a", marketplace=marketplace)
    publish("b", marketplace=marketplace)
    publish("app", "1.0.0", dependencies={"a": "*", "b": "*"}, marketplace=marketplace)
    assert "more than the 2 a picture can show" in get(client, "/plugins/app/graph/")
    assert client.get("/plugins/app/graph.svg").status_code == 503


def test_a_plugin_without_dependencies_has_no_picture(
    client: Client, marketplace: Marketplace
) -> None:
    publish("solo", marketplace=marketplace)
    html = get(client, "/plugins/solo/graph/")
    assert "solo 1.0.0 depends on no other plugin." in html
    assert "<object" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/plugins/nothing/graph/",
        "/plugins/nothing/graph.svg",
        "/plugins/app/graph/?version=9.0",
        "/plugins/app/graph.svg?version=9.0",
    ],
)
def test_unknown_plugins_and_versions_are_not_found(
    client: Client, marketplace: Marketplace, url: str
) -> None:
    publish("app", marketplace=marketplace)
    assert client.get(url).status_code == 404


def test_the_graph_pages_answer_only_reads(client: Client, marketplace: Marketplace) -> None:
    publish("app", marketplace=marketplace)
    responses: list[Any] = [
        client.post("/plugins/app/graph/"),
        client.post("/plugins/app/graph.svg"),
    ]
    assert [response.status_code for response in responses] == [405, 405]


def test_plugins_that_all_depend_on_each_other_still_render(
    client: Client, marketplace: Marketplace
) -> None:
    names = [f"mesh{number}" for number in range(10)]  # 9! paths from each plugin
    for name in names:
        # Each on every other (a dependency on itself is refused at publish).
        others = {other: "*" for other in names if other != name}
        publish(name, dependencies=others, marketplace=marketplace)
    tree = section(get(client, "/plugins/mesh0/"), "dependencies")
    assert "9 plugins in all" in text(tree)
    assert tree.count("<details") == 10  # each plugin's dependencies shown once
    assert "shown above" in text(tree)
    assert "cycle" in text(tree)
