"""Laying a dependency tree out as rows that a template turns into nested lists."""

from html.parser import HTMLParser

from depgraph.services import DependencyGraphService
from depgraph.tree import TreeLayout, lay_out
from marketplace_site.types import DependencyNode
from tests.depgraph.memory import simple


def layout_of(graph: dict[str, list[str]], root: str = "app", **options: object) -> TreeLayout:
    return lay_out(DependencyGraphService(simple(graph)).build_tree(root), **options)  # type: ignore[arg-type]


def html_of(layout: TreeLayout) -> str:
    """The markup the tree template writes, reduced to its tags and names."""
    parts = ["<ul>"]
    for row in layout.rows:
        parts.append(f"<li>{row.node.name}")
        parts.append("<details><ul>" if row.expanded else "</li>")
        parts.extend("</ul></details></li>" for _ in row.closes)
    parts.append("</ul>")
    return "".join(parts)


class Nesting(HTMLParser):
    """Checks that every element closes in order and records each name's depth."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.depths: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag

    def handle_data(self, data: str) -> None:
        self.depths.append((data, self.open.count("ul") - 1))


def nesting(layout: TreeLayout) -> list[tuple[str, int]]:
    parser = Nesting()
    parser.feed(html_of(layout))
    assert parser.open == []
    return parser.depths


def test_rows_nest_into_well_formed_lists() -> None:
    layout = layout_of({"app": ["a", "z"], "a": ["b"], "b": ["c"], "c": [], "z": []})
    assert nesting(layout) == [("app", 0), ("a", 1), ("b", 2), ("c", 3), ("z", 1)]
    assert (layout.plugins, layout.missing, layout.cycles, layout.truncated) == (4, 0, 0, False)


def test_a_subtree_already_shown_points_back_instead_of_repeating() -> None:
    layout = layout_of(
        {"app": ["left", "right"], "left": ["base"], "right": ["base"], "base": ["x"]}
    )
    first, again = [row for row in layout.rows if row.node.name == "base"]
    assert first.expanded and not first.repeat_of
    assert not again.expanded and again.repeat_of == first.anchor
    assert [name for name, _ in nesting(layout)] == ["app", "left", "base", "x", "right", "base"]


def test_missing_and_cycle_rows_are_counted_and_explained() -> None:
    published = {"lib"}
    tree = DependencyNode(
        "app",
        "1",
        None,
        (
            DependencyNode("ghost", None, "*"),
            DependencyNode("lib", None, ">=9"),
            DependencyNode("app", "1", "*", cycle=True),
        ),
    )
    layout = lay_out(tree, is_published=lambda name: name in published)
    assert [(row.node.name, row.missing) for row in layout.rows] == [
        ("app", ""),
        ("ghost", "unpublished"),
        ("lib", "unsatisfied"),
        ("app", ""),
    ]
    assert (layout.missing, layout.cycles) == (2, 1)


def test_a_huge_tree_is_cut_and_still_well_formed() -> None:
    chain = {f"p{i}": [f"p{i + 1}", f"q{i}"] for i in range(100)}
    layout = layout_of(chain, "p0", max_rows=50)
    assert layout.truncated
    assert len(layout.rows) == 50
    nesting(layout)


def test_the_first_levels_start_open() -> None:
    chain = {f"p{i}": [f"p{i + 1}"] for i in range(6)}
    layout = layout_of(chain, "p0")
    assert [row.open for row in layout.rows if row.expanded] == [True] * 3 + [False] * 3
